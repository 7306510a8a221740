import 'fake-indexeddb/auto'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallOutput, SendRequest } from '../../shared/api/contract'
import type { ApiError } from '../../shared/api/errors'
import { TandemDb } from '../../renderer/src/cache/db'
import { TaskQueue, type SendTask, type Task } from '../../renderer/src/queue/task-queue'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { startSmtpProxy, type Cut, type SmtpProxy } from '../mailstack/smtp-proxy'
import { CONTOSO, eventually, imapSession, passwordOf, postfixQueueEmpty, serverSettings } from './helpers'
import { bundleService, startServiceProcess, type ServiceProcess } from './service-process'

/**
 * Exactly once, also after the person decides. The service runs in a process of its own and
 * sends through an SMTP proxy in front of the real Postfix (40 ms each way), which cuts the
 * conversation at a chosen point: before MAIL, after RCPT, during DATA, after the final dot left
 * the client, after the server accepted it — killing the service there (SIGKILL) or dropping
 * the line. An independent IMAP session counts deliveries and Sent copies by Message-ID.
 */
const BOB = 'bob@contoso.test'
const DAVE = 'dave@contoso.test'
const SUPPORT = 'shared:support@contoso.test'

let stack: MailStack
let proxy: SmtpProxy
let work: string
let bundle: string
let dave: ImapFlow
let sentBox: ImapFlow
beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO))
  proxy = await startSmtpProxy({ host: stack.host, port: stack.ports.submission }, { latencyMs: 40 })
  work = await mkdtemp(join(tmpdir(), 'tandem-outbox-'))
  bundle = await bundleService('outbox-service')
  dave = await imapSession(stack, DAVE, passwordOf(stack, DAVE))
  sentBox = await imapSession(stack, `support@contoso.test${stack.org.layout.masterSeparator}${BOB}`, passwordOf(stack, BOB))
})
afterAll(async () => {
  await dave?.logout().catch(() => undefined)
  await sentBox?.logout().catch(() => undefined)
  await proxy?.close()
  await stack?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

async function count(client: ImapFlow, folder: string, messageId: string): Promise<number> {
  await client.mailboxOpen(folder, { readOnly: true })
  await client.noop()
  return ((await client.search({ header: { 'message-id': messageId } }, { uid: true })) || []).length
}
/** Deliveries to dave and copies in Contoso Support's Sent Items, once Postfix has nothing in flight. */
async function outcome(messageId: string): Promise<{ delivered: number; sent: number }> {
  await eventually(() => postfixQueueEmpty(stack), 'Postfix to have delivered what it took', 20_000)
  return { delivered: await count(dave, 'INBOX', messageId), sent: await count(sentBox, 'Sent Items', messageId) }
}

/** A person at their desk: a cache, a queue, and the service, which can be killed and started again. */
class Desk {
  readonly db = new TandemDb(`${BOB}.outbox-${randomUUID()}`)
  readonly held: { task: Task; error: ApiError }[] = []
  readonly done = new Map<string, unknown>()
  svc!: ServiceProcess
  queue!: TaskQueue
  private readonly stateFile = join(work, `state-${randomUUID()}.json`)

  async start(): Promise<this> {
    this.svc = await startServiceProcess(bundle, this.stateFile)
    this.queue = new TaskQueue(this.db, (name, input) => this.svc.api.call(name, input), {
      held: (task, error) => { this.held.push({ task, error }) },
      done: (task, result) => { this.done.set(task.id, result) },
    })
    await this.svc.api.call('session.signIn', {
      address: BOB, password: passwordOf(stack, BOB),
      server: { ...serverSettings(stack), smtp: { host: '127.0.0.1', port: proxy.port, security: 'none' } },
    })
    return this
  }

  /** What the crash leaves: the process gone, the queue stopped mid-flight. */
  async crash(): Promise<void> {
    this.queue.stop()
    await this.svc.kill()
  }

  async restart(): Promise<void> {
    if (this.svc.proc.exitCode === null && this.svc.proc.signalCode === null) await this.crash()
    await this.start()
  }

  async stop(): Promise<void> {
    this.queue.stop()
    await this.svc.kill()
    this.db.close()
  }

  /** Queues a message to dave from Contoso Support (On Behalf), as the composer does. */
  async queueSend(subject: string, extra: Partial<SendRequest> = {}): Promise<SendTask> {
    const id = randomUUID()
    const request: SendRequest = {
      identityId: 'onBehalf:support@contoso.test', to: [{ name: 'Dave Dunn', address: DAVE }], cc: [], bcc: [], subject,
      text: `Body of ${subject}`, html: null, inReplyTo: null, references: [], encrypt: false, attachments: [], queuedAt: Date.now(), ...extra,
    }
    return await this.queue.add({ kind: 'send', id, mailboxId: SUPPORT, request }) as SendTask
  }

  async task(id: string): Promise<Task> {
    return (await this.db.tasks.where('id').equals(id).first())!
  }

  /** Kicks the queue until the task is done or held (a kick that finds it waiting tries again). */
  async settle(id: string): Promise<Task> {
    return eventually(async () => {
      await this.queue.kick()
      const t = await this.task(id)
      return t.status === 'done' || t.status === 'held' ? t : null
    }, `task ${id} to be done or held`, 30_000)
  }

  /** What the Outbox's buttons do (stores/queue.ts decide): main keeps the decision, the task runs again. */
  async decide(t: Task, choice: 'sendAgain' | 'wasSent'): Promise<CallOutput<'outbox.decide'>> {
    const attempt = Number(t.error?.params?.attempt ?? 1)
    const answer = await this.svc.api.call('outbox.decide', { outboxId: t.id, attempt, choice })
    await this.queue.update(t.id, {})
    return answer
  }
}

const messageIdOf = (t: Task) => `<${t.id}@contoso.test>`
const transactionsOf = (t: Task) => proxy.transactions.filter((x) => x.messageId === messageIdOf(t)).length
/** An attachment big enough that the service is still writing the message when the proxy stops reading. */
const big = () => [{ filename: 'scan.bin', contentType: 'application/octet-stream', contentBase64: randomBytes(8 * 1024 * 1024).toString('base64') }]

describe('a first attempt cut before its end of DATA', () => {
  for (const cut of ['mail', 'rcpt', 'data'] as Cut[]) {
    it(`is sent again by itself and arrives exactly once (killed ${cut === 'mail' ? 'before MAIL' : cut === 'rcpt' ? 'after RCPT' : 'during DATA'})`, async () => {
      const desk = await new Desk().start()
      try {
        proxy.cutNext(cut, () => desk.crash())
        const t = await desk.queueSend(`Cut at ${cut}`, cut === 'data' ? { attachments: big() } : {})
        await eventually(() => desk.svc.proc.signalCode === 'SIGKILL', 'the kill point')
        await desk.restart()
        expect(await desk.settle(t.id)).toMatchObject({ status: 'done', error: null })
        expect(desk.held).toEqual([])
        expect(await outcome(messageIdOf(t))).toEqual({ delivered: 1, sent: 1 })
      } finally { await desk.stop() }
    })
  }
})

describe('an attempt that may have gone', () => {
  it('is held, never resent by itself; Send again authorises exactly one attempt, and a cut-off resend is asked about again', async () => {
    const desk = await new Desk().start()
    try {
      // The first attempt: its final dot is lost on the way, the service killed; the server got nothing.
      proxy.cutNext('dot', () => desk.crash())
      const t = await desk.queueSend('Dot lost')
      await eventually(() => desk.svc.proc.signalCode === 'SIGKILL', 'the kill point')
      await desk.restart()
      expect(await desk.settle(t.id)).toMatchObject({ status: 'held', error: { code: 'send.uncertain', params: { attempt: 1 } } })
      // Kicked again and started again (the 15-second retry, a sync): still held, not one more try.
      const tries = transactionsOf(t)
      for (let i = 0; i < 3; i++) await desk.queue.kick()
      await desk.restart()
      await desk.queue.kick()
      expect(await desk.task(t.id)).toMatchObject({ status: 'held' })
      expect(transactionsOf(t)).toBe(tries)
      expect(await outcome(messageIdOf(t))).toEqual({ delivered: 0, sent: 0 })

      // The person checks: nobody got it. Send again — and this attempt is cut after the server
      // accepted it, before its 250 came back.
      proxy.cutNext('reply', () => desk.crash())
      expect(await desk.decide(await desk.task(t.id), 'sendAgain')).toEqual({ applied: true })
      await eventually(() => desk.svc.proc.signalCode === 'SIGKILL', 'the second kill point')
      expect(await outcome(messageIdOf(t))).toEqual({ delivered: 1, sent: 0 })
      await desk.restart()
      // The decision covered that one attempt: asked again, about attempt 2.
      expect(await desk.settle(t.id)).toMatchObject({ status: 'held', error: { code: 'send.uncertain', params: { attempt: 2 } } })
      const after = transactionsOf(t)
      for (let i = 0; i < 3; i++) await desk.queue.kick()
      await desk.restart()
      await desk.queue.kick()
      expect(transactionsOf(t)).toBe(after)
      // A stale decision (about attempt 1, a replayed click) authorises nothing.
      expect((await desk.svc.api.call('outbox.decide', { outboxId: t.id, attempt: 1, choice: 'sendAgain' })).applied).toBe(false)
      await desk.queue.update(t.id, {})
      expect(await desk.settle(t.id)).toMatchObject({ status: 'held', error: { params: { attempt: 2 } } })
      expect(transactionsOf(t)).toBe(after)

      // It was sent: the Sent copy is completed, and no SMTP for it ever again.
      expect(await desk.decide(await desk.task(t.id), 'wasSent')).toEqual({ applied: true })
      expect(await desk.settle(t.id)).toMatchObject({ status: 'done' })
      await desk.restart()
      expect((await desk.svc.api.call('messages.send', { ...(t as SendTask).request, outboxId: t.id })).already).toBe(true)
      expect(transactionsOf(t)).toBe(after)
      expect(await outcome(messageIdOf(t))).toEqual({ delivered: 1, sent: 1 })
    } finally { await desk.stop() }
  })

  it('after Send again, an attempt cut before its end of DATA goes by itself, once', async () => {
    const desk = await new Desk().start()
    try {
      proxy.cutNext('dot', () => desk.crash())
      const t = await desk.queueSend('Resend cut early', { attachments: big() })
      await eventually(() => desk.svc.proc.signalCode === 'SIGKILL', 'the kill point')
      await desk.restart()
      expect(await desk.settle(t.id)).toMatchObject({ status: 'held', error: { code: 'send.uncertain' } })
      // Send again; that attempt is killed during its DATA, then before its MAIL.
      proxy.cutNext('data', () => desk.crash())
      await desk.decide(await desk.task(t.id), 'sendAgain')
      await eventually(() => desk.svc.proc.signalCode === 'SIGKILL', 'the kill during DATA')
      proxy.cutNext('mail', () => desk.crash())
      await desk.restart()
      await desk.queue.kick()
      await eventually(() => desk.svc.proc.signalCode === 'SIGKILL', 'the kill before MAIL')
      await desk.restart()
      expect(await desk.settle(t.id)).toMatchObject({ status: 'done' })
      expect(desk.held.map((h) => h.error.params?.attempt)).toEqual([1])
      expect(await outcome(messageIdOf(t))).toEqual({ delivered: 1, sent: 1 })
    } finally { await desk.stop() }
  })

  it('a line lost after the server took the message (no crash) is held at once, and the retries never resend it', async () => {
    const desk = await new Desk().start()
    try {
      proxy.cutNext('reply')
      const t = await desk.queueSend('Line lost after accept')
      expect(await desk.settle(t.id)).toMatchObject({ status: 'held', error: { code: 'send.uncertain', params: { attempt: 1 } } })
      const tries = transactionsOf(t)
      for (let i = 0; i < 5; i++) await desk.queue.kick()
      expect(transactionsOf(t)).toBe(tries)
      expect(await desk.decide(await desk.task(t.id), 'wasSent')).toEqual({ applied: true })
      expect(await desk.settle(t.id)).toMatchObject({ status: 'done' })
      expect(await outcome(messageIdOf(t))).toEqual({ delivered: 1, sent: 1 })
    } finally { await desk.stop() }
  })
})

describe('partial acceptance', () => {
  it('names the recipients the server refused, and never sends again to those it accepted', async () => {
    const desk = await new Desk().start()
    try {
      const t = await desk.queueSend('Two recipients', { cc: [{ name: 'Nobody', address: 'nobody@contoso.test' }] })
      expect(await desk.settle(t.id)).toMatchObject({ status: 'done' })
      const result = desk.done.get(t.id) as CallOutput<'messages.send'>
      expect(result.refused.map((r) => r.address)).toEqual(['nobody@contoso.test'])
      expect(result.refused[0]!.reason).toMatchObject({ key: 'errors.send.recipientRefused', params: { address: 'nobody@contoso.test' } })
      // The server's own reply, with its code, is for the details line under the sentence.
      expect(result.refused[0]!.reason.reply).toMatch(/550/)
      expect(result.refused[0]!.reason.message).toMatch(/nobody@contoso\.test.*550/)
      // A replay (the window crashed before it heard back): nothing sent, the refusal still told.
      const again = await desk.svc.api.call('messages.send', { ...(t as SendTask).request, outboxId: t.id })
      expect(again).toMatchObject({ already: true, refused: [{ address: 'nobody@contoso.test' }] })
      expect(transactionsOf(t)).toBe(1)
      expect(await outcome(messageIdOf(t))).toEqual({ delivered: 1, sent: 1 })
    } finally { await desk.stop() }
  })
})

describe('the submission server coming back', () => {
  it('is noticed while IMAP stays up, and queued mail goes without a sync; syncs meanwhile cost no attempt', async () => {
    const desk = await new Desk().start()
    const back: number[] = []
    const lost: number[] = []
    desk.svc.api.on('smtp.state', (s) => {
      (s.reachable ? back : lost).push(Date.now())
      // What the queue store does on this event.
      if (s.reachable) void desk.queue.kick()
    })
    try {
      await proxy.down()
      const t = await desk.queueSend('SMTP was down')
      await eventually(async () => (await desk.task(t.id)).error?.code === 'network.unreachable', 'the send to wait')
      await eventually(() => lost.length === 1, 'smtp.state lost')
      // Folder syncs flush the queue meanwhile: no SMTP connection, no attempt counted.
      for (let i = 0; i < 5; i++) await desk.queue.kick()
      expect(await desk.task(t.id)).toMatchObject({ status: 'applied', attempts: 0 })
      expect(transactionsOf(t)).toBe(0)
      const upAt = Date.now()
      await proxy.up()
      await eventually(() => back.length === 1, 'smtp.state reachable', 15_000)
      await eventually(async () => (await desk.task(t.id)).status === 'done', 'the send after the event', 15_000)
      console.log(`submission server back → noticed in ${back[0]! - upAt} ms (probe capped at 4 s)`)
      expect(await outcome(messageIdOf(t))).toEqual({ delivered: 1, sent: 1 })
    } finally {
      await proxy.up()
      await desk.stop()
    }
  })
})
