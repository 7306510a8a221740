import { z } from 'zod'
import { emailAddressSchema } from '../domain'
import { timestampSchema } from '../rules/timestamp'

/**
 * Each member's own unread in a shared mailbox (docs/team-state.md, "Each member's own unread").
 * The shared \Seen flag keeps its meaning for every client ("someone on the team opened it");
 * what *this member* has read is kept apart, per member and per folder (by the folder's
 * UIDVALIDITY: a renumbered folder starts afresh), in the mailbox's team folder on the server,
 * so it follows the member to another device.
 *
 * Not a record per opened message: a *snapshot* of the UIDs the member has read, as ranges, now
 * and then, and small *deltas* as they read, folded in the server's UID order: the newest
 * snapshot by that member plus the deltas after it is the state. A range from UID 1 is the
 * watermark "everything below N is read" ("mark all read" is one). Sets are idempotent, so a
 * replayed delta changes nothing.
 *
 * Ranges are a flat, sorted array [start0, end0, start1, end1, …] (inclusive, disjoint, in
 * order; what this module makes never touch): the list asks `hasUid` per row, a binary search — O(log ranges), no lookup in
 * IndexedDB. Everything read from the server is also what a colleague (or anyone who can append
 * there) can write: bounded before it counts (R15).
 */
export const OWN_READ_VERSION = 1

/** The header a read-state message carries its JSON in, gzip and base64 (never a team record's header: older Tandems skip it). */
export const OWN_READ_HEADER = 'X-Tandem-Read-State'
/** The header a reader SEARCHes for its own marks by: a hash of the member's address, fixed length (no address is a substring of another's). */
export const OWN_READ_BY_HEADER = 'X-Tandem-Read-By'

/** The largest UID IMAP has (RFC 9051: a non-zero 32-bit number). */
export const MAX_UID = 0xffff_ffff
/** The most numbers a snapshot's ranges may hold: 100 000 ranges, more than a folder of 100 000 messages alternating read and unread needs. */
export const MAX_SNAPSHOT_NUMBERS = 200_000
/** The most numbers a delta's ranges may hold (a delta is what a member read in half a minute, or "mark all read": one range). */
export const MAX_DELTA_NUMBERS = 20_000
/** The most numbers one folder's state may grow to while folding; a fold past it ignores the record that would. */
export const MAX_STATE_NUMBERS = MAX_SNAPSHOT_NUMBERS
/** The most bytes a read-state message's gzip may be (base64 in its header: a third more). */
export const MAX_OWN_READ_GZIP = 512 * 1024
/** The most bytes its JSON may unzip to: a zip bomb is stopped there and never parsed. */
export const MAX_OWN_READ_JSON = 4 * 1024 * 1024
/** The most read-state messages of one member one read looks at (the newest). */
export const MAX_OWN_READ_RECORDS = 2000
/** The most bytes one read fetches, by the sizes the server gives. */
export const MAX_OWN_READ_BYTES = 16 * 1024 * 1024
/** The most a read-state message may be (its header and a sentence). */
export const MAX_OWN_READ_MESSAGE = Math.ceil(MAX_OWN_READ_GZIP / 3) * 4 * 1.1 + 16 * 1024
/** A device writes a fresh snapshot when a folder has this many deltas since its last. */
export const SNAPSHOT_EVERY = 50

/** A folder path as the team state names it (the server's, with its separator). */
const folderPathSchema = z.string().min(1).max(1000)

/**
 * One read-state message's JSON. `read` and `unread` are ranges, delta-encoded (each number is
 * the difference from the one before; the first is the UID itself): smaller once gzipped.
 * A snapshot carries `read` only; a delta adds `read` and removes `unread`.
 */
export const ownReadRecordSchema = z.object({
  v: z.literal(OWN_READ_VERSION),
  /** Fixed when written: its Message-ID (a replay is found, not appended twice). */
  id: z.string().uuid(),
  /** The member whose read state it is (the service's signed-in person, never the page's word). */
  by: emailAddressSchema,
  /** When, by the member's clock: shown, never used to order. */
  at: timestampSchema,
  folder: folderPathSchema,
  uidValidity: z.number().int().positive().max(MAX_UID),
  kind: z.enum(['snapshot', 'delta']),
  read: z.array(z.number().int().nonnegative().max(MAX_UID)).max(MAX_SNAPSHOT_NUMBERS),
  unread: z.array(z.number().int().nonnegative().max(MAX_UID)).max(MAX_DELTA_NUMBERS).optional(),
}).strict()
export type OwnReadRecord = z.infer<typeof ownReadRecordSchema>

/** A read-state record with its plain ranges and its UID in the folder that holds it (the server's order). */
export interface StoredOwnRead { uid: number; id: string; by: string; at: number; folder: string; uidValidity: number; kind: 'snapshot' | 'delta'; read: number[]; unread: number[] }

/** One folder's state for one member, as a fold makes it. */
export interface OwnReadState { folder: string; uidValidity: number; read: number[]; deltas: number }

// ——— ranges ———

/** Whether `uid` is in the ranges: a binary search over starts. */
export function hasUid(ranges: ArrayLike<number>, uid: number): boolean {
  let lo = 0
  let hi = (ranges.length >> 1) - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (uid < ranges[mid * 2]!) hi = mid - 1
    else if (uid > ranges[mid * 2 + 1]!) lo = mid + 1
    else return true
  }
  return false
}

/** How many UIDs the ranges hold. */
export function uidCount(ranges: readonly number[]): number {
  let n = 0
  for (let i = 0; i < ranges.length; i += 2) n += ranges[i + 1]! - ranges[i]! + 1
  return n
}

/** The ranges of these UIDs (any order, repeats allowed). */
export function rangesOf(uids: Iterable<number>): number[] {
  const sorted = [...uids].sort((a, b) => a - b)
  const out: number[] = []
  for (const u of sorted) {
    const last = out.length - 1
    if (last > 0 && u <= out[last]! + 1) { if (u > out[last]!) out[last] = u } else out.push(u, u)
  }
  return out
}

/** Both sets' UIDs (a linear merge). */
export function unionRanges(a: readonly number[], b: readonly number[]): number[] {
  if (!b.length) return a.slice()
  if (!a.length) return b.slice()
  const out: number[] = []
  let i = 0
  let j = 0
  const push = (s: number, e: number) => {
    const last = out.length - 1
    if (last > 0 && s <= out[last]! + 1) { if (e > out[last]!) out[last] = e } else out.push(s, e)
  }
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) { push(a[i]!, a[i + 1]!); i += 2 } else { push(b[j]!, b[j + 1]!); j += 2 }
  }
  return out
}

/** The UIDs of `a` that are not in `b` (a linear merge). */
export function subtractRanges(a: readonly number[], b: readonly number[]): number[] {
  if (!b.length || !a.length) return a.slice()
  const out: number[] = []
  let j = 0
  for (let i = 0; i < a.length; i += 2) {
    let s = a[i]!
    const e = a[i + 1]!
    while (j < b.length && b[j + 1]! < s) j += 2
    let k = j
    while (s <= e && k < b.length && b[k]! <= e) {
      if (b[k]! > s) out.push(s, b[k]! - 1)
      s = Math.max(s, b[k + 1]! + 1)
      k += 2
    }
    if (s <= e) out.push(s, e)
  }
  return out
}

/**
 * A snapshot's ranges over the folder's messages: UIDs with no message (moved, deleted: a UID
 * is never used again) are neither read nor unread, so a range runs over them. `existing` is the
 * folder's UIDs in ascending order. The first range starts at 1 when everything before the
 * first unread message is read — the watermark. At 100 000 messages with a few unread, a few
 * numbers.
 */
export function snapshotOver(read: readonly number[], existing: readonly number[]): number[] {
  const out: number[] = []
  let open = -1
  let lastRead = -1
  let first = true
  for (const u of existing) {
    if (hasUid(read, u)) {
      if (open < 0) open = first ? 1 : u
      lastRead = u
    } else if (open >= 0) {
      out.push(open, lastRead)
      open = -1
    }
    first = false
  }
  if (open >= 0) out.push(open, lastRead)
  // UIDs above the folder's newest known (read elsewhere, not yet synced here) are kept as they are.
  const top = existing.length ? existing[existing.length - 1]! : 0
  const above = subtractRanges(read, top > 0 ? [1, top] : [])
  return unionRanges(out, above)
}

/** Ranges as the record carries them: each number the difference from the one before. */
export function deltaEncode(ranges: readonly number[]): number[] {
  const out = new Array<number>(ranges.length)
  for (let i = 0; i < ranges.length; i++) out[i] = i === 0 ? ranges[0]! : ranges[i]! - ranges[i - 1]!
  return out
}

/**
 * The ranges a record's numbers stand for; null when they are not well-formed ranges (an odd
 * count, a start past its end, overlapping or touching ranges out of order, a UID of 0 or past
 * MAX_UID) — such a record counts for nothing.
 */
export function deltaDecode(numbers: readonly number[]): number[] | null {
  if (numbers.length % 2) return null
  const out = new Array<number>(numbers.length)
  let v = 0
  for (let i = 0; i < numbers.length; i++) {
    const d = numbers[i]!
    v = i === 0 ? d : v + d
    // A range's end may equal its start; a next start must come after the end before it.
    if (v < 1 || v > MAX_UID || (i > 0 && (i % 2 ? d < 0 : d < 1))) return null
    out[i] = v
  }
  return out
}

// ——— the fold ———

/**
 * Each folder's state from one member's read-state records (already known to be theirs), folded
 * in UID order: per folder, its newest UIDVALIDITY's newest snapshot, then the deltas after it.
 * Deltas before that snapshot are in it already. Bounded: a record that would grow a folder's
 * state past MAX_STATE_NUMBERS is skipped and counted.
 */
export function foldOwnRead(records: readonly StoredOwnRead[]): { states: OwnReadState[]; skipped: number } {
  const byFolder = new Map<string, StoredOwnRead[]>()
  for (const r of records) byFolder.set(r.folder, [...(byFolder.get(r.folder) ?? []), r])
  const states: OwnReadState[] = []
  let skipped = 0
  for (const [folder, all] of byFolder) {
    all.sort((a, b) => a.uid - b.uid)
    const validity = all[all.length - 1]!.uidValidity
    const mine = all.filter((r) => r.uidValidity === validity)
    let from = 0
    for (let i = mine.length - 1; i >= 0; i--) if (mine[i]!.kind === 'snapshot') { from = i; break }
    let read: number[] = []
    let deltas = 0
    // Reads that follow each other are gathered and merged once (a sort), not one union each.
    let adds: number[][] = []
    const settle = () => {
      if (!adds.length) return
      read = unionRanges(read, mergeMany(adds))
      adds = []
    }
    let size = 0
    const seen = new Set<string>()
    for (let i = from; i < mine.length; i++) {
      const r = mine[i]!
      if (seen.has(r.id)) continue
      seen.add(r.id)
      if (size + r.read.length > MAX_STATE_NUMBERS) { skipped++; continue }
      if (r.kind === 'snapshot') { read = r.read.slice(); adds = []; size = read.length; continue }
      deltas++
      size += r.read.length
      if (r.read.length) adds.push(r.read)
      if (r.unread.length) { settle(); read = subtractRanges(read, r.unread); size = read.length }
    }
    settle()
    states.push({ folder, uidValidity: validity, read, deltas })
  }
  return { states, skipped }
}

/** Several sets of ranges as one: their ranges sorted by start and joined. */
function mergeMany(sets: readonly number[][]): number[] {
  if (sets.length === 1) return sets[0]!.slice()
  const pairs: [number, number][] = []
  for (const s of sets) for (let i = 0; i < s.length; i += 2) pairs.push([s[i]!, s[i + 1]!])
  pairs.sort((a, b) => a[0] - b[0])
  const out: number[] = []
  for (const [s, e] of pairs) {
    const last = out.length - 1
    if (last > 0 && s <= out[last]! + 1) { if (e > out[last]!) out[last] = e } else out.push(s, e)
  }
  return out
}

/** A record's JSON, checked against the schema and its ranges decoded; null when it is not well-formed. */
export function parseOwnRead(json: string, uid: number): StoredOwnRead | null {
  if (json.length > MAX_OWN_READ_JSON) return null
  let value: unknown
  try { value = JSON.parse(json) } catch { return null }
  const r = ownReadRecordSchema.safeParse(value)
  if (!r.success) return null
  const d = r.data
  if (d.kind === 'delta' ? d.read.length > MAX_DELTA_NUMBERS : (d.unread?.length ?? 0) > 0) return null
  const read = deltaDecode(d.read)
  const unread = deltaDecode(d.unread ?? [])
  if (!read || !unread) return null
  return { uid, id: d.id, by: d.by, at: d.at, folder: d.folder, uidValidity: d.uidValidity, kind: d.kind, read, unread }
}

/** A record's JSON from its plain ranges (delta-encoded). */
export function serialiseOwnRead(r: Omit<StoredOwnRead, 'uid'>): string {
  const json: OwnReadRecord = { v: OWN_READ_VERSION, id: r.id, by: r.by, at: r.at, folder: r.folder, uidValidity: r.uidValidity, kind: r.kind, read: deltaEncode(r.read) }
  if (r.kind === 'delta' && r.unread.length) json.unread = deltaEncode(r.unread)
  // ASCII only: a folder's name in any language survives every server and encoding.
  return JSON.stringify(json).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Whether ranges are well-formed (the contract's check of what a window sends). */
export function isRanges(r: readonly number[]): boolean {
  if (r.length % 2) return false
  for (let i = 0; i < r.length; i++) {
    const v = r[i]!
    if (!Number.isInteger(v) || v < 1 || v > MAX_UID) return false
    if (i > 0 && (i % 2 ? v < r[i - 1]! : v <= r[i - 1]!)) return false
  }
  return true
}
