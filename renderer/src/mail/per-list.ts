import type { MessageSummary } from '../../../shared/domain'
import { isUnread, ownReadVersion } from './own-unread'

/**
 * A count over a list of messages, kept by a tally that a message adds to or takes from: counted
 * once per list, and carried to the next list by the rows that changed (a change of the cache
 * while a 100 000-message folder is on screen cost a recount of every row — 400 ms — per change).
 */
export interface Tally<S> {
  /** An empty tally. */
  start(): S
  /** Adds (`sign` 1) or takes away (-1) one message. */
  add(state: S, m: MessageSummary, sign: 1 | -1): void
  /** The figure. */
  value(state: S): number
}

/** A figure of lists, with what it depends on besides the rows (`version`, read once per call). */
export interface PerList {
  (rows: readonly MessageSummary[]): number
  /**
   * The figure of `next`, a new list made from `from` by taking `gone` out and putting `came`
   * in: carried over from `from`'s tally when it is known and still true (same version), so
   * the next call with `next` costs nothing. `from`'s tally is moved, not copied.
   */
  carry(from: readonly MessageSummary[], next: readonly MessageSummary[], gone: readonly MessageSummary[], came: readonly MessageSummary[]): void
}

/**
 * A figure of a list of messages, computed once per list (switching between a search
 * and a 100 000-message folder recounted threads and unread mail of the whole folder each time).
 * Lists are never changed in place — every change makes a new array — so the array is the key.
 */
export function perList<S>(tally: Tally<S>, version: () => number = () => 0): PerList {
  const known = new WeakMap<readonly MessageSummary[], { v: number; state: S }>()
  const figure = (rows: readonly MessageSummary[]) => {
    // `version`: what else the figure depends on (the member's own read state), read once per call.
    const v = version()
    const had = known.get(rows)
    if (had && had.v === v) return tally.value(had.state)
    const state = tally.start()
    for (const m of rows) tally.add(state, m, 1)
    known.set(rows, { v, state })
    return tally.value(state)
  }
  figure.carry = (from: readonly MessageSummary[], next: readonly MessageSummary[], gone: readonly MessageSummary[], came: readonly MessageSummary[]) => {
    const had = known.get(from)
    if (!had || had.v !== version()) return
    for (const m of gone) tally.add(had.state, m, -1)
    for (const m of came) tally.add(had.state, m, 1)
    known.delete(from)
    known.set(next, had)
  }
  return figure
}

/**
 * How many conversations of a list have unread mail: per mailbox and conversation, how many of
 * its messages are unread (nested maps: a key string per conversation cost 3.6 MB at 100 000).
 */
export const unreadConversations = perList<{ of: Map<string, Map<string, number>>; n: number }>({
  start: () => ({ of: new Map(), n: 0 }),
  add: (s, m, sign) => {
    if (!isUnread(m)) return
    let inMailbox = s.of.get(m.mailboxId)
    if (!inMailbox) s.of.set(m.mailboxId, (inMailbox = new Map()))
    const was = inMailbox.get(m.conversationId) ?? 0
    const now = was + sign
    if (now > 0) inMailbox.set(m.conversationId, now)
    else inMailbox.delete(m.conversationId)
    if (!was && now > 0) s.n++
    else if (was > 0 && now <= 0) s.n--
  },
  value: (s) => s.n,
}, () => ownReadVersion.value)

/** How many messages of a list are unread (by the person: mail/own-unread.ts). */
export const unreadCount = perList<{ n: number }>({
  start: () => ({ n: 0 }),
  add: (s, m, sign) => { if (isUnread(m)) s.n += sign },
  value: (s) => s.n,
}, () => ownReadVersion.value)

/** Carries the list's counts above to its next list (see {@link PerList.carry}). */
export function carryListCounts(from: readonly MessageSummary[], next: readonly MessageSummary[], gone: readonly MessageSummary[], came: readonly MessageSummary[]): void {
  unreadConversations.carry(from, next, gone, came)
  unreadCount.carry(from, next, gone, came)
}
