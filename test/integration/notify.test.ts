import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { MailService } from '../../electron/service/mail-service'
import { MemorySecretStore } from '../../electron/service/storage/secret-store'
import { MemoryStateStore } from '../../electron/service/storage/state-store'
import type { NotificationTarget } from '../../shared/api/contract'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { passwordOf, serverSettings } from './helpers'

/**
 * Desktop notifications as main shows them (Electron's Notification, here captured): the window
 * names messages of an Inbox; what is shown comes from the server, escaped for Linux's
 * notification servers, and never more often than the limit — whatever the window asks.
 */
const fabrikam = smallOrganisation('Fabrikam', 'fabrikam.test', {
  people: { noor: 'Noor Bakker' },
  shared: [{ local: 'orders', name: 'Fabrikam Orders', members: [{ local: 'noor' }] }],
})
let stack: MailStack
let service: MailService
const shown: { title: string; body: string; target: NotificationTarget }[] = []
beforeAll(async () => {
  stack = await startMailStack(fabrikam)
  service = new MailService({
    secrets: new MemorySecretStore(), state: new MemoryStateStore(), host: 'electron', version: 'test', pollMs: 60_000,
    emit: () => undefined, notify: (n) => shown.push(n), platform: 'linux',
  })
  await service.start()
  await service.signIn({ address: 'noor@fabrikam.test', password: passwordOf(stack, 'noor@fabrikam.test'), server: serverSettings(stack) })
})
afterAll(async () => { await service?.stop(); await stack?.stop() })

const mail = (from: string, subject: string) => `From: ${from}\r\nTo: orders@fabrikam.test\r\nSubject: ${subject}\r\nMessage-ID: <${Math.random()}@example.net>\r\n\r\nHello\r\n`

describe('new-mail notifications through main', () => {
  it('shows what the server holds, with a sender\'s markup escaped, in the window\'s language; refuses what is not an Inbox; rate-limited', async () => {
    const dispatch = createDispatcher(serviceHandlers(service))
    await stack.deliver('orders@fabrikam.test', mail('"<a href=\'https://evil.example\'>Your bank</a>" <mallory@example.net>', 'Urgent <b>now</b> \u202eexe.pdf'))
    const folders = await service.listFolders('shared:orders@fabrikam.test')
    const inbox = folders.find((f) => f.role === 'inbox')!
    const sync = await service.syncMessages({ folderId: inbox.id, since: null, knownUids: 0 })
    expect(sync.added).toBe(1)
    // The window asks with any words it likes: the contract takes none, only which messages.
    expect(await dispatch('app.notify', { folderId: inbox.id, uids: [1], title: 'Your password expired', body: 'click here' })).toMatchObject({ ok: false, error: { code: 'request.invalid' } })
    const answer = await dispatch('app.notify', { folderId: inbox.id, uids: [1], locale: 'nl' })
    expect(answer).toMatchObject({ ok: true, value: { shown: true } })
    expect(shown).toHaveLength(1)
    expect(shown[0]!.title).toBe('Fabrikam Orders')
    expect(shown[0]!.body).toBe('&lt;a href=&#39;https://evil.example&#39;&gt;Your bank&lt;/a&gt;: Urgent &lt;b&gt;now&lt;/b&gt; exe.pdf')
    expect(shown[0]!.target).toEqual({ folderId: inbox.id, id: `${inbox.id}|1` })
    // At once again: over the limit, not shown.
    expect(await dispatch('app.notify', { folderId: inbox.id, uids: [1], locale: 'en' })).toMatchObject({ ok: true, value: { shown: false } })
    // Not an Inbox: refused. A UID that is not there: nothing to show.
    const sent = folders.find((f) => f.role === 'sent')!
    expect(await dispatch('app.notify', { folderId: sent.id, uids: [1], locale: 'en' })).toMatchObject({ ok: false, error: { code: 'request.invalid' } })
    await new Promise((r) => setTimeout(r, 3100))
    expect(await dispatch('app.notify', { folderId: inbox.id, uids: [999], locale: 'en' })).toMatchObject({ ok: true, value: { shown: false } })
    expect(shown).toHaveLength(1)
  })
})
