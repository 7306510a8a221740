import type { Address } from '../domain'

/**
 * Who wrote a draft, in the draft itself (X-Tandem-Draft-By): a shared mailbox's Drafts are
 * every member's, and a send-as draft has no Sender. Written by the service from the signed-in
 * person; read back as the draft's word only — any member could write this header.
 *
 * The value is ASCII whatever the name: "Name" <address>, or =?UTF-8?B?…?= <address> for a
 * name beyond ASCII (RFC 2047), so no library re-encodes it on the way.
 */
export function formatDraftAuthor(a: Address): string {
  const name = a.name.replace(/["\\\r\n]/g, '').slice(0, 100)
  const plain = /^[\x20-\x7e]*$/.test(name)
  const shown = plain ? `"${name}"` : `=?UTF-8?B?${base64(new TextEncoder().encode(name))}?=`
  return `${shown} <${a.address}>`
}

/** The author a draft names, or null when its header is missing or not of this shape. */
export function parseDraftAuthor(value: string | null | undefined): Address | null {
  const m = /^\s*(?:"([^"]*)"|=\?UTF-8\?B\?([A-Za-z0-9+/=]{0,400})\?=)\s*<([^<>\s@]+@[^<>\s@]+)>\s*$/i.exec(value ?? '')
  if (!m) return null
  const name = m[1] ?? (m[2] ? new TextDecoder().decode(unbase64(m[2])) : '')
  return { name: name.slice(0, 200), address: m[3]!.toLowerCase().slice(0, 320) }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
function base64(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + (i + 1 < bytes.length ? B64[(n >> 6) & 63]! : '=') + (i + 2 < bytes.length ? B64[n & 63]! : '=')
  }
  return out
}
function unbase64(s: string): Uint8Array {
  const out: number[] = []
  let acc = 0
  let bits = 0
  for (const c of s.replace(/=+$/, '')) {
    acc = (acc << 6) | B64.indexOf(c)
    bits += 6
    if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 0xff) }
  }
  return new Uint8Array(out)
}
