import type { ServerSettings } from '../domain'

/** A provider whose settings ship with Tandem. */
export interface ServerPreset {
  id: 'microsoft365' | 'google'
  name: string
  settings: ServerSettings
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
    domains: ['gmail.com', 'googlemail.com'],
    hosts: /(^|\.)(gmail\.com|google\.com|googlemail\.com)$/i,
  },
]

/** Delegate-login forms people meet, for the server-settings form. */
export const DELEGATE_LOGINS: { label: string; template: string | null }[] = [
  { label: 'None (my own session)', template: null },
  { label: 'Dovecot master user (shared*me)', template: '{shared}*{user}' },
  { label: 'Exchange (me\\shared)', template: '{user}\\{shared}' },
]

/** The preset for a consumer domain, or for settings pointing at a provider's hosts. */
export function presetFor(domain: string, imapHost?: string): ServerPreset | null {
  const d = domain.toLowerCase()
  return PRESETS.find((p) => p.domains.includes(d) || (imapHost !== undefined && p.hosts.test(imapHost))) ?? null
}
