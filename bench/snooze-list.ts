// What snoozes add to opening a shared Inbox (docs/team-state.md, "Snooze"), with and without
// 10 000 snoozed conversations among 100 000, in one invocation:
// - the open: the list's own work (ConversationList.rebuild over the folder's rows, as
//   ConversationView.open does) and then the team's Open view (`keptWithoutSnoozed` with the
//   list's row finder, as the messages store's `teamVisible` does: each snoozed conversation's
//   row found by date). Without snoozes the Open view is the rows themselves.
// - the team store's pass when the state, the clock or the Inbox change (not at open): the set
//   of conversations snoozed now (stores/team.ts).
// - the team views' recount when the cache or the state change (not at open): the sidebar's
//   counts (sidebar/team-views.ts).
// The same pure functions and loops as the app, in Node, without the page: it measures what
// snoozes add, not the whole open (bench/conversations.ts measures that). Run alone with
// `npx tsx bench/snooze-list.ts [--conversations N] [--snoozed S]`; bench/team-state.ts prints it too.
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import type { MessageSummary } from '../shared/domain'
import { briefOf, emptyTeamState, type TeamBrief } from '../shared/team/fold'
import { fromOutside, isSnoozed, keptWithoutSnoozed, newestCustomerArrivals, nextWake, type TeamSnooze } from '../shared/team/snooze'
import { ConversationIndex } from '../renderer/src/mail/conversation-index'
import { ConversationList } from '../renderer/src/mail/conversation-list'

type Row = Pick<MessageSummary, 'id' | 'folderId' | 'conversationId' | 'date'> & { from: string }
type Stat = { median: number; p95: number }
const stat = (xs: number[]): Stat => { const s = [...xs].sort((x, y) => x - y); return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! } }
const timed = (f: () => unknown): number => { const t = performance.now(); f(); return performance.now() - t }

export interface SnoozeListFigures {
  /** Opening the Inbox: the list's rebuild and the Open view, without and with snoozes. */
  without: Stat; with: Stat
  /** Of which the Open view alone (without snoozes: none). */
  viewWith: Stat
  /** The team store's pass (not at open). */
  passWithout: Stat; passWith: Stat
  /** The team views' recount (not at open). */
  countWithout: Stat; countWith: Stat
}

/** Folder-open work of the list with `snoozed` of `n` conversations snoozed: ms, median and p95 of `runs`. */
export function snoozeListFigures(n: number, snoozed: number, runs = 21): SnoozeListFigures {
  const now = Date.UTC(2026, 11, 7, 9)
  const domains = ['contoso.test']
  const folderId = 'bench-inbox'
  const rows: Row[] = Array.from({ length: n }, (_, i) => ({ id: `${folderId}:${i + 1}`, folderId, conversationId: i.toString(16).padStart(32, '0'), from: i % 3 ? `customer${i}@example.net` : 'alice@contoso.test', date: now - i * 1000 }))
  const build = (k: number) => {
    const briefs = new Map<string, TeamBrief>()
    const every = Math.floor(n / Math.max(1, k))
    for (let i = 0; i < n; i++) {
      const s = emptyTeamState(rows[i]!.conversationId)
      s.assignee = i % 2 ? 'bob@contoso.test' : null
      if (i % every === 0 && i / every < k) {
        s.snooze = { until: i % 2 ? now + 3_600_000 : null, onReply: true, after: now, by: 'alice@contoso.test', at: now, uid: i + 1 } satisfies TeamSnooze
      }
      briefs.set(s.conversationId, briefOf(s))
    }
    return briefs
  }
  /** The team store's pass when the state, the clock or the Inbox changes (not at each open): the conversations snoozed now. */
  const snoozedNow = (briefs: Map<string, TeamBrief>) => {
    const watched = new Set<string>()
    for (const [id, b] of briefs) if (b.snooze?.onReply) watched.add(id)
    const arrivals = newestCustomerArrivals(watched.size ? rows.filter((r) => watched.has(r.conversationId)) : [], (from) => fromOutside(from, domains, []))
    const set = new Set<string>()
    let next: number | null = null
    for (const [id, b] of briefs) {
      if (!b.snooze) continue
      if (isSnoozed(b.snooze, now, arrivals.get(id) ?? 0)) set.add(id)
      const w = nextWake([b.snooze], now)
      if (w !== null && (next === null || w < next)) next = w
    }
    return set
  }
  /** The sidebar's counts after a change (not at open). */
  const count = (briefs: Map<string, TeamBrief>, set: Set<string>) => {
    let unassigned = 0, snoozedCount = 0
    for (const r of rows) { if (set.has(r.conversationId)) { snoozedCount++; continue } if (briefs.get(r.conversationId)?.assignee === null) unassigned++ }
    return unassigned + snoozedCount
  }
  const index = new ConversationIndex('bench', new Set([folderId]), false)
  /** Opening the folder: a new list over the index, its rows, and the Open view of a new messages store. */
  const open = (set: Set<string>): { view: number } => {
    const list = new ConversationList(index, folderId, null, 'support@contoso.test')
    list.rebuild(rows as unknown as MessageSummary[])
    const openView = keptWithoutSnoozed<MessageSummary>()
    return { view: timed(() => openView(list.rows, set, (c) => list.rowOf(c))) }
  }
  const none = build(0)
  const some = build(snoozed)
  const noneSet = snoozedNow(none)
  const someSet = snoozedNow(some)
  // Warm both paths first (the JIT), then alternate so the machine's load falls on both alike.
  open(noneSet); open(someSet); count(none, noneSet); count(some, someSet)
  const a: number[] = [], b: number[] = [], v: number[] = [], c: number[] = [], d: number[] = [], e: number[] = [], f: number[] = []
  for (let i = 0; i < runs; i++) {
    a.push(timed(() => open(noneSet)))
    let view = 0
    b.push(timed(() => { view = open(someSet).view }))
    v.push(view)
    c.push(timed(() => snoozedNow(none))); d.push(timed(() => snoozedNow(some)))
    e.push(timed(() => count(none, noneSet))); f.push(timed(() => count(some, someSet)))
  }
  return { without: stat(a), with: stat(b), viewWith: stat(v), passWithout: stat(c), passWith: stat(d), countWithout: stat(e), countWith: stat(f) }
}

/** One line for the person reading the bench's output. */
export function snoozeListLine(n: number, snoozed: number): string {
  const f = snoozeListFigures(n, snoozed)
  const ms = (x: number) => `${x.toFixed(1)} ms`
  return `opening the Inbox of ${n} conversations (the list's rebuild and the team's Open view): without snoozes median ${ms(f.without.median)} (p95 ${ms(f.without.p95)}); with ${snoozed} snoozed median ${ms(f.with.median)} (p95 ${ms(f.with.p95)}), of which the Open view ${ms(f.viewWith.median)} (p95 ${ms(f.viewWith.p95)})\n`
    + `the team store's pass when state, clock or Inbox change (not at open): without snoozes median ${ms(f.passWithout.median)} (p95 ${ms(f.passWithout.p95)}); with ${snoozed} snoozed median ${ms(f.passWith.median)} (p95 ${ms(f.passWith.p95)})\n`
    + `the team views' recount when the cache or the state change (not at open): without snoozes median ${ms(f.countWithout.median)} (p95 ${ms(f.countWithout.p95)}); with ${snoozed} snoozed median ${ms(f.countWith.median)} (p95 ${ms(f.countWith.p95)})`
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { conversations: { type: 'string', default: '100000' }, snoozed: { type: 'string', default: '10000' } } })
  console.log(snoozeListLine(Number(values.conversations), Number(values.snoozed)))
}
