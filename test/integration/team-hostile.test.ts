import { randomBytes, randomUUID } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import 'fake-indexeddb/auto'
import MailComposer from 'nodemailer/lib/mail-composer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { recordMessage, readTeamRecords, PAGE_BYTES, TEAM_FOLDER } from '../../electron/service/operations/team'
import { listBatches, unzipBatch } from '../../electron/service/operations/team-batches'
import { batchMessage } from '../../electron/service/operations/team-batch-write'
import { ApiClient } from '../../renderer/src/api/client'
import { statesOf, TandemDb } from '../../renderer/src/cache/db'
import { TeamSync } from '../../renderer/src/sync/team-sync'
import { bucketOf } from '../../renderer/src/cache/db'
import type { ImapFlow } from 'imapflow'
import { MAX_CHAIN_BATCHES, batchHeaderValue, type BatchInfo } from '../../shared/team/batches'
import { MAX_HISTORY, MAX_NOTES, TeamFold } from '../../shared/team/fold'
import { type StoredTeamRecord, type TeamRecord } from '../../shared/team/records'
import { conversationIdFromRoot } from '../../shared/conversation'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { imapSession, newService, passwordOf, serverSettings, type TestService } from './helpers'
import { gzipBomb as makeGzipBomb } from '../fixtures/gzip-bomb'

/**
 * Team state against a hostile member: anyone who can append to the team folder can append
 * anything there. Whatever they append, reading it costs a member's service bounded time and
 * memory, and the state shown is the log's. On a generated organisation (Adatum) with two shared
 * mailboxes, each member reaching them by delegate login.
 */
const adatum = smallOrganisation('Adatum', 'adatum.test', {
  people: { ana: 'Ana Alves', ben: 'Ben Berg' },
  shared: [
    { local: 'helpdesk', name: 'Adatum Helpdesk', members: [{ local: 'ana' }, { local: 'ben' }] },
    { local: 'orders', name: 'Adatum Orders', members: [{ local: 'ana' }, { local: 'ben' }] },
  ],
})
// Room for a flood: the hostile folder below holds ~170 MB.
for (const s of adatum.sharedMailboxes) s.quotaMB = 1000
const ANA = 'ana@adatum.test'
const BEN = 'ben@adatum.test'

let stack: MailStack
let t: TestService
const dbs: TandemDb[] = []
beforeAll(async () => {
  stack = await startMailStack(adatum)
  t = await newService()
  await t.service.signIn({ address: ANA, password: passwordOf(stack, ANA), server: serverSettings(stack) })
})
afterAll(async () => {
  for (const db of dbs) db.close()
  await t?.service.stop()
  await stack?.stop()
})

/** A device of Ana's: the renderer's team sync over her service, its cache in (fake) IndexedDB. */
function device(told: BatchInfo[][] = []) {
  const dispatch = createDispatcher(serviceHandlers(t.service))
  const api = new ApiClient({ call: (n, i) => dispatch(n, i), on: () => () => undefined })
  const db = new TandemDb(`hostile.${randomUUID()}`)
  dbs.push(db)
  const calls: string[] = []
  const sync = new TeamSync(db, (n, i) => { calls.push(n); return api.call(n, i) }, (_m, bad) => told.push(bad))
  return { db, sync, calls }
}

/** Ben, straight to the server: what a member can do with any IMAP client. */
const bare = (shared: string) => imapSession(stack, `${shared}*${BEN}`, passwordOf(stack, BEN))

const record = (conv: string, action: TeamRecord['action'], by = BEN): TeamRecord => ({ v: 1, id: randomUUID(), conv, at: Date.now(), by, action })

/** The log's own fold, read record by record by an independent session. */
async function logFold(c: ImapFlow): Promise<TeamFold> {
  const f = new TeamFold()
  let since = null
  for (;;) {
    const page = await readTeamRecords(c, TEAM_FOLDER, since)
    f.add(page.records)
    since = page.cursor
    if (!page.more) return f
  }
}

/** Waits until the device has checked every batch it started from. */
async function checked(db: TandemDb, mailboxId: string, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const row = await db.teamCursors.get(mailboxId)
    if (row && !row.unverified?.length) return row
    if (Date.now() > deadline) throw new Error('the batches were not checked')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A gzip bomb of batch rows as ana (test/fixtures/gzip-bomb.ts). */
const gzipBomb = (mb: number, conv: string) => makeGzipBomb(mb, conv, 'ana@adatum.test')

/** A batch message around any gzip bytes, claiming any range (a member can append anything). */
async function batchAround(zipped: Buffer, range: { from: number; upto: number; records: number }, extra: { filename: string; content: Buffer }[] = []): Promise<Buffer> {
  return new MailComposer({
    from: { name: 'Ben Berg', address: BEN },
    subject: 'batch',
    messageId: `<batch-${randomUUID()}@team.tandem.invalid>`,
    headers: { 'X-Tandem-Team': '1', 'X-Tandem-Batch': batchHeaderValue(range) },
    text: 'records',
    attachments: [{ filename: 'tandem-team-records.json.gz', content: zipped, contentType: 'application/gzip' }, ...extra],
  }).compile().build()
}

describe('a team folder full of hostile messages (helpdesk)', () => {
  const shared = 'helpdesk@adatum.test'
  const mailboxId = `shared:${shared}`
  const conv = conversationIdFromRoot('m:<5000.notes@example.net>')
  const NOTES = 5000
  let bomb: Buffer
  let bombUid: number

  beforeAll(async () => {
    // 5 000 notes of the most characters a note may hold, on one conversation; 20 messages of
    // 2 MB with a record header of junk; 50 of 150 KB that pass for records whose header a
    // server dropped; then a gzip bomb that claims to copy all of them.
    const text = 'x'.repeat(10_000)
    const seed: { raw: Buffer; date: Date }[] = []
    for (let i = 0; i < NOTES; i++) {
      const r = record(conv, { kind: 'note', note: randomUUID(), text }, i % 2 ? BEN : ANA)
      seed.push({ raw: await recordMessage(r, 'Someone', 'note', 'note'), date: new Date() })
    }
    for (let i = 0; i < 20; i++) seed.push({ raw: Buffer.from(`From: x@example.net\r\nX-Tandem-Record: ${'A'.repeat(2 * 1024 * 1024)}\r\n\r\njunk\r\n`), date: new Date() })
    for (let i = 0; i < 50; i++) seed.push({ raw: Buffer.from(`From: x@example.net\r\nMessage-ID: <${randomUUID()}@team.tandem.invalid>\r\n\r\n${'y'.repeat(150 * 1024)}\r\n`), date: new Date() })
    await stack.seed(shared, TEAM_FOLDER, seed)
    const c = await bare(shared)
    try {
      const box = await c.mailboxOpen(TEAM_FOLDER)
      expect(box.exists).toBe(NOTES + 70)
      bomb = await gzipBomb(128, conv)
      const res = await c.append(TEAM_FOLDER, await batchAround(bomb, { from: 1, upto: box.uidNext - 1, records: NOTES }), ['\\Seen'])
      bombUid = (res as { uid: number }).uid
    } finally { await c.logout() }
  }, 300_000)

  it('a gzip bomb batch is refused before its header\'s records could fill it, unzipped off the service\'s thread', async () => {
    expect(bomb.length).toBeLessThan(512 * 1024)
    // The header says 5 000 records: 8 MB of JSON at most, not 128 MB. The unzipping runs in
    // the thread pool; a timer on this thread keeps firing meanwhile.
    const delay = monitorEventLoopDelay({ resolution: 5 })
    delay.enable()
    const before = process.memoryUsage().rss
    expect(await unzipBatch(bomb, { from: 1, upto: bombUid - 1, records: NOTES })).toBeNull()
    delay.disable()
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024)
    console.log(`gzip bomb of ${Math.round(bomb.length / 1024)} KB refused; event loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`)
    // It is listed as a batch, and the service does not start from it.
    const c = await bare(shared)
    try {
      expect((await listBatches(c, TEAM_FOLDER)).batches.map((b) => b.uid)).toEqual([bombUid])
    } finally { await c.logout() }
  })

  it('a device reads the folder in pages of bounded size, folds 5 000 notes to the newest 100 with a count, stores it, and its service\'s memory stays within 100 MB', async () => {
    const d = device()
    // Pages no bigger than the page budget (on the wire, as JSON), however big the messages.
    const sizes: number[] = []
    let since = null
    for (;;) {
      const page = await t.service.teamRead(mailboxId, since)
      sizes.push(JSON.stringify(page.records).length)
      since = page.cursor
      if (!page.more) break
    }
    expect(Math.max(...sizes)).toBeLessThan(2 * PAGE_BYTES)

    // The whole read, as a new device makes it, watched: memory sampled every 10 ms.
    const base = process.memoryUsage().rss
    let peak = base
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 10)
    const delay = monitorEventLoopDelay({ resolution: 5 })
    delay.enable()
    try {
      await d.sync.pull(mailboxId)
    } finally {
      clearInterval(sampler)
      delay.disable()
      peak = Math.max(peak, process.memoryUsage().rss)
    }
    console.log(`hostile folder read: rss +${Math.round((peak - base) / 1048576)} MB at most; event loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`)
    expect(peak - base).toBeLessThan(100 * 1024 * 1024)

    // The bomb was never started from: nothing to check, no batch named.
    expect((await d.db.teamCursors.get(mailboxId))?.unverified ?? []).toEqual([])
    const s = (await d.sync.fold(mailboxId)).get(conv)
    expect(s.notes).toHaveLength(MAX_NOTES)
    expect(s.olderNotes).toBe(NOTES - MAX_NOTES)
    expect(s.history).toHaveLength(MAX_HISTORY)
    expect(s.olderEvents).toBe(NOTES - MAX_HISTORY)
    // Stored: the conversation's bucket holds the capped state, a few MB at most.
    const row = await d.db.teamBuckets.get([mailboxId, bucketOf(conv)])
    expect(row).toBeDefined()
    expect(row!.states.byteLength).toBeLessThan(5 * 1024 * 1024)
    expect(statesOf(row!).find((x) => x.conversationId === conv)).toMatchObject({ olderNotes: NOTES - MAX_NOTES, notes: expect.any(Array) })
    // Folded from its cache on the next start, the same.
    const again = new TeamSync(d.db, () => Promise.reject(new Error('offline')))
    expect((await again.fold(mailboxId)).get(conv)).toEqual(s)
  }, 300_000)
})

describe('1 001 forged batches (orders)', () => {
  const shared = 'orders@adatum.test'
  const mailboxId = `shared:${shared}`
  const FORGED = 1001

  it('every batch a device started from is checked, VERIFY_CHUNK at a time, found false, and the state is the log\'s', async () => {
    // 1 001 honest records, one conversation each, all "waiting".
    const seed: { raw: Buffer; date: Date }[] = []
    for (let i = 0; i < FORGED; i++) seed.push({ raw: await recordMessage(record(conversationIdFromRoot(`m:<order-${i}@example.net>`), { kind: 'status', status: 'waiting' }, ANA), 'Ana', 'waiting', 'waiting'), date: new Date() })
    await stack.seed(shared, TEAM_FOLDER, seed)
    const c = await bare(shared)
    let log: StoredTeamRecord[] = []
    try {
      await c.mailboxOpen(TEAM_FOLDER)
      for (let since = null; ;) {
        const page = await readTeamRecords(c, TEAM_FOLDER, since)
        log.push(...page.records)
        since = page.cursor
        if (!page.more) break
      }
      log = log.sort((a, b) => a.uid - b.uid)
      expect(log).toHaveLength(FORGED)
      // Ben appends a chain of 1 001 batches, one record each, every one saying "done": padded
      // to be found among batches (MIN_BATCH_BYTES), in order, so they chain.
      for (const r of log) {
        const forged = { ...r, action: { kind: 'status' as const, status: 'done' as const } }
        const { raw } = await batchMessage(r.uid, [forged], { address: BEN, name: 'Ben Berg' }, 'en')
        const padding = `\r\nX-Padding: ${randomBytes(16_000).toString('base64').match(/.{1,76}/g)!.join('\r\n ')}\r\n\r\n`
        const padded = Buffer.from(raw.toString('latin1').replace(/\r\n\r\n/, padding), 'latin1')
        await c.append(TEAM_FOLDER, padded, ['\\Seen'])
      }
      expect((await listBatches(c, TEAM_FOLDER)).batches).toHaveLength(FORGED)
    } finally { await c.logout() }

    const told: BatchInfo[][] = []
    const d = device(told)
    await d.sync.pull(mailboxId)
    // It started from the chain, at most MAX_CHAIN_BATCHES long: the rest from the log.
    const started = (await d.db.teamCursors.get(mailboxId))?.unverified ?? []
    expect(started.length).toBe(Math.min(FORGED, MAX_CHAIN_BATCHES))
    const row = await checked(d.db, mailboxId)
    // Every one checked (no cap on the calls, each call a chunk), every one found false: too many
    // to trust any batch of this folder again, so this device folds from the log alone.
    expect(d.calls.filter((n) => n === 'team.verify').length).toBe(Math.ceil(started.length / 100))
    expect(told.flat().map((b) => b.uid).sort((a, b) => a - b)).toEqual([...started].sort((a, b) => a - b))
    expect(row.noBatches).toBe(true)
    await d.sync.pull(mailboxId)
    const c2 = await bare(shared)
    try {
      const truth = await logFold(c2)
      const mine = await d.sync.fold(mailboxId)
      expect([...mine.conversations.values()].every((s) => s.status === 'waiting')).toBe(true)
      expect([...mine.conversations.entries()].sort()).toEqual([...truth.conversations.entries()].sort())
    } finally { await c2.logout() }
    // The next read of this device names no batch at all.
    const reads = d.calls.length
    await d.sync.pull(mailboxId)
    expect(d.calls.slice(reads).filter((n) => n === 'team.verify')).toEqual([])
  }, 600_000)
})
