import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { gunzip, gzip } from 'node:zlib'
import type { ImapFlow, SearchObject } from 'imapflow'
import MailComposer from 'nodemailer/lib/mail-composer'
import { DELIVERY_TRACE_FIELDS } from '../../../shared/rules/delivered'
import {
  MAX_OWN_READ_BYTES, MAX_OWN_READ_GZIP, MAX_OWN_READ_JSON, MAX_OWN_READ_MESSAGE, MAX_OWN_READ_RECORDS, OWN_READ_BY_HEADER, OWN_READ_HEADER,
  parseOwnRead, serialiseOwnRead, type StoredOwnRead,
} from '../../../shared/team/own-read'
import { fetchInSets } from '../imap/uid-sets'
import { headerFields, turns } from './team'
import { dropped } from './sync'

/**
 * A member's own read state in a shared mailbox (shared/team/own-read.ts), on the server: one
 * message per snapshot or delta, found by a SEARCH on a hash of the member's address, so a
 * reader reads only its own. What anyone can append costs bounded time and memory (R15): the
 * newest MAX_OWN_READ_RECORDS, those no bigger than a read-state message can be, their header
 * fields only, MAX_OWN_READ_BYTES in all by the server's sizes; a gzip is unzipped on the thread
 * pool and stopped at MAX_OWN_READ_JSON (a zip bomb is refused there, never parsed).
 */

const gzipAsync = promisify(gzip)
const gunzipAsync = promisify(gunzip)

/** The token a member's read-state messages carry and are searched by: 32 hex digits of SHA-256 of the address in lower case. */
export const ownReadToken = (address: string): string => createHash('sha256').update(`tandem-read:${address.toLowerCase()}`).digest('hex').slice(0, 32)

/** A read-state message's Message-ID: its id, so a replayed mark is found, not appended twice. */
export const ownReadMessageId = (id: string): string => `<${id}@read.tandem.invalid>`

/** Base64 in header lines of 76 characters (RFC 5322 folding). */
const foldBase64 = (b64: string): string => (b64.match(/.{1,76}/g) ?? ['']).join('\r\n ')

/**
 * A snapshot or delta as a message for the team folder (or the member's own folder under it):
 * a sentence for people who open it in another client; the JSON gzip and base64 in a header,
 * and the member's token in another, what a SEARCH finds. \Seen and appended, never sent.
 */
export async function ownReadMessage(r: Omit<StoredOwnRead, 'uid'>, fromName: string, subject: string, explain: string): Promise<Buffer> {
  const zipped = await gzipAsync(Buffer.from(serialiseOwnRead(r)))
  return new MailComposer({
    from: { name: fromName, address: r.by },
    subject,
    date: new Date(r.at),
    messageId: ownReadMessageId(r.id),
    headers: {
      'X-Tandem-Team': '1',
      'Auto-Submitted': 'auto-generated',
      [OWN_READ_BY_HEADER]: ownReadToken(r.by),
      [OWN_READ_HEADER]: { prepared: true, value: foldBase64(zipped.toString('base64')) },
    },
    text: `${subject}.\n\n${explain}\n`,
  }).compile().build()
}

/** SEARCH for a member's read-state messages that no delivery placed (shared/rules/delivered.ts). */
function mineSearch(token: string): SearchObject {
  const [first, ...rest] = DELIVERY_TRACE_FIELDS.map((f) => ({ header: { [f]: true } }) as SearchObject)
  return { header: { [OWN_READ_BY_HEADER.toLowerCase()]: token }, not: rest.length ? { or: [first!, ...rest] } : first! }
}

/** Parsed messages of one folder by UID (a read-state message never changes), so a second read unzips only what is new; dropped when the folder's UIDVALIDITY changes. */
export interface OwnReadCache { validity: string; byUid: Map<number, StoredOwnRead | null> }
export const newOwnReadCache = (): OwnReadCache => ({ validity: '', byUid: new Map() })

/**
 * The member's read-state records in the folder at `path` (it must exist): newest first at most
 * MAX_OWN_READ_RECORDS, each written by `me` (a record naming anyone else is skipped: a read mark
 * is the member's own), well-formed and within the bounds. `log` hears why one was skipped.
 */
export async function readOwnReads(client: ImapFlow, path: string, me: string, cache: OwnReadCache, log: (line: string) => void): Promise<{ records: StoredOwnRead[]; skipped: number }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    await client.noop()
    const validity = client.mailbox ? String(client.mailbox.uidValidity) : ''
    if (validity !== cache.validity) { cache.validity = validity; cache.byUid.clear() }
    const known = cache.byUid
    const found = ((await client.search(mineSearch(ownReadToken(me)), { uid: true })) || []).sort((a, b) => b - a)
    const newest = found.slice(0, MAX_OWN_READ_RECORDS)
    let skipped = found.length - newest.length
    if (skipped) log(`own read state in ${path}: ${skipped} older messages not looked at (the newest ${MAX_OWN_READ_RECORDS} are)`)
    const records: StoredOwnRead[] = []
    const fresh = newest.filter((u) => !known.has(u))
    const sizes = new Map<number, number>()
    if (fresh.length) for await (const m of fetchInSets(client, fresh, { uid: true, size: true })) sizes.set(m.uid, m.size ?? 0)
    dropped(client)
    const wanted: number[] = []
    let budget = MAX_OWN_READ_BYTES
    for (const u of fresh) {
      const size = sizes.get(u) ?? Number.MAX_SAFE_INTEGER
      if (size > MAX_OWN_READ_MESSAGE || size > budget) { known.set(u, null); log(`own read state ${path} ${u}: ${size} bytes, more than a read-state message can be or than the read has left; ignored`); continue }
      budget -= size
      wanted.push(u)
    }
    const turn = turns()
    for await (const m of fetchInSets(client, wanted, { uid: true, headers: [OWN_READ_HEADER, ...DELIVERY_TRACE_FIELDS] })) {
      known.set(m.uid, await ownReadOf(headerFields(m.headers), m.uid, me, (why) => log(`own read state ${path} ${m.uid}: ${why}; ignored`)))
      await turn()
    }
    dropped(client)
    for (const u of newest) {
      const r = known.get(u)
      if (r) records.push(r)
      else skipped++
    }
    return { records, skipped }
  } finally {
    lock.release()
  }
}

/** A read-state record from its message's header fields; null (and why, to `why`) when it is not the member's own well-formed one. */
export async function ownReadOf(fields: ReadonlyMap<string, string>, uid: number, me: string, why: (line: string) => void): Promise<StoredOwnRead | null> {
  if (DELIVERY_TRACE_FIELDS.some((f) => fields.has(f))) { why('delivered mail, not a mark'); return null }
  const b64 = (fields.get(OWN_READ_HEADER.toLowerCase()) ?? '').replace(/\s+/g, '')
  if (!b64 || b64.length > Math.ceil(MAX_OWN_READ_GZIP / 3) * 4 || !/^[A-Za-z0-9+/=]*$/.test(b64)) { why('no read state, or more than a read state can be'); return null }
  let json: string
  try {
    json = (await gunzipAsync(Buffer.from(b64, 'base64'), { maxOutputLength: MAX_OWN_READ_JSON })).toString('utf8')
  } catch (e) {
    why((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? `unzips to more than ${MAX_OWN_READ_JSON} bytes (stopped there)` : 'not gzip')
    return null
  }
  const r = parseOwnRead(json, uid)
  if (!r) { why('not a well-formed read state (schema, ranges or bounds)'); return null }
  if (r.by.toLowerCase() !== me.toLowerCase()) { why(`written in the name of ${r.by}`); return null }
  return r
}
