import { describe, expect, it } from 'vitest'
import { briefOf, TeamFold } from '../../../shared/team/fold'
import { mergeTeamBriefs } from '../../../shared/team/carry-over'
import { conversationIdFromRoot } from '../../../shared/conversation'
import { parseTeamRecord, serialiseTeamRecord, teamActionSchema, type StoredTeamRecord, type TeamAction } from '../../../shared/team/records'
import { fromOutside, isSnoozed, keptWithoutSnoozed, nextWake, snoozeWake, wakeTimeOf, withoutSnoozed, withoutSnoozedRows, type TeamSnooze } from '../../../shared/team/snooze'
import { MAX_TIMESTAMP } from '../../../shared/rules/timestamp'

const conv = conversationIdFromRoot('m:<late.parcel@customer.example>')
let n = 0
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
const rec = (uid: number, by: string, action: TeamAction): StoredTeamRecord => ({ v: 1, id: uuid(), conv, at: 1_700_000_000_000 + uid, by, action, uid })
const MONDAY_9 = Date.UTC(2026, 11, 7, 9)
const ARRIVED = Date.UTC(2026, 11, 4, 15)

describe('snooze in the team fold', () => {
  it('the last snooze or unsnooze in the server order holds, whoever wrote it and whenever their clock says', () => {
    const f = new TeamFold()
    const alice = rec(3, 'alice@x.test', { kind: 'snooze', until: MONDAY_9, onReply: false, after: ARRIVED })
    // Bob's clock is a day ahead: his unsnooze claims a later time, yet it came first in the log.
    const bob = { ...rec(2, 'bob@x.test', { kind: 'unsnooze' }), at: alice.at + 86_400_000 }
    f.add([bob, alice])
    expect(f.get(conv).snooze).toMatchObject({ until: MONDAY_9, by: 'alice@x.test', uid: 3 })
    f.add([rec(4, 'bob@x.test', { kind: 'unsnooze' })])
    expect(f.get(conv).snooze).toBeNull()
    expect(briefOf(f.get(conv)).snooze).toBeUndefined()
    f.add([rec(5, 'carol@x.test', { kind: 'snooze', until: null, onReply: true, after: ARRIVED })])
    expect(briefOf(f.get(conv)).snooze).toMatchObject({ until: null, onReply: true, by: 'carol@x.test' })
    // Every one of them is in the history, in the log's order.
    expect(f.get(conv).history.map((e) => [e.uid, e.action.kind])).toEqual([[2, 'unsnooze'], [3, 'snooze'], [4, 'unsnooze'], [5, 'snooze']])
  })

  it('wakes at its time by the device clock, with no record', () => {
    const s: TeamSnooze = { until: MONDAY_9, onReply: false, after: ARRIVED, by: 'a@x.test', at: 0, uid: 1 }
    expect(isSnoozed(s, MONDAY_9 - 1, 0)).toBe(true)
    expect(snoozeWake(s, MONDAY_9, 0)).toEqual({ kind: 'time', at: MONDAY_9 })
    expect(isSnoozed(s, MONDAY_9 + 1, 0)).toBe(false)
    // A reply does not wake a snooze that did not ask for it.
    expect(isSnoozed(s, MONDAY_9 - 1, ARRIVED + 60_000)).toBe(true)
    expect(nextWake([s, null, { ...s, until: MONDAY_9 - 5 }, { ...s, until: null }], MONDAY_9 - 10)).toBe(MONDAY_9 - 5)
    expect(nextWake([s], MONDAY_9)).toBeNull()
  })

  it('wakes early on a customer reply that arrived after the snooze, not on one that was there already', () => {
    const s: TeamSnooze = { until: MONDAY_9, onReply: true, after: ARRIVED, by: 'a@x.test', at: 0, uid: 1 }
    expect(isSnoozed(s, ARRIVED + 1000, ARRIVED)).toBe(true)
    expect(snoozeWake(s, ARRIVED + 2000, ARRIVED + 1000)).toEqual({ kind: 'reply', at: ARRIVED + 1000 })
    // Until a reply only: no time wakes it.
    expect(isSnoozed({ ...s, until: null }, MAX_TIMESTAMP, 0)).toBe(true)
    // A reply that came after the time: it woke at the time.
    expect(snoozeWake(s, MONDAY_9 + 10_000, MONDAY_9 + 5000)).toEqual({ kind: 'time', at: MONDAY_9 })
  })

  it('a customer is outside the organisation and not a member; the team’s replies are not', () => {
    const domains = ['contoso.test', 'helpdesk.contoso.test']
    expect(fromOutside('customer@example.org', domains, [])).toBe(true)
    expect(fromOutside('Bob@Contoso.test', domains, [])).toBe(false)
    expect(fromOutside('partner@elsewhere.test', domains, ['partner@elsewhere.test'])).toBe(false)
    expect(fromOutside('someone@sub.contoso.test', domains, [])).toBe(true)
    expect(fromOutside(undefined, domains, [])).toBe(false)
  })

  it('refuses records a colleague could write to break it: no wake at all, a time no Date can hold', () => {
    expect(teamActionSchema.safeParse({ kind: 'snooze', until: null, onReply: false, after: 0 }).success).toBe(false)
    expect(teamActionSchema.safeParse({ kind: 'snooze', until: 9e15, onReply: false, after: 0 }).success).toBe(false)
    expect(teamActionSchema.safeParse({ kind: 'snooze', until: 1.5, onReply: false, after: 0 }).success).toBe(false)
    expect(teamActionSchema.safeParse({ kind: 'snooze', until: 5, onReply: false, after: -1 }).success).toBe(false)
    expect(teamActionSchema.safeParse({ kind: 'unsnooze', until: 5 }).success).toBe(false)
    const r = { v: 1 as const, id: uuid(), conv, at: 5, by: 'a@x.test', action: { kind: 'snooze' as const, until: MONDAY_9, onReply: true, after: ARRIVED } }
    expect(parseTeamRecord(serialiseTeamRecord(r))).toEqual(r)
  })

  it('carries over: where states merge, the snooze of the later record holds', () => {
    const a: TeamSnooze = { until: 1, onReply: false, after: 0, by: 'a@x.test', at: 0, uid: 4 }
    const b: TeamSnooze = { ...a, until: 2, uid: 9 }
    expect(mergeTeamBriefs([{ assignee: null, status: 'open', snooze: b }, { assignee: null, status: 'open', snooze: a }])?.snooze).toBe(b)
  })

  it('offers Later today, Tomorrow morning and Next week (Monday 9:00) by the local clock', () => {
    const fri = new Date(2026, 11, 4, 14, 20)
    expect(new Date(wakeTimeOf('laterToday', fri)!)).toEqual(new Date(2026, 11, 4, 18, 0))
    expect(new Date(wakeTimeOf('tomorrow', fri)!)).toEqual(new Date(2026, 11, 5, 9, 0))
    expect(new Date(wakeTimeOf('nextWeek', fri)!)).toEqual(new Date(2026, 11, 7, 9, 0))
    // From a Monday, the Monday after; late in the evening there is no "later today".
    expect(new Date(wakeTimeOf('nextWeek', new Date(2026, 11, 7, 8, 0))!)).toEqual(new Date(2026, 11, 14, 9, 0))
    expect(wakeTimeOf('laterToday', new Date(2026, 11, 4, 22, 0))).toBeNull()
  })
})

describe('undoing a snooze (the queue\'s inverse task)', () => {
  const base = { kind: 'team' as const, id: uuid(), mailboxId: 'shared:desk@x.test', conversationId: conv, about: { folderId: 'f', uid: 1, messageId: '<a@x.test>' }, at: 5, locale: 'en' as const, state: 'queued' as const, attempts: 0, createdAt: 5 }
  it('a snooze is undone by an unsnooze, or by the snooze that held before; an unsnooze by the snooze it lifted', async () => {
    const { teamTask } = await import('../../../renderer/src/queue/tasks/team')
    const inverseOf = (t: unknown) => (teamTask.inverse!(t as never, null) as { action?: unknown } | null)?.action
    const snooze = { kind: 'snooze' as const, until: Date.now() + 86_400_000, onReply: false, after: ARRIVED }
    expect(inverseOf({ ...base, action: snooze, before: { snooze: null } })).toEqual({ kind: 'unsnooze' })
    const was = { until: null, onReply: true, after: ARRIVED }
    expect(inverseOf({ ...base, action: snooze, before: { snooze: was } })).toEqual({ kind: 'snooze', ...was })
    expect(inverseOf({ ...base, action: { kind: 'unsnooze' }, before: { snooze: { ...snooze } } })).toEqual(snooze)
    // A snooze whose time passed meanwhile is over: undoing the unsnooze that lifted it snoozes nothing.
    expect(inverseOf({ ...base, action: { kind: 'unsnooze' }, before: { snooze: { ...snooze, until: Date.now() - 1000 } } })).toEqual({ kind: 'unsnooze' })
  })
})

describe('the team\'s Open view (a shared Inbox without its snoozed conversations)', () => {
  const rows = ['a', 'b', 'a', 'c', 'd', 'b'].map((conversationId, i) => ({ conversationId, i, date: 100 - i }))

  it('leaves out every row of a snoozed conversation and keeps the order of the rest', () => {
    expect(withoutSnoozed(rows, new Set(['b'])).map((r) => r.i)).toEqual([0, 2, 3, 4])
    expect(withoutSnoozed(rows, new Set(['a', 'b', 'c', 'd']))).toEqual([])
    expect(withoutSnoozed(rows, new Set(['x'])).map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('is worked out again only when the rows or the snoozed set are other objects', () => {
    const view = keptWithoutSnoozed<(typeof rows)[number]>()
    const none = new Set<string>()
    expect(view(rows, none)).toBe(rows)
    const set = new Set(['c'])
    const first = view(rows, set)
    expect(first.map((r) => r.conversationId)).toEqual(['a', 'b', 'a', 'd', 'b'])
    expect(view(rows, set)).toBe(first)
    const woke = new Set<string>()
    expect(view(rows, woke)).toBe(rows)
    const moreRows = [...rows, { conversationId: 'c', i: 6, date: 50 }, { conversationId: 'e', i: 7, date: 40 }]
    expect(view(moreRows, set).map((r) => r.i)).toEqual([0, 1, 2, 4, 5, 7])
    expect(view(rows, new Set(['a'])).map((r) => r.i)).toEqual([1, 3, 4, 5])
  })
})

describe('the Open view of a list with one row per conversation (found by date, not by a look-up per row)', () => {
  // Newest first, with ties in date (the same second) as real lists have.
  const dates = [90, 80, 80, 80, 70, 60, 60, 50, 40, 30]
  const rows = dates.map((date, i) => ({ conversationId: `c${i}`, date }))
  const rowOf = (c: string) => rows.find((r) => r.conversationId === c) ?? null

  it('leaves out exactly the rows a per-row filter leaves out, for any set of snoozed conversations', () => {
    for (let mask = 0; mask < 1 << rows.length; mask += 7) {
      const snoozed = new Set(rows.filter((_, i) => mask & (1 << i)).map((r) => r.conversationId))
      snoozed.add('not-in-this-list')
      expect(withoutSnoozedRows(rows, snoozed, rowOf)).toEqual(withoutSnoozed(rows, snoozed))
    }
  })

  it('asks the list for the snoozed conversations only, not a look-up for each row', () => {
    let asked = 0
    const snoozed = new Set(['c2', 'c6'])
    const out = withoutSnoozedRows(rows, snoozed, (c) => { asked++; return rowOf(c) })
    expect(out.map((r) => r.conversationId)).toEqual(['c0', 'c1', 'c3', 'c4', 'c5', 'c7', 'c8', 'c9'])
    expect(asked).toBe(2)
  })

  it('falls back to the per-row filter when a row is not where the date order says (a list out of order, another list\'s row)', () => {
    const shuffled = [rows[3]!, rows[0]!, rows[9]!, rows[1]!]
    expect(withoutSnoozedRows(shuffled, new Set(['c0', 'c9']), rowOf).map((r) => r.conversationId)).toEqual(['c3', 'c1'])
    const other = { conversationId: 'c1', date: 80 }
    expect(withoutSnoozedRows(rows, new Set(['c1']), () => other).map((r) => r.conversationId)).not.toContain('c1')
  })
})
