import type { Endpoint, ServerSettings } from '../domain'
import { PRESETS, type ServerPreset } from './server-presets'

/**
 * Where an organisation sign-in's tokens may go. A token works at every server that trusts its
 * issuer: handed to any other host, it can be replayed at the real one (a hostile autoconfig
 * naming Microsoft's IMAP host and its own SMTP host would otherwise get a fresh token at every
 * send). So a provider Tandem knows (a preset) sends its tokens only to that provider's exact
 * servers; any other issuer's go only to the servers the person confirmed when the account was
 * set up (asked by main, never by the window: electron/service/confirm.ts).
 */

const same = (a: Endpoint, b: Endpoint) => a.host.trim().toLowerCase() === b.host.trim().toLowerCase() && a.port === b.port && a.security === b.security

/** The preset whose provider issues tokens at this issuer, if any. */
export function presetOfIssuer(issuer: string): ServerPreset | null {
  const norm = (u: string) => u.trim().replace(/\/+$/, '').toLowerCase()
  return PRESETS.find((p) => p.oauth && norm(p.oauth.issuer) === norm(issuer)) ?? null
}

/** Whether these are exactly a preset's IMAP and SMTP servers. */
export function isPresetServers(preset: ServerPreset, server: Pick<ServerSettings, 'imap' | 'smtp'>): boolean {
  return same(server.imap, preset.settings.imap) && same(server.smtp, preset.settings.smtp)
}

/**
 * What a token of the settings' issuer needs before it is used at their servers: nothing (a
 * preset's own servers), the person's confirmation (any other issuer), or it is refused (a
 * preset's issuer with any other server).
 */
export function tokenHostsVerdict(server: ServerSettings): 'preset' | 'confirm' | 'refused' {
  if (!server.oauth) return 'preset'
  const preset = presetOfIssuer(server.oauth.issuer)
  if (!preset) return 'confirm'
  return isPresetServers(preset, server) ? 'preset' : 'refused'
}

/** The servers' hosts outside the address's domain (its subdomains are inside). */
export function hostsOutsideDomain(address: string, server: Pick<ServerSettings, 'imap' | 'smtp'>): string[] {
  const domain = (address.split('@')[1] ?? '').trim().toLowerCase()
  const inside = (host: string) => { const h = host.trim().toLowerCase(); return !!domain && (h === domain || h.endsWith(`.${domain}`)) }
  return [...new Set([server.imap.host, server.smtp.host].map((h) => h.trim().toLowerCase()))].filter((h) => !inside(h))
}
