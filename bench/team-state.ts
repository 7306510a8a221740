// `npx tsx bench/team-state.ts [--conversations N]`: the team state of a shared mailbox with N
// conversations (docs/team-state.md), read from a real Dovecot as the service reads it and folded
// as the renderer folds it; what snooze marks add to opening the folder (bench/snooze-list.ts); and
// what each member's own unread adds to it (bench/own-unread-list.ts).
// Prints figures; never fails on time.
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
import { conversationIdFromRoot } from '../shared/conversation'
import { type StoredTeamRecord, type TeamRecord } from '../shared/team/records'
import { readTeamState, type BatchListCache } from '../electron/service/operations/team-batches'
import { verifyBatches } from '../electron/service/operations/team-batch-check'
import { BATCH_EVERY, batchMessage } from '../electron/service/operations/team-batch-write'
import { calls } from '../shared/api/contract'
import { fromTeamWire } from '../shared/team/wire'
import { chromium } from '@playwright/test'
import { CHROMIUM_ARGS } from '../playwright.config'
import { openSignedIn, startService } from './service'
import { topSelfTime } from './profile'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { snoozeListLine } from './snooze-list'
import { ownUnreadLine } from './own-unread-list'

/** The shared mailbox measured, and the cache of the member who reads it. */
const MAILBOX = 'shared:support@contoso.test'
const CACHE_DB = 'tandem:bob@contoso.test'

const { values } = parseArgs({ options: { conversations: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' }, 'app-only': { type: 'boolean', default: false }, profile: { type: 'string' } } })
/** With --profile DIR: CPU profiles of the page (first run's cold and warm loads) and of the service, and their top functions. */
const PROFILE_DIR = values.profile
if (PROFILE_DIR) mkdirSync(PROFILE_DIR, { recursive: true })
const N = Number(values.conversations)
const RUNS = Number(values.runs)
const step = (what: string) => process.stderr.write(`bench: ${what}\n`)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  // What snoozes add to opening the shared Inbox: a tenth of the conversations snoozed, and none (bench/snooze-list.ts).
  console.log(snoozeListLine(N, Math.round(N / 10)))
  // What each member's own unread adds to opening the folder, and its snapshots' size for 50 members (bench/own-unread-list.ts).
  console.log(ownUnreadLine(N, 50))
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
      const r: TeamRecord = { v: 1, id: randomUUID(), conv: conversationIdFromRoot(`m:<conversation.${i}@customer.example>`), at: Date.UTC(2026, 10, 1) + i * 1000, by, action: { kind: 'assign', to: by, expect: null } }
      const { subject, text } = recordSentence(r, by, 'en')
      seed.push({ raw: await recordMessage(r, by, subject, text), date: new Date(r.at) })
    }
    step(`seeding them into ${TEAM_FOLDER} (${Math.round(performance.now() - t0)} ms to build)`)
    await stack.seed('support@contoso.test', TEAM_FOLDER, seed)
    // The batches members' services would have written as the log grew: one per
    // BATCH_EVERY..1.5×BATCH_EVERY records (team.compact), each appended after what it copies.
    step('appending the batches members would have written')
    let batchCount = 0
    {
      const c = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
      // The records as the server numbered them.
      const all: StoredTeamRecord[] = []
      for (let since: TeamCursor | null = null; ;) {
        const page = await readTeamRecords(c, TEAM_FOLDER, since)
        all.push(...page.records)
        since = page.cursor
        if (!page.more) break
      }
      const per = Math.round(BATCH_EVERY * 1.25)
      for (let i = 0; i < N; i += per) {
        const slice = all.slice(i, i + per)
        const { raw } = await batchMessage(i === 0 ? 1 : all[i - 1]!.uid + 1, slice, { address: 'bob@contoso.test', name: 'Bob' }, 'en')
        await c.append(TEAM_FOLDER, raw, ['\\Seen'])
        batchCount++
      }
      await c.logout()
    }
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
    let pages = 0
    for (let run = 0; run < (values['app-only'] ? 0 : RUNS); run++) {
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
      // Cold, as a new device now starts: the chain of batches, the records after it, each page
      // checked against the contract as the hop checks it, folded.
      const b0 = performance.now()
      const viaBatches = new TeamFold()
      let at: TeamCursor | null = null
      // As the service keeps them: the batches listed once for the pages of one chain.
      const lists: BatchListCache = {}
      let readB = 0
      let checkB = 0
      let foldB = 0
      for (;;) {
        const r0 = performance.now()
        const page = await readTeamState(c, TEAM_FOLDER, at, new Set(), lists)
        const r1 = performance.now()
        // The hop: the wire form, checked by main's door and again by the renderer's, rebuilt.
        const wire = { exists: true, ...page }
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
    const app = await inTheApp(stack)
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
    row(`**in the app** (Chromium, web host): sign-in → team state of ${N} conversations on screen, never read on this device`, app.cold)
    row('… the same device again (page reloaded): from its IndexedDB cache, and one read finding nothing new', app.warm)
  } finally {
    await stack.stop()
  }
}

/**
 * The whole path in the app: the service in its own process, the page in Debian's Chromium, a
 * member signing in on a device that never read the team folder (a new browser context each
 * run, and a service of its own: the last one's background check must not be in its way), until
 * the store holds the mailbox's team state (`tandem:team-load`, the app's own User Timing); then,
 * once the batches it started from were checked, the page reloaded.
 */
async function inTheApp(stack: Awaited<ReturnType<typeof startMailStack>>): Promise<{ cold: number[]; warm: number[] }> {
  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  const cold: number[] = []
  const warm: number[] = []
  const services: Awaited<ReturnType<typeof startService>>[] = []
  try {
    for (let run = 0; run < RUNS; run++) {
      step(`in the app, run ${run + 1}/${RUNS}`)
      const web = await startService(server, run === 0 ? PROFILE_DIR : undefined)
      services.push(web)
      const context = await browser.newContext({ viewport: { width: 1360, height: 800 } })
      const page = await context.newPage()
      page.on('console', (m) => { if (m.type() === 'warning' || m.type() === 'error') step(`  page: ${m.text()}`) })
      const loaded = async (): Promise<number> => {
        const h = await page.waitForFunction((mailboxId) => {
          const e = performance.getEntriesByName('tandem:team-load').find((x) => (x as PerformanceMeasure).detail?.mailboxId === mailboxId) as PerformanceMeasure | undefined
          return e ? [e.duration, e.detail.conversations] : false
        }, MAILBOX, { timeout: 300_000, polling: 50 })
        const [ms, n] = await h.jsonValue() as [number, number]
        if (n < N) throw new Error(`the app holds the team state of ${n} of ${N} conversations`)
        // Where the time went, from the app's other User Timing.
        const parts = await page.evaluate(() => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('tandem:team')).map((e) => `${e.name} ${Math.round(e.startTime)}+${Math.round(e.duration)}${(e as PerformanceMeasure).detail?.conversations !== undefined ? ` (${(e as PerformanceMeasure).detail.conversations})` : ''}`))
        step(`  ${Math.round(ms)} ms: ${parts.join(', ')}`)
        return ms
      }
      const profiling = PROFILE_DIR && run === 0 ? await context.newCDPSession(page) : null
      const profile = async (name: string, what: () => Promise<void>) => {
        if (profiling) { await profiling.send('Profiler.enable'); await profiling.send('Profiler.setSamplingInterval', { interval: 200 }); await profiling.send('Profiler.start') }
        await what()
        if (profiling) writeFileSync(join(PROFILE_DIR!, `page-${name}.cpuprofile`), JSON.stringify((await profiling.send('Profiler.stop')).profile))
      }
      await openSignedIn(page, web.url, 'bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
      await profile('cold', async () => { cold.push(await loaded()) })
      // Stored, and the background check of the batches it started from done, before the page goes.
      const settled = ([db, mailboxId]: readonly [string, string]) => new Promise<boolean>((resolve) => {
        const open = indexedDB.open(db)
        open.onsuccess = () => {
          const req = open.result.transaction('teamCursors').objectStore('teamCursors').get(mailboxId)
          req.onsuccess = () => { resolve(!!req.result && !(req.result as { unverified?: number[] }).unverified?.length); open.result.close() }
          req.onerror = () => resolve(false)
        }
        open.onerror = () => resolve(false)
      })
      for (let waited = 0; !(await page.evaluate(settled, [CACHE_DB, MAILBOX] as const)); waited += 500) {
        if (waited > 300_000) throw new Error('the team state was not stored and checked within 5 minutes')
        await new Promise((r) => setTimeout(r, 500))
      }
      step(`  cached before the reload: ${await page.evaluate(([db, mailboxId]) => new Promise<string>((resolve) => {
        const open = indexedDB.open(db)
        open.onsuccess = () => {
          const tx = open.result.transaction(['teamBriefs', 'teamBuckets'])
          const a = tx.objectStore('teamBriefs').count(IDBKeyRange.bound([mailboxId, ''], [mailboxId, '\uffff']))
          const b = tx.objectStore('teamBuckets').count(IDBKeyRange.bound([mailboxId, ''], [mailboxId, '\uffff']))
          tx.oncomplete = () => { resolve(`${a.result} brief rows, ${b.result} bucket rows`); open.result.close() }
        }
      }), [CACHE_DB, MAILBOX] as const)}`)
      await profile('warm', async () => {
        await page.reload()
        warm.push(await loaded())
      })
      await context.close()
      web.child.kill()
    }
  } finally {
    await browser.close()
    for (const s of services) s.child.kill()
  }
  if (PROFILE_DIR) {
    // The service writes its profile as it exits.
    const first = services[0]?.child
    if (first && first.exitCode === null && first.signalCode === null) await new Promise((res) => first.once('exit', res))
    for (const f of readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.cpuprofile'))) {
      console.error(`\n${f}: the 25 functions with the most self time`)
      for (const line of topSelfTime(JSON.parse(readFileSync(join(PROFILE_DIR, f), 'utf8')), 25)) console.error(line)
    }
  }
  return { cold, warm }
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
