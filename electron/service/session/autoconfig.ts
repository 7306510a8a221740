import { XMLParser } from 'fast-xml-parser'
import type { ServerSettings, Security } from '../../../shared/domain'
import { isLoopbackHost } from '../../../shared/rules/connection-security'
import { presetFor, presetSettings, type OAuthClients } from '../../../shared/rules/server-presets'
import { text, type Text } from '../../../shared/api/errors'

/**
 * Server settings found from an address, before the guess imap.<domain>: Thunderbird's
 * autoconfig format (config-v1.1.xml) from autoconfig.<domain> and from the domain's
 * .well-known path, then the presets that ship with Tandem. Only https is fetched (plain http
 * only from this computer, for tests), at most 64 KB of it, read as it streams; the answer is the
 * domain's (or a network attacker's) to write, so it is checked field by field and ignored, with
 * a note, when anything in it is not a plain setting. It never offers a connection without TLS,
 * not even to this computer: a password goes in the clear only where the person typed that
 * themselves. The form shows the servers it found before anything is sent to them.
 */

export interface Discovered {
  server: ServerSettings | null
  source: 'autoconfig' | 'preset' | null
  /** The provider, when a preset applies (its delegate login comes with it). */
  provider: string | null
  /** Why an answer was ignored, for the form. */
  note: Text | null
  /** The host that published the answer (autoconfig), shown with the servers it names. */
  foundAt: string | null
}

export interface AutoconfigOptions {
  /** Where to look (tests serve real autoconfig files from a loopback server). */
  urls?: (domain: string, address: string) => string[]
  fetcher?: typeof fetch
  /** Tandem's client IDs: a provider's preset then comes with its organisation sign-in. */
  clients?: OAuthClients
}

const MAX_BYTES = 64 * 1024
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

const defaultUrls = (domain: string, address: string) => [
  `https://autoconfig.${domain}/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address)}`,
  `https://${domain}/.well-known/autoconfig/mail/config-v1.1.xml`,
]

function security(socketType: unknown): Security | null {
  const s = String(socketType ?? '').toUpperCase()
  return s === 'SSL' ? 'tls' : s === 'STARTTLS' ? 'starttls' : s === 'PLAIN' ? 'none' : null
}

type Server = { '@_type'?: string; hostname?: unknown; port?: unknown; socketType?: unknown }
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

/** The settings an autoconfig document gives, or null when it gives none that can be trusted. */
export function parseAutoconfig(xml: string, address: string): ServerSettings | null {
  const [local = '', domain = ''] = address.split('@')
  let doc: { clientConfig?: { emailProvider?: { incomingServer?: Server | Server[]; outgoingServer?: Server | Server[] } } }
  try {
    doc = new XMLParser({ ignoreAttributes: false, processEntities: false, parseTagValue: false }).parse(xml)
  } catch {
    return null
  }
  const provider = list(doc?.clientConfig?.emailProvider)[0]
  const pick = (servers: Server[], type: string) => {
    for (const s of servers.filter((x) => x['@_type'] === type)) {
      const host = String(s.hostname ?? '').replace(/%EMAILDOMAIN%/g, domain).replace(/%EMAILLOCALPART%/g, local).trim().toLowerCase()
      const port = Number(s.port)
      const sec = security(s.socketType)
      if (HOST.test(host) && Number.isInteger(port) && port > 0 && port < 65536 && sec) {
        // A plain connection would hand the password to whatever listens there (a remote answer
        // naming localhost:port included): only settings the person typed may be plain.
        if (sec === 'none') continue
        return { host, port, security: sec }
      }
    }
    return null
  }
  const imap = pick(list(provider?.incomingServer), 'imap')
  const smtp = pick(list(provider?.outgoingServer), 'smtp')
  return imap && smtp ? { imap, smtp } : null
}

function allowedUrl(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname))
  } catch {
    return false
  }
}

/** The answer's body, read as it streams and abandoned past `max` bytes (a chunked answer states no length). */
export async function readCapped(res: Response, max: number): Promise<string | null> {
  if (Number(res.headers.get('content-length') ?? 0) > max) { await res.body?.cancel().catch(() => undefined); return null }
  if (!res.body) return null
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > max) { await reader.cancel().catch(() => undefined); return null }
      chunks.push(value)
    }
  } catch {
    return null
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function fetchSmall(url: string, fetcher: typeof fetch): Promise<string | null> {
  if (!allowedUrl(url)) return null
  const res = await fetcher(url, { redirect: 'manual', signal: AbortSignal.timeout(5000), headers: { accept: 'application/xml, text/xml' } }).catch(() => null)
  if (!res) return null
  if (res.status !== 200) { await res.body?.cancel().catch(() => undefined); return null }
  return readCapped(res, MAX_BYTES)
}

export async function discoverServer(address: string, opts: AutoconfigOptions = {}): Promise<Discovered> {
  const domain = (address.split('@')[1] ?? '').trim().toLowerCase()
  if (!HOST.test(domain)) return { server: null, source: null, provider: null, note: null, foundAt: null }
  const consumer = presetFor(domain)
  if (consumer) return { server: presetSettings(consumer, opts.clients), source: 'preset', provider: consumer.name, note: null, foundAt: null }
  let note: Text | null = null
  for (const url of (opts.urls ?? defaultUrls)(domain, address)) {
    const xml = await fetchSmall(url, opts.fetcher ?? fetch)
    if (xml === null) continue
    const found = parseAutoconfig(xml, address)
    if (!found) { note = text('notes.autoconfigIgnored', { domain }); continue }
    const preset = presetFor(domain, found)
    // A provider's own settings where the published ones point at it (its sign-in, its delegate login).
    const known = preset ? presetSettings(preset, opts.clients) : null
    return { server: { ...found, delegateLogin: known?.delegateLogin ?? null, oauth: known?.oauth ?? null }, source: 'autoconfig', provider: preset?.name ?? null, note: null, foundAt: new URL(url).hostname }
  }
  return { server: null, source: null, provider: null, note, foundAt: null }
}
