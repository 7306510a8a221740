import type { z } from 'zod'
import { DELIVERY_TRACE_FIELDS } from './delivered'

/**
 * Team state kept as JSON (records, batches, the shared signature, saved replies): written in
 * ASCII, read with a bound and a schema, and — for what a message carries in a header field —
 * never from mail that delivery placed (shared/rules/delivered.ts).
 */

/** JSON in ASCII only (\u escapes): no server, client or transfer encoding can change it, whatever language it holds. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** What `json` holds as `schema` has it; null when it is longer than `max`, not JSON, or not of that shape. */
export function parseBoundedJson<S extends z.ZodType>(json: string, max: number, schema: S): z.output<S> | null {
  if (json.length > max) return null
  let value: unknown
  try { value = JSON.parse(json) } catch { return null }
  const r = schema.safeParse(value)
  return r.success ? r.data : null
}

/**
 * The JSON a message's `header` holds in base64, from its FETCHed header fields by lower-case
 * name; null for mail that delivery placed (its trace fields give it away), for no or malformed
 * base64, and for more than `maxJson` characters' worth (never decoded then).
 */
export function headerJson(fields: ReadonlyMap<string, string>, header: string, maxJson: number): string | null {
  if (DELIVERY_TRACE_FIELDS.some((f) => fields.has(f))) return null
  const b64 = (fields.get(header.toLowerCase()) ?? '').replace(/\s+/g, '')
  if (!b64 || b64.length > Math.ceil(maxJson / 3) * 4 || !/^[A-Za-z0-9+/=]*$/.test(b64)) return null
  return decodeBase64(b64)
}

/** Base64 to UTF-8 text (atob and TextDecoder: both sides have them); '' when it is not base64. */
function decodeBase64(b64: string): string {
  try { return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))) } catch { return '' }
}
