import { emailAddressSchema } from '../domain'
import { toTeamWire, type TeamWire, type TeamWireRow } from './wire'
import { conversationIdSchema, MAX_RECORD_BYTES, serialiseTeamRecord, teamActionSchema, teamIdSchema, type StoredTeamRecord } from './records'
import { asciiJson } from '../rules/header-json'

/**
 * Batches of team records (docs/team-state.md, "Batches"): one message of the team folder that
 * holds copies of many records, so that a device that has never read the folder fetches a few
 * messages instead of one per record. A batch adds nothing to the log: every record in it is
 * still in the folder as its own message, and a batch is any member's word, so a device that
 * starts from batches checks them against those records afterwards and drops a batch that differs.
 */
export const BATCH_VERSION = 1
/** The header a batch's message carries: what it covers, readable without fetching its body. */
export const BATCH_HEADER = 'X-Tandem-Batch'
/**
 * The most records one batch may hold, and the most its JSON may be once unzipped. A batch is any
 * member's word: a gzip of 318 KB unzipped to 128 MB and froze the service. Honest batches are
 * 2 000-3 000 records of ~150 bytes (~0.4 MB); a writer stops a batch at either bound.
 */
export const MAX_BATCH_RECORDS = 20_000
export const MAX_BATCH_BYTES = 8 * 1024 * 1024
/** The most a batch's gzip part may be (gzip of JSON is smaller than the JSON; base64 on the wire adds a third). */
export const MAX_ZIPPED_BYTES = MAX_BATCH_BYTES
/**
 * The most batches one chain is made of: past them, the rest is read from the log. Honest
 * batches hold 2 000 or more records each, so this is a chain of two million records; a member
 * who appends a thousand tiny batches makes a device read from the log sooner, nothing worse.
 */
export const MAX_CHAIN_BATCHES = 1000
/**
 * Batches a device may find false in one folder before it stops starting from batches there at
 * all (it folds from the log): a member who appends false batches one after the other must not
 * make it fold everything again once for each.
 */
export const MAX_DISTRUST = 50
/** Batches checked per `team.verify`: a device checks all it started from, this many a call. */
export const VERIFY_CHUNK = 100

/**
 * Batches are looked for among the folder's messages of at least this size (SEARCH LARGER, which
 * a server answers from its index), then by their header. A header search alone reads every
 * message of a large folder: 2.2 s at 100 000 records on a Dovecot whose cache had not seen the
 * header, 0.1 s once it had; with the size first, 0.05-0.08 s either way. Tandem writes a batch
 * only of 2 000 records or more (about 120 KB), and never one below this size.
 */
export const MIN_BATCH_BYTES = 20_000

/** What a batch's header says: the records of the folder with UIDs from..upto, `records` of them. */
export interface BatchRange { from: number; upto: number; records: number }
/**
 * A batch as read from the folder: its own UID and who appended it (its From, any member's
 * word); `confirmed` once the server confirms that (team.verify, docs/team-state.md "Authors").
 */
export interface BatchInfo extends BatchRange { uid: number; by: string; confirmed?: boolean }

export const batchHeaderValue = (r: BatchRange): string => `v=${BATCH_VERSION}; from=${r.from}; upto=${r.upto}; records=${r.records}`

/** The range a batch header names; null when it is not one of this version or does not hold together. */
export function parseBatchHeader(value: string): BatchRange | null {
  if (value.length > 200) return null
  const m = /^\s*v=(\d+);\s*from=(\d{1,10});\s*upto=(\d{1,10});\s*records=(\d{1,7})\s*$/.exec(value)
  if (!m || Number(m[1]) !== BATCH_VERSION) return null
  const [from, upto, records] = [Number(m[2]), Number(m[3]), Number(m[4])]
  if (from < 1 || upto < from || records < 1 || records > MAX_BATCH_RECORDS || records > upto - from + 1) return null
  return { from, upto, records }
}

/**
 * The batches a reader starts from: in UID order, each beginning where the one before ended,
 * each older than itself (it covers only records appended before it). The same batches give
 * every member the same chain; two members who wrote a batch for the same records at once leave
 * two, and the first counts. `distrust`: batches this device found to differ from the log.
 */
export function batchChain(batches: BatchInfo[], distrust: ReadonlySet<number> = new Set()): BatchInfo[] {
  const chain: BatchInfo[] = []
  let next = 1
  for (const b of [...batches].sort((x, y) => x.uid - y.uid)) {
    if (distrust.has(b.uid) || b.upto >= b.uid) continue
    if (b.from !== next) continue
    chain.push(b)
    next = b.upto + 1
  }
  return chain
}

/** Where the log is read from after a chain: the first UID no batch of it covers. */
export const chainEnd = (chain: BatchInfo[]): number => (chain.at(-1)?.upto ?? 0) + 1

/**
 * The records one batch takes from these (in UID order): as many as fit MAX_BATCH_RECORDS and,
 * at their record JSON's length (more than a row takes), MAX_BATCH_BYTES — at least one.
 */
export function batchSlice(records: readonly StoredTeamRecord[]): StoredTeamRecord[] {
  let bytes = 1024
  let n = 0
  for (const r of records) {
    if (n >= MAX_BATCH_RECORDS) break
    bytes += serialiseTeamRecord(r).length + 2
    if (n > 0 && bytes > MAX_BATCH_BYTES) break
    n++
  }
  return records.slice(0, n)
}

/** A batch's content: its version and the records in their wire form (wire.ts). */
export function encodeBatch(records: StoredTeamRecord[]): string {
  const { people, rows } = toTeamWire(records)
  // ASCII, as a record's own JSON: nothing between here and the reader can change it.
  return asciiJson({ v: BATCH_VERSION, people, rows })
}

/**
 * Whether a batch's gzip part of this many bytes can be what its header says, before it is
 * unzipped: no more records than a batch may hold (parseBatchHeader), no more bytes than its
 * records could take, zipped or not. What it unzips to is bounded again by `unzipLimit`.
 */
export function plausibleZipped(range: BatchRange, zippedBytes: number): boolean {
  return zippedBytes > 0 && zippedBytes <= MAX_ZIPPED_BYTES && zippedBytes <= range.records * MAX_RECORD_BYTES + 1024
}

/** The most a batch of this range may unzip to: its records at their largest, within MAX_BATCH_BYTES. */
export const unzipLimit = (range: BatchRange): number => Math.min(MAX_BATCH_BYTES, range.records * MAX_RECORD_BYTES + 1024)

/**
 * The records a batch holds, in the wire form (wire.ts), every one checked as a record read on
 * its own is — its id, conversation, time and action against the record's schema, its author
 * among the batch's people, each person an address — each inside the range its header names and
 * in UID order, as many as it says; null when any of that fails (then the batch is not used at
 * all). Rows are checked where they lie, not rebuilt as records: at 100 000 that was most of a
 * cold start.
 */
export function decodeBatch(json: string, range: BatchRange): TeamWire | null {
  if (json.length > unzipLimit(range)) return null
  let value: unknown
  try { value = JSON.parse(json) } catch { return null }
  if (!value || typeof value !== 'object') return null
  const { v, people, rows } = value as { v?: unknown; people?: unknown; rows?: unknown }
  if (v !== BATCH_VERSION || !Array.isArray(people) || !Array.isArray(rows) || rows.length !== range.records) return null
  // Each person checked once, not once per record; as a record's author is, normalised.
  const checkedPeople: string[] = []
  for (const p of people as unknown[]) {
    const r = emailAddressSchema.safeParse(p)
    if (!r.success) return null
    checkedPeople.push(r.data)
  }
  let last = range.from - 1
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 6) return null
    const [uid, id, conv, at, who, action] = row as unknown[]
    if (typeof uid !== 'number' || !Number.isInteger(uid) || uid <= last || uid > range.upto) return null
    if (typeof who !== 'number' || !Number.isInteger(who) || who < 0 || who >= people.length) return null
    if (typeof at !== 'number' || !Number.isInteger(at) || at < 0) return null
    if (!teamIdSchema.safeParse(id).success || !conversationIdSchema.safeParse(conv).success) return null
    const act = teamActionSchema.safeParse(action)
    if (!act.success) return null
    // What the schema made of it (addresses normalised), as a record read on its own would be.
    row[5] = act.data
    last = uid
  }
  return { people: checkedPeople, rows: rows as TeamWireRow[] }
}

/**
 * Whether a batch holds exactly the records of the log in its range: the same UIDs, each the
 * same record. The first UID where they differ, or null when they agree.
 */
export function firstDifference(batch: StoredTeamRecord[], log: StoredTeamRecord[]): number | null {
  const n = Math.max(batch.length, log.length)
  for (let i = 0; i < n; i++) {
    const a = batch[i]
    const b = log[i]
    if (!a || !b) return (a ?? b)!.uid
    if (a.uid !== b.uid) return Math.min(a.uid, b.uid)
    const { uid: _a, ...ra } = a
    const { uid: _b, ...rb } = b
    if (serialiseTeamRecord(ra) !== serialiseTeamRecord(rb)) return a.uid
  }
  return null
}
