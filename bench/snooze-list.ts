// What snoozes add to opening a shared Inbox (docs/team-state.md, "Snooze"): the list's work at
// open — the team store's set of conversations snoozed now (one pass over the briefs, the
// newest customer arrivals from the Inbox's rows), the Inbox's rows without them, and the team
// views' counts — with and without 10 000 snoozed conversations among 100 000, in one
// invocation. The same pure functions and loops as stores/team.ts, stores/messages.ts and
// sidebar/team-views.ts, in Node, without the page: it measures what snoozes add, not the
// whole open (bench/conversations.ts measures that). Run alone with
// `npx tsx bench/snooze-list.ts [--conversations N] [--snoozed S]`; bench/team-state.ts prints it too.
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { briefOf, emptyTeamState, type TeamBrief } from '../shared/team/fold'
import { fromOutside, isSnoozed, newestCustomerArrivals, nextWake, type TeamSnooze } from '../shared/team/snooze'

interface Row { conversationId: string; from: string; date: number }

/** Median and p95 of `runs` timings of `f`, in ms. */
function time(runs: number, f: () => unknown): { median: number; p95: number } {
  const xs: number[] = []
  for (let i = 0; i < runs; i++) { const t = performance.now(); f(); xs.push(performance.now() - t) }
  xs.sort((a, b) => a - b)
  return { median: xs[Math.floor(xs.length / 2)]!, p95: xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]! }
}

/** Folder-open work of the list with `snoozed` of `n` conversations snoozed: ms, median and p95. */
type Stat = { median: number; p95: number }
export function snoozeListFigures(n: number, snoozed: number, runs = 15): { without: Stat; with: Stat; passWithout: Stat; passWith: Stat } {
  const now = Date.UTC(2026, 11, 7, 9)
  const domains = ['contoso.test']
  const rows: Row[] = Array.from({ length: n }, (_, i) => ({ conversationId: i.toString(16).padStart(32, '0'), from: i % 3 ? `customer${i}@example.net` : 'alice@contoso.test', date: now - i * 1000 }))
  const build = (k: number) => {
    const briefs = new Map<string, TeamBrief>()
    for (let i = 0; i < n; i++) {
      const s = emptyTeamState(rows[i]!.conversationId)
      s.assignee = i % 2 ? 'bob@contoso.test' : null
      if (i % Math.floor(n / Math.max(1, k)) === 0 && i / Math.floor(n / Math.max(1, k)) < k) {
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
  /** Opening the folder: the Inbox's rows without the snoozed ones (no pass when none is), and the sidebar's counts. */
  const open = (briefs: Map<string, TeamBrief>, set: Set<string>) => {
    const visible = set.size ? rows.filter((r) => !set.has(r.conversationId)) : rows
    let unassigned = 0, snoozedCount = 0
    for (const r of rows) { if (set.has(r.conversationId)) { snoozedCount++; continue } if (briefs.get(r.conversationId)?.assignee === null) unassigned++ }
    return visible.length + unassigned + snoozedCount
  }
  const none = build(0)
  const some = build(snoozed)
  const noneSet = snoozedNow(none)
  const someSet = snoozedNow(some)
  // Warm both paths first (the JIT), then alternate so the machine's load falls on both alike.
  open(none, noneSet); open(some, someSet)
  const a: number[] = [], b: number[] = [], c: number[] = [], d: number[] = []
  for (let i = 0; i < runs; i++) {
    a.push(time(1, () => open(none, noneSet)).median); b.push(time(1, () => open(some, someSet)).median)
    c.push(time(1, () => snoozedNow(none)).median); d.push(time(1, () => snoozedNow(some)).median)
  }
  const stat = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! } }
  return { without: stat(a), with: stat(b), passWithout: stat(c), passWith: stat(d) }
}

/** One line for the person reading the bench's output. */
export function snoozeListLine(n: number, snoozed: number): string {
  const f = snoozeListFigures(n, snoozed)
  const ms = (x: number) => `${x.toFixed(1)} ms`
  return `snooze marks at folder open (the list's team work on ${n} conversations): without snoozes median ${ms(f.without.median)} (p95 ${ms(f.without.p95)}); with ${snoozed} snoozed median ${ms(f.with.median)} (p95 ${ms(f.with.p95)})\n`
    + `the team store's pass when state, clock or Inbox change (not at open): without snoozes median ${ms(f.passWithout.median)} (p95 ${ms(f.passWithout.p95)}); with ${snoozed} snoozed median ${ms(f.passWith.median)} (p95 ${ms(f.passWith.p95)})`
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { conversations: { type: 'string', default: '100000' }, snoozed: { type: 'string', default: '10000' } } })
  console.log(snoozeListLine(Number(values.conversations), Number(values.snoozed)))
}
