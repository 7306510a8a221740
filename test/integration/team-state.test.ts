import { randomUUID } from 'node:crypto'
import 'fake-indexeddb/auto'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { ApiFailure } from '../../shared/api/errors'
import { ApiClient } from '../../renderer/src/api/client'
import { statesOf, TandemDb } from '../../renderer/src/cache/db'
import { TaskQueue } from '../../renderer/src/queue/task-queue'
import { TeamSync } from '../../renderer/src/sync/team-sync'
import { bucketOf } from '../../renderer/src/cache/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerSettings } from '../../shared/domain'
import { TeamFold } from '../../shared/team/fold'
import { fromTeamWire } from '../../shared/team/wire'
import type { StoredTeamRecord, TeamAction } from '../../shared/team/records'
import type { MessageRef } from '../../shared/api/contract'
import { conversationIdFromRoot } from '../../shared/conversation'
import { readTeamRecords, recordMessage, TEAM_FOLDER, type TeamCursor } from '../../electron/service/operations/team'
import { listBatches, readTeamState } from '../../electron/service/operations/team-batches'
import { BATCH_EVERY, batchMessage } from '../../electron/service/operations/team-batch-write'
import { MIN_BATCH_BYTES } from '../../shared/team/batches'
import { parseOrganisation, type Organisation } from '../mailstack/organisation'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, imapSession, newService, passwordOf, serverSettings, type TestService } from './helpers'

/**
 * Team state on real servers: two members' services append records to the shared mailbox's
 * team folder and fold what the server holds. On Contoso (delegate logins, "/") and on a
 * generated organisation reached inside the shared namespace ("." separator, owners by bare
 * user name, no delegate login), where the folder's path is the server's, not ours.
 */
const northwind = parseOrganisation({
  name: 'Northwind',
  domains: ['northwind.test'],
  users: [
    { address: 'ines@northwind.test', name: 'Ines Ibarra', password: 'ines-pass-1' },
    { address: 'jon@northwind.test', name: 'Jon Jansen', password: 'jon-pass-1' },
  ],
  sharedMailboxes: [{ address: 'helpdesk@northwind.test', name: 'Northwind Helpdesk', members: [{ address: 'ines@northwind.test' }, { address: 'jon@northwind.test' }] }],
  layout: { separator: '.', sharedPrefix: 'Other Users.%%n.', masterSeparator: '!' },
})

interface Case {
  what: string
  org: () => Promise<Organisation>
  shared: string
  members: [string, string]
  /** How the members reach the shared mailbox: a delegate login, or the shared namespace. */
  server: (stack: MailStack) => ServerSettings
  /** The team folder's path as a bare session of the first member sees it (witness). */
  witness: (stack: MailStack) => { login: string; path: string }
}

const cases: Case[] = [
  {
    what: 'Contoso, delegate logins',
    org: () => loadOrganisation(CONTOSO),
    shared: 'support@contoso.test',
    members: ['alice@contoso.test', 'bob@contoso.test'],
    server: serverSettings,
    witness: () => ({ login: 'support@contoso.test*alice@contoso.test', path: TEAM_FOLDER }),
  },
  {
    what: 'Northwind, inside the shared namespace ("." separator, owner by bare user name)',
    org: async () => northwind,
    shared: 'helpdesk@northwind.test',
    members: ['ines@northwind.test', 'jon@northwind.test'],
    server: (stack) => { const { delegateLogin: _d, ...s } = serverSettings(stack); return s },
    witness: () => ({ login: 'ines@northwind.test', path: `Other Users.helpdesk.${TEAM_FOLDER}` }),
  },
]

/** The conversation id of a conversation started by the message `conversation()` delivers for this key. */
const convOf = (key: string) => conversationIdFromRoot(`m:<${key.replace(/\W/g, '')}@example.net>`)

for (const c of cases) {
  describe(`team state: ${c.what}`, () => {
    let stack: MailStack
    const services: TestService[] = []
    const mailboxId = `shared:${c.shared}`
    beforeAll(async () => { stack = await startMailStack(await c.org()) })
    afterAll(async () => { await Promise.all(services.map((s) => s.service.stop())); await stack?.stop() })

    const signIn = async (address: string) => {
      const t = await newService()
      services.push(t)
      await t.service.signIn({ address, password: passwordOf(stack, address), server: c.server(stack) })
      return t
    }
    const record = (t: TestService, about: MessageRef, action: TeamAction, id = randomUUID()) =>
      t.service.teamRecord({ mailboxId, id, about, at: Date.now(), action, locale: 'en' }).then((r) => ({ ...r, id }))
    /**
     * A customer's message delivered to the shared mailbox, and how the window names it: its
     * Message-ID (the UID is left for the service to find, as after another member's move).
     */
    const conversation = async (t: TestService, key: string) => {
      const messageId = `<${key.replace(/\W/g, '')}@example.net>`
      await stack.deliver(c.shared, [`From: Customer <customer@example.net>`, `To: ${c.shared}`, `Subject: ${key}`, `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`, '', 'Hello.', ''].join('\r\n'))
      const inbox = (await t.service.listFolders(mailboxId)).find((f) => f.role === 'inbox')!
      return { ref: { folderId: inbox.id, uid: 1, messageId }, conv: convOf(key) }
    }
    /** Everything the folder holds, folded as the renderer folds it. */
    const fold = async (t: TestService) => {
      const f = new TeamFold()
      let since = null
      for (;;) {
        const page = await t.service.teamRead(mailboxId, since)
        if (!page.exists) return f
        f.add(fromTeamWire(page.records))
        since = page.cursor
        if (!page.more) return f
      }
    }

    it('two members claim one conversation at the same moment: exactly one has it, in both folds; a bare session sees the records', async () => {
      const [a, b] = [await signIn(c.members[0]), await signIn(c.members[1])]
      // The administrator created the folder (docs/admin.md); nothing is recorded yet.
      expect(await a.service.teamRead(mailboxId, null)).toMatchObject({ exists: true, records: { people: [], rows: [] }, skipped: 0 })
      const { ref, conv } = await conversation(a, 'printer on fire')
      // Both start from "nobody has it"; the server's APPEND order decides.
      const [ra, rb] = await Promise.all([
        record(a, ref, { kind: 'assign', to: c.members[0], expect: null }),
        record(b, ref, { kind: 'assign', to: c.members[1], expect: null }),
      ])
      // The service named the conversation from the message's own headers.
      expect([ra.conversationId, rb.conversationId]).toEqual([conv, conv])
      expect(ra.uid).not.toBeNull()
      expect(rb.uid).not.toBeNull()
      const [fa, fb] = [await fold(a), await fold(b)]
      const winner = ra.uid! < rb.uid! ? c.members[0] : c.members[1]
      expect(fa.get(conv).assignee).toBe(winner)
      expect(fb.get(conv).assignee).toBe(winner)
      const loserId = winner === c.members[0] ? rb.id : ra.id
      expect(fb.outcomeOf(conv, loserId)).toMatchObject({ outcome: 'lost', holder: winner })
      expect(fa.get(conv).history.map((e) => e.outcome).sort()).toEqual(['applied', 'lost'])

      // An independent IMAP session: two messages in the team folder, seen, from the members, ours.
      const { login, path } = c.witness(stack)
      const bare = await imapSession(stack, login, passwordOf(stack, c.members[0]))
      try {
        const box = await bare.mailboxOpen(path)
        // Members may not set keywords here (rights lrsi): the server refuses custom keywords in
        // this folder, as Exchange Online does everywhere. Team state needs none.
        expect([...(box.permanentFlags ?? [])]).not.toContain('\\*')
        await expect(bare.messageFlagsAdd('1:*', ['$TandemAssigned'])).resolves.toBe(false)
        const seen: { from: string; flags: string[]; header: string }[] = []
        for await (const m of bare.fetch('1:*', { envelope: true, flags: true, headers: ['x-tandem-team'] })) {
          seen.push({ from: m.envelope?.from?.[0]?.address ?? '', flags: [...(m.flags ?? [])], header: String(m.headers ?? '') })
        }
        expect(seen.map((m) => m.from).sort()).toEqual([...c.members].sort())
        for (const m of seen) { expect(m.flags).toContain('\\Seen'); expect(m.flags).not.toContain('$TandemAssigned'); expect(m.header).toMatch(/X-Tandem-Team: 1/i) }
      } finally { await bare.logout() }
      // Not a folder of mail: the folder list leaves it out.
      expect((await a.service.listFolders(mailboxId)).map((f) => f.name)).not.toContain(TEAM_FOLDER)
    })

    it('status, a note and its deletion by another member: both see who did what; a replayed record is appended once', async () => {
      const [a, b] = [await signIn(c.members[0]), await signIn(c.members[1])]
      const { ref, conv } = await conversation(a, 'invoice 7')
      const note = randomUUID()
      await record(a, ref, { kind: 'status', status: 'waiting' })
      const written = await record(a, ref, { kind: 'note', note, text: 'Called them: the invoice is in the post. Ünïcödé ok.' })
      // The same record again (a task replayed after a crash): found, not appended twice.
      const again = await record(a, ref, { kind: 'note', note, text: 'Called them: the invoice is in the post. Ünïcödé ok.' }, written.id)
      expect(again.uid).toBe(written.uid)
      await record(b, ref, { kind: 'noteDelete', note })
      const s = (await fold(a)).get(conv)
      expect(s.status).toBe('waiting')
      expect(s.statusBy).toBe(c.members[0])
      expect(s.notes).toEqual([expect.objectContaining({ id: note, by: c.members[0], text: 'Called them: the invoice is in the post. Ünïcödé ok.', deleted: expect.objectContaining({ by: c.members[1] }) })])
      expect(s.history.map((e) => [e.action.kind, e.by, e.outcome])).toEqual([['status', c.members[0], 'applied'], ['note', c.members[0], 'applied'], ['noteDelete', c.members[1], 'applied']])
      // The other member restores it: the deletion was not the end of it (R10).
      await record(a, ref, { kind: 'noteRestore', note })
      expect((await fold(b)).get(conv).notes[0]!.deleted).toBeNull()
    })

    it('the service records the conversation it reads from the message\'s headers, not the window\'s word; a message that is nowhere is refused', async () => {
      const a = await signIn(c.members[0])
      const { conv } = await conversation(a, 'headers decide')
      // The customer's reply, from a client that adds a Cc and edits the subject: References keep the root.
      const reply = '<reply.headers.decide@example.net>'
      await stack.deliver(c.shared, ['From: Customer <customer@example.net>', `To: ${c.shared}`, 'Cc: Boss <boss@example.net>', 'Subject: Re: headers decide (urgent now)',
        `Message-ID: ${reply}`, 'In-Reply-To: <headersdecide@example.net>', 'References: <headersdecide@example.net>', `Date: ${new Date().toUTCString()}`, '', 'Any news?', ''].join('\r\n'))
      const inbox = (await a.service.listFolders(mailboxId)).find((f) => f.role === 'inbox')!
      const written = await record(a, { folderId: inbox.id, uid: 1, messageId: reply }, { kind: 'status', status: 'waiting' })
      expect(written.conversationId).toBe(conv)
      // What the folder holds says so to every member.
      expect((await fold(a)).get(conv).status).toBe('waiting')
      await expect(record(a, { folderId: inbox.id, uid: 999_999, messageId: '<never.delivered@example.net>' }, { kind: 'status', status: 'done' }))
        .rejects.toMatchObject({ error: { code: 'message.gone', key: 'errors.team.messageGone' } })
    })

    it('both members claim offline; replayed later, in either order, one deterministic winner that both devices fold alike', async () => {
      const [a, b] = [await signIn(c.members[0]), await signIn(c.members[1])]
      const { ref, conv } = await conversation(a, 'offline claim')
      const device = (t: TestService, name: string) => {
        const dispatch = createDispatcher(serviceHandlers(t.service))
        const api = new ApiClient({ call: (n, i) => dispatch(n, i), on: () => () => undefined })
        const db = new TandemDb(`${name}.${randomUUID()}`)
        return { db, online: new TaskQueue(db, (n, i) => api.call(n, i)), offline: new TaskQueue(db, () => Promise.reject(new ApiFailure({ code: 'network.unreachable', message: 'offline' }))), sync: new TeamSync(db, (n, i) => api.call(n, i)) }
      }
      const [da, db] = [device(a, 'a'), device(b, 'b')]
      // On the train: each sees the conversation unassigned and takes it. Stored, not sent.
      for (const [d, who] of [[da, c.members[0]], [db, c.members[1]]] as const) {
        await d.offline.add({ kind: 'team', id: randomUUID(), mailboxId, conversationId: conv, about: ref, at: Date.now(), locale: 'en', action: { kind: 'assign', to: who, expect: null }, before: { assignee: null } })
        await d.offline.kick()
        expect(await d.db.tasks.filter((t) => t.status === 'applied').count()).toBe(1)
      }
      // The second member's device comes back first: its claim is appended first, and wins.
      await db.online.kick()
      await da.online.kick()
      for (const d of [da, db]) expect(await d.db.tasks.filter((t) => t.status !== 'done').count()).toBe(0)
      await Promise.all([da.sync.pull(mailboxId), db.sync.pull(mailboxId)])
      const [fa, fb] = [await da.sync.fold(mailboxId), await db.sync.fold(mailboxId)]
      expect(fa.get(conv).assignee).toBe(c.members[1])
      expect(fb.get(conv)).toEqual(fa.get(conv))
      expect(fa.get(conv).history.map((e) => [e.by, e.outcome])).toEqual([[c.members[1], 'applied'], [c.members[0], 'lost']])
      // Kept on each device: a fresh start folds nothing new and says the same.
      const row = await da.db.teamBuckets.get([mailboxId, bucketOf(conv)])
      expect(statesOf(row!).find((x) => x.conversationId === conv)?.assignee).toBe(c.members[1])
      const restarted = new TeamSync(da.db, () => Promise.reject(new Error('offline')))
      expect((await restarted.fold(mailboxId)).get(conv)).toEqual(fa.get(conv))
      da.db.close(); db.db.close()
    })

    it('reads in pages from where it stopped, and skips what is not a record (another client\'s, or hostile)', async () => {
      const a = await signIn(c.members[0])
      const { ref, conv } = await conversation(a, 'paging')
      for (let i = 0; i < 3; i++) await record(a, ref, { kind: 'status', status: i % 2 ? 'open' : 'done' })
      const { login, path } = c.witness(stack)
      const bare = await imapSession(stack, login, passwordOf(stack, c.members[0]))
      try {
        // A message someone put there by hand, and one that forges a record with a script in it.
        await bare.append(path, 'From: x@example.net\r\nSubject: hello\r\n\r\nnot a record\r\n')
        await bare.append(path, 'From: x@example.net\r\nSubject: forged\r\n\r\n-----BEGIN TANDEM TEAM RECORD-----\r\n{"v":1,"id":"not-a-uuid","conv":"<script>","at":1,"by":"x","action":{"kind":"assign","to":"x"}}\r\n-----END TANDEM TEAM RECORD-----\r\n')
        // A record whose header another server dropped: read from its text instead.
        const stripped = convOf('stripped')
        const r = { v: 1 as const, id: randomUUID(), conv: stripped, at: Date.now(), by: c.members[1], action: { kind: 'status' as const, status: 'waiting' as const } }
        const raw = (await recordMessage(r, 'Someone', 'status', 'set')).toString('utf8').replace(/^X-Tandem-Record:.*\r\n(?:[ \t].*\r\n)*/m, '')
        expect(raw).not.toMatch(/X-Tandem-Record/i)
        await bare.append(path, raw)
        await bare.mailboxOpen(path, { readOnly: true })
        const total = bare.mailbox ? bare.mailbox.exists : 0
        const pages: number[] = []
        let skipped = 0
        let since = null
        const f = new TeamFold()
        for (;;) {
          const page = await readTeamRecords(bare, path, since, 2)
          pages.push(page.records.length + page.skipped)
          skipped += page.skipped
          f.add(page.records)
          since = page.cursor
          if (!page.more) break
        }
        expect(pages.reduce((x, y) => x + y, 0)).toBe(total)
        expect(pages.every((n) => n <= 2)).toBe(true)
        expect(skipped).toBe(2)
        expect(f.get(conv).status).toBe('done')
        expect(f.get(stripped)).toMatchObject({ status: 'waiting', statusBy: c.members[1] })
        // Nothing new: an empty page, the cursor where it was.
        const none = await readTeamRecords(bare, path, since, 2)
        expect(none.records).toEqual([])
        expect(none.cursor).toEqual(since)
      } finally { await bare.logout() }
    })

    it('batches: a member\'s service batches the records; a new device starts from the batch and folds what the log folds; a false batch is found, passed over, and named', async () => {
      const [a, b] = [await signIn(c.members[0]), await signIn(c.members[1])]
      // A busy mailbox: enough records since the last batch (none) for one.
      const seed: { raw: Buffer; date: Date }[] = []
      for (let i = 0; i < BATCH_EVERY * 1.6; i++) {
        const by = c.members[i % 2]!
        const r = { v: 1 as const, id: randomUUID(), conv: convOf(`batch ${i}`), at: Date.now(), by, action: { kind: 'assign' as const, to: by, expect: null } }
        seed.push({ raw: await recordMessage(r, by, 'claimed', 'claimed'), date: new Date() })
      }
      await stack.seed(c.shared, TEAM_FOLDER, seed)
      const made = await a.service.teamCompact(mailboxId, 'nl')
      expect(made.batch).toMatchObject({ from: 1, by: c.members[0] })
      expect(made.batch!.records).toBeGreaterThanOrEqual(seed.length)
      // Too few records since that batch for another.
      expect((await b.service.teamCompact(mailboxId, 'en')).batch).toBeNull()
      await record(b, (await conversation(b, 'batch 0')).ref, { kind: 'status', status: 'done' })

      const { login, path } = c.witness(stack)
      const bare = await imapSession(stack, login, passwordOf(stack, c.members[0]))
      try {
        // What another client sees: one read message, in the member's language, the records as a gzip.
        await bare.mailboxOpen(path)
        const m = await bare.fetchOne(String(made.batch!.uid), { uid: true, flags: true, envelope: true, bodyStructure: true, headers: ['x-tandem-batch'] }, { uid: true })
        expect(m && [...(m.flags ?? [])]).toContain('\\Seen')
        expect(m && m.envelope?.subject).toMatch(/teamrecords samengevoegd/)
        expect(String(m && m.headers)).toMatch(new RegExp(`from=1; upto=${made.batch!.upto}; records=${made.batch!.records}`))
        expect(JSON.stringify(m && m.bodyStructure)).toMatch(/application\/gzip/)
        // The log on its own, as a member who reads every record.
        const logFold = async () => {
          const f = new TeamFold()
          let since = null
          for (;;) {
            const page = await readTeamRecords(bare, path, since)
            f.add(page.records)
            since = page.cursor
            if (!page.more) return f
          }
        }
        const device = (name: string, t: TestService, told: string[][]) => {
          const dispatch = createDispatcher(serviceHandlers(t.service))
          const api = new ApiClient({ call: (n, i) => dispatch(n, i), on: () => () => undefined })
          const db = new TandemDb(`${name}.${randomUUID()}`)
          const reads: number[] = []
          const sync = new TeamSync(db, (n, i) => { if (n === 'team.read') reads.push(1); return api.call(n, i) }, (_m, bad) => told.push([...new Set(bad.map((b) => b.by))]))
          return { db, sync, reads }
        }
        const settled = async (d: { db: TandemDb }) => {
          for (let i = 0; i < 600; i++) {
            const row = await d.db.teamCursors.get(mailboxId)
            if (row && !row.unverified?.length) return row
            await new Promise((r) => setTimeout(r, 50))
          }
          throw new Error('the batches were not checked')
        }
        const told: string[][] = []
        const fresh = device('fresh', b, told)
        await fresh.sync.pull(mailboxId)
        // Started from the batch: a handful of reads, not one per 5 000 records.
        expect(fresh.reads.length).toBeLessThanOrEqual(2)
        expect((await fresh.db.teamCursors.get(mailboxId))?.unverified).toEqual([made.batch!.uid])
        const expected = await logFold()
        expect([...(await fresh.sync.fold(mailboxId)).conversations.entries()].sort()).toEqual([...expected.conversations.entries()].sort())
        expect((await fresh.sync.fold(mailboxId)).get(convOf('batch 0')).status).toBe('done')
        // Checked in the background against every record it copies: it holds.
        expect((await settled(fresh)).distrust).toEqual([])
        expect(told).toEqual([])

        // More records since (enough for a batch: it is found among messages of 20 KB or more) …
        const more: { raw: Buffer; date: Date }[] = []
        for (let i = 0; i < 600; i++) {
          const r = { v: 1 as const, id: randomUUID(), conv: convOf(`later ${i}`), at: Date.now(), by: c.members[0]!, action: { kind: 'status' as const, status: 'waiting' as const } }
          more.push({ raw: await recordMessage(r, r.by, 'waiting', 'waiting'), date: new Date() })
        }
        await stack.seed(c.shared, TEAM_FOLDER, more)
        // … and a member forges a batch of the records after the first batch, with one status changed.
        const after = await readTeamRecords(bare, path, { uidValidity: String(bare.mailbox && bare.mailbox.uidValidity), uidNext: made.batch!.upto + 1 })
        const forged = after.records.map((r, i) => (i === 0 && r.action.kind === 'status' ? { ...r, action: { kind: 'status' as const, status: 'waiting' as const } } : r))
        expect(forged.length).toBeGreaterThan(0)
        const fake = await batchMessage(made.batch!.upto + 1, forged, { address: c.members[1], name: 'Forger' }, 'en')
        expect(fake.raw.length).toBeGreaterThan(MIN_BATCH_BYTES)
        await bare.append(path, fake.raw, ['\\Seen'])
        const victim = device('victim', a, told)
        await victim.sync.pull(mailboxId)
        // It starts from both batches, so at first it shows the forgery …
        expect((await victim.sync.fold(mailboxId)).get(convOf('batch 0')).status).toBe('waiting')
        // … until the check finds the batch false: never started from again, folded from the log, the forger named.
        const row = await settled(victim)
        expect(row.distrust).toHaveLength(1)
        await victim.sync.pull(mailboxId)
        expect((await victim.sync.fold(mailboxId)).get(convOf('batch 0')).status).toBe('done')
        expect(told).toEqual([[c.members[1]]])
        const truth = await logFold()
        expect([...(await victim.sync.fold(mailboxId)).conversations.entries()].sort()).toEqual([...truth.conversations.entries()].sort())
        // The honest batch still holds; only the false one is passed over.
        expect((await a.service.teamVerify(mailboxId, [made.batch!.uid])).bad).toEqual([])
        fresh.db.close(); victim.db.close()
      } finally { await bare.logout() }
    })

    it('a chain of batches is read page by page: the cursor marks the chain until its end, reset only on the first page, a batch that cannot be used is passed over, and the pages hold what the log holds', async () => {
      const { login, path } = c.witness(stack)
      const bare = await imapSession(stack, login, passwordOf(stack, c.members[0]))
      try {
        const seed: { raw: Buffer; date: Date }[] = []
        // Enough for batches of a findable size (MIN_BATCH_BYTES) however the tests before ran.
        for (let i = 0; i < 1500; i++) {
          const by = c.members[i % 2]!
          const r = { v: 1 as const, id: randomUUID(), conv: convOf(`paged ${i}`), at: Date.now(), by, action: { kind: 'status' as const, status: 'waiting' as const } }
          seed.push({ raw: await recordMessage(r, by, 'waiting', 'waiting'), date: new Date() })
        }
        await stack.seed(c.shared, TEAM_FOLDER, seed)
        const log: StoredTeamRecord[] = []
        let since: TeamCursor | null = null
        for (;;) {
          const page = await readTeamRecords(bare, path, since)
          log.push(...page.records)
          since = page.cursor
          if (!page.more) break
        }
        // Batches already there are distrusted here; three honest batches of the log, with a
        // broken one before the third that covers what the third does.
        const distrust = new Set((await listBatches(bare, path)).batches.map((b) => b.uid))
        const third = Math.floor(log.length / 3)
        const parts = [log.slice(0, third), log.slice(third, 2 * third), log.slice(2 * third)]
        const who = { address: c.members[0], name: 'Batcher' }
        const fromOf = (i: number) => (i === 0 ? 1 : parts[i - 1]!.at(-1)!.uid + 1)
        for (const i of [0, 1]) await bare.append(path, (await batchMessage(fromOf(i), parts[i]!, who, 'en')).raw, ['\\Seen'])
        const broken = (await batchMessage(fromOf(2), parts[2]!, who, 'en')).raw.toString('latin1').replace(/records=\d+/, `records=${parts[2]!.length - 1}`)
        await bare.append(path, Buffer.from(broken, 'latin1'), ['\\Seen'])
        await bare.append(path, (await batchMessage(fromOf(2), parts[2]!, who, 'en')).raw, ['\\Seen'])

        const pages: Awaited<ReturnType<typeof readTeamState>>[] = []
        let at: TeamCursor | null = null
        for (;;) {
          const page = await readTeamState(bare, path, at, distrust, {}, 1)
          pages.push(page)
          at = page.cursor
          if (!page.more) break
        }
        // One batch a page (a page of one record here), then the records after the chain.
        expect(pages.map((p) => p.batches.length)).toEqual([1, 1, 1, 0])
        expect(pages.map((p) => p.cursor.chain ?? false)).toEqual([true, true, false, false])
        expect(pages.map((p) => p.reset)).toEqual([true, false, false, false])
        expect(pages[2]!.batches[0]!.records).toBe(parts[2]!.length)
        expect(pages.flatMap((p) => fromTeamWire(p.records))).toEqual(log)
        // A cursor inside the chain whose folder was made anew reads from the start again.
        const stale = await readTeamState(bare, path, { uidValidity: '1', uidNext: pages[1]!.cursor.uidNext, chain: true }, distrust, {}, 1)
        expect(stale.reset).toBe(true)
        expect(fromTeamWire(stale.records)[0]!.uid).toBe(log[0]!.uid)
      } finally { await bare.logout() }
    })
  })
}

describe('team state: a server where the folder is missing and members may not create it', () => {
  let stack: MailStack
  let t: TestService
  const fabrikam = parseOrganisation({
    name: 'Fabrikam',
    domains: ['fabrikam.test'],
    users: [{ address: 'kim@fabrikam.test', name: 'Kim Kowalski', password: 'kim-pass-1' }],
    sharedMailboxes: [{ address: 'orders@fabrikam.test', name: 'Fabrikam Orders', members: [{ address: 'kim@fabrikam.test' }] }],
    folders: { sent: 'Sent', drafts: 'Drafts', trash: 'Trash', junk: 'Junk', archive: 'Archive', directory: 'Directory', team: null },
    // Members cannot make folders at the top of the shared mailbox.
    aclDefaultsFromInbox: false,
  })
  beforeAll(async () => { stack = await startMailStack(fabrikam); t = await newService() })
  afterAll(async () => { await t?.service.stop(); await stack?.stop() })
  it('reads as "nothing recorded yet", and refuses to record with the administrator\'s step, losing nothing else', async () => {
    await t.service.signIn({ address: 'kim@fabrikam.test', password: passwordOf(stack, 'kim@fabrikam.test'), server: serverSettings(stack) })
    expect(await t.service.teamRead('shared:orders@fabrikam.test', null)).toMatchObject({ exists: false, records: { people: [], rows: [] } })
    await stack.deliver('orders@fabrikam.test', 'From: y@example.net\r\nTo: orders@fabrikam.test\r\nSubject: x\r\nMessage-ID: <x@example.net>\r\n\r\nx\r\n')
    const inbox = (await t.service.listFolders('shared:orders@fabrikam.test')).find((f) => f.role === 'inbox')!
    await expect(t.service.teamRecord({ mailboxId: 'shared:orders@fabrikam.test', id: randomUUID(), about: { folderId: inbox.id, uid: 1, messageId: '<x@example.net>' }, at: Date.now(), action: { kind: 'status', status: 'done' }, locale: 'en' }))
      .rejects.toMatchObject({ error: { code: 'permission.denied', key: 'errors.team.noFolder' } })
    // The mailbox itself still works.
    expect((await t.service.listFolders('shared:orders@fabrikam.test')).some((f) => f.role === 'inbox')).toBe(true)
  })
})

describe('team state: only for shared mailboxes', () => {
  let stack: MailStack
  let t: TestService
  beforeAll(async () => { stack = await startMailStack(await loadOrganisation(CONTOSO)); t = await newService() })
  afterAll(async () => { await t?.service.stop(); await stack?.stop() })
  it('refuses team records in the person\'s own mailbox', async () => {
    await t.service.signIn({ address: 'alice@contoso.test', password: passwordOf(stack, 'alice@contoso.test'), server: serverSettings(stack) })
    await expect(t.service.teamRead('own:alice@contoso.test', null)).rejects.toMatchObject({ error: { key: 'errors.team.notShared' } })
  })
})
