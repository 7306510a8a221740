import { describe, expect, it } from 'vitest'
import { BusinessCalendar, isoDate } from '../../../shared/rules/business-time'
import { defaultTargets, hoursOf } from '../../../shared/rules/response-targets'
import { emptyFigures, eventOf, figuresOf, laidOver, percentiles, reportOf, waitMark, withDone, withEvents, type FigureEvent } from '../../../shared/team/response-figures'
import { fromOutside } from '../../../shared/team/snooze'

const H = 3_600_000
const M = 60_000
const MAILBOX = 'help@org.example'
const domains = ['org.example']
const members = ['alice@org.example', 'bob@org.example']
const isCustomer = (from: string | undefined) => fromOutside(from, [...domains, 'org.example'], [MAILBOX, ...members])
const isTeam = (a: string) => [MAILBOX, ...members].includes(a.toLowerCase())
const INBOX = 'mb|INBOX'
const SENT = 'mb|Sent'
/** Monday 1 December 2026 at hh:mm in Amsterdam (CET, UTC+1). */
const mon = (h: number, m = 0) => Date.UTC(2026, 11, 1, h - 1, m)
const tue = (h: number, m = 0) => Date.UTC(2026, 11, 2, h - 1, m)
let n = 0
const msg = (folderId: string, at: number, from: string, sender: string | null = null) => ({ id: `m${++n}`, messageId: `<m${n}@x>`, folderId, date: at, from: [{ address: from }], sender: sender ? { address: sender } : null })
const events = (ms: ReturnType<typeof msg>[]) => ms.map((m) => eventOf(m, SENT, isCustomer, isTeam)).filter((e): e is FigureEvent => e !== null)

const calendar = new BusinessCalendar(hoursOf(defaultTargets('Europe/Amsterdam')))

/** A seeded history with known answers (working hours 9–17 on weekdays, Amsterdam). */
const a = [
  msg(INBOX, mon(10), 'carol@customer.example'),
  // A teammate writing into the Inbox is no customer.
  msg(INBOX, mon(10, 30), 'bob@org.example'),
  // The mailbox's reply sent by Alice on its behalf (Sender: R3): hers, 1 h.
  msg(SENT, mon(11), MAILBOX, 'alice@org.example'),
  msg(INBOX, mon(13), 'carol@customer.example'),
  msg(INBOX, mon(13, 30), 'carol@customer.example'),
  // Bob from his own address: the next reply to the oldest unanswered, 2 h.
  msg(SENT, mon(15), 'bob@org.example'),
  msg(INBOX, mon(16, 30), 'carol@customer.example'),
  // Overnight: 30 min on Monday and 30 on Tuesday.
  msg(SENT, tue(9, 30), MAILBOX, 'alice@org.example'),
]
const b = [msg(INBOX, mon(14), 'dave@elsewhere.example'), msg(SENT, tue(10), 'bob@org.example')]
const c = [msg(INBOX, mon(16), 'erin@customer.example')]
// Someone outside writing from Sent is impossible; a message in Sent from a stranger is not the team's.
const d = [msg(SENT, mon(12), 'mallory@evil.example')]

describe('response figures of a conversation', () => {
  const fa = figuresOf(emptyFigures(MAILBOX, 'a'), events(a))
  const fb = figuresOf(emptyFigures(MAILBOX, 'b'), events(b))
  const fc = figuresOf(emptyFigures(MAILBOX, 'c'), events(c))

  it('first and next response, who answered (Sender over From), a teammate is no customer', () => {
    expect(fa.opened).toBe(mon(10))
    expect(fa.first).toEqual({ from: mon(10), at: mon(11), by: 'alice@org.example' })
    expect(fa.next).toEqual([{ from: mon(13), at: mon(15), by: 'bob@org.example' }, { from: mon(16, 30), at: tue(9, 30), by: 'alice@org.example' }])
    expect(fa.waitingSince).toBeNull()
    expect(calendar.duration(fa.first!.from, fa.first!.at)).toBe(1 * H)
    expect(fa.next.map((r) => calendar.duration(r.from, r.at))).toEqual([2 * H, 1 * H])
    expect(fc.waitingSince).toBe(mon(16))
    expect(events(d)).toEqual([])
  })

  it('worked out in memory before the stored figures were read, laid over them: nothing of either lost', () => {
    // Stored: the first half of the conversation and a Done record; in memory meanwhile: the rest, one message twice, and another Done.
    const half = Math.ceil(a.length / 2)
    const stored = withDone(figuresOf(emptyFigures(MAILBOX, 'a'), events(a.slice(0, half))), { at: mon(12), by: 'bob@org.example', uid: 7 })
    const mem = withDone(figuresOf(emptyFigures(MAILBOX, 'a'), events([a[0]!, ...a.slice(half)])), { at: tue(10), by: 'alice@org.example', uid: 9 })
    const both = laidOver(stored, mem)
    expect({ ...both, done: [] }).toEqual({ ...fa, done: [] })
    expect(both.done.map((d) => d.uid)).toEqual([7, 9])
    // Nothing in memory: the stored figures as they were.
    expect(laidOver(stored, emptyFigures(MAILBOX, 'a'))).toEqual(stored)
  })

  it('is the same whatever order the messages came in, and a message seen twice (moved) counts once', () => {
    const shuffled = [...a].reverse()
    let f = emptyFigures(MAILBOX, 'a')
    for (const m of shuffled) f = withEvents(f, events([m]))
    f = withEvents(f, events([{ ...a[0]!, id: 'moved', folderId: 'mb|Archive' }]))
    expect(f).toEqual(fa)
  })

  it('a report: opened, done by whom, medians, 90th percentiles and share within target, per member', () => {
    const done = withDone(withDone(fa, { at: tue(10), by: 'Alice@org.example', uid: 5 }), { at: tue(10), by: 'alice@org.example', uid: 5 })
    const r = reportOf([done, fb, fc], mon(0), tue(24), () => ({ calendar, first: 2 * H, next: 90 * M }), (t) => isoDate(calendar.dayOf(t)))
    expect(r.opened).toBe(3)
    expect(r.done).toBe(1)
    expect(r.conversations).toBe(3)
    expect(r.perDay).toEqual([{ day: '2026-12-01', opened: 3, done: 0 }, { day: '2026-12-02', opened: 0, done: 1 }])
    // First: Alice 1 h, Bob 4 h (14:00–17:00 and 9:00–10:00).
    expect(r.first).toEqual({ count: 2, median: 1 * H, p90: 4 * H, within: 0.5 })
    expect(r.next).toEqual({ count: 2, median: 1 * H, p90: 2 * H, within: 0.5 })
    expect(r.members).toEqual([
      { member: 'alice@org.example', first: { count: 1, median: 1 * H, p90: 1 * H, within: 1 }, next: { count: 1, median: 1 * H, p90: 1 * H, within: 1 }, done: 1 },
      { member: 'bob@org.example', first: { count: 1, median: 4 * H, p90: 4 * H, within: 0 }, next: { count: 1, median: 2 * H, p90: 2 * H, within: 0 }, done: 0 },
    ])
    // Another period holds none of it.
    expect(reportOf([done, fb, fc], tue(24), tue(24) + 7 * 24 * H, () => ({ calendar, first: null, next: null }), String).conversations).toBe(0)
  })

  it('percentiles by nearest rank', () => {
    expect(percentiles([])).toBeNull()
    expect(percentiles([5])).toEqual({ median: 5, p90: 5 })
    expect(percentiles(Array.from({ length: 10 }, (_, i) => 10 - i))).toEqual({ median: 5, p90: 9 })
  })

  it('the wait mark: near at 75 % of the target, past at it; none once set aside or without a target', () => {
    const t = { calendar, first: 4 * H, next: 2 * H }
    expect(waitMark(fc, 'open', false, t, tue(10))).toEqual({ waited: 2 * H, target: 4 * H, level: 'ok' })
    expect(waitMark(fc, 'open', false, t, tue(12))).toEqual({ waited: 4 * H, target: 4 * H, level: 'past' })
    expect(waitMark(fc, 'open', false, t, tue(11))?.level).toBe('near')
    expect(waitMark(fc, 'done', false, t, tue(12))).toBeNull()
    expect(waitMark(fc, 'waiting', false, t, tue(12))).toBeNull()
    expect(waitMark(fc, 'open', true, t, tue(12))).toBeNull()
    expect(waitMark(fc, 'open', false, { ...t, first: null }, tue(12))).toBeNull()
    expect(waitMark(fa, 'open', false, t, tue(12))).toBeNull()
    // After a first reply, the next-reply target applies.
    const again = withEvents(fa, events([msg(INBOX, tue(11), 'carol@customer.example')]))
    expect(waitMark(again, 'open', false, t, tue(12, 30))).toEqual({ waited: 1.5 * H, target: 2 * H, level: 'near' })
  })
})
