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
  /**
   * Grants its submission server enforces itself, whoever asks: where the organisation's
   * directory publishes none, a grant the person says they have is acted on only if the server
   * would refuse a wrong one (R2, R3).
   */
  checksSenders: ('sendAs' | 'onBehalf')[]
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
    // Exchange Online refuses both without the permission: 554 5.2.252 SendAsDenied.
    checksSenders: ['sendAs', 'onBehalf'],
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
    // Gmail rewrites a From it does not know rather than refusing it: nothing to rely on.
    checksSenders: [],
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

const sameEndpoint = (a: ServerSettings['imap'], b: ServerSettings['imap']) => a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.security === b.security

/**
 * The preset for a consumer domain, or for settings that are exactly a provider's servers (both
 * of them: an answer naming Microsoft's IMAP server and another SMTP server is not Microsoft's,
 * and must not get its sign-in: shared/rules/token-hosts.ts).
 */
export function presetFor(domain: string, servers?: Pick<ServerSettings, 'imap' | 'smtp'>): ServerPreset | null {
  const d = domain.toLowerCase()
  return PRESETS.find((p) => p.domains.includes(d) || (servers !== undefined && sameEndpoint(servers.imap, p.settings.imap) && sameEndpoint(servers.smtp, p.settings.smtp))) ?? null
}

/** The grants the account's submission server enforces itself (a preset's), for grants the person claims. */
export function serverChecksSenders(server: Pick<ServerSettings, 'imap' | 'smtp'>): ('sendAs' | 'onBehalf')[] {
  const preset = PRESETS.find((p) => sameEndpoint(server.smtp, p.settings.smtp))
  return preset ? preset.checksSenders : []
}
