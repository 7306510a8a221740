import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryStateStore } from '../../electron/service/storage/state-store'
import { MemorySecretStore } from '../../electron/service/storage/secret-store'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { newService, oauthSignIn, passwordOf, serverSettings } from './helpers'

// A server like Exchange Online's IMAP or Gmail as far as Tandem can tell: no shared namespace,
// so shared mailboxes are opened by address with the delegate login.
const TAILSPIN = smallOrganisation('Tailspin', 'tailspin.test', {
  people: { ines: 'Ines Ibarra', jon: 'Jon Jansen' },
  shared: [
    { local: 'helpdesk', name: 'Tailspin Helpdesk', members: [{ local: 'ines', sendAs: true }, { local: 'jon' }] },
    { local: 'finance', name: 'Tailspin Finance', members: [{ local: 'jon' }] },
  ],
  layout: { separator: '/', sharedPrefix: null, masterSeparator: '*' },
})

let stack: MailStack
beforeAll(async () => { stack = await startMailStack(TAILSPIN) })
afterAll(async () => { await stack?.stop() })

const signIn = async (address: string, state = new MemoryStateStore()) => {
  const t = await newService(state, 500, { backoff: { baseMs: 50, maxMs: 200 } })
  await t.service.signIn({ address, password: passwordOf(stack, address), server: serverSettings(stack) })
  return t
}
const names = (t: Awaited<ReturnType<typeof signIn>>) => t.service.current()!.mailboxes.map((m) => m.name)

describe('opening a shared mailbox by address (R1)', () => {
  it('a member opens it, with its name and folders; it is remembered for the account', async () => {
    const state = new MemoryStateStore()
    const ines = await signIn('ines@tailspin.test', state)
    expect(names(ines)).toEqual(['ines@tailspin.test'])
    const session = await ines.service.addSharedMailbox('Helpdesk@Tailspin.test')
    expect(session.mailboxes.map((m) => [m.name, m.added])).toEqual([['ines@tailspin.test', undefined], ['Tailspin Helpdesk', true]])
    expect(ines.events.some((e) => e.name === 'session.changed')).toBe(true)
    const folders = await ines.service.listFolders('shared:helpdesk@tailspin.test')
    expect(folders.find((f) => f.role === 'sent')?.name).toBe('Sent Items')
    expect(ines.service.identities().map((i) => i.id)).toContain('sendAs:helpdesk@tailspin.test')
    await ines.service.stop()
    // The next launch on this device: there again, without asking.
    const again = await signIn('ines@tailspin.test', state)
    expect(names(again)).toEqual(['ines@tailspin.test', 'Tailspin Helpdesk'])
    await again.service.stop()
  })

  it('reopens offline from what this device remembers, with the server down', async () => {
    const state = new MemoryStateStore()
    const secrets = new MemorySecretStore()
    const first = await newService(state, 500, { secrets })
    await first.service.signIn({ address: 'ines@tailspin.test', password: passwordOf(stack, 'ines@tailspin.test'), server: serverSettings(stack) })
    await first.service.addSharedMailbox('helpdesk@tailspin.test')
    await first.service.stop()
    await stack.pause()
    try {
      const offline = await newService(state, 500, { secrets, backoff: { baseMs: 50, maxMs: 200 } })
      expect(offline.service.current()!.mailboxes.map((m) => [m.name, m.added])).toEqual([['ines@tailspin.test', undefined], ['Tailspin Helpdesk', true]])
      await offline.service.stop()
    } finally {
      await stack.resume()
    }
  })

  it('a non-member is told why, and nothing is added', async () => {
    const ines = await signIn('ines@tailspin.test')
    await expect(ines.service.addSharedMailbox('finance@tailspin.test')).rejects.toMatchObject({ error: { code: 'permission.denied', rule: 'R1', message: expect.stringMatching(/^You are not a member of finance@tailspin\.test\. .*\(Rule R1/) } })
    await expect(ines.service.addSharedMailbox('ines@tailspin.test')).rejects.toMatchObject({ error: { field: 'address' } })
    expect(names(ines)).toEqual(['ines@tailspin.test'])
    await ines.service.stop()
  })

  it('a dropped network keeps it; a membership revoked on the server removes it (R1); it can be removed by hand', async () => {
    const jon = await signIn('jon@tailspin.test')
    await jon.service.addSharedMailbox('finance@tailspin.test')
    await jon.service.addSharedMailbox('helpdesk@tailspin.test')
    expect(names(jon)).toEqual(['jon@tailspin.test', 'Tailspin Finance', 'Tailspin Helpdesk'])
    await stack.pause()
    await expect(jon.service.refreshMailboxes()).rejects.toBeTruthy()
    expect(names(jon)).toEqual(['jon@tailspin.test', 'Tailspin Finance', 'Tailspin Helpdesk'])
    await stack.resume()
    await stack.setRights('finance@tailspin.test', 'jon@tailspin.test', null)
    const after = await jon.service.refreshMailboxes()
    expect(after.mailboxes.map((m) => m.name)).toEqual(['jon@tailspin.test', 'Tailspin Helpdesk'])
    await expect(jon.service.listFolders('shared:finance@tailspin.test')).rejects.toMatchObject({ error: { code: 'request.invalid' } })
    const removed = await jon.service.removeSharedMailbox('shared:helpdesk@tailspin.test')
    expect(removed.mailboxes.map((m) => m.name)).toEqual(['jon@tailspin.test'])
    expect(await jon.state.read('addedSharedMailboxes:jon@tailspin.test')).toEqual([])
    await jon.service.stop()
  })
})

// The same under organisation sign-in: the delegate login carries the member's token (XOAUTH2).
const LITWARE = smallOrganisation('Litware', 'litware.test', {
  people: { kim: 'Kim Kuipers', lev: 'Lev Lindberg' },
  shared: [{ local: 'support', name: 'Litware Support', members: [{ local: 'kim' }] }],
  layout: { separator: '.', sharedPrefix: null, masterSeparator: '!' },
})

describe('opening a shared mailbox by address with organisation sign-in (OAuth2, R1)', () => {
  let oauthStack: MailStack
  beforeAll(async () => { oauthStack = await startMailStack(LITWARE, { oauth: true }) })
  afterAll(async () => { await oauthStack?.stop() })

  it('a member opens it with their token; a non-member is refused (R1); revoking the membership removes it', async () => {
    const kim = await newService(new MemoryStateStore(), 500, { backoff: { baseMs: 50, maxMs: 200 } })
    const { session } = await oauthSignIn(kim, oauthStack, 'kim@litware.test')
    expect(session.mailboxes.map((m) => m.name)).toEqual(['kim@litware.test'])
    const opened = await kim.service.addSharedMailbox('support@litware.test')
    expect(opened.mailboxes.map((m) => m.name)).toEqual(['kim@litware.test', 'Litware Support'])
    expect((await kim.service.listFolders('shared:support@litware.test')).find((f) => f.role === 'inbox')).toBeTruthy()
    const lev = await newService()
    await oauthSignIn(lev, oauthStack, 'lev@litware.test')
    await expect(lev.service.addSharedMailbox('support@litware.test')).rejects.toMatchObject({ error: { code: 'permission.denied', rule: 'R1' } })
    await oauthStack.setRights('support@litware.test', 'kim@litware.test', null)
    const after = await kim.service.refreshMailboxes()
    expect(after.mailboxes.map((m) => m.name)).toEqual(['kim@litware.test'])
    await kim.service.stop()
    await lev.service.stop()
  })
})

// A server that names owners by bare user name (Other Users.%%n.): "helpdesk" of any domain
// would match its helpdesk, so only the organisation's domains open (R7).
const WINGTIP = smallOrganisation('Wingtip', 'wingtip.test', {
  people: { ines: 'Ines Ibarra' },
  shared: [{ local: 'helpdesk', name: 'Wingtip Helpdesk', members: [{ local: 'ines', sendOnBehalf: true }] }],
  layout: { separator: '.', sharedPrefix: 'Other Users.%%n.', masterSeparator: '*' },
})

describe('opening by address, only in the organisation\'s domains (R7)', () => {
  let wingtip: MailStack
  beforeAll(async () => { wingtip = await startMailStack(WINGTIP) })
  afterAll(async () => { await wingtip?.stop() })

  it('refuses an address of another domain, even where a mailbox of that user name exists, and opens the organisation\'s own', async () => {
    const ines = await newService()
    await ines.service.signIn({ address: 'ines@wingtip.test', password: passwordOf(wingtip, 'ines@wingtip.test'), server: { ...serverSettings(wingtip), delegateLogin: null } })
    await ines.service.removeSharedMailbox('shared:helpdesk@wingtip.test').catch(() => undefined)
    await expect(ines.service.addSharedMailbox('helpdesk@bank.example')).rejects.toMatchObject({ error: { code: 'permission.denied', rule: 'R7', field: 'address', message: expect.stringContaining('wingtip.test') } })
    const addresses = ines.service.current()!.mailboxes.map((m) => m.address)
    expect(addresses).not.toContain('helpdesk@bank.example')
    // No identity for an outside address either: nothing to send "on behalf of helpdesk@bank.example" with.
    expect(ines.service.identities().map((i) => i.id)).not.toContain('onBehalf:helpdesk@bank.example')
    expect(addresses).toContain('helpdesk@wingtip.test')
    await ines.service.stop()
  })
})
