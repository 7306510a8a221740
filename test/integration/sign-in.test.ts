import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import nodemailer from 'nodemailer'
import { ApiFailure } from '../../shared/api/errors'
import { MemoryStateStore } from '../../electron/service/storage/state-store'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { freePorts } from '../mailstack/ports'
import { CONTOSO, imapSession, newService, passwordOf, serverSettings } from './helpers'

let stack: MailStack

beforeAll(async () => { stack = await startMailStack(await loadOrganisation(CONTOSO)) })
afterAll(async () => { await stack?.stop() })

async function failure(p: Promise<unknown>): Promise<ApiFailure> {
  const e = await p.then(() => null, (err: unknown) => err)
  expect(e).toBeInstanceOf(ApiFailure)
  return e as ApiFailure
}

describe('sign-in against the real server', () => {
  it('signs alice in and lists her own folders with roles from SPECIAL-USE', async () => {
    const { service, events } = await newService()
    const session = await service.signIn({ address: 'alice@contoso.test', password: passwordOf(stack, 'alice@contoso.test'), server: serverSettings(stack) })
    expect(session.account.address).toBe('alice@contoso.test')
    // Dovecot reports each mailbox's quota (R5).
    expect(session.mailboxes.map((m) => m.quotaReported)).toEqual([true, true])
    expect(session.mailboxes.map(({ quota: _q, quotaReported: _r, ...m }) => m)).toEqual([
      { id: 'own:alice@contoso.test', accountId: 'alice@contoso.test', kind: 'own', address: 'alice@contoso.test', name: 'alice@contoso.test' },
      // Its members as the administrator's directory entry lists them (team state's "assign to").
      { id: 'shared:support@contoso.test', accountId: 'alice@contoso.test', kind: 'shared', address: 'support@contoso.test', name: 'Contoso Support', members: ['alice@contoso.test', 'bob@contoso.test'] },
    ])
    const folders = await service.listFolders('own:alice@contoso.test')
    expect(folders.map((f) => [f.path, f.role])).toEqual([
      ['INBOX', 'inbox'], ['Drafts', 'drafts'], ['Sent Items', 'sent'], ['Archive', 'archive'], ['Junk Email', 'junk'], ['Deleted Items', 'trash'],
    ])
    // The shared namespace is not part of her own mailbox.
    expect(folders.some((f) => f.path.startsWith('shared/'))).toBe(false)
    expect(folders.every((f) => f.delimiter === '/')).toBe(true)
    expect(events).toContainEqual({ name: 'connection.state', payload: { mailboxId: 'own:alice@contoso.test', state: 'online' } })
    await service.stop()
  })

  it('says the password is wrong when it is, and keeps no session', async () => {
    const { service } = await newService()
    // alice has signed in on this device before: a refusal now is her password.
    await service.signIn({ address: 'alice@contoso.test', password: passwordOf(stack, 'alice@contoso.test'), server: serverSettings(stack) })
    await service.signOut()
    const e = await failure(service.signIn({ address: 'alice@contoso.test', password: 'not-her-password', server: serverSettings(stack) }))
    expect(e.error).toMatchObject({ code: 'auth.failed', field: 'password' })
    expect(e.error.rule).toBeUndefined()
    expect(e.message).toContain('did not accept the password for alice@contoso.test')
    expect(service.current()).toBeNull()
  })

  it('names both possibilities when the server refuses an address this device does not know with nothing useful (R8)', async () => {
    const { service } = await newService()
    // A generic AUTHENTICATIONFAILED: a wrong password, or a shared mailbox on a server that says no more.
    const e = await failure(service.signIn({ address: 'helpdesk@contoso.test', password: 'a guess', server: serverSettings(stack) }))
    expect(e.error).toMatchObject({ code: 'auth.failed', rule: 'R8', field: 'password' })
    expect(e.message).toMatch(/password is wrong/)
    expect(e.message).toMatch(/shared mailbox.*cannot sign in.*\(Rule R8\)$/)
    expect(e.message).toMatch(/sign in with your own address/i)
  })

  it('refuses a shared mailbox, naming it and telling the user to sign in as themselves (R8)', async () => {
    const { service } = await newService()
    const e = await failure(service.signIn({ address: 'support@contoso.test', password: 'anything at all', server: serverSettings(stack) }))
    expect(e.error).toMatchObject({ code: 'auth.sharedMailbox', rule: 'R8', field: 'address' })
    expect(e.message).toContain('support@contoso.test is a shared mailbox')
    expect(e.message).toMatch(/sign in with your own address/i)
    expect(service.current()).toBeNull()
  })

  it('recognises a shared mailbox it saw in a member\'s session even when the server says nothing more (R8)', async () => {
    const state = new MemoryStateStore()
    const first = await newService(state)
    await first.service.signIn({ address: 'bob@contoso.test', password: passwordOf(stack, 'bob@contoso.test'), server: serverSettings(stack) })
    await first.service.stop()
    expect(await state.read('knownSharedMailboxes')).toEqual(['support@contoso.test'])
    // A later launch on the same device: refused before any password is sent.
    const later = await newService(state)
    const e = await failure(later.service.signIn({ address: 'support@contoso.test', password: 'x', server: { ...serverSettings(stack), imap: { host: '127.0.0.1', port: 1, security: 'none' } } }))
    expect(e.error).toMatchObject({ code: 'auth.sharedMailbox', rule: 'R8' })
  })

  it('is refused by the server itself: IMAP LOGIN and SMTP AUTH as a shared mailbox fail (R8)', async () => {
    for (const pass of ['', 'guess', 'anything at all']) {
      const err = await imapSession(stack, 'support@contoso.test', pass || 'x').then(() => null, (x: { authenticationFailed?: boolean }) => x)
      expect(err?.authenticationFailed).toBe(true)
    }
    const smtp = nodemailer.createTransport({ host: stack.host, port: stack.ports.submission, secure: false, ignoreTLS: true, auth: { user: 'support@contoso.test', pass: 'anything at all' } })
    const err = await smtp.verify().then(() => null, (x: { responseCode?: number }) => x)
    expect(err?.responseCode).toBe(535)
    // The delegate login is the member's own password, not the mailbox's.
    const delegate = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await delegate.logout()
  })

  it('says when the server cannot be reached', async () => {
    const [closed] = await freePorts(1)
    const { service } = await newService()
    const e = await failure(service.signIn({ address: 'alice@contoso.test', password: 'x', server: { ...serverSettings(stack), imap: { host: '127.0.0.1', port: closed!, security: 'none' } } }))
    expect(e.error).toMatchObject({ code: 'network.unreachable', field: 'server' })
    expect(e.message).toContain(`127.0.0.1:${closed}`)
  })

  it('refuses to send a password unencrypted to another machine', async () => {
    const { service } = await newService()
    const e = await failure(service.signIn({ address: 'alice@contoso.test', password: 'x', server: { ...serverSettings(stack), imap: { host: 'mail.contoso.test', port: 143, security: 'none' } } }))
    expect(e.error.code).toBe('security.insecure')
  })

  it('signs out: the session and its connection are gone', async () => {
    const { service } = await newService()
    await service.signIn({ address: 'carol@contoso.test', password: passwordOf(stack, 'carol@contoso.test'), server: serverSettings(stack) })
    await service.signOut()
    expect(service.current()).toBeNull()
    expect((await failure(service.listFolders('own:carol@contoso.test'))).error.code).toBe('session.required')
  })

  it('reconnects on the next call when the server dropped the connection', async () => {
    const { service, events } = await newService()
    await service.signIn({ address: 'dave@contoso.test', password: passwordOf(stack, 'dave@contoso.test'), server: serverSettings(stack) })
    await stack.doveadm('kick', 'dave@contoso.test')
    await new Promise((r) => setTimeout(r, 300))
    const folders = await service.listFolders('own:dave@contoso.test')
    expect(folders[0]?.role).toBe('inbox')
    const states = events.filter((e) => e.name === 'connection.state').map((e) => (e.payload as { state: string }).state)
    expect(states).toEqual(['online', 'offline', 'connecting', 'online'])
    await service.stop()
  })
})
