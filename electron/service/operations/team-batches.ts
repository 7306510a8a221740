import { setImmediate as nextTurn } from 'node:timers/promises'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import type { ImapFlow, MessageStructureObject } from 'imapflow'
import addressparser from 'nodemailer/lib/addressparser'
import { dropped, openedMailbox } from './sync'
import {
  BATCH_HEADER, MAX_CHAIN_BATCHES, MAX_ZIPPED_BYTES, MIN_BATCH_BYTES, batchChain, decodeBatch,
  parseBatchHeader, plausibleZipped, unzipLimit, type BatchInfo, type BatchRange,
} from '../../../shared/team/batches'
import { joinTeamWires, toTeamWire, type TeamWire } from '../../../shared/team/wire'
import { fetchInSets } from '../imap/uid-sets'
import { headerFields, headerStart, readTeamRecords, teamMessageKind, turns, type TeamCursor, type TeamPage } from './team'

/** The attachment's type and name: a gzip of the batch's JSON (team-batch-write.ts writes it). */
export const BATCH_TYPE = 'application/gzip'
export const BATCH_FILE = 'tandem-team-records.json.gz'
/**
 * The most batches a listing looks at (the oldest, by UID: a chain starts at the first record):
 * twice the longest chain, so that passed-over batches leave room for the true ones.
 */
const MAX_LISTED = 2 * MAX_CHAIN_BATCHES
/**
 * The most of a batch's header read when listing: its range and From are near the top of what
 * Tandem writes, within the first few KB also where a server adds its own fields before them.
 */
export const LISTED_HEADER_BYTES = 8192

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
      for await (const m of fetchInSets(client, uids, { uid: true, bodyParts: [headerStart(LISTED_HEADER_BYTES)] })) {
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
export async function zippedAlone(client: ImapFlow, b: BatchInfo): Promise<Buffer | null> {
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
export async function loadBatches(client: ImapFlow, path: string, batches: BatchInfo[], budget = Number.MAX_SAFE_INTEGER): Promise<Map<number, TeamWire | null>> {
  const out = new Map<number, TeamWire | null>()
  if (!batches.length) return out
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const parts = new Map<number, { part: string; encoding: string; size: number }>()
    for await (const m of fetchInSets(client, batches.map((b) => b.uid).sort((x, y) => x - y), { uid: true, bodyStructure: true })) {
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
        for await (const m of fetchInSets(client, uids.sort((x, y) => x - y), { uid: true, bodyParts: [{ key: part, maxLength: Math.ceil(MAX_ZIPPED_BYTES * 4 / 3) + 4096 }] })) {
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
