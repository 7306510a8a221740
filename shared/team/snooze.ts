import { addressInDomains } from '../rules/organisation'

/**
 * A snoozed conversation (docs/team-state.md, "Snooze"): the log's last snooze or unsnooze
 * record decides whether there is one (server order, fold.ts); whether it still holds is each
 * device's own clock and mail — no record wakes it, so every member's Tandem wakes it alike and
 * nobody has to be online at the wake time.
 */
export interface TeamSnooze {
  /** When it wakes, UTC ms (null: only on a reply). */
  until: number | null
  /** Whether a message from outside the organisation wakes it earlier. */
  onReply: boolean
  /** The server's arrival time (INTERNALDATE) of its newest message the member had when snoozing. */
  after: number
  /** Who snoozed it and when (their clock: shown only), the record's UID and id. */
  by: string
  at: number
  uid: number
  rid?: string
}

/** Why a snooze no longer holds: its time came, or the customer wrote (at the server's arrival time). */
export interface SnoozeWake { kind: 'time' | 'reply'; at: number }

/**
 * Whether and why a snooze woke: at its time by this device's clock, or earlier when a message
 * from outside the organisation arrived after it (`outsideArrival`: the newest such arrival in
 * the conversation, 0 for none; both sides the server's INTERNALDATE). Null: still snoozed.
 */
export function snoozeWake(s: TeamSnooze, now: number, outsideArrival: number): SnoozeWake | null {
  const reply = s.onReply && outsideArrival > s.after ? outsideArrival : null
  const time = s.until !== null && now >= s.until ? s.until : null
  if (reply !== null && (time === null || reply <= time)) return { kind: 'reply', at: reply }
  return time !== null ? { kind: 'time', at: time } : null
}

/** Whether a conversation is snoozed now (out of the team's Open view, in Snoozed). */
export function isSnoozed(s: TeamSnooze | null | undefined, now: number, outsideArrival: number): boolean {
  return !!s && snoozeWake(s, now, outsideArrival) === null
}

/**
 * Whether a message's sender is a customer for a snooze: outside the organisation's domains
 * (shared/rules/organisation.ts, what the administrator's directory says) and not a member.
 * The team's own replies — from a member or a domain of the organisation — never wake it.
 */
export function fromOutside(from: string | undefined, domains: readonly string[], members: readonly string[]): boolean {
  if (!from) return false
  const a = from.trim().toLowerCase()
  return !addressInDomains(a, domains) && !members.some((m) => m.toLowerCase() === a)
}

/** The earliest wake time still to come among these snoozes (null: none): when the device looks again. */
export function nextWake(snoozes: Iterable<TeamSnooze | null | undefined>, now: number): number | null {
  let next: number | null = null
  for (const s of snoozes) if (s?.until != null && s.until > now && (next === null || s.until < next)) next = s.until
  return next
}

/** The times a person picks from, by their device's clock and time zone (as Front offers them). */
export type SnoozeChoice = 'laterToday' | 'tomorrow' | 'nextWeek'

/** The morning hour "Tomorrow" and "Next week" wake at. */
export const MORNING_HOUR = 9
/** "Later today" is this many hours on, on the hour. */
export const LATER_HOURS = 3

/**
 * A choice's wake time from `now`, in the device's time zone: Later today (three hours on, on the
 * hour; null once that is tomorrow), Tomorrow morning (9:00), Next week (Monday 9:00).
 */
export function wakeTimeOf(choice: SnoozeChoice, now: Date): number | null {
  const d = new Date(now.getTime())
  if (choice === 'laterToday') {
    d.setMinutes(0, 0, 0)
    d.setHours(d.getHours() + LATER_HOURS + (now.getMinutes() || now.getSeconds() || now.getMilliseconds() ? 1 : 0))
    return d.getDate() === now.getDate() ? d.getTime() : null
  }
  d.setHours(MORNING_HOUR, 0, 0, 0)
  if (choice === 'tomorrow') { d.setDate(d.getDate() + 1); return d.getTime() }
  // Monday is 1; from a Monday, the Monday after.
  const ahead = ((8 - d.getDay()) % 7) || 7
  d.setDate(d.getDate() + ahead)
  return d.getTime()
}

/**
 * Per conversation, the newest server arrival (INTERNALDATE) of a message from a customer among
 * these (a shared Inbox's cached messages): what `snoozeWake` compares a snooze's `after` with.
 */
export function newestCustomerArrivals(rows: Iterable<{ conversationId: string; from: string | undefined; date: number }>, isCustomer: (from: string | undefined) => boolean): Map<string, number> {
  const newest = new Map<string, number>()
  for (const r of rows) if (r.date > (newest.get(r.conversationId) ?? 0) && isCustomer(r.from)) newest.set(r.conversationId, r.date)
  return newest
}

/**
 * The team's Open view of a shared Inbox: its rows without the snoozed conversations, in order.
 * One Set look-up per row into an array sized once (no growing, no closure): the list pays
 * this only when something is snoozed, and `keptWithoutSnoozed` keeps it until the rows or the
 * snoozed set change.
 */
export function withoutSnoozed<T extends { conversationId: string }>(rows: readonly T[], snoozed: ReadonlySet<string>): T[] {
  const out = new Array<T>(rows.length)
  let k = 0
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    if (!snoozed.has(r.conversationId)) out[k++] = r
  }
  out.length = k
  return out
}

/**
 * The same for a list with one row per conversation, newest first by date, whose row of a
 * conversation `rowOf` gives: each snoozed conversation's row is found by a binary search on its
 * date (log n look-ups for each of the snoozed, not one for each row), and the rest copied
 * between them. When a row is not where the order says (a list not in date order, a row of
 * another list), it falls back to `withoutSnoozed`, which is right for any list.
 */
export function withoutSnoozedRows<T extends { conversationId: string; date: number }>(rows: T[], snoozed: ReadonlySet<string>, rowOf: (conversationId: string) => T | null): T[] {
  const at: number[] = []
  for (const c of snoozed) {
    const row = rowOf(c)
    if (!row) continue
    let lo = 0
    let hi = rows.length
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (rows[mid]!.date > row.date) lo = mid + 1; else hi = mid }
    let found = -1
    for (let i = lo; i < rows.length && rows[i]!.date === row.date; i++) if (rows[i] === row) { found = i; break }
    if (found < 0) return withoutSnoozed(rows, snoozed)
    at.push(found)
  }
  if (!at.length) return rows
  at.sort((x, y) => x - y)
  const out = new Array<T>(rows.length - at.length)
  let k = 0
  let from = 0
  for (const skip of at) {
    for (let i = from; i < skip; i++) out[k++] = rows[i]!
    from = skip + 1
  }
  for (let i = from; i < rows.length; i++) out[k++] = rows[i]!
  return out
}

/**
 * `withoutSnoozed` (or `withoutSnoozedRows` when the rows are one per conversation and `rowOf`
 * finds them), worked out again only when the rows or the snoozed set are other objects: what
 * the list reads on a change of filter, focus or anything else costs nothing for snoozes.
 */
export function keptWithoutSnoozed<T extends { conversationId: string; date: number }>(): (rows: T[], snoozed: ReadonlySet<string>, rowOf?: ((conversationId: string) => T | null) | null) => T[] {
  let last: { rows: T[]; snoozed: ReadonlySet<string>; out: T[] } | null = null
  return (rows, snoozed, rowOf) => {
    if (!snoozed.size) return rows
    if (last?.rows !== rows || last.snoozed !== snoozed) last = { rows, snoozed, out: rowOf ? withoutSnoozedRows(rows, snoozed, rowOf) : withoutSnoozed(rows, snoozed) }
    return last.out
  }
}
