import { shallowRef } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import { hasUid } from '../../../shared/team/own-read'

/**
 * What "unread" means for a row (docs/team-state.md, "Each member's own unread"): in a folder of
 * a shared mailbox whose own read state this device holds, *unread by me* — the UID is not in the
 * member's read ranges (a binary search: O(log ranges) per row, no IndexedDB lookup); anywhere
 * else (the person's own mailbox; a shared folder before its state is read) the shared \Seen as
 * ever. The list, the reader, the counts, the filter and the window title all ask here.
 */
const SEEN = '\\Seen'

/** The read ranges of the folders whose own state is known here, by folder id. */
const states = new Map<string, readonly number[]>()

/**
 * Bumped on every change of a folder's state: what counts or shows unread reads it once
 * (a computed over 100 000 rows reads it once, not per row).
 */
export const ownReadVersion = shallowRef(0)

/** Whether a message is unread for this person (see above). */
export function isUnread(m: MessageSummary): boolean {
  const read = states.get(m.folderId)
  return read ? !hasUid(read, m.uid) : !m.flags.includes(SEEN)
}

/** Whether someone (anyone: the team, another client) opened it: the shared \Seen. */
export const openedByTeam = (m: MessageSummary): boolean => m.flags.includes(SEEN)

/** Whether this folder's unread is the member's own (its state is known here). */
export const isOwnTracked = (folderId: string): boolean => states.has(folderId)

/** The folder's read ranges (null: not tracked). */
export const ownRangesOf = (folderId: string): readonly number[] | null => states.get(folderId) ?? null

/** Sets (or, with null, forgets) a folder's read ranges. */
export function setOwnRanges(folderId: string, read: readonly number[] | null): void {
  if (read) states.set(folderId, read)
  else states.delete(folderId)
  ownReadVersion.value++
}

/** Forgets every folder (a new session). */
export function clearOwnRanges(): void {
  states.clear()
  ownReadVersion.value++
}
