import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ImapFlow } from 'imapflow'
import nodemailer from 'nodemailer'
import type { SendRequest } from '../../shared/api/contract'
import { ApiFailure } from '../../shared/api/errors'
import 'fake-indexeddb/auto'
import { createDispatcher, serviceHandlers, toApiError } from '../../electron/api/dispatcher'
import { ApiClient } from '../../renderer/src/api/client'
import { TandemDb } from '../../renderer/src/cache/db'
import { TaskQueue, type Task } from '../../renderer/src/queue/task-queue'
import { directoryEntry } from '../mailstack/stack'
import type { ConnectionState } from '../../shared/domain'
import { MemorySecretStore } from '../../electron/service/storage/secret-store'
import { MemoryStateStore } from '../../electron/service/storage/state-store'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, eventually, newService, streamedMessages, imapSession, passwordOf, serverSettings, type TestService } from './helpers'

/**
 * The service side of offline work against real Dovecot and Postfix: replayed actions that meet a
 * changed mailbox, sends retried after a crash, reconnecting with backoff (R9), an offline start.
 */
let stack: MailStack
const FAST = { baseMs: 200, maxMs: 1500 }
const BACKLOG = 8000
const OWN = 'own:alice@contoso.test'
const BACKLOG_ID = `${OWN}|Backlog`
beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO), { maxUserIpConnections: 3 })
  await stack.seed('support@contoso.test', 'INBOX', Array.from({ length: 20 }, (_, i) => ({
    raw: `From: Customer ${i} <c${i}@example.net>\nTo: support@contoso.test\nSubject: Ticket ${i}\nMessage-ID: <ticket-${i}@example.net>\nDate: Mon, 2 Nov 2026 09:00:00 +0000\n\nHello ${i}\n`,
  })))
  // A folder the first sync takes a moment over (long Cc lists make its header FETCH ~10 MB).
  const cc = Array.from({ length: 20 }, (_, j) => `Watcher ${j} <watcher${j}@example.net>`).join(', ')
  await stack.seed('alice@contoso.test', 'Backlog', Array.from({ length: BACKLOG }, (_, i) => ({
    raw: `From: Customer ${i} <c${i}@example.net>\nTo: alice@contoso.test\nCc: ${cc}\nSubject: Old ticket ${i}\nMessage-ID: <old-${i}@example.net>\n\nHello ${i}\n`,
  })))
})
afterAll(async () => { await stack?.stop() })

const services: TestService[] = []
// Each test's sessions end with it: the connection limit below is per mailbox and shared.
afterEach(async () => { await Promise.all(services.splice(0).map((s) => s.service.stop())) })
async function as(user: string, opts: Parameters<typeof newService>[2] & { state?: MemoryStateStore } = {}): Promise<TestService> {
  const t = await newService(opts.state ?? new MemoryStateStore(), 500, { backoff: FAST, ...opts })
  await t.service.signIn({ address: user, password: passwordOf(stack, user), server: serverSettings(stack) })
  services.push(t)
  return t
}
const SUPPORT = 'shared:support@contoso.test'
const INBOX = `${SUPPORT}|INBOX`
const states = (t: TestService, mailboxId: string) => t.events.filter((e) => e.name === 'connection.state').map((e) => e.payload as ConnectionState).filter((s) => s.mailboxId === mailboxId)
/** What the renderer would receive for a failed call (the dispatcher's translation). */
const failureOf = async (p: Promise<unknown>) => p.then(() => null, (e: unknown) => toApiError(e))

async function uidsOf(client: ImapFlow, folder: string, messageId: string): Promise<number[]> {
  await client.mailboxOpen(folder)
  return (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || []
}

const makeRequest = (subject: string, extra: Partial<SendRequest> = {}): SendRequest => ({
  identityId: 'onBehalf:support@contoso.test', to: [{ name: 'Dave Dunn', address: 'dave@contoso.test' }], cc: [], bcc: [], subject,
  text: `Body of ${subject}`, html: null, inReplyTo: null, references: [], encrypt: false, attachments: [], ...extra,
})

describe('replayed actions meet a mailbox others changed', () => {
  it('reports messages another member moved instead of failing, and never moves twice', async () => {
    const bob = await as('bob@contoso.test')
    await bob.service.listFolders(SUPPORT)
    const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    const [taken] = await uidsOf(alice, 'INBOX', '<ticket-1@example.net>')
    await alice.messageMove(String(taken), 'Archive', { uid: true })
    const [mine] = await uidsOf(alice, 'INBOX', '<ticket-2@example.net>')
    await alice.logout()
    // A flag on the message alice moved: dropped (gone), the other one set.
    expect(await bob.service.setFlags(INBOX, [taken!, mine!], ['\\Flagged'], [])).toEqual([taken])
    // The same move twice (a replay after a crash): the second finds it in Archive, by Message-ID.
    const first = await bob.service.move(INBOX, [mine!], `${SUPPORT}|Archive`, ['<ticket-2@example.net>'])
    const again = await bob.service.move(INBOX, [mine!], `${SUPPORT}|Archive`, ['<ticket-2@example.net>'])
    expect(first.gone).toEqual([])
    expect(again).toEqual({ toFolderId: `${SUPPORT}|Archive`, uidMap: first.uidMap, gone: [] })
    // Deleting what someone else already moved away: reported as gone.
    expect((await bob.service.delete(INBOX, [taken!], ['<ticket-1@example.net>'])).gone).toEqual([taken])
    const dave = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    expect(await uidsOf(dave, 'Archive', '<ticket-2@example.net>')).toHaveLength(1)
    expect(await uidsOf(dave, 'Deleted Items', '<ticket-1@example.net>')).toHaveLength(0)
    await dave.logout()
  })
})

describe('a queued send goes exactly once', () => {
  async function delivered(messageId: string) {
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    const sentBox = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    try {
      return { inbox: (await uidsOf(dave, 'INBOX', messageId)).length, sent: (await uidsOf(sentBox, 'Sent Items', messageId)).length }
    } finally {
      await dave.logout(); await sentBox.logout()
    }
  }

  it('completes only the Sent copy when an earlier attempt got the message to the server', async () => {
    const state = new MemoryStateStore()
    const bob = await as('bob@contoso.test', { state })
    const outboxId = randomUUID()
    const messageId = `<${outboxId}@contoso.test>`
    // The earlier attempt: Postfix accepted it, then Tandem was killed before the Sent copy.
    const smtp = nodemailer.createTransport({ host: stack.host, port: stack.ports.submission, secure: false, ignoreTLS: true, auth: { user: 'bob@contoso.test', pass: passwordOf(stack, 'bob@contoso.test') } })
    await smtp.sendMail({ envelope: { from: 'bob@contoso.test', to: ['dave@contoso.test'] }, from: 'Contoso Support <support@contoso.test>', sender: 'bob@contoso.test', to: 'dave@contoso.test', subject: 'Crashed after accept', text: 'x', messageId })
    smtp.close()
    await state.write('outboxJournal', { [outboxId]: { stage: 'accepted', messageId, at: Date.now() } })
    const res = await bob.service.send(makeRequest('Crashed after accept', { outboxId }))
    expect(res).toMatchObject({ messageId, already: true })
    await eventually(async () => (await delivered(messageId)).inbox === 1, 'the first delivery')
    expect(await delivered(messageId)).toEqual({ inbox: 1, sent: 1 })
    // Once more (the renderer crashed before it heard back): still nothing sent again.
    expect((await bob.service.send(makeRequest('Crashed after accept', { outboxId }))).already).toBe(true)
    await new Promise((r) => setTimeout(r, 1000))
    expect(await delivered(messageId)).toEqual({ inbox: 1, sent: 1 })
  })

  it('finds a message in Sent even when the journal is lost, and asks when a hand-over was cut off', async () => {
    const state = new MemoryStateStore()
    const bob = await as('bob@contoso.test', { state })
    const sent = await bob.service.send(makeRequest('First attempt', { outboxId: randomUUID(), queuedAt: Date.now() }))
    await state.write('outboxJournal', {})
    const outboxId = sent.messageId.slice(1, sent.messageId.indexOf('@'))
    expect((await bob.service.send(makeRequest('First attempt', { outboxId }))).already).toBe(true)
    await eventually(async () => (await delivered(sent.messageId)).inbox === 1, 'delivery')
    expect(await delivered(sent.messageId)).toEqual({ inbox: 1, sent: 1 })

    // Killed between handing the message over and the server's answer, as an earlier version's
    // journal recorded it ('submitting'): unknown, so Tandem asks about that attempt.
    const cut = randomUUID()
    await state.write('outboxJournal', { [cut]: { stage: 'submitting', messageId: `<${cut}@contoso.test>`, at: Date.now() } })
    expect(await failureOf(bob.service.send(makeRequest('Cut off', { outboxId: cut })))).toMatchObject({ code: 'send.uncertain', params: { attempt: 1 } })
    // A decision about another attempt authorises nothing; Send again about this one, the next attempt only.
    expect(await bob.service.decideOutbox(cut, 2, 'sendAgain')).toEqual({ applied: false })
    expect(await failureOf(bob.service.send(makeRequest('Cut off', { outboxId: cut })))).toMatchObject({ code: 'send.uncertain' })
    expect(await bob.service.decideOutbox(cut, 1, 'sendAgain')).toEqual({ applied: true })
    const resent = await bob.service.send(makeRequest('Cut off', { outboxId: cut }))
    await eventually(async () => (await delivered(resent.messageId)).inbox === 1, 'the resend')
    // Finished: kept as a tombstone, so a replay sends nothing even without the Sent copy.
    expect(await state.read('outboxJournal')).toMatchObject({ [cut]: { stage: 'done', attempt: 2, authorised: null } })
    expect((await bob.service.send(makeRequest('Cut off', { outboxId: cut }))).already).toBe(true)
  })

  it('warns before a queued reply goes to a conversation another member answered meanwhile', async () => {
    const parent = '<ticket-7@example.net>'
    const queuedAt = Date.now() - 2000
    const alice = await as('alice@contoso.test')
    await alice.service.send({ ...makeRequest('Re: Ticket 7', { inReplyTo: parent, references: [parent] }), identityId: 'sendAs:support@contoso.test' })
    const bob = await as('bob@contoso.test')
    const err = await failureOf(bob.service.send(makeRequest('Re: Ticket 7', { outboxId: randomUUID(), queuedAt, inReplyTo: parent, references: [parent] })))
    expect(err).toMatchObject({ code: 'send.conversationAnswered' })
    expect(err!.message).toContain('Contoso Support')
    const ok = await bob.service.send(makeRequest('Re: Ticket 7', { outboxId: randomUUID(), queuedAt, inReplyTo: parent, references: [parent], answeredOk: true }))
    await eventually(async () => (await delivered(ok.messageId)).inbox === 1, 'the confirmed reply')
    // A forward of the same ticket (References only) is stopped the same way, with the other reply's text.
    const fwd = await failureOf(bob.service.send(makeRequest('Fwd: Ticket 7', { outboxId: randomUUID(), queuedAt, inReplyTo: null, references: [parent] })))
    expect(fwd).toMatchObject({ code: 'send.conversationAnswered', params: { reply: expect.stringContaining('Body of Re: Ticket 7') } })
    // Only what came after the person began: a reply saved before counts as known.
    const later = await bob.service.send(makeRequest('Fwd: Ticket 7', { outboxId: randomUUID(), queuedAt: Date.now() + 5000, inReplyTo: null, references: [parent] }))
    expect(later.messageId).toBeTruthy()
  })
})

describe('too many connections and a server that goes away (R9)', () => {
  it('retries a refused connection with backoff, says when, and comes back by itself', async () => {
    // Three sessions of other members hold the shared mailbox's connection limit (3 per user+IP).
    const holders = await Promise.all(['alice', 'alice', 'alice'].map(() => imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))))
    const late = await as('bob@contoso.test')
    const err = await failureOf(late.service.listFolders(SUPPORT))
    expect(err).not.toBeNull()
    const offline = await eventually(() => states(late, SUPPORT).find((s) => s.state === 'offline' && s.retryAt), 'an offline state with the next attempt')
    expect(offline.retryAt! - Date.now()).toBeLessThan(FAST.maxMs + 100)
    // Meanwhile calls fail at once, naming R9 and the wait, without a new connection.
    const fast = await failureOf(late.service.listFolders(SUPPORT))
    expect(fast).toMatchObject({ code: 'network.unreachable', rule: 'R9' })
    expect(fast!.message).toMatch(/Contoso Support: reconnecting in \d+ s/)
    await Promise.all(holders.map((h) => h.logout()))
    await eventually(() => states(late, SUPPORT).at(-1)?.state === 'online', 'back online without a call', 10_000)
    expect((await late.service.listFolders(SUPPORT)).some((f) => f.role === 'inbox')).toBe(true)
  })

  it('survives the server stopping mid-sync, starts offline from what it remembers, and reconnects', async () => {
    const state = new MemoryStateStore()
    const secrets = new MemorySecretStore()
    const first = await as('alice@contoso.test', { state, secrets })
    await first.service.listFolders(SUPPORT)
    await first.service.listFolders(OWN)
    const syncing = failureOf(first.service.syncMessages({ folderId: BACKLOG_ID, since: null, knownUids: 0 }))
    // Killed while the sync runs. What the client had already received (the kernel's socket
    // buffers hold megabytes) may complete it; otherwise it fails as a lost connection — never
    // as an internal error, and never with a partial result taken for the whole folder.
    await eventually(() => first.events.some((e) => e.name === 'sync.messages'), 'the first batch')
    await stack.pause()
    const outcome = await syncing
    const received = streamedMessages(first.events).length
    if (outcome === null) expect(received).toBe(BACKLOG)
    else expect(outcome).toMatchObject({ code: 'network.unreachable' })
    await eventually(() => states(first, OWN).some((s) => s.state === 'offline' && s.retryAt), 'offline with a retry time')
    await first.service.stop()

    // A new launch with the server still down: the session is there at once, from what was kept.
    const second = await newService(state, 500, { secrets, backoff: FAST })
    services.push(second)
    const session = second.service.current()
    expect(session?.mailboxes.map((m) => m.name)).toEqual(['alice@contoso.test', 'Contoso Support'])
    expect(second.service.identities().map((i) => i.id)).toContain('sendAs:support@contoso.test')
    const down = await failureOf(second.service.listFolders(SUPPORT))
    expect(down?.code).toBe('network.unreachable')

    await stack.resume()
    // Each mailbox reconnects on its own schedule; until its next attempt a call fails at once (R9).
    await eventually(() => [SUPPORT, OWN].every((id) => states(second, id).at(-1)?.state === 'online') || null, 'both reconnected by themselves', 10_000)
    await second.service.listFolders(OWN)
    const done = await second.service.syncMessages({ folderId: BACKLOG_ID, since: null, knownUids: 0 })
    expect(done.added).toBe(BACKLOG)
  })
})

describe('authorisation is checked again at replay (R2)', () => {
  it('holds a queued send-as in the outbox, with R2, when the grant went while the person was offline', async () => {
    const db = new TandemDb('alice@contoso.test.replay-r2')
    const id = randomUUID()
    const request = { ...makeRequest('Queued while allowed'), identityId: 'sendAs:support@contoso.test' }
    // Queued offline while alice still had Send As.
    const offline = new TaskQueue(db, () => Promise.reject(new ApiFailure({ code: 'network.unreachable', message: 'offline' })))
    await offline.add({ kind: 'send', id, mailboxId: SUPPORT, request })
    const support = stack.org.sharedMailboxes.find((m) => m.address === 'support@contoso.test')!
    await stack.publishDirectory(support.address, { ...directoryEntry(support), sendAs: [] })
    try {
      // Back online: a new session loads the grants the administrator publishes now.
      const alice = await as('alice@contoso.test')
      const dispatch = createDispatcher(serviceHandlers(alice.service))
      const api = new ApiClient({ call: (name, input) => dispatch(name, input), on: () => () => undefined })
      const held: { task: Task; code: string; rule?: string }[] = []
      const queue = new TaskQueue(db, (name, input) => api.call(name, input), { held: (task, e) => { held.push({ task, code: e.code, rule: e.rule }) } })
      await queue.kick()
      expect(held).toEqual([{ task: expect.objectContaining({ id }), code: 'send.notAllowed', rule: 'R2' }])
      expect(await db.tasks.toArray()).toEqual([expect.objectContaining({ id, status: 'held', error: expect.objectContaining({ rule: 'R2' }) })])
      // Nothing left: dave never got it.
      const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
      expect(await uidsOf(dave, 'INBOX', `<${id}@contoso.test>`)).toEqual([])
      await dave.logout()
    } finally {
      await stack.publishDirectory(support.address, directoryEntry(support))
      db.close()
    }
  })
})
