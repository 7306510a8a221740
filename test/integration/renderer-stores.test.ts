import 'fake-indexeddb/auto'
import { randomUUID } from 'node:crypto'
import { createPinia, setActivePinia } from 'pinia'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp } from 'vue'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { MailService } from '../../electron/service/mail-service'
import { MemorySecretStore } from '../../electron/service/storage/secret-store'
import { MemoryStateStore } from '../../electron/service/storage/state-store'
import type { CallName, CallResult, EventName } from '../../shared/api/contract'
import { ApiClient } from '../../renderer/src/api/client'
import { API_KEY } from '../../renderer/src/api/use-api'
import { useMessagesStore } from '../../renderer/src/stores/messages'
import { useBodiesStore } from '../../renderer/src/stores/bodies'
import { useQueueStore } from '../../renderer/src/stores/queue'
import { useSessionStore } from '../../renderer/src/stores/session'
import { useFoldersStore } from '../../renderer/src/stores/folders'
import { useTeamStore } from '../../renderer/src/stores/team'
import { useMessageActions } from '../../renderer/src/composables/use-message-actions'
import { useOwnUnreadStore } from '../../renderer/src/stores/own-unread'
import { isUnread } from '../../renderer/src/mail/own-unread'
import { hasUid } from '../../shared/team/own-read'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, eventually, imapSession, passwordOf, serverSettings } from './helpers'

/**
 * The renderer's stores (Pinia, the IndexedDB cache: fake-indexeddb in Node) over the real
 * service and Dovecot, with the one hop between them under the test's control: an answer can be
 * held back, as a slow line or a busy main process would hold it.
 */
const BOB = 'bob@contoso.test'
const INBOX = 'shared:support@contoso.test|INBOX'

let stack: MailStack
const services: MailService[] = []
const caches: { close(): void }[] = []
beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO))
  await stack.seed('support@contoso.test', 'INBOX', Array.from({ length: 5 }, (_, i) => ({
    raw: `From: Customer ${i} <c${i}@example.net>\nTo: support@contoso.test\nSubject: Case ${i}\nMessage-ID: <race-${i}@example.net>\n\nHello ${i}\n`,
  })))
})
afterAll(async () => {
  for (const c of caches) c.close()
  for (const s of services) await s.stop()
  await stack?.stop()
})

/** Stands between the stores and the service: gets each call's answer, may hold or replace it. */
type Hop = (name: CallName, input: unknown, answer: () => Promise<CallResult>) => Promise<CallResult>

/** The renderer's stores over a service of their own, every call through `hop`. */
async function renderer(hop: Hop = (_n, _i, answer) => answer()) {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const service = new MailService({
    secrets: new MemorySecretStore(), state: new MemoryStateStore(), host: 'web', version: 'test', pollMs: 60_000,
    // No folder.changed notices: the syncs in these tests are the ones they start.
    emit: (name, payload) => { if (name !== 'folder.changed') for (const l of listeners.get(name) ?? []) l(payload) },
  })
  services.push(service)
  await service.start()
  const dispatch = createDispatcher(serviceHandlers(service))
  const api = new ApiClient({
    call: (name: CallName, input: unknown) => hop(name, input, () => dispatch(name, input)),
    on(name: EventName, listener) {
      if (!listeners.has(name)) listeners.set(name, new Set())
      listeners.get(name)!.add(listener)
      return () => { listeners.get(name)!.delete(listener) }
    },
  })
  const app = createApp({})
  const pinia = createPinia()
  app.use(pinia)
  setActivePinia(pinia)
  app.provide(API_KEY, api)
  const stores = app.runWithContext(() => ({ session: useSessionStore(), messages: useMessagesStore(), queue: useQueueStore(), folders: useFoldersStore(), actions: useMessageActions(), bodies: useBodiesStore() }))
  return { ...stores, app, api, signIn: async (address: string) => {
    expect(await stores.session.signIn({ address, password: passwordOf(stack, address), server: serverSettings(stack) })).toBe(true)
    caches.push(stores.session.db!)
  } }
}

describe('the list and the cache while a sync is on its way', () => {
  it('a message read here while a sync ran stays read: the sync\'s older answer does not undo it, and brings the other member\'s flag with it', async () => {
    let hold: { answered: boolean; release: () => void } | null = null
    const { session, messages, queue, signIn } = await renderer(async (name, _input, answer) => {
      const result = await answer()
      if (name === 'messages.sync' && hold) {
        const h = hold
        hold = null
        h.answered = true
        await new Promise<void>((r) => { h.release = r })
      }
      return result
    })
    messages.wire()
    await signIn(BOB)
    await messages.open(INBOX)
    expect(messages.list).toHaveLength(5)
    const target = messages.list[2]!
    expect(target.flags).not.toContain('\\Seen')

    // Another member flags the message: the next sync will bring its flags.
    const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await alice.mailboxOpen('INBOX')
    await alice.messageFlagsAdd(String(target.uid), ['\\Flagged'], { uid: true })
    const flagsOnServer = async () => [...((await alice.fetchOne(String(target.uid), { flags: true }, { uid: true })) || { flags: new Set<string>() }).flags ?? []]

    // That sync's answer is held back; meanwhile bob reads the message, as the reader does after
    // a moment, and the change reaches the server before the answer reaches the list.
    const h = { answered: false, release: () => undefined }
    hold = h
    const syncing = messages.sync(INBOX)
    await eventually(() => h.answered, 'the sync\'s answer')
    await queue.add({ kind: 'flags', id: randomUUID(), mailboxId: target.mailboxId, folderId: INBOX, uids: [target.uid], add: ['\\Seen'], remove: [] })
    await eventually(async () => (await flagsOnServer()).includes('\\Seen'), 'the read flag on the server')
    await eventually(() => queue.pending === 0 || null, 'the queue to empty')
    h.release()
    await syncing

    // The list and the cache still show it read.
    const row = () => messages.list.find((m) => m.id === target.id)!
    expect(row().flags).toContain('\\Seen')
    expect((await session.db!.summaries.get([target.id]))[0]!.flags).toContain('\\Seen')
    // The answer brought the other member's flag, with the read one laid over it.
    await eventually(() => row().flags.includes('\\Flagged') || null, 'the other member\'s flag')
    expect(row().flags.sort()).toEqual(['\\Flagged', '\\Seen'])
    expect((await session.db!.summaries.get([target.id]))[0]!.flags.sort()).toEqual(['\\Flagged', '\\Seen'])
    expect((await flagsOnServer()).filter((f) => f !== '\\Recent').sort()).toEqual(['\\Flagged', '\\Seen'])
    await alice.logout()
  })
})

describe('a change made just as a sync starts', () => {
  it('reaches the server before the sync asks it, so the sync\'s answer does not put the old flags back', async () => {
    // The change's own call is slow to leave (a busy main process), and the sync's answer is
    // slow to come back, so it arrives after the change went through: only a sync that waits
    // for the change asks the server after it is there; an older answer would win here.
    let queueEmpty = () => true
    const { messages, queue, actions, signIn } = await renderer(async (name, _input, answer) => {
      if (name === 'messages.setFlags') await new Promise((r) => setTimeout(r, 150))
      const result = await answer()
      if (name === 'messages.sync') await eventually(() => queueEmpty() || null, 'the queue to empty')
      return result
    })
    queueEmpty = () => queue.pending === 0
    messages.wire()
    await signIn(BOB)
    await messages.open(INBOX)
    const target = messages.list.find((m) => !m.flags.includes('\\Seen') && !m.flags.includes('\\Flagged'))!
    expect(target).toBeTruthy()
    const row = () => messages.list.find((m) => m.id === target.id)!
    // Flagged first (on the server too): its flags changed since the last sync, so the next
    // sync's answer names this message, with the flags the server has when it answers.
    messages.focus(target.id)
    await actions.toggleFlag()
    await eventually(() => queue.pending === 0 || null, 'the flag to reach the server')
    // Read here, and a sync starting in the same moment (another member's change, the poll).
    const reading = actions.markRead([row()])
    const syncing = messages.sync(INBOX)
    await Promise.all([reading, syncing])
    await eventually(() => queue.pending === 0 || null, 'the queue to empty')
    expect(row().flags.sort()).toEqual(['\\Flagged', '\\Seen'])
    const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    try {
      await alice.mailboxOpen('INBOX')
      const onServer = await alice.fetchOne(String(target.uid), { flags: true }, { uid: true })
      expect([...(onServer && onServer.flags) || []].filter((f) => f !== '\\Recent').sort()).toEqual(['\\Flagged', '\\Seen'])
      // As it was, for the tests after this one.
      await alice.messageFlagsRemove(String(target.uid), ['\\Flagged', '\\Seen'], { uid: true })
    } finally {
      await alice.logout()
    }
  })
})

describe('which folder the window starts on', () => {
  /** Holds one mailbox's folder list until released, and fails it while `failing`, as a slow or broken first connection would. */
  function holdFolders(mailboxId: string) {
    let release = () => undefined as void
    const released = new Promise<void>((r) => { release = r })
    const control = { failing: false, release: () => release() }
    const hop: Hop = async (name, input, answer) => {
      if (name === 'folders.list' && (input as { mailboxId: string }).mailboxId === mailboxId) {
        await released
        if (control.failing) throw Object.assign(new Error('The server did not answer.'), { code: 'network' })
      }
      return answer()
    }
    return { hop, control }
  }

  it('is the own Inbox even when a shared mailbox\'s folders arrive first, so "New message" writes from the own address', async () => {
    const CAROL = 'carol@contoso.test'
    const RECEPTION = 'shared:reception@contoso.test'
    const { hop, control } = holdFolders(`own:${CAROL}`)
    const { folders, signIn } = await renderer(hop)
    await signIn(CAROL)
    const own = folders.load(`own:${CAROL}`)
    await folders.load(RECEPTION)
    expect(folders.byMailbox[RECEPTION]?.length).toBeGreaterThan(0)
    expect(folders.selectedId).toBeNull()
    control.release()
    await own
    expect(folders.selected).toMatchObject({ mailboxId: `own:${CAROL}`, role: 'inbox' })
  })

  it('is the shared Inbox while the own mailbox\'s folders cannot be had, and the person\'s choice stays theirs', async () => {
    const ALICE = 'alice@contoso.test'
    const SUPPORT = 'shared:support@contoso.test'
    const { hop, control } = holdFolders(`own:${ALICE}`)
    control.failing = true
    const { folders, signIn } = await renderer(hop)
    await signIn(ALICE)
    await folders.load(SUPPORT)
    expect(folders.selectedId).toBeNull()
    control.release()
    await folders.load(`own:${ALICE}`)
    expect(folders.errors[`own:${ALICE}`]).toBeTruthy()
    expect(folders.selected).toMatchObject({ mailboxId: SUPPORT, role: 'inbox' })
    // The person picks a folder; the own mailbox's folders arriving later do not take it away.
    const sent = folders.byMailbox[SUPPORT]!.find((f) => f.role === 'sent')!
    folders.select(sent.id)
    control.failing = false
    await folders.load(`own:${ALICE}`)
    expect(folders.byMailbox[`own:${ALICE}`]?.length).toBeGreaterThan(0)
    expect(folders.selectedId).toBe(sent.id)
  })
})

describe('when another member removes the message being read', () => {
  it('the next message down takes its place, with its body, and is not marked read', async () => {
    const { messages, bodies, signIn } = await renderer()
    messages.wire()
    await signIn(BOB)
    await messages.open(INBOX)
    // A pair where the one below is still unread (the first test read one of them).
    const at = messages.list.findIndex((m, i) => i > 0 && !messages.list[i + 1]?.flags.includes('\\Seen') && !!messages.list[i + 1])
    expect(at).toBeGreaterThan(0)
    const [reading, next] = [messages.list[at], messages.list[at + 1]]
    messages.focus(reading!.id)
    expect(messages.focusedByPerson).toBe(true)

    const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    try {
      await alice.mailboxOpen('INBOX')
      const moved = await alice.messageMove(String(reading!.uid), 'Archive', { uid: true })
      if (!moved || !moved.uidMap) throw new Error('the server gave no COPYUID for the move')
      await messages.sync(INBOX)

      expect(messages.list.some((m) => m.id === reading!.id)).toBe(false)
      expect(messages.focusedId).toBe(next!.id)
      expect(messages.focusedByPerson).toBe(false)
      await eventually(() => bodies.body?.uid === next!.uid || null, 'the next message\'s body')
      const flags = (await alice.fetchOne(String(next!.uid), { flags: true }, { uid: true }))
      expect(flags && [...flags.flags ?? []]).not.toContain('\\Seen')
      // Moved back, as it was.
      await alice.mailboxOpen('Archive')
      await alice.messageMove([...moved.uidMap.values()].join(','), 'INBOX', { uid: true })
    } finally {
      await alice.logout()
    }
  })
})

describe('the team store in a window that is already signed in', () => {
  it('reads team state as it is set up, not at the next poll, and throws nothing while doing it', async () => {
    // The poll's timer never fires here: a read can only come from the store's own start.
    vi.useFakeTimers({ toFake: ['setInterval'] })
    const rejected: unknown[] = []
    const onRejection = (e: unknown) => { rejected.push(e) }
    process.on('unhandledRejection', onRejection)
    try {
      const reads: string[] = []
      const first = await renderer(async (name, input, answer) => {
        if (name === 'team.read') reads.push((input as { mailboxId: string }).mailboxId)
        return answer()
      })
      await first.signIn(BOB)
      // A window opened (or reloaded) while the service is signed in: its session store finds
      // the session, and only then do the stores that show mail — the team store among them — start.
      reads.length = 0
      const app = createApp({})
      const pinia = createPinia()
      app.use(pinia)
      setActivePinia(pinia)
      app.provide(API_KEY, first.api)
      const session = app.runWithContext(() => useSessionStore())
      await session.load()
      expect(session.db).toBeTruthy()
      caches.push(session.db!)
      const team = app.runWithContext(() => useTeamStore())
      await eventually(() => reads.includes('shared:support@contoso.test') || null, 'a read of the team folder')
      expect(team.version).toBeGreaterThan(0)
      // Before, every such start threw "Cannot access 'pulling' before initialization" (a page error).
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(rejected.map(String)).toEqual([])
    } finally {
      process.off('unhandledRejection', onRejection)
      vi.useRealTimers()
    }
  })
})

describe('each member\'s own unread, offline', () => {
  it('a read offline is read for the person at once and kept; its mark reaches the server when the line is back, once', async () => {
    let offline = false
    const { app, messages, actions, session, folders, signIn } = await renderer(async (name, _input, answer) => {
      if (offline && name === 'read.mark') throw new Error('the line is down')
      return answer()
    })
    const ownUnread = app.runWithContext(() => useOwnUnreadStore())
    messages.wire()
    await signIn(BOB)
    await messages.open(INBOX)
    const mailboxId = 'shared:support@contoso.test'
    // The folder's role decides whether its unread is the person's own (the Inbox's is).
    await folders.load(mailboxId)
    await ownUnread.load(mailboxId)
    expect(ownUnread.isTracked(INBOX)).toBe(true)
    // His first use: what the team had opened (\Seen) is read for him too, appended as his first snapshot.
    const opened = messages.list.filter((m) => m.flags.includes('\\Seen'))
    const target = messages.list.find((m) => !m.flags.includes('\\Seen'))!
    expect(opened.length).toBeGreaterThan(0)
    expect(opened.every((m) => !isUnread(m))).toBe(true)
    expect(isUnread(target)).toBe(true)
    await ownUnread.flush(mailboxId)
    await eventually(async () => (await session.db!.ownReads.get(INBOX))?.server || null, 'the first snapshot appended')
    const marksBefore = await readMarksOnServer()
    expect(marksBefore).toBe(1)

    offline = true
    await actions.markRead([target])
    // Read for bob at once, and kept on the device, waiting for the server.
    expect(isUnread(target)).toBe(false)
    const kept = async () => (await session.db!.ownReads.get(INBOX))!
    await eventually(async () => (await kept()).pendingRead.length > 0 || null, 'the mark kept in IndexedDB')
    await ownUnread.flush(mailboxId)
    expect((await kept()).pendingRead).toEqual([target.uid, target.uid])

    offline = false
    await ownUnread.flush(mailboxId)
    expect(await kept()).toMatchObject({ pendingRead: [], pendingUnread: [], server: true })
    await ownUnread.flush(mailboxId)
    // Another device of bob's reads it from the server; one mark was appended for it, not one per attempt.
    const other = await renderer()
    await other.signIn(BOB)
    const state = await other.api.call('read.state', { mailboxId })
    expect(hasUid(state.folders.find((f) => f.folderId === INBOX)!.read, target.uid)).toBe(true)
    expect(await readMarksOnServer()).toBe(marksBefore + 1)
  })
  /** How many of bob's read-mark messages an independent IMAP session finds (team folder and his own folder under it). */
  async function readMarksOnServer(): Promise<number> {
    const imap = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, BOB))
    try {
      const found: number[] = []
      for (const f of await imap.list()) {
        if (!f.path.includes('Tandem Team')) continue
        await imap.mailboxOpen(f.path, { readOnly: true })
        found.push(...(((await imap.search({ header: { 'x-tandem-read-by': '' } }, { uid: true })) || [])))
      }
      return found.length
    } finally {
      await imap.logout()
    }
  }
})
