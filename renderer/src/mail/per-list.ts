import type { MessageSummary } from '../../../shared/domain'

/**
 * A figure of a list of messages, computed once per list (switching between a search
 * and a 100 000-message folder recounted threads and unread mail of the whole folder each time).
 * Lists are never changed in place — every change makes a new array — so the array is the key.
 */
export function perList<T>(compute: (rows: readonly MessageSummary[]) => T): (rows: readonly MessageSummary[]) => T {
  const known = new WeakMap<readonly MessageSummary[], T>()
  return (rows) => {
    if (known.has(rows)) return known.get(rows)!
    const value = compute(rows)
    known.set(rows, value)
    return value
  }
}

/** How many conversations of a list have unread mail. */
export const unreadConversations = perList((rows) => {
  const unread = new Set<string>()
  for (const m of rows) if (!m.flags.includes('\\Seen')) unread.add(`${m.mailboxId}\n${m.conversationId}`)
  return unread.size
})

/** How many messages of a list are unread. */
export const unreadCount = perList((rows) => rows.reduce((n, m) => (m.flags.includes('\\Seen') ? n : n + 1), 0))
