// Response times at scale (docs/team-state.md, "Response times"): the Report for a quarter over
// 100 000 conversations of 50 members, worked out from the figures kept per conversation (the
// same pure functions as stores/response-times.ts: reportOf with a BusinessCalendar), and what
// the list's wait marks add to opening a shared Inbox — the marks of the rows a list paints
// (waitMark per row, with the minute's clock) against none, in one invocation. In Node, without
// the page: the chart's and table's paint is not in these figures. Also the figures' build from
// messages (what a device does once from its cache). Usage:
// `npx tsx bench/report.ts [--conversations N] [--members M] [--runs R]`
import { parseArgs } from 'node:util'
import { BusinessCalendar } from '../shared/rules/business-time'
import { defaultTargets, hoursOf } from '../shared/rules/response-targets'
import { emptyFigures, figuresOf, reportOf, waitMark, withDone, type FigureEvent, type ResponseFigures } from '../shared/team/response-figures'

const { values } = parseArgs({ options: { conversations: { type: 'string', default: '100000' }, members: { type: 'string', default: '50' }, runs: { type: 'string', default: '7' } } })
const N = Number(values.conversations)
const MEMBERS = Number(values.members)
const RUNS = Number(values.runs)
const H = 3_600_000
const QUARTER_START = Date.UTC(2026, 9, 1)
const QUARTER_END = Date.UTC(2027, 0, 1)
const NOW = Date.UTC(2026, 11, 7, 10)

function stat(xs: number[], digits = 1): string {
  const s = [...xs].sort((a, b) => a - b)
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(digits)} ms, p95 ${s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!.toFixed(digits)} ms, max ${s.at(-1)!.toFixed(digits)} ms`
}

// A seeded random source: the same history every run.
let seed = 42
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }

const members = Array.from({ length: MEMBERS }, (_, i) => `member${i}@contoso.test`)
const buildStart = performance.now()
const figures: ResponseFigures[] = []
for (let i = 0; i < N; i++) {
  const opened = QUARTER_START + Math.floor(rnd() * (NOW - QUARTER_START))
  const events: FigureEvent[] = []
  let t = opened
  const turns = 1 + Math.floor(rnd() * 4)
  for (let k = 0; k < turns; k++) {
    events.push({ key: `c${i}-${k}`, at: t, customer: true, by: null })
    t += Math.floor(rnd() * 30 * H)
    if (t > NOW) break
    events.push({ key: `r${i}-${k}`, at: t, customer: false, by: members[Math.floor(rnd() * MEMBERS)]! })
    t += Math.floor(rnd() * 48 * H)
  }
  let f = figuresOf(emptyFigures('desk', i.toString(16).padStart(32, '0')), events)
  if (rnd() < 0.7) f = withDone(f, { at: Math.min(NOW, t), by: members[Math.floor(rnd() * MEMBERS)]!, uid: i + 1 })
  figures.push(f)
}
const buildMs = performance.now() - buildStart

const targets = { ...defaultTargets('Europe/Amsterdam'), firstReply: 4 * 60, nextReply: 8 * 60, holidays: ['2026-12-25', '2026-12-26'] }
const reportTimes: number[] = []
let conversations = 0
for (let r = 0; r < RUNS; r++) {
  // A calendar made anew each run, as the window makes one when the targets change: its days are worked out again.
  const calendar = new BusinessCalendar(hoursOf(targets))
  const personal = new BusinessCalendar(hoursOf({ ...targets, timeZone: 'Europe/Amsterdam' }))
  const t0 = performance.now()
  const rep = reportOf(figures, QUARTER_START, QUARTER_END, () => ({ calendar, first: 4 * 60 * 60_000, next: 8 * 60 * 60_000 }), (x) => personal.isoDayOf(x))
  reportTimes.push(performance.now() - t0)
  conversations = rep.conversations
}

// Opening a shared Inbox: the list paints its first rows; each painted row asks for its mark.
const calendar = new BusinessCalendar(hoursOf(targets))
const byConv = new Map(figures.map((f) => [f.conv, f]))
const rows = figures.slice(0, N).map((f) => f.conv)
const PAINTED = 60
const withMarks: number[] = []
const without: number[] = []
for (let r = 0; r < RUNS * 3; r++) {
  // Interleaved, so load on the machine falls on both alike.
  let t0 = performance.now()
  let shown = 0
  for (let i = 0; i < PAINTED; i++) if (rows[i]) shown++
  without.push(performance.now() - t0)
  t0 = performance.now()
  let marks = 0
  for (let i = 0; i < PAINTED; i++) if (waitMark(byConv.get(rows[i]!) ?? null, 'open', false, { calendar, first: 4 * H, next: 8 * H }, NOW + r * 60_000)) marks++
  withMarks.push(performance.now() - t0)
  if (shown < 0 || marks < 0) throw new Error('unreachable')
}

console.log(`response times, ${N} conversations, ${MEMBERS} members`)
console.log(`  a quarter's history made and folded into figures (the once-per-device build does this from the cache): ${buildMs.toFixed(0)} ms`)
console.log(`  report for a quarter (${conversations} conversations in it), compute: ${stat(reportTimes)}`)
console.log(`  folder open, the marks of the ${PAINTED} rows painted: without ${stat(without, 3)}; with ${stat(withMarks, 3)}`)
