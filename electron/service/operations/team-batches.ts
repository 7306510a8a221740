import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { ImapFlow, MessageStructureObject } from 'imapflow'
import MailComposer from 'nodemailer/lib/mail-composer'
import addressparser from 'nodemailer/lib/addressparser'
import { dropped, openedMailbox } from './sync'
import { formatIn, type Locale } from '../../../shared/i18n'
import {
  BATCH_HEADER, MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MIN_BATCH_BYTES, batchChain, batchHeaderValue, chainEnd, decodeBatch, encodeBatch, firstDifference, parseBatchHeader,
  type BatchInfo, type BatchRange,
} from '../../../shared/team/batches'
import type { StoredTeamRecord } from '../../../shared/team/records'
import { fromTeamWire, joinTeamWires, toTeamWire, type TeamWire } from '../../../shared/team/wire'
import { appendTeamRecord, readTeamRecords, TEAM_PAGE, type TeamCursor, type TeamPage } from './team'
import { DELIVERY_TRACE_FIELDS, isDeliveredMail } from '../../../shared/rules/delivered'
import { uidSets } from '../imap/uid-sets'

/** Records appended since the last batch before a member's client writes the next one. */
export const BATCH_EVERY = 2000
/** The attachment's type and name: a gzip of the batch's JSON. */
const BATCH_TYPE = 'application/gzip'
const BATCH_FILE = 'tandem-team-records.json.gz'

/** The batches in the folder, from their headers (SEARCH by size and header, then one FETCH of two header fields). */
export async function listBatches(client: ImapFlow, path: string): Promise<{ uidValidity: string; uidNext: number; batches: BatchInfo[] }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    await client.noop()
    const mb = openedMailbox(client, path)
    const batches: BatchInfo[] = []
    const uids = mb.exists > 0 ? (await client.search({ larger: MIN_BATCH_BYTES, header: { [BATCH_HEADER]: true } }, { uid: true })) || [] : []
    if (uids.length) {
      for (const set of uidSets(uids)) {
        for await (const m of client.fetch(set, { uid: true, headers: [BATCH_HEADER, 'from', ...DELIVERY_TRACE_FIELDS] }, { uid: true })) {
          // Delivered mail is never a batch (a detail address filed into the team folder).
          if (isDeliveredMail(String(m.headers ?? ''))) continue
          const fields = headerFields(m.headers)
          const range = parseBatchHeader(fields.get(BATCH_HEADER.toLowerCase()) ?? '')
          const by = addressparser(fields.get('from') ?? '')[0]?.address ?? ''
          if (range) batches.push({ ...range, uid: m.uid, by: by.toLowerCase() })
        }
      }
      dropped(client)
    }
    return { uidValidity: String(mb.uidValidity), uidNext: mb.uidNext, batches }
  } finally {
    lock.release()
  }
}

/** Header fields as FETCHed ("Name: value", folded), by lower-case name. */
function headerFields(raw: Buffer | string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of String(raw ?? '').replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const at = line.indexOf(':')
    if (at > 0) out.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim())
  }
  return out
}

/** The most a batch's gzip part may be. */
const MAX_ZIPPED = MAX_BATCH_BYTES / 4

/** The gzip part of a batch's message, wherever the server's MIME puts it: its number, encoding and size. */
function gzipPart(s: MessageStructureObject | undefined): { part: string; encoding: string; size: number | undefined } | null {
  if (!s) return null
  if (s.type?.toLowerCase() === BATCH_TYPE) return { part: s.part ?? '1', encoding: (s.encoding ?? '7bit').toLowerCase(), size: s.size }
  for (const c of s.childNodes ?? []) {
    const p = gzipPart(c)
    if (p) return p
  }
  return null
}

/** A batch's records from its gzip bytes, checked (shared/team/batches.ts); null when it cannot be used. */
function unzipBatch(zipped: Buffer, b: BatchInfo): TeamWire | null {
  try {
    // Bounded: what it unzips to (a zip bomb is refused), as the zipped bytes read are.
    const json = gunzipSync(zipped, { maxOutputLength: MAX_BATCH_BYTES }).toString('utf8')
    return decodeBatch(json, b)
  } catch {
    return null
  }
}

/** A batch's records, read on its own; null when it cannot be used. */
async function loadBatch(client: ImapFlow, b: BatchInfo): Promise<TeamWire | null> {
  const msg = await client.fetchOne(String(b.uid), { uid: true, bodyStructure: true }, { uid: true })
  const part = msg ? gzipPart(msg.bodyStructure) : null
  if (!part) return null
  const dl = await client.download(String(b.uid), part.part, { uid: true, maxBytes: MAX_ZIPPED })
  if (!dl || !('content' in dl) || !dl.content) return null
  const chunks: Buffer[] = []
  for await (const c of dl.content) chunks.push(c as Buffer)
  return unzipBatch(Buffer.concat(chunks), b)
}

/**
 * The gzip bytes of many batches in two FETCHes (their structures, then their gzip parts),
 * not two round trips each; those it could not get this way are read on their own.
 */
async function zippedOf(client: ImapFlow, batches: BatchInfo[]): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>()
  if (!batches.length) return out
  const parts = new Map<string, { uid: number; encoding: string }[]>()
  for (const set of uidSets(batches.map((b) => b.uid))) {
    for await (const m of client.fetch(set, { uid: true, bodyStructure: true }, { uid: true })) {
      const p = gzipPart(m.bodyStructure)
      if (!p || (p.size ?? 0) > MAX_ZIPPED * 1.4) continue
      parts.set(p.part, [...(parts.get(p.part) ?? []), { uid: m.uid, encoding: p.encoding }])
    }
  }
  for (const [part, list] of parts) {
    const encoding = new Map(list.map((x) => [x.uid, x.encoding]))
    for (const set of uidSets(list.map((x) => x.uid))) {
      for await (const m of client.fetch(set, { uid: true, bodyParts: [part] }, { uid: true })) {
        const raw = m.bodyParts?.get(part)
        if (!raw) continue
        const enc = encoding.get(m.uid)
        if (enc === 'base64') out.set(m.uid, Buffer.from(raw.toString('latin1'), 'base64'))
        else if (enc === '7bit' || enc === '8bit' || enc === 'binary') out.set(m.uid, raw)
      }
    }
  }
  dropped(client)
  return out
}

/** Each batch's records, checked; null for one that cannot be used. */
async function loadBatches(client: ImapFlow, path: string, batches: BatchInfo[]): Promise<Map<number, TeamWire | null>> {
  const out = new Map<number, TeamWire | null>()
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const zipped = await zippedOf(client, batches)
    for (const b of batches) {
      const z = zipped.get(b.uid)
      out.set(b.uid, z ? unzipBatch(z, b) : await loadBatch(client, b).catch(() => { dropped(client); return null }))
    }
  } finally {
    lock.release()
  }
  return out
}

/** Records of a chain handed over per `team.read`: the renderer folds one page while the service reads the next. */
export const CHAIN_PAGE = 10_000
/** How long a service trusts the batches it listed while a device reads a chain page by page. */
const LISTED_FOR_MS = 60_000

/** The batches a service listed for one team folder, kept while a device reads the chain. */
export interface BatchListCache { listed?: Awaited<ReturnType<typeof listBatches>> & { at: number } }

export interface BatchedPage extends Omit<TeamPage, 'records'> { records: TeamWire; batches: BatchInfo[] }

/**
 * A read of the team folder as `team.read` gives it. A device that has never read it (or whose
 * folder was made anew) starts from the chain of batches: their records come first, about
 * CHAIN_PAGE a page (the cursor says `chain` while more of the chain is to come); then the
 * records after the chain, one message each, as every later read. `distrust`: batches this
 * device found false; a batch that cannot be read or checked is left out and the chain made again.
 */
export async function readTeamState(client: ImapFlow, path: string, since: TeamCursor | null, distrust: ReadonlySet<number>, cache: BatchListCache = {}, pageRecords = CHAIN_PAGE): Promise<BatchedPage> {
  if (since && !since.chain) {
    const page = await readTeamRecords(client, path, since)
    if (!page.reset) return { ...page, records: toTeamWire(page.records), batches: [] }
  }
  const fresh = cache.listed && since?.chain && cache.listed.uidValidity === since.uidValidity && Date.now() - cache.listed.at < LISTED_FOR_MS
  const listed = fresh ? cache.listed! : { ...(await listBatches(client, path)), at: Date.now() }
  cache.listed = listed
  // The next page of a chain, unless the folder was made anew meanwhile.
  const within = since?.chain && since.uidValidity === listed.uidValidity ? since : null
  const from = within?.uidNext ?? 1
  const unusable = new Set(distrust)
  for (;;) {
    const chain = batchChain(listed.batches, unusable)
    const ahead = chain.filter((b) => b.upto >= from)
    if (!ahead.length) break
    const page: BatchInfo[] = []
    let count = 0
    for (const b of ahead) {
      if (page.length && count >= pageRecords) break
      page.push(b)
      count += b.records
    }
    const loaded = await loadBatches(client, path, page)
    const bad = page.filter((b) => !loaded.get(b.uid))
    if (bad.length) { for (const b of bad) unusable.add(b.uid); continue }
    const last = page.at(-1)!
    return {
      cursor: { uidValidity: listed.uidValidity, uidNext: last.upto + 1, ...(last !== ahead.at(-1) ? { chain: true as const } : {}) },
      records: joinTeamWires(page.map((b) => loaded.get(b.uid)!), from),
      more: true, skipped: 0, reset: !within, batches: page,
    }
  }
  // No chain (left) to read from: the records themselves, from where the chain ended.
  const page = await readTeamRecords(client, path, within ? { uidValidity: within.uidValidity, uidNext: from } : null)
  return { ...page, reset: page.reset || !within, records: toTeamWire(page.records), batches: [] }
}

/** The log's own records with UIDs from..upto: what batches covering them must hold. */
async function logRecords(client: ImapFlow, path: string, uidValidity: string, from: number, upto: number): Promise<StoredTeamRecord[]> {
  const out: StoredTeamRecord[] = []
  let since: TeamCursor = { uidValidity, uidNext: from }
  for (;;) {
    const page = await readTeamRecords(client, path, since, TEAM_PAGE)
    if (page.reset) throw new Error('the team folder was made anew')
    for (const r of page.records) if (r.uid <= upto) out.push(r)
    since = page.cursor
    if (!page.more || since.uidNext > upto) return out
  }
}

/**
 * Checks batches against the records they copy: the batches (by UID) that differ from the log
 * in any record — one left out, added or changed — or cannot be read. This reads every record
 * they cover, which is what a device that starts from batches does in the background.
 */
export async function verifyBatches(client: ImapFlow, path: string, uids: number[]): Promise<{ bad: BatchInfo[]; checked: number }> {
  const listed = await listBatches(client, path)
  const wanted = listed.batches.filter((b) => uids.includes(b.uid)).sort((a, b) => a.from - b.from)
  const bad: BatchInfo[] = []
  let checked = 0
  if (!wanted.length) return { bad, checked }
  const log = await logRecords(client, path, listed.uidValidity, wanted[0]!.from, Math.max(...wanted.map((b) => b.upto)))
  const loaded = await loadBatches(client, path, wanted)
  for (const b of wanted) {
    const rs = loaded.get(b.uid)
    const own = log.filter((r) => r.uid >= b.from && r.uid <= b.upto)
    if (!rs || firstDifference(fromTeamWire(rs), own) !== null) bad.push(b)
    checked += own.length
  }
  return { bad, checked }
}

/** What a batch says to a person who opens the folder in another client. */
export function batchSentence(count: number, locale: Locale): { subject: string; text: string } {
  const subject = formatIn(locale, 'team.record.batch', { count })
  return { subject, text: `${subject}.\n\n${formatIn(locale, 'team.record.batchExplain')}` }
}

/** A batch as a message: the sentence, and the records as a gzip attachment; \Seen, appended, never sent. */
export async function batchMessage(from: number, records: StoredTeamRecord[], by: { address: string; name: string }, locale: Locale): Promise<{ raw: Buffer; range: BatchRange }> {
  const range = { from, upto: records.at(-1)!.uid, records: records.length }
  const zipped = gzipSync(Buffer.from(encodeBatch(records)))
  const { subject, text } = batchSentence(records.length, locale)
  const digest = createHash('sha256').update(zipped).digest('hex').slice(0, 32)
  const raw = await new MailComposer({
    from: { name: by.name, address: by.address },
    subject,
    messageId: `<batch-${range.from}-${range.upto}-${digest}@team.tandem.invalid>`,
    headers: { 'X-Tandem-Team': '1', 'Auto-Submitted': 'auto-generated', [BATCH_HEADER]: batchHeaderValue(range) },
    text,
    attachments: [{ filename: BATCH_FILE, content: zipped, contentType: BATCH_TYPE }],
  }).compile().build()
  return { raw, range }
}

/**
 * Appends a batch of the records after the chain, when there are `threshold` of them or more,
 * checking the chain first (a batch that differs from the log is passed over, as every reader
 * that checked it does). `verified`: batches this service already checked, kept across calls.
 * The new batch, or null when there were too few records to batch.
 */
export async function compactTeamFolder(client: ImapFlow, path: string, by: { address: string; name: string }, locale: Locale, threshold: number,
  verified: { uidValidity: string; good: Set<number>; bad: Set<number> }): Promise<(BatchInfo & { passedOver: BatchInfo[] }) | null> {
  const listed = await listBatches(client, path)
  if (verified.uidValidity !== listed.uidValidity) { verified.uidValidity = listed.uidValidity; verified.good.clear(); verified.bad.clear() }
  const passedOver: BatchInfo[] = []
  let chain = batchChain(listed.batches, verified.bad)
  for (;;) {
    const unchecked = chain.filter((b) => !verified.good.has(b.uid))
    if (!unchecked.length) break
    const { bad } = await verifyBatches(client, path, unchecked.map((b) => b.uid))
    for (const b of unchecked) (bad.some((x) => x.uid === b.uid) ? verified.bad : verified.good).add(b.uid)
    passedOver.push(...bad)
    chain = batchChain(listed.batches, verified.bad)
  }
  const from = chainEnd(chain)
  const lock = await client.getMailboxLock(path, { readOnly: true })
  let candidates: number
  try {
    const found = (await client.search({ uid: `${from}:*` }, { uid: true })) || []
    candidates = found.filter((u) => u >= from).length - listed.batches.filter((b) => b.uid >= from).length
  } finally {
    lock.release()
  }
  if (candidates < threshold) return null
  const records = (await logRecords(client, path, listed.uidValidity, from, Number.MAX_SAFE_INTEGER)).slice(0, MAX_BATCH_RECORDS)
  if (records.length < threshold) return null
  const { raw, range } = await batchMessage(from, records, by, locale)
  // Too small to be found (listBatches): not worth a message of its own.
  if (raw.length <= MIN_BATCH_BYTES) return null
  const uid = await appendTeamRecord(client, path, raw)
  if (uid !== null) verified.good.add(uid)
  return { ...range, uid: uid ?? 0, by: by.address, passedOver }
}
