import 'fake-indexeddb/auto'
import { randomUUID } from 'node:crypto'
import { createPinia, setActivePinia } from 'pinia'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from 'vue'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { MailService } from '../../electron/service/mail-service'
import { MemorySecretStore } from '../../electron/service/secret-store'
import { MemoryStateStore } from '../../electron/service/state-store'
import type { CallName, CallResult, EventName } from '../../shared/api/contract'
import { ApiClient } from '../../renderer/src/api/client'
import { API_KEY } from '../../renderer/src/api/use-api'
import { useMessagesStore } from '../../renderer/src/stores/messages'
import { useQueueStore } from '../../renderer/src/stores/queue'
import { useSessionStore } from '../../renderer/src/stores/session'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, eventually, otherClient, password, serverSettings } from './helpers'

/**
 * The renderer's stores (Pinia, the IndexedDB cache: fake-indexeddb in Node) over the real
 * service and Dovecot, with the one hop between them under the test's control: a sync's answer
 * can be held back, as a slow line or a busy main process would hold it.
 */
const BOB = 'bob@contoso.test'
const INBOX = 'shared:support@contoso.test|INBOX'

let stack: MailStack
let service: MailService
beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO))
  await stack.seed('support@contoso.test', 'INBOX', Array.from({ length: 5 }, (_, i) => ({
    raw: `From: Customer ${i} <c${i}@example.net>\nTo: support@contoso.test\nSubject: Case ${i}\nMessage-ID: <race-${i}@example.net>\n\nHello ${i}\n`,
  })))
})
afterAll(async () => {
  await service?.stop()
  await stack?.stop()
})

describe('the list and the cache while a sync is on its way', () => {
  it('a message read here while a sync ran stays read: the sync\'s older answer does not undo it, one more sync brings the rest', async () => {
    const listeners = new Map<string, Set<(p: unknown) => void>>()
    service = new MailService({
      secrets: new MemorySecretStore(), state: new MemoryStateStore(), host: 'web', version: 'test', pollMs: 60_000,
      // No folder.changed notices: the syncs in this test are the ones it starts.
      emit: (name, payload) => { if (name !== 'folder.changed') for (const l of listeners.get(name) ?? []) l(payload) },
    })
    await service.start()
    const dispatch = createDispatcher(serviceHandlers(service))
    let hold: { answered: boolean; release: () => void } | null = null
    const api = new ApiClient({
      async call(name: CallName, input: unknown): Promise<CallResult> {
        const result = await dispatch(name, input)
        if (name === 'messages.sync' && hold) {
          const h = hold
          hold = null
          h.answered = true
          await new Promise<void>((r) => { h.release = r })
        }
        return result
      },
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
    const { session, messages, queue } = app.runWithContext(() => ({ session: useSessionStore(), messages: useMessagesStore(), queue: useQueueStore() }))
    messages.wire()
    expect(await session.signIn({ address: BOB, password: password(stack, BOB), server: serverSettings(stack) })).toBe(true)
    await messages.open(INBOX)
    expect(messages.list).toHaveLength(5)
    const target = messages.list[2]!
    expect(target.flags).not.toContain('\\Seen')

    // Another member flags the message: the next sync will bring its flags.
    const alice = await otherClient(stack, 'support@contoso.test*alice@contoso.test', password(stack, 'alice@contoso.test'))
    await alice.mailboxOpen('INBOX')
    await alice.messageFlagsAdd(String(target.uid), ['\\Flagged'], { uid: true })
    const flagsOnServer = async () => [...((await alice.fetchOne(String(target.uid), { flags: true }, { uid: true })) || { flags: new Set<string>() }).flags ?? []]

    // That sync's answer is held back; meanwhile bob reads the message, as the reader does after
    // a moment, and the change reaches the server before the answer reaches the list.
    const h = { answered: false, release: () => undefined }
    hold = h
    const syncing = messages.sync(INBOX)
    await eventually(() => h.answered, 'the sync\'s answer')
    await messages.patch([{ ...target, flags: [...target.flags, '\\Seen'] }])
    await queue.add({ kind: 'flags', id: randomUUID(), mailboxId: target.mailboxId, folderId: INBOX, uids: [target.uid], add: ['\\Seen'], remove: [] })
    await eventually(async () => (await flagsOnServer()).includes('\\Seen'), 'the read flag on the server')
    await eventually(() => queue.pending === 0 || null, 'the queue to empty')
    h.release()
    await syncing

    // The list and the cache still show it read.
    const row = () => messages.list.find((m) => m.id === target.id)!
    expect(row().flags).toContain('\\Seen')
    expect((await session.db!.summaries.get([target.id]))[0]!.flags).toContain('\\Seen')
    // One more sync followed by itself and brought the other member's flag, keeping the read one.
    await eventually(() => row().flags.includes('\\Flagged') || null, 'the other member\'s flag')
    expect(row().flags.sort()).toEqual(['\\Flagged', '\\Seen'])
    expect((await session.db!.summaries.get([target.id]))[0]!.flags.sort()).toEqual(['\\Flagged', '\\Seen'])
    expect((await flagsOnServer()).filter((f) => f !== '\\Recent').sort()).toEqual(['\\Flagged', '\\Seen'])
    await alice.logout()
    session.db!.close()
  })
})
