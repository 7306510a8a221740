import type { OAuthSettings, ServerSettings } from '../domain'

/** How a provider signs people in with OAuth2, once Tandem has a client ID for it. */
export interface OAuthPreset extends Omit<OAuthSettings, 'clientId'> {
  /** The delegate login with a member's token (Exchange Online: the shared address itself). */
  delegateLogin: string | null
}

/** A provider whose settings ship with Tandem. */
export interface ServerPreset {
  id: 'microsoft365' | 'google'
  name: string
  settings: ServerSettings
  /** Organisation sign-in: used when the build or launcher gives a client ID for the provider. */
  oauth?: OAuthPreset
  /** Consumer domains that are always this provider. */
  domains: string[]
  /** Host names that show an autoconfig answer is this provider (its delegate login applies). */
  hosts: RegExp
}

export const PRESETS: ServerPreset[] = [
  {
    id: 'microsoft365',
    name: 'Microsoft 365',
    // Exchange Online: a shared mailbox opens as "member\shared" over IMAP with a password.
    settings: {
      imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
      smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
      delegateLogin: '{user}\\{shared}',
    },
    // Exchange Online takes only OAuth2 for IMAP, and password SMTP AUTH ends for existing
    // tenants in December 2026. A shared mailbox opens with its own address and the member's token.
    oauth: {
      issuer: 'https://login.microsoftonline.com/common/v2.0',
      scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All', 'https://outlook.office.com/SMTP.Send', 'offline_access', 'openid', 'email'],
      // Entra ID issues a refresh token for offline_access without prompt=consent, which would
      // ask people whose administrator consented for everyone.
      authParams: {},
      delegateLogin: '{shared}',
    },
    domains: ['outlook.com', 'hotmail.com', 'live.com', 'msn.com'],
    hosts: /(^|\.)(office365\.com|outlook\.com)$/i,
  },
  {
    id: 'google',
    name: 'Google',
    // Gmail has no IMAP delegation: shared mailboxes (delegated accounts) are not reachable over IMAP.
    settings: {
      imap: { host: 'imap.gmail.com', port: 993, security: 'tls' },
      smtp: { host: 'smtp.gmail.com', port: 587, security: 'starttls' },
      delegateLogin: null,
    },
    // Google: a refresh token only with access_type=offline and prompt=consent; its desktop
    // clients also send their (public) client secret.
    oauth: {
      issuer: 'https://accounts.google.com',
      scopes: ['https://mail.google.com/', 'openid', 'email'],
      authParams: { access_type: 'offline', prompt: 'consent' },
      delegateLogin: null,
    },
    domains: ['gmail.com', 'googlemail.com'],
    hosts: /(^|\.)(gmail\.com|google\.com|googlemail\.com)$/i,
  },
]

/** Client IDs Tandem is registered under, per provider (set by the build or the launcher). */
export type OAuthClients = Partial<Record<ServerPreset['id'], { clientId: string; clientSecret?: string }>>

/**
 * The client IDs a launcher gives, as JSON: `TANDEM_OAUTH_CLIENTS='{"microsoft365":"<id>"}'`, or
 * `{"google":{"clientId":"<id>","clientSecret":"<installed-app secret>"}}`. Only known providers,
 * only plausible values; anything else is ignored.
 */
export function parseOAuthClients(json: string | undefined): OAuthClients {
  if (!json) return {}
  let raw: unknown
  try { raw = JSON.parse(json) } catch { return {} }
  const plausible = (v: unknown): v is string => typeof v === 'string' && /^[\w.-]{1,200}$/.test(v)
  const out: OAuthClients = {}
  for (const p of PRESETS) {
    const v = (raw as Record<string, unknown> | null)?.[p.id]
    if (plausible(v)) out[p.id] = { clientId: v }
    else if (v && typeof v === 'object' && plausible((v as { clientId?: unknown }).clientId)) {
      const secret = (v as { clientSecret?: unknown }).clientSecret
      out[p.id] = { clientId: (v as { clientId: string }).clientId, ...(plausible(secret) ? { clientSecret: secret } : {}) }
    }
  }
  return out
}

/** A preset's settings: with organisation sign-in when Tandem has a client ID for the provider. */
export function presetSettings(preset: ServerPreset, clients: OAuthClients = {}): ServerSettings {
  const client = clients[preset.id]
  if (!preset.oauth || !client) return { ...preset.settings, oauth: null }
  const { delegateLogin, ...oauth } = preset.oauth
  return { ...preset.settings, delegateLogin, oauth: { ...oauth, ...client } }
}

/** Delegate-login forms people meet, for the server-settings form. */
export const DELEGATE_LOGINS: { id: 'none' | 'dovecot' | 'exchange' | 'exchangeOnline'; template: string | null }[] = [
  { id: 'none', template: null },
  { id: 'dovecot', template: '{shared}*{user}' },
  { id: 'exchange', template: '{user}\\{shared}' },
  { id: 'exchangeOnline', template: '{shared}' },
]

/** The preset for a consumer domain, or for settings pointing at a provider's hosts. */
export function presetFor(domain: string, imapHost?: string): ServerPreset | null {
  const d = domain.toLowerCase()
  return PRESETS.find((p) => p.domains.includes(d) || (imapHost !== undefined && p.hosts.test(imapHost))) ?? null
}
