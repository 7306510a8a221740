import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

export const MAX_IMAGE = 5 * 1024 * 1024
const MAX_REDIRECTS = 3
const TIMEOUT_MS = 10_000
const IMAGE_TYPE = /^image\/(png|jpe?g|gif|webp|bmp|x-icon|vnd\.microsoft\.icon)$/

/**
 * Whether an address is one a mail may make Tandem connect to: global unicast only. Loopback,
 * private, link-local, carrier-grade NAT (100.64/10), unspecified (0.0.0.0, ::), multicast,
 * IPv4-mapped and -translated forms, 6to4, Teredo and the other special ranges are refused,
 * so an allowed image cannot reach this machine or its network.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  const parsed = ipaddr.process(address) // ::ffff:127.0.0.1 is 127.0.0.1
  return parsed.range() === 'unicast'
}

export interface FetchPolicy {
  /** Resolves a host name (tests resolve their own names). */
  lookup?: typeof dnsLookup
  /** Which addresses may be connected to (tests add a loopback address of their own). */
  allowed?: (address: string) => boolean
}

/**
 * A lookup for http(s).request that resolves the host and hands back only an address that
 * passes the check: the connection goes to exactly the address that was checked (no second
 * resolution an attacker's DNS could answer differently).
 */
function checkedLookup(policy: Required<FetchPolicy>): LookupFunction {
  return (hostname, options, callback) => {
    policy.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      const list = (addresses as unknown as LookupAddress[]).filter((a) => policy.allowed(a.address))
      if (!list.length) return callback(Object.assign(new Error(`${hostname} resolves to no public address`), { code: 'EREFUSED' }), '', 0)
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list)
      callback(null, list[0]!.address, list[0]!.family)
    })
  }
}

function get(url: URL, policy: Required<FetchPolicy>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const literal = url.hostname.replace(/^\[|\]$/g, '')
    if (ipaddr.isValid(literal) && !policy.allowed(literal)) return reject(new Error('private address'))
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = request(url, { method: 'GET', lookup: checkedLookup(policy), signal, headers: { accept: 'image/*' } }, resolve)
    req.once('error', reject)
    req.end()
  })
}

/**
 * Fetches one remote image that the person allowed, for the reader: http(s) only, no cookies,
 * images only, at most 5 MB (the body is streamed and cut there), at most three redirects, and
 * never to a non-public address — checked for the first address and for every redirect hop.
 * Anything else gives null (a broken image).
 */
export async function fetchRemoteImage(url: string, opts: FetchPolicy = {}): Promise<string | null> {
  const policy: Required<FetchPolicy> = { lookup: opts.lookup ?? dnsLookup, allowed: opts.allowed ?? isPublicAddress }
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  let u: URL
  try { u = new URL(url) } catch { return null }
  try {
    for (let hop = 0; ; hop++) {
      if (!/^https?:$/.test(u.protocol) || u.username || u.password) return null
      const res = await get(u, policy, signal)
      const status = res.statusCode ?? 0
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume()
        if (hop >= MAX_REDIRECTS) return null
        u = new URL(res.headers.location, u)
        continue
      }
      const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
      const declared = Number(res.headers['content-length'] ?? 0)
      if (status !== 200 || !IMAGE_TYPE.test(type) || declared > MAX_IMAGE) { res.destroy(); return null }
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > MAX_IMAGE) { res.destroy(); return null }
        chunks.push(chunk)
      }
      return `data:${type};base64,${Buffer.concat(chunks).toString('base64')}`
    }
  } catch {
    return null
  }
}
