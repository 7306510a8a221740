import type { MessageSummary } from '../../../shared/domain'
import { isUnread, ownReadVersion } from './own-unread'

/**
 * A figure of a list of messages, computed once per list (switching between a search
 * and a 100 000-message folder recounted threads and unread mail of the whole folder each time).
 * Lists are never changed in place — every change makes a new array — so the array is the key.
 */
export function perList<T>(compute: (rows: readonly MessageSummary[]) => T, version: () => number = () => 0): (rows: readonly MessageSummary[]) => T {
  const known = new WeakMap<readonly MessageSummary[], { v: number; value: T }>()
  return (rows) => {
    // `version`: what else the figure depends on (the member's own read state), read once per call.
    const v = version()
    const had = known.get(rows)
    if (had && had.v === v) return had.value
    const value = compute(rows)
    known.set(rows, { v, value })
    return value
  }
}

/** How many conversations of a list have unread mail. */
export const unreadConversations = perList((rows) => {
  const unread = new Set<string>()
  for (const m of rows) if (isUnread(m)) unread.add(`${m.mailboxId}\n${m.conversationId}`)
  return unread.size
}, () => ownReadVersion.value)

/** How many messages of a list are unread (by the person: mail/own-unread.ts). */
export const unreadCount = perList((rows) => rows.reduce((n, m) => (isUnread(m) ? n + 1 : n), 0), () => ownReadVersion.value)
