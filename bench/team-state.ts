// `npx tsx bench/team-state.ts [--conversations N]`: the team state of a shared mailbox with N
// conversations (docs/team-state.md), read from a real Dovecot as the service reads it and folded
// as the renderer folds it. Prints figures; never fails on time.
import { randomUUID } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { projectRoot } from '../electron/web/web-app'
import { readTeamRecords, recordMessage, recordSentence, TEAM_FOLDER, type TeamCursor } from '../electron/service/operations/team'
import { TeamFold } from '../shared/team/fold'
import { conversationId, type StoredTeamRecord, type TeamRecord } from '../shared/team/records'
import { BATCH_EVERY, batchMessage, readTeamState, verifyBatches } from '../electron/service/operations/team-batches'
import { calls } from '../shared/api/contract'
import { fromTeamWire, toTeamWire } from '../shared/team/wire'

const { values } = parseArgs({ options: { conversations: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } } })
const N = Number(values.conversations)
const RUNS = Number(values.runs)
const step = (what: string) => process.stderr.write(`bench: ${what}\n`)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  const org = await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))
  // A record is about 1 KB of the shared mailbox's quota: 100 000 of them need more than the fixture's 50 MB.
  for (const m of org.sharedMailboxes) m.quotaMB = Math.max(m.quotaMB, Math.ceil(N / 500))
  const stack = await startMailStack(org)
  const members = ['alice@contoso.test', 'bob@contoso.test', 'carol@contoso.test']
  try {
    // One record per conversation, as a team that claimed each of them once would leave.
    step(`building ${N} records`)
    const t0 = performance.now()
    const seed: { raw: Buffer; date: Date }[] = []
    for (let i = 0; i < N; i++) {
      const by = members[i % members.length]!
      const r: TeamRecord = { v: 1, id: randomUUID(), conv: conversationId(`conversation ${i}|customer${i}@example.net`), at: Date.UTC(2026, 10, 1) + i * 1000, by, action: { kind: 'assign', to: by, expect: null } }
      const { subject, text } = recordSentence(r, by, 'en')
      seed.push({ raw: await recordMessage(r, by, subject, text), date: new Date(r.at) })
    }
    step(`seeding them into ${TEAM_FOLDER} (${Math.round(performance.now() - t0)} ms to build)`)
    await stack.seed('support@contoso.test', TEAM_FOLDER, seed)
    execFileSync('sync')
    const cold: number[] = []
    const coldRead: number[] = []
    const foldMs: number[] = []
    const warm: number[] = []
    const batched: number[] = []
    const batchedRead: number[] = []
    const batchedCheck: number[] = []
    const batchedFold: number[] = []
    const verified: number[] = []
    let batchCount = 0
    let pages = 0
    for (let run = 0; run < RUNS; run++) {
      step(`run ${run + 1}/${RUNS}`)
      const c = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
      // Cold: a member who never read the folder reads all of it, page by page, and folds it.
      const s0 = performance.now()
      const fold = new TeamFold()
      let since: TeamCursor | null = null
      let readMs = 0
      let folded = 0
      const all: StoredTeamRecord[] = []
      pages = 0
      for (;;) {
        const r0 = performance.now()
        const page = await readTeamRecords(c, TEAM_FOLDER, since)
        readMs += performance.now() - r0
        const f0 = performance.now()
        fold.add(page.records)
        folded += performance.now() - f0
        all.push(...page.records)
        since = page.cursor
        pages++
        if (!page.more) break
      }
      cold.push(performance.now() - s0)
      coldRead.push(readMs)
      foldMs.push(folded)
      if (fold.conversations.size !== N) throw new Error(`folded ${fold.conversations.size} of ${N}`)
      // Warm, as every later start: the folded state from the device's cache (here: a copy of it,
      // as plain data), and one read that finds nothing new.
      const cached = JSON.parse(JSON.stringify([...fold.conversations.values()])) as ReturnType<TeamFold['get']>[]
      const w0 = performance.now()
      const again = TeamFold.restore(cached, fold.lastUid)
      const nothing = await readTeamRecords(c, TEAM_FOLDER, since)
      again.add(nothing.records)
      warm.push(performance.now() - w0)
      if (nothing.records.length) throw new Error('a warm read found records')
      if (run === 0) {
        // The batches members' services would have written as the log grew: one per
        // BATCH_EVERY..1.5×BATCH_EVERY records (team.compact), each appended after what it copies.
        step('appending the batches members would have written')
        const per = Math.round(BATCH_EVERY * 1.25)
        for (let i = 0; i < all.length; i += per) {
          const slice = all.slice(i, i + per)
          const { raw } = await batchMessage(i === 0 ? 1 : all[i - 1]!.uid + 1, slice, { address: 'bob@contoso.test', name: 'Bob' }, 'en')
          await c.append(TEAM_FOLDER, raw, ['\\Seen'])
          batchCount++
        }
      }
      // Cold, as a new device now starts: the chain of batches, the records after it, each page
      // checked against the contract as the hop checks it, folded.
      const b0 = performance.now()
      const viaBatches = new TeamFold()
      let at: TeamCursor | null = null
      let readB = 0
      let checkB = 0
      let foldB = 0
      for (;;) {
        const r0 = performance.now()
        const page = await readTeamState(c, TEAM_FOLDER, at, new Set())
        const r1 = performance.now()
        // The hop: the wire form, checked by main's door and again by the renderer's, rebuilt.
        const wire = { exists: true, ...page, records: toTeamWire(page.records) }
        calls['team.read'].output.parse(wire)
        const checked = calls['team.read'].output.parse(JSON.parse(JSON.stringify(wire)))
        const r2 = performance.now()
        viaBatches.add(fromTeamWire(checked.records))
        foldB += performance.now() - r2
        readB += r1 - r0
        checkB += r2 - r1
        at = page.cursor
        if (!page.more) break
      }
      batched.push(performance.now() - b0)
      batchedRead.push(readB)
      batchedCheck.push(checkB)
      batchedFold.push(foldB)
      if (viaBatches.conversations.size !== N) throw new Error(`folded ${viaBatches.conversations.size} of ${N} from batches`)
      // The background check of those batches against every record they copy.
      const v0 = performance.now()
      const { bad } = await verifyBatches(c, TEAM_FOLDER, Array.from({ length: batchCount }, (_, i) => N + 1 + i))
      verified.push(performance.now() - v0)
      if (bad.length) throw new Error(`${bad.length} batches did not check`)
      await c.logout()
    }
    console.log(`Tandem team-state benchmark — ${new Date().toISOString()}`)
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; node ${process.version}; ${N} conversations, one record each, ${RUNS} runs`)
    console.log('')
    console.log('| figure | median | min | max |')
    console.log('|---|---|---|---|')
    const row = (f: string, xs: number[]) => console.log(`| ${f} | ${Math.round(median(xs))} ms | ${Math.round(Math.min(...xs))} ms | ${Math.round(Math.max(...xs))} ms |`)
    row(`cold: read all ${N} records from the server (${pages} pages) and fold them`, cold)
    row('… of that, reading (UID SEARCH, FETCH of the records, parsing them)', coldRead)
    row('… of that, folding', foldMs)
    row('warm start: the folded state from the cache, and one read finding nothing new', warm)
    row(`**cold, from ${batchCount} batches** (as a new device starts now): read, checked at the hop, folded`, batched)
    row('… of that, reading the batches (SEARCH, headers, the gzip parts, unzip, check)', batchedRead)
    row('… of that, the hop: wire form, both doors\' checks, JSON there and back, rebuilt', batchedCheck)
    row('… of that, folding', batchedFold)
    row('background check of the batches against every record they copy', verified)
  } finally {
    await stack.stop()
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
