// What each member's own unread adds to opening a shared folder (docs/team-state.md, "Each
// member's own unread"), and what it costs on the server, at 100 000 messages and 50 members, in
// one invocation:
// - the list's unread work at open — the unread conversations and messages of the folder
//   (mail/per-list.ts), each of the first screen's rows, and the sidebar's count (every UID of the
//   folder against the ranges, stores/own-unread.ts) — with the shared \Seen only (no marks: the
//   person's own mailbox, or a shared folder before its state is read) and with the member's own
//   marks: a usual state (all read but 2 000 scattered) and the worst one (each message read or
//   not at random: some 25 000 ranges). The renderer's own functions, in Node, without the page: what
//   the marks add, not the whole open (bench/conversations.ts measures that).
// - the bytes a snapshot takes in the team folder (gzip, base64 in its header) for those states,
//   and for 50 members.
// Run alone with `npx tsx bench/own-unread-list.ts [--messages N] [--members M]`; bench/team-state.ts prints it too.
import { gzipSync } from 'node:zlib'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import type { MessageSummary } from '../shared/domain'
import { deltaEncode, rangesOf as rangesOfRead, snapshotOver, subtractRanges } from '../shared/team/own-read'
import { isUnread, ownUnreadAmong, setOwnRanges } from '../renderer/src/mail/own-unread'
import { unreadConversations, unreadCount } from '../renderer/src/mail/per-list'

type Stat = { median: number; p95: number }
const stat = (xs: number[]): Stat => { const s = [...xs].sort((x, y) => x - y); return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! } }

/** The folder-open figures and snapshot sizes for `n` messages. */
export function ownUnreadFigures(n: number, members: number, runs = 21) {
  const folderId = 'shared:desk@example.org|INBOX'
  // UIDs with gaps (moved, deleted mail), a third of the messages opened by someone (\Seen).
  const uids = Array.from({ length: n }, (_, i) => i + 1 + Math.floor(i / 10))
  const rows: MessageSummary[] = uids.map((uid, i) => ({
    id: `${folderId}|${uid}`, folderId, mailboxId: 'shared:desk@example.org', uid, conversationId: (i >> 1).toString(16).padStart(32, '0'),
    flags: i % 3 ? ['\\Seen'] : [], date: 1_765_000_000_000 - i * 1000,
  }) as unknown as MessageSummary).reverse()
  const top = uids[uids.length - 1]!
  // A seeded random walk: where members read is no pattern gzip could fold away.
  let seed = 12345
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const scattered = [...new Set(Array.from({ length: 2000 }, () => uids[Math.floor(rnd() * n)]!))].sort((a, b) => a - b)
  const usual = subtractRanges([1, top], scattered.flatMap((u) => [u, u]))
  const worst = rangesOfRead(uids.filter(() => rnd() < 0.5))
  /** One open of the folder: a fresh list (per-list keeps figures per array), its unread conversations and messages, the first screen's rows. */
  const openOnce = (read: number[] | null) => {
    setOwnRanges(folderId, read)
    const fresh = rows.slice()
    const t = performance.now()
    let k = unreadConversations(fresh) + unreadCount(fresh)
    for (let j = 0; j < 40; j++) if (isUnread(fresh[j]!)) k++
    const took = performance.now() - t
    if (k < 0) throw new Error('never')
    return took
  }
  // Without marks the count is the cache's tally (one record read): nothing to count here.
  const countOnce = (read: number[] | null) => { setOwnRanges(folderId, read); const t = performance.now(); ownUnreadAmong(folderId, uids); return performance.now() - t }
  // The same unread as \Seen's, as the member's own marks: the lookup alone is what differs.
  const same = rangesOfRead(rows.filter((m) => m.flags.includes('\\Seen')).map((m) => m.uid))
  const states = { without: null, same, usual, worst } as const
  const opens: Record<keyof typeof states, number[]> = { without: [], same: [], usual: [], worst: [] }
  const counts: Record<keyof typeof states, number[]> = { without: [], same: [], usual: [], worst: [] }
  // Warm every path first (the JIT), then alternate so the machine's load falls on all alike.
  for (const k of Object.keys(states) as (keyof typeof states)[]) { openOnce(states[k] as number[] | null); countOnce(states[k] as number[] | null) }
  for (let i = 0; i < runs; i++) {
    for (const k of Object.keys(states) as (keyof typeof states)[]) {
      opens[k].push(openOnce(states[k] as number[] | null))
      counts[k].push(countOnce(states[k] as number[] | null))
    }
  }
  const measure = (k: keyof typeof states) => ({ open: stat(opens[k]), count: stat(counts[k]) })
  const size = (read: number[]) => {
    const ranges = snapshotOver(read, uids)
    const gz = gzipSync(JSON.stringify({ v: 1, id: '00000000-0000-4000-8000-000000000000', by: 'member@example.org', at: 1765000000000, folder: 'INBOX', uidValidity: 1, kind: 'snapshot', read: deltaEncode(ranges) }))
    return { ranges: ranges.length / 2, base64: Math.ceil(gz.length / 3) * 4 }
  }
  const figures = { without: measure('without'), same: measure('same'), usual: measure('usual'), worst: measure('worst'), sizes: { usual: size(usual), worst: size(worst) }, members, n }
  setOwnRanges(folderId, null)
  return figures
}

/** Lines for the person reading the bench's output. */
export function ownUnreadLine(n: number, members: number): string {
  const f = ownUnreadFigures(n, members)
  const ms = (s: Stat) => `median ${s.median.toFixed(1)} ms (p95 ${s.p95.toFixed(1)} ms)`
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`
  return [
    `own unread at folder open (the list's unread work on ${n} messages, a third unread): \\Seen only ${ms(f.without.open)}; own marks with the same unread ${ms(f.same.open)}`,
    `  own marks, usual (2 000 unread) ${ms(f.usual.open)}; worst (each message read or not at random) ${ms(f.worst.open)}`,
    `the sidebar's own count of the folder (on a change, not per row; \\Seen's is the cache's tally): same unread ${ms(f.same.count)}; usual ${ms(f.usual.count)}; worst ${ms(f.worst.count)}`,
    `a snapshot in the team folder: usual ${f.sizes.usual.ranges} ranges, ${kb(f.sizes.usual.base64)}; worst ${f.sizes.worst.ranges} ranges, ${kb(f.sizes.worst.base64)}; ${members} members' snapshots: usual ${kb(f.sizes.usual.base64 * members)}, worst ${kb(f.sizes.worst.base64 * members)}`,
  ].join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, members: { type: 'string', default: '50' } } })
  console.log(ownUnreadLine(Number(values.messages), Number(values.members)))
}
