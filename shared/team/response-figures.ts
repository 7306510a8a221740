import type { BusinessCalendar } from '../rules/business-time'

/**
 * Response figures of one conversation of a shared mailbox (docs/team-state.md, "Response
 * times"), kept per conversation on the device and updated as messages arrive and the team's
 * records are folded — so a report sums figures, never scans messages.
 *
 * What counts:
 * - a **customer message**: a message of the conversation outside the mailbox's Sent whose From
 *   is outside the organisation (not the mailbox, not a member, not in its domains — the
 *   window's `customerOf`, as for snooze). A teammate's message is never one.
 * - a **team reply**: a message of the conversation in the mailbox's Sent whose From is the
 *   mailbox or a member; its author is the member named by Sender (R3, "on behalf of") where
 *   present, else From.
 * First response: the first team reply after the first customer message. Next responses: each
 * later customer message not yet answered (the oldest of a run) to the team reply after it.
 * Waiting: since the oldest customer message not yet answered (null when the team spoke last).
 * Times are the server's arrival times (INTERNALDATE), never a sender's Date header.
 */

/** One message as the figures see it: its key (Message-ID, else the cache's id: the same message moved is the same event), arrival, and side. */
export interface FigureEvent { key: string; at: number; customer: boolean; by: string | null }
/** A reply to a customer: from when they waited, when the team answered and who. */
export interface ReplyFigure { from: number; at: number; by: string }
/** A status Done record: when (its author's clock, as the history shows) and who. */
export interface DoneFigure { at: number; by: string; uid: number }

/** What is kept per conversation (Dexie `responseFigures`, keyed [mailboxId+conv]). */
export interface ResponseFigures {
  mailboxId: string
  conv: string
  /** The events it was worked out from, oldest first, at most MAX_EVENTS (the oldest kept: they decide the first response). */
  events: FigureEvent[]
  /** The first customer message's arrival: when the conversation was opened. */
  opened: number | null
  first: ReplyFigure | null
  next: ReplyFigure[]
  /** The oldest customer message not answered yet. */
  waitingSince: number | null
  /** Done records, oldest first, at most MAX_DONE. */
  done: DoneFigure[]
}

/** Events kept per conversation: a conversation of 200 messages is rare; beyond, the newest are left out of the figures. */
export const MAX_EVENTS = 200
/** Done records kept per conversation. */
export const MAX_DONE = 20

export const emptyFigures = (mailboxId: string, conv: string): ResponseFigures => ({ mailboxId, conv, events: [], opened: null, first: null, next: [], waitingSince: null, done: [] })

/** The figures from a conversation's events (any order; repeats by key count once). */
export function figuresOf(base: ResponseFigures, events: readonly FigureEvent[]): ResponseFigures {
  const byKey = new Map<string, FigureEvent>()
  for (const e of events) if (!byKey.has(e.key)) byKey.set(e.key, e)
  const sorted = [...byKey.values()].sort((a, b) => a.at - b.at || (a.customer === b.customer ? 0 : a.customer ? -1 : 1)).slice(0, MAX_EVENTS)
  let opened: number | null = null
  let pending: number | null = null
  let first: ReplyFigure | null = null
  const next: ReplyFigure[] = []
  for (const e of sorted) {
    if (e.customer) {
      if (opened === null) opened = e.at
      if (pending === null) pending = e.at
    } else if (pending !== null) {
      // The team's message before any customer's (an outgoing first mail) answers nobody.
      const reply = { from: pending, at: e.at, by: (e.by ?? '').toLowerCase() }
      if (first === null) first = reply
      else next.push(reply)
      pending = null
    }
  }
  return { ...base, events: sorted, opened, first, next, waitingSince: pending }
}

/** The figures with these events added (a message that arrived, moved or was first seen). */
export const withEvents = (f: ResponseFigures, events: readonly FigureEvent[]): ResponseFigures => figuresOf(f, [...f.events, ...events])

/**
 * A conversation's stored figures with what was worked out in memory before they were read
 * (new messages' events, Done records) laid over them: nothing of either is lost.
 */
export const laidOver = (stored: ResponseFigures, mem: ResponseFigures): ResponseFigures => mem.done.reduce(withDone, withEvents(stored, mem.events))

/** The figures with a Done record added (by its UID: a fold read again adds nothing twice). */
export function withDone(f: ResponseFigures, d: DoneFigure): ResponseFigures {
  if (f.done.some((x) => x.uid === d.uid)) return f
  return { ...f, done: [...f.done, d].sort((a, b) => a.uid - b.uid).slice(-MAX_DONE) }
}

/**
 * How a message of a shared mailbox counts: a customer's, a team reply (with its author), or not
 * at all. `sentFolderId` the mailbox's Sent; `isCustomer` and `isTeam` the window's rules.
 */
export function eventOf(m: { id: string; messageId: string | null; folderId: string; date: number; from: readonly { address: string }[]; sender: { address: string } | null },
  sentFolderId: string | null, isCustomer: (address: string | undefined) => boolean, isTeam: (address: string) => boolean): FigureEvent | null {
  const from = m.from[0]?.address
  const key = m.messageId ?? m.id
  if (m.folderId === sentFolderId) {
    if (!from || !isTeam(from)) return null
    return { key, at: m.date, customer: false, by: m.sender?.address ?? from }
  }
  return isCustomer(from) ? { key, at: m.date, customer: true, by: null } : null
}

/** The median and 90th percentile (nearest rank) of durations; null for none. */
export function percentiles(values: readonly number[]): { median: number; p90: number } | null {
  if (!values.length) return null
  // A typed array sorts numbers without a comparator call per pair.
  const s = Float64Array.from(values).sort()
  const rank = (p: number) => s[Math.max(0, Math.ceil(p * s.length) - 1)]!
  return { median: rank(0.5), p90: rank(0.9) }
}

/** One row of a report: response times (business ms) of a mailbox or a member. */
export interface TimesRow { count: number; median: number | null; p90: number | null; within: number | null }

/** What a report shows for a period: opened and done per day, and first and next response times for the team and per member. */
export interface ReportFigures {
  opened: number
  done: number
  /** Per local day "YYYY-MM-DD" of the person's zone: opened and done. */
  perDay: { day: string; opened: number; done: number }[]
  first: TimesRow
  next: TimesRow
  /** Per member (lower-case address): their replies' first and next times, and what they set Done. */
  members: { member: string; first: TimesRow; next: TimesRow; done: number }[]
  conversations: number
}

/** Targets of one mailbox for a report: its calendar, and its targets in ms (null: none). */
export interface ReportTargets { calendar: BusinessCalendar; first: number | null; next: number | null }

/** Sums of one mailbox's or member's response times while a report is made. */
class Times {
  first: number[] = []
  firstIn = 0
  firstOf = 0
  next: number[] = []
  nextIn = 0
  nextOf = 0
  done = 0
  add(kind: 'first' | 'next', ms: number, target: number | null): void {
    if (kind === 'first') { this.first.push(ms); if (target !== null) { this.firstOf++; if (ms <= target) this.firstIn++ } } else { this.next.push(ms); if (target !== null) { this.nextOf++; if (ms <= target) this.nextIn++ } }
  }
}
const timesRow = (values: number[], within: number, of: number): TimesRow => {
  const p = percentiles(values)
  return { count: values.length, median: p?.median ?? null, p90: p?.p90 ?? null, within: of ? within / of : null }
}

/**
 * A report over a period [start, end) from kept figures: one pass, two prefix-sum lookups per
 * reply (BusinessCalendar keeps its days), no closure or array made per conversation — at
 * 100 000 conversations the garbage collector was half the time. `targetsOf` gives a mailbox's
 * calendar and targets; `dayOf` the person's local day of an instant.
 */
export function reportOf(figures: Iterable<ResponseFigures>, start: number, end: number, targetsOf: (mailboxId: string) => ReportTargets, dayOf: (t: number) => string): ReportFigures {
  const perDay = new Map<string, { opened: number; done: number }>()
  const day = (t: number) => { const k = dayOf(t); let d = perDay.get(k); if (!d) { d = { opened: 0, done: 0 }; perDay.set(k, d) } return d }
  const team = new Times()
  const members = new Map<string, Times>()
  const member = (m: string) => { let x = members.get(m); if (!x) { x = new Times(); members.set(m, x) } return x }
  let opened = 0
  let done = 0
  let conversations = 0
  let lastMailbox: string | null = null
  let t: ReportTargets | null = null
  for (const f of figures) {
    let counted = false
    if (f.mailboxId !== lastMailbox) { t = targetsOf(f.mailboxId); lastMailbox = f.mailboxId }
    if (f.opened !== null && f.opened >= start && f.opened < end) { opened++; day(f.opened).opened++; counted = true }
    for (const d of f.done) if (d.at >= start && d.at < end) { done++; day(d.at).done++; member(d.by.toLowerCase()).done++; counted = true }
    // A reply counts in the period it was given.
    const r0 = f.first
    if (r0 && r0.at >= start && r0.at < end) {
      const ms = t!.calendar.duration(r0.from, r0.at)
      team.add('first', ms, t!.first)
      member(r0.by).add('first', ms, t!.first)
      counted = true
    }
    for (const r of f.next) {
      if (r.at < start || r.at >= end) continue
      const ms = t!.calendar.duration(r.from, r.at)
      team.add('next', ms, t!.next)
      member(r.by).add('next', ms, t!.next)
      counted = true
    }
    if (counted) conversations++
  }
  return {
    opened, done, conversations,
    perDay: [...perDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, x]) => ({ day: d, ...x })),
    first: timesRow(team.first, team.firstIn, team.firstOf),
    next: timesRow(team.next, team.nextIn, team.nextOf),
    members: [...members.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([m, x]) => ({ member: m, first: timesRow(x.first, x.firstIn, x.firstOf), next: timesRow(x.next, x.nextIn, x.nextOf), done: x.done })),
  }
}

/** Where a waiting conversation stands against its target: how long (business ms), and whether near (≥ 75 %) or past. */
export interface WaitMark { waited: number; target: number; level: 'ok' | 'near' | 'past' }

/**
 * A conversation's wait mark now: none without a target, without a customer waiting, or when
 * the team set it aside (status Done or Waiting — waiting on the customer — or snoozed: the
 * team decided it needs no reply now; a new customer message after that shows again once the
 * status is Open).
 */
export function waitMark(f: Pick<ResponseFigures, 'waitingSince' | 'first'> | null, status: 'open' | 'waiting' | 'done' | undefined, snoozed: boolean,
  targets: { calendar: BusinessCalendar; first: number | null; next: number | null } | null, now: number): WaitMark | null {
  if (!f || f.waitingSince === null || !targets || snoozed || status === 'done' || status === 'waiting') return null
  const target = f.first === null ? targets.first : targets.next
  if (target === null) return null
  const waited = targets.calendar.duration(f.waitingSince, now)
  return { waited, target, level: waited >= target ? 'past' : waited >= target * 0.75 ? 'near' : 'ok' }
}
