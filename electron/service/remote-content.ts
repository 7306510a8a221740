import { isLoopbackHost } from '../../shared/rules/connection-security'

const MAX_IMAGE = 5 * 1024 * 1024

/** Private, link-local and loopback addresses: a mail must not make Tandem probe the local network. */
export function isPrivateHost(host: string): boolean {
  const h = host.toLowerCase()
  if (isLoopbackHost(h) || h.endsWith('.local') || h.endsWith('.internal') || h === '0.0.0.0') return true
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(h)
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])]
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || a === 0
  }
  return /^\[?(fc|fd|fe80)/.test(h)
}

/**
 * Fetches one remote image that the person allowed, for the reader: http(s) only, no cookies,
 * images only, at most 5 MB, never to a private address. Anything else gives null (a broken image).
 */
export async function fetchRemoteImage(url: string, fetcher: typeof fetch = fetch): Promise<string | null> {
  let u: URL
  try { u = new URL(url) } catch { return null }
  if (!/^https?:$/.test(u.protocol) || isPrivateHost(u.hostname)) return null
  try {
    const res = await fetcher(u, { redirect: 'follow', credentials: 'omit', signal: AbortSignal.timeout(10_000) })
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (!res.ok || !/^image\/(png|jpe?g|gif|webp|bmp|x-icon|vnd\.microsoft\.icon)$/.test(type)) return null
    const body = Buffer.from(await res.arrayBuffer())
    if (body.length > MAX_IMAGE) return null
    return `data:${type};base64,${body.toString('base64')}`
  } catch {
    return null
  }
}
