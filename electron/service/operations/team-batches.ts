import { setImmediate as nextTurn } from 'node:timers/promises'
import { promisify } from 'node:util'
import { gunzip, gzipSync } from 'node:zlib'
import type { ImapFlow, MessageStructureObject } from 'imapflow'
import MailComposer from 'nodemailer/lib/mail-composer'
import addressparser from 'nodemailer/lib/addressparser'
import { dropped, openedMailbox } from './sync'
import { batchDigest } from './team-authors'
import { formatIn, type Locale } from '../../../shared/i18n'
import {
  BATCH_HEADER, MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_CHAIN_BATCHES, MAX_ZIPPED_BYTES, MIN_BATCH_BYTES, batchChain, batchHeaderValue, batchSlice, chainEnd, decodeBatch, encodeBatch,
  parseBatchHeader, plausibleZipped, unzipLimit, type BatchInfo, type BatchRange,
} from '../../../shared/team/batches'
import { serialiseTeamRecord, type StoredTeamRecord } from '../../../shared/team/records'
import { fromTeamWire, joinTeamWires, toTeamWire, type TeamWire } from '../../../shared/team/wire'
import { appendTeamRecord, headerFields, headerStart, readTeamRecords, TEAM_PAGE, teamMessageKind, turns, uidSet, type TeamCursor, type TeamPage } from './team'

/** Records appended since the last batch before a member's client writes the next one. */
export const BATCH_EVERY = 2000
/** The attachment's type and name: a gzip of the batch's JSON. */
const BATCH_TYPE = 'application/gzip'
const BATCH_FILE = 'tandem-team-records.json.gz'
/**
 * The most batches a listing looks at (the oldest, by UID: a chain starts at the first record):
 * twice the longest chain, so that passed-over batches leave room for the true ones.
 */
const MAX_LISTED = 2 * MAX_CHAIN_BATCHES
/**
 * The most of a batch's header read when listing: its range and From are near the top of what
 * Tandem writes, within the first few KB also where a server adds its own fields before them.
 */
const LISTED_HEADER_BYTES = 8192

/** Unzipping runs in libuv's thread pool, never on the service's thread, and stops at the limit given. */
const gunzipAsync = promisify(gunzip)

/** The batches in the folder, from their headers (SEARCH by size and header, then one FETCH of the start of each header). */
export async function listBatches(client: ImapFlow, path: string): Promise<{ uidValidity: string; uidNext: number; batches: BatchInfo[] }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    await client.noop()
    const mb = openedMailbox(client, path)
    const batches: BatchInfo[] = []
    const found = mb.exists > 0 ? (await client.search({ larger: MIN_BATCH_BYTES, header: { [BATCH_HEADER]: true } }, { uid: true })) || [] : []
    const uids = [...found].sort((a, b) => a - b).slice(0, MAX_LISTED)
    if (uids.length) {
      const turn = turns()
      for await (const m of client.fetch(uidSet(uids), { uid: true, bodyParts: [headerStart(LISTED_HEADER_BYTES)] }, { uid: true })) {
        await turn()
        const fields = headerFields(m.headers)
        // Decided where every message of the team folder is (team.ts, teamMessageKind).
        if (teamMessageKind(fields, Number.MAX_SAFE_INTEGER).kind !== 'batch') continue
        const range = parseBatchHeader(fields.get(BATCH_HEADER.toLowerCase()) ?? '')
        const by = addressparser(fields.get('from') ?? '')[0]?.address ?? ''
        if (range) batches.push({ ...range, uid: m.uid, by: by.toLowerCase().slice(0, 320) })
      }
      dropped(client)
    }
    return { uidValidity: String(mb.uidValidity), uidNext: mb.uidNext, batches }
  } finally {
    lock.release()
  }
}

/** The gzip part of a batch's message, wherever the server's MIME puts it: its number, encoding and size. */
function gzipPart(s: MessageStructureObject | undefined, depth = 0): { part: string; encoding: string; size: number | undefined } | null {
  if (!s || depth > 8) return null
  if (s.type?.toLowerCase() === BATCH_TYPE) return { part: s.part ?? '1', encoding: (s.encoding ?? '7bit').toLowerCase(), size: s.size }
  for (const c of s.childNodes ?? []) {
    const p = gzipPart(c, depth + 1)
    if (p) return p
  }
  return null
}

/** The bytes a part of this size and encoding holds once decoded (base64: three for every four). */
const decodedSize = (size: number, encoding: string): number => (encoding === 'base64' ? Math.floor(size * 3 / 4) : size)

/**
 * A batch's records from its gzip bytes, checked (shared/team/batches.ts); null when it cannot
 * be used. Its header's count bounds the work before anything is unzipped: the zipped size must
 * fit that many records, and the unzipping (off this thread) stops at what they could take at
 * most — a gzip bomb is refused after at most MAX_BATCH_BYTES, never parsed.
 */
export async function unzipBatch(zipped: Buffer, b: BatchRange): Promise<TeamWire | null> {
  return (await unzipBatchSized(zipped, b))?.wire ?? null
}

async function unzipBatchSized(zipped: Buffer, b: BatchRange): Promise<{ wire: TeamWire; bytes: number } | null> {
  if (!plausibleZipped(b, zipped.length)) return null
  let json: string
  try {
    json = (await gunzipAsync(zipped, { maxOutputLength: unzipLimit(b) })).toString('utf8')
  } catch {
    return null
  }
  const wire = decodeBatch(json, b)
  return wire ? { wire, bytes: json.length } : null
}

/** A batch's gzip bytes, read on their own (a server whose MIME the two-FETCH path could not take); null when it cannot be used. */
async function zippedAlone(client: ImapFlow, b: BatchInfo): Promise<Buffer | null> {
  const msg = await client.fetchOne(String(b.uid), { uid: true, bodyStructure: true }, { uid: true })
  const part = msg ? gzipPart(msg.bodyStructure) : null
  if (!part || !plausibleZipped(b, decodedSize(part.size ?? 0, part.encoding))) return null
  const dl = await client.download(String(b.uid), part.part, { uid: true, maxBytes: MAX_ZIPPED_BYTES })
  if (!dl || !('content' in dl) || !dl.content) return null
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of dl.content) {
    n += (c as Buffer).length
    if (n > MAX_ZIPPED_BYTES) return null
    chunks.push(c as Buffer)
  }
  return Buffer.concat(chunks)
}

/** The most gzip bytes one FETCH of batches brings: the rest comes in the next. */
const FETCH_ZIPPED_BYTES = 16 * 1024 * 1024

/**
 * Each batch's records, checked, in the order given, until their JSON reaches `budget` bytes (at
 * least one batch): null for one that cannot be used; those past the budget are left out of the
 * answer, for the caller's next page. The gzip parts come two FETCHes per 16 MB (structures, then
 * parts), not two round trips per batch; a part's size is checked against its header before it
 * is fetched.
 */
async function loadBatches(client: ImapFlow, path: string, batches: BatchInfo[], budget = Number.MAX_SAFE_INTEGER): Promise<Map<number, TeamWire | null>> {
  const out = new Map<number, TeamWire | null>()
  if (!batches.length) return out
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const parts = new Map<number, { part: string; encoding: string; size: number }>()
    for await (const m of client.fetch(uidSet(batches.map((b) => b.uid).sort((x, y) => x - y)), { uid: true, bodyStructure: true }, { uid: true })) {
      const p = gzipPart(m.bodyStructure)
      if (p) parts.set(m.uid, { part: p.part, encoding: p.encoding, size: p.size ?? 0 })
    }
    dropped(client)
    let spent = 0
    for (let i = 0; i < batches.length && spent < budget;) {
      // The next group: batches whose parts are plausible, up to FETCH_ZIPPED_BYTES.
      const group: BatchInfo[] = []
      let bytes = 0
      for (; i < batches.length; i++) {
        const b = batches[i]!
        const p = parts.get(b.uid)
        // No gzip part, or one bigger than its header's records could be: not fetched at all.
        if (!p || !plausibleZipped(b, decodedSize(p.size, p.encoding))) { out.set(b.uid, null); continue }
        if (group.length && bytes + p.size > FETCH_ZIPPED_BYTES) break
        group.push(b)
        bytes += p.size
      }
      const zipped = new Map<number, Buffer>()
      const byPart = new Map<string, number[]>()
      for (const b of group) {
        const p = parts.get(b.uid)
        if (p && !out.has(b.uid)) byPart.set(p.part, [...(byPart.get(p.part) ?? []), b.uid])
      }
      for (const [part, uids] of byPart) {
        for await (const m of client.fetch(uidSet(uids.sort((x, y) => x - y)), { uid: true, bodyParts: [{ key: part, maxLength: Math.ceil(MAX_ZIPPED_BYTES * 4 / 3) + 4096 }] }, { uid: true })) {
          const raw = m.bodyParts?.get(part)
          const enc = parts.get(m.uid)?.encoding
          if (!raw) continue
          if (enc === 'base64') zipped.set(m.uid, Buffer.from(raw.toString('latin1'), 'base64'))
          else if (enc === '7bit' || enc === '8bit' || enc === 'binary') zipped.set(m.uid, raw)
        }
        dropped(client)
      }
      for (const b of group) {
        if (out.has(b.uid)) continue
        if (spent >= budget) break
        const z = zipped.get(b.uid) ?? await zippedAlone(client, b).catch(() => { dropped(client); return null })
        const unzipped = z ? await unzipBatchSized(z, b) : null
        out.set(b.uid, unzipped?.wire ?? null)
        spent += unzipped?.bytes ?? 0
        // Another request's turn between two batches: a chain of them does not hold the service.
        await nextTurn()
      }
    }
  } finally {
    lock.release()
  }
  return out
}

/** Records of a chain handed over per `team.read`: the renderer folds one page while the service reads the next. */
export const CHAIN_PAGE = 10_000
/** About the most JSON one page of a chain unzips to (at least one batch a page). */
const CHAIN_PAGE_BYTES = 16 * 1024 * 1024
/** How long a service trusts the batches it listed while a device reads a chain page by page. */
const LISTED_FOR_MS = 60_000

/** The batches a service listed for one team folder, kept while a device reads the chain. */
export interface BatchListCache { listed?: Awaited<ReturnType<typeof listBatches>> & { at: number } }

export interface BatchedPage extends Omit<TeamPage, 'records'> { records: TeamWire; batches: BatchInfo[] }

/**
 * A read of the team folder as `team.read` gives it. A device that has never read it (or whose
 * folder was made anew) starts from the chain of batches — at most MAX_CHAIN_BATCHES of them:
 * their records come first, about CHAIN_PAGE a page (the cursor says `chain` while more of the
 * chain is to come); then the records after the chain, one message each, as every later read.
 * `distrust`: batches this device found false; a batch that cannot be read or checked is left out
 * and the chain made again. `useBatches` false: the log alone (a device that found too many false).
 */
export async function readTeamState(client: ImapFlow, path: string, since: TeamCursor | null, distrust: ReadonlySet<number>, cache: BatchListCache = {}, pageRecords = CHAIN_PAGE, useBatches = true): Promise<BatchedPage> {
  if ((since && !since.chain) || !useBatches) {
    // The log from the cursor (without batches: from where a chain had got to, as a plain cursor).
    const page = await readTeamRecords(client, path, since ? { uidValidity: since.uidValidity, uidNext: since.uidNext } : null)
    if (!page.reset || !useBatches) return { ...page, records: toTeamWire(page.records), batches: [] }
  }
  const fresh = cache.listed && since?.chain && cache.listed.uidValidity === since.uidValidity && Date.now() - cache.listed.at < LISTED_FOR_MS
  const listed = fresh ? cache.listed! : { ...(await listBatches(client, path)), at: Date.now() }
  cache.listed = listed
  // The next page of a chain, unless the folder was made anew meanwhile.
  const within = since?.chain && since.uidValidity === listed.uidValidity ? since : null
  const from = within?.uidNext ?? 1
  const unusable = new Set(distrust)
  for (;;) {
    const chain = batchChain(listed.batches, unusable).slice(0, MAX_CHAIN_BATCHES)
    const ahead = chain.filter((b) => b.upto >= from)
    if (!ahead.length) break
    const candidates: BatchInfo[] = []
    let count = 0
    for (const b of ahead) {
      if (candidates.length && count >= pageRecords) break
      candidates.push(b)
      count += b.records
    }
    const loaded = await loadBatches(client, path, candidates, CHAIN_PAGE_BYTES)
    const bad = candidates.filter((b) => loaded.has(b.uid) && !loaded.get(b.uid))
    if (bad.length) { for (const b of bad) unusable.add(b.uid); continue }
    // The page: the batches loaded within the byte budget (at least the first).
    const page = candidates.filter((b) => loaded.get(b.uid))
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

/**
 * The log's own records from `from` on, in pages, up to `upto` and at most `limit` of them (what
 * a batch covering them must hold, or the records a new batch takes).
 */
async function logRecords(client: ImapFlow, path: string, uidValidity: string, from: number, upto: number, limit = Number.MAX_SAFE_INTEGER): Promise<StoredTeamRecord[]> {
  const out: StoredTeamRecord[] = []
  let since: TeamCursor = { uidValidity, uidNext: from }
  for (;;) {
    const page = await readTeamRecords(client, path, since, Math.max(1, Math.min(TEAM_PAGE, upto - since.uidNext + 1, limit - out.length + 1)))
    if (page.reset) throw new Error('the team folder was made anew')
    for (const r of page.records) if (r.uid <= upto && out.length < limit) out.push(r)
    since = page.cursor
    if (!page.more || since.uidNext > upto || out.length >= limit) return out
  }
}

/** Whether a batch's records are exactly the log's in its range: read page by page, stopped at the first difference. */
async function agreesWithLog(client: ImapFlow, path: string, uidValidity: string, b: BatchInfo, batch: StoredTeamRecord[]): Promise<{ agrees: boolean; compared: number }> {
  let i = 0
  let since: TeamCursor = { uidValidity, uidNext: b.from }
  for (;;) {
    const page = await readTeamRecords(client, path, since, Math.max(1, Math.min(TEAM_PAGE, b.upto - since.uidNext + 1)))
    if (page.reset) throw new Error('the team folder was made anew')
    for (const r of page.records) {
      if (r.uid > b.upto) break
      const a = batch[i]
      if (!a || a.uid !== r.uid || !sameRecord(a, r)) return { agrees: false, compared: i }
      i++
    }
    since = page.cursor
    if (!page.more || since.uidNext > b.upto) return { agrees: i === batch.length, compared: i }
  }
}

function sameRecord(a: StoredTeamRecord, b: StoredTeamRecord): boolean {
  const { uid: _a, ...ra } = a
  const { uid: _b, ...rb } = b
  return serialiseTeamRecord(ra) === serialiseTeamRecord(rb)
}

/**
 * Checks batches against the records they copy: the batches (by UID) that differ from the log
 * in any record — one left out, added or changed — or cannot be read, or are not in the folder
 * as batches at all. One batch at a time, each compared page by page with the log and stopped at
 * its first difference: however many batches are asked about, the memory is one batch and one
 * page. This reads every record they cover, which is what a device that starts from batches
 * does in the background.
 */
/** A batch's Message-ID and gzip bytes as the folder holds them: what confirms who appended it (team-authors.ts). */
export async function batchEvidence(client: ImapFlow, path: string, b: BatchInfo): Promise<{ messageId: string | null; zipped: Buffer | null }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    let messageId: string | null = null
    for await (const m of client.fetch(String(b.uid), { uid: true, bodyParts: [headerStart(LISTED_HEADER_BYTES)] }, { uid: true })) messageId = headerFields(m.headers).get('message-id') ?? null
    const zipped = await zippedAlone(client, b).catch(() => { dropped(client); return null })
    return { messageId, zipped }
  } finally {
    lock.release()
  }
}

export async function verifyBatches(client: ImapFlow, path: string, uids: number[]): Promise<{ bad: BatchInfo[]; checked: number }> {
  const listed = await listBatches(client, path)
  const asked = new Set(uids)
  const wanted = listed.batches.filter((b) => asked.has(b.uid)).sort((a, b) => a.from - b.from)
  const bad: BatchInfo[] = []
  let checked = 0
  for (const b of wanted) {
    const wire = (await loadBatches(client, path, [b])).get(b.uid)
    if (!wire) { bad.push(b); continue }
    const { agrees, compared } = await agreesWithLog(client, path, listed.uidValidity, b, fromTeamWire(wire))
    checked += compared
    if (!agrees) bad.push(b)
  }
  // Asked about but not a batch there (any more): nothing to start from, and nothing to trust.
  const seen = new Set(wanted.map((b) => b.uid))
  for (const u of uids) if (!seen.has(u)) bad.push({ uid: u, from: 1, upto: 1, records: 1, by: '' })
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
  const digest = batchDigest(zipped)
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
 * The new batch, or null when there were too few records to batch. `attest`: puts a copy in
 * the author's own folder before the batch is appended (team-authors.ts).
 */
export async function compactTeamFolder(client: ImapFlow, path: string, by: { address: string; name: string }, locale: Locale, threshold: number,
  verified: { uidValidity: string; good: Set<number>; bad: Set<number> }, attest: (raw: Buffer) => Promise<void> = async () => undefined): Promise<(BatchInfo & { passedOver: BatchInfo[] }) | null> {
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
  // As many as one batch may take (MAX_BATCH_RECORDS, MAX_BATCH_BYTES); the rest go in the next.
  const records = batchSlice(await logRecords(client, path, listed.uidValidity, from, Number.MAX_SAFE_INTEGER, MAX_BATCH_RECORDS))
  if (records.length < threshold && encodeBatch(records).length < MAX_BATCH_BYTES / 2) return null
  const { raw, range } = await batchMessage(from, records, by, locale)
  // Too small to be found (listBatches): not worth a message of its own.
  if (raw.length <= MIN_BATCH_BYTES) return null
  // Its copy in the author's own folder first, where the administrator set one up (team-authors.ts).
  await attest(raw)
  const uid = await appendTeamRecord(client, path, raw)
  if (uid !== null) verified.good.add(uid)
  return { ...range, uid: uid ?? 0, by: by.address, passedOver }
}
