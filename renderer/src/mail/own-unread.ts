import { shallowRef } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import { hasUid } from '../../../shared/team/own-read'

/**
 * What "unread" means for a row (docs/team-state.md, "Each member's own unread"): in a folder of
 * a shared mailbox whose own read state this device holds, *unread by me* — the UID is not in the
 * member's read ranges (a bitmap or a binary search: O(1) or O(log ranges) per row, no IndexedDB
 * lookup); anywhere
 * else (the person's own mailbox; a shared folder before its state is read) the shared \Seen as
 * ever. The list, the reader, the counts, the filter and the window title all ask here.
 */
const SEEN = '\\Seen'

/**
 * A folder's state as the list asks it: its ranges, and — where there are many and the UIDs are
 * not huge — a bitmap of them (one byte per UID up to the last read one, made once per change),
 * so a row's test is one array read; else a binary search.
 */
interface Known { ranges: readonly number[]; bits: Uint8Array | null; top: number }
const states = new Map<string, Known>()
/** Ranges from which a bitmap pays (fewer: the binary search is a few steps). */
const BITMAP_FROM = 64
/** The most UIDs a bitmap covers (4 MB); a folder whose read UIDs go higher is searched. */
const BITMAP_MAX = 4 * 1024 * 1024

function known(ranges: readonly number[]): Known {
  const top = ranges.length ? ranges[ranges.length - 1]! : 0
  if (ranges.length < BITMAP_FROM * 2 || top > BITMAP_MAX) return { ranges, bits: null, top }
  const bits = new Uint8Array(top + 1)
  for (let i = 0; i < ranges.length; i += 2) bits.fill(1, ranges[i]!, ranges[i + 1]! + 1)
  return { ranges, bits, top }
}

/**
 * Bumped on every change of a folder's state: what counts or shows unread reads it once
 * (a computed over 100 000 rows reads it once, not per row).
 */
export const ownReadVersion = shallowRef(0)

/** Whether a message is unread for this person (see above). */
export function isUnread(m: MessageSummary): boolean {
  const k = states.get(m.folderId)
  if (!k) return !m.flags.includes(SEEN)
  if (k.bits) return m.uid > k.top || k.bits[m.uid] === 0
  return !hasUid(k.ranges, m.uid)
}

/** How many of a tracked folder's UIDs the person has not read (the sidebar's count); null when the folder is not tracked. */
export function ownUnreadAmong(folderId: string, uids: readonly number[]): number | null {
  const k = states.get(folderId)
  if (!k) return null
  let n = 0
  if (k.bits) { for (const u of uids) if (u > k.top || k.bits[u] === 0) n++ } else for (const u of uids) if (!hasUid(k.ranges, u)) n++
  return n
}

/** Whether someone (anyone: the team, another client) opened it: the shared \Seen. */
export const openedByTeam = (m: MessageSummary): boolean => m.flags.includes(SEEN)

/** Whether this folder's unread is the member's own (its state is known here). */
export const isOwnTracked = (folderId: string): boolean => states.has(folderId)

/** The folder's read ranges (null: not tracked). */
export const ownRangesOf = (folderId: string): readonly number[] | null => states.get(folderId)?.ranges ?? null

/** Sets (or, with null, forgets) a folder's read ranges. */
export function setOwnRanges(folderId: string, read: readonly number[] | null): void {
  if (read) states.set(folderId, known(read))
  else states.delete(folderId)
  ownReadVersion.value++
}

/** Forgets every folder (a new session). */
export function clearOwnRanges(): void {
  states.clear()
  ownReadVersion.value++
}
