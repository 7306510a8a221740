import 'fake-indexeddb/auto'
import { TeamFold } from '../../shared/team/fold'
import { readTeamRecords, type TeamCursor } from '../../electron/service/operations/team'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SendRequest } from '../../shared/api/contract'
import { ApiFailure, type ApiError } from '../../shared/api/errors'
import { TandemDb } from '../../renderer/src/cache/db'
import { TaskQueue, type NewTask, type Task } from '../../renderer/src/queue/task-queue'
import { isOpen } from '../../renderer/src/queue/tasks'
import { bundleService, startServiceProcess, type ServiceProcess } from './service-process'
import { startSmtpProxy, type SmtpProxy } from '../mailstack/smtp-proxy'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { prng } from '../mailstack/demo-mail'
import { CONTOSO, eventually, imapSession, passwordOf, postfixQueueEmpty, serverSettings } from './helpers'

/**
 * The offline queue's property: a random sequence of offline actions across bob's own mailbox and
 * Contoso Support, replayed by the renderer's TaskQueue (over IndexedDB: fake-indexeddb in Node)
 * through the real service — which is SIGKILLed at random points at least 50 times, and
 * restarted. In the end an independent IMAP session must find exactly the expected state:
 * no action lost, none done twice, every message delivered once.
 */
const SEED = Number(process.env.KILL_SEED ?? 20261125)
const KILLS = Number(process.env.KILL_POINTS ?? 50)
const ACTIONS = 60
const BOB = 'bob@contoso.test'
const OWN = `own:${BOB}`
const SUPPORT = 'shared:support@contoso.test'

let stack: MailStack
let work: string
let bundle: string
let proxy: SmtpProxy
beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO))
  // Mail goes over a slow line (40 ms each way), so kills also land between a message's end
  // of DATA and the server's answer.
  proxy = await startSmtpProxy({ host: stack.host, port: stack.ports.submission }, { latencyMs: 40 })
  const mail = (to: string, i: number) => ({ raw: `From: Customer ${i} <c${i}@example.net>\nTo: ${to}\nSubject: Case ${i}\nMessage-ID: <case-${to.split('@')[0]}-${i}@example.net>\n\nHello ${i}\n` })
  await stack.seed('support@contoso.test', 'INBOX', Array.from({ length: 30 }, (_, i) => mail('support@contoso.test', i)))
  await stack.seed(BOB, 'INBOX', Array.from({ length: 30 }, (_, i) => mail(BOB, i)))
  work = await mkdtemp(join(tmpdir(), 'tandem-kill-'))
  bundle = await bundleService('web-main')
})
afterAll(async () => {
  await proxy?.close()
  await stack?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

interface Expected { mailboxId: string; messageId: string; folder: string; flags: Set<string>; uid: number }

async function inboxUids(client: ImapFlow): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  await client.mailboxOpen('INBOX', { readOnly: true })
  for await (const m of client.fetch('1:*', { uid: true, envelope: true })) out.set(m.envelope!.messageId!, m.uid)
  return out
}

describe('offline actions, replayed through a service killed at random points', () => {
  it(`loses nothing and does nothing twice (seed ${SEED}, ${KILLS}+ kill points)`, async () => {
    const random = prng(SEED)
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!
    const db = new TandemDb(`${BOB}.kill-${SEED}`)
    const stateFile = join(work, 'state.json')
    const signIn = { address: BOB, password: passwordOf(stack, BOB), server: { ...serverSettings(stack), smtp: { host: stack.host, port: proxy.port, security: 'none' as const } } }
    // Besides the random kills, two land where the person must decide: the first message's final
    // dot is lost (nothing went: they send it again), the second's answer is (it went).
    let running: ServiceProcess | null = null
    const killRunning = async () => { await running?.kill() }
    proxy.cutNext('dot', killRunning)
    proxy.cutNext('reply', killRunning)

    // What the server holds at the start, through independent sessions.
    const ownImap = await imapSession(stack, BOB, passwordOf(stack, BOB))
    const supportImap = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    const messages: Expected[] = []
    for (const [mailboxId, client] of [[OWN, ownImap], [SUPPORT, supportImap]] as const) {
      for (const [messageId, uid] of await inboxUids(client)) messages.push({ mailboxId, messageId, uid, folder: 'INBOX', flags: new Set() })
    }
    const sends: { id: string; identityId: string; mailboxId: string }[] = []
    const teamNotes: { id: string; note: string }[] = []

    /** One random action as the UI would queue it, and what it must do to the model. */
    function nextAction(): NewTask {
      if (random() < 0.15) {
        // A team action: an internal note on a conversation of Contoso Support.
        // About a message of the mailbox, wherever earlier actions moved it: the service finds it by its Message-ID.
        const about = pick(messages.filter((m) => m.mailboxId === SUPPORT))
        const t = { id: randomUUID(), note: randomUUID() }
        teamNotes.push(t)
        return { kind: 'team', id: t.id, mailboxId: SUPPORT, conversationId: '0'.repeat(32), about: { folderId: `${SUPPORT}|INBOX`, uid: about.uid, messageId: about.messageId }, at: Date.now(), locale: 'en', action: { kind: 'note', note: t.note, text: `Note ${teamNotes.length}` } }
      }
      const r = random()
      const inInbox = messages.filter((m) => m.folder === 'INBOX')
      if (r >= 0.85 || !inInbox.length) {
        const shared = random() < 0.5
        const id = randomUUID()
        const identityId = shared ? 'onBehalf:support@contoso.test' : `self:${BOB}`
        const mailboxId = shared ? SUPPORT : OWN
        sends.push({ id, identityId, mailboxId })
        const request: SendRequest = {
          identityId, to: [{ name: 'Dave Dunn', address: 'dave@contoso.test' }], cc: [], bcc: [], subject: `Kill test ${id}`,
          text: 'Queued offline.', html: null, inReplyTo: null, references: [], encrypt: false, attachments: [], queuedAt: Date.now(),
        }
        return { kind: 'send', id, mailboxId, request }
      }
      const m = pick(inInbox)
      const folderId = `${m.mailboxId}|INBOX`
      if (r < 0.55) {
        const flag = r < 0.3 ? '\\Flagged' : '\\Seen'
        const on = !m.flags.has(flag)
        if (on) m.flags.add(flag)
        else m.flags.delete(flag)
        return { kind: 'flags', id: randomUUID(), mailboxId: m.mailboxId, folderId, uids: [m.uid], add: on ? [flag] : [], remove: on ? [] : [flag] }
      }
      const del = r >= 0.72
      m.folder = del ? 'Deleted Items' : 'Archive'
      return { kind: del ? 'delete' : 'move', id: randomUUID(), mailboxId: m.mailboxId, folderId, uids: [m.uid], messageIds: [m.messageId], toFolderId: del ? null : `${m.mailboxId}|Archive` }
    }

    const held: { task: Task; error: ApiError }[] = []
    const dropped: { task: Task; error: ApiError }[] = []
    const hooks = { held: (task: Task, error: ApiError) => { held.push({ task, error }) }, dropped: (task: Task, error: ApiError) => { dropped.push({ task, error }) } }
    const offline = new TaskQueue(db, () => Promise.reject(new ApiFailure({ code: 'network.unreachable', message: 'offline' })))
    let queued = 0
    let kills = 0
    let duringSignIn = 0
    let decisions = 0
    const unapplied: string[] = []
    const started = Date.now()
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    const deliveredCount = async (id: string) => {
      await dave.mailboxOpen('INBOX', { readOnly: true })
      return ((await dave.search({ header: { 'message-id': `<${id}@contoso.test>` } }, { uid: true })) || []).length
    }
    /**
     * A kill between the end of DATA and the server's answer leaves it unknown whether a message
     * went: Tandem held it (send.uncertain). The person checks — once nothing is in flight at the
     * server — and decides through main, which keeps the decision for exactly the next attempt;
     * that attempt may be killed in turn, and then they are asked again.
     */
    async function decideHeld(api: ServiceProcess['api'], queue: TaskQueue): Promise<void> {
      const waiting = await db.tasks.filter((t) => t.status === 'held' && t.error?.code === 'send.uncertain').toArray()
      if (!waiting.length) return
      await eventually(() => postfixQueueEmpty(stack), 'Postfix to have delivered what it took', 20_000)
      for (const t of waiting) {
        const went = (await deliveredCount(t.id)) > 0
        const { applied } = await api.call('outbox.decide', { outboxId: t.id, attempt: Number(t.error!.params!.attempt), choice: went ? 'wasSent' : 'sendAgain' })
        // Checked at the end: an exception here would be taken for a kill.
        if (!applied) unapplied.push(t.id)
        await queue.update(t.id, {})
        decisions++
      }
    }

    while (kills < KILLS || queued < ACTIONS) {
      // Offline: the person goes on working; the actions are stored first.
      const n = queued < ACTIONS ? 1 + Math.floor(random() * 2) : 0
      for (let i = 0; i < n && queued < ACTIONS; i++, queued++) await offline.add(nextAction())
      const svc = await startServiceProcess(bundle, stateFile)
      running = svc
      const queue = new TaskQueue(db, (name, input) => svc.api.call(name, input), hooks)
      let signedIn = false
      const working = (async () => {
        await svc.api.call('session.signIn', signIn)
        signedIn = true
        await decideHeld(svc.api, queue)
        await queue.kick()
      })().catch(() => undefined)
      // A random moment: during sign-in, in the middle of a task, between two, or after the last.
      await Promise.race([working, new Promise((r) => setTimeout(r, random() * 450))])
      svc.proc.kill('SIGKILL')
      queue.stop()
      await svc.exited
      await working
      kills++
      if (!signedIn) duringSignIn++
    }

    // The connection comes back for good: everything left goes.
    const svc = await startServiceProcess(bundle, stateFile)
    const queue = new TaskQueue(db, (name, input) => svc.api.call(name, input), hooks)
    try {
      await svc.api.call('session.signIn', signIn)
      await eventually(async () => { await queue.kick(); return (await db.tasks.filter((t) => isOpen(t)).count()) === 0 }, 'the queue to empty', 30_000)
      expect(dropped.map((d) => `${d.task.kind}: ${d.error.code} ${d.error.message}`)).toEqual([])
      const uncertain = held.filter((h) => h.error.code === 'send.uncertain')
      expect(held.filter((h) => h.error.code !== 'send.uncertain').map((h) => h.error)).toEqual([])
      // What is still held is decided now; with no more kills, every decided message finishes.
      await decideHeld(svc.api, queue)
      await queue.kick()
      expect(unapplied).toEqual([])
      expect(decisions).toBeGreaterThanOrEqual(2)
      // Nothing left to do: every task is done (kept a minute for Undo), none held or failed.
      expect((await db.tasks.toArray()).map((t) => t.status).filter((s) => s !== 'done')).toEqual([])

      // Every triage action, as an independent session sees it.
      for (const m of messages) {
        const client = m.mailboxId === OWN ? ownImap : supportImap
        const where: { folder: string; flags: string[] }[] = []
        for (const folder of ['INBOX', 'Archive', 'Deleted Items']) {
          await client.mailboxOpen(folder, { readOnly: true })
          for (const uid of (await client.search({ header: { 'message-id': m.messageId } }, { uid: true })) || []) {
            const f = await client.fetchOne(String(uid), { flags: true }, { uid: true })
            where.push({ folder, flags: [...(f && f.flags ? f.flags : [])].filter((x) => x !== '\\Recent').sort() })
          }
        }
        expect(where, `${m.mailboxId} ${m.messageId}`).toEqual([{ folder: m.folder, flags: [...m.flags].sort() }])
      }
      // Every send: delivered exactly once, with exactly one copy in the right Sent folder.
      for (const s of sends) {
        await eventually(async () => (await deliveredCount(s.id)) >= 1, `delivery of ${s.id}`, 20_000)
      }
      await new Promise((r) => setTimeout(r, 1000))
      for (const s of sends) {
        expect(await deliveredCount(s.id), `deliveries of ${s.id}`).toBe(1)
        const sentBox = s.mailboxId === OWN ? ownImap : supportImap
        await sentBox.mailboxOpen('Sent Items', { readOnly: true })
        expect(((await sentBox.search({ header: { 'message-id': `<${s.id}@contoso.test>` } }, { uid: true })) || []).length, `Sent copies of ${s.id}`).toBe(1)
      }
      // Every team action: exactly one record in the team folder, folded into its conversation.
      await supportImap.mailboxOpen('Tandem Team', { readOnly: true })
      for (const t of teamNotes) {
        expect(((await supportImap.search({ header: { 'message-id': `<${t.id}@team.tandem.invalid>` } }, { uid: true })) || []).length, `records of ${t.id}`).toBe(1)
      }
      const fold = new TeamFold()
      for (let since = null as TeamCursor | null; ;) {
        const page = await readTeamRecords(supportImap, 'Tandem Team', since)
        fold.add(page.records)
        since = page.cursor
        if (!page.more) break
      }
      // Each note once, in one conversation, however often its task was replayed.
      const notes = [...fold.conversations.values()].flatMap((c) => c.notes.map((n) => n.id))
      for (const t of teamNotes) expect(notes.filter((n) => n === t.note)).toHaveLength(1)
      console.log(`kill points: ${kills} (${duringSignIn} during sign-in), actions: ${queued} (${sends.length} sends, ${teamNotes.length} team notes, ${uncertain.length} held as perhaps sent, ${decisions} decisions by the person), ${((Date.now() - started) / 1000).toFixed(1)} s`)
    } finally {
      svc.proc.kill('SIGKILL')
      await svc.exited
      await ownImap.logout()
      await supportImap.logout()
      await dave.logout()
      db.close()
    }
  }, 240_000)
})
