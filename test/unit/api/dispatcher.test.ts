import { describe, expect, it } from 'vitest'
import { createDispatcher, type Handlers } from '../../../electron/api/dispatcher'
import { callNames, calls } from '../../../shared/api/contract'
import { ApiFailure } from '../../../shared/api/errors'

const server = { imap: { host: '127.0.0.1', port: 1143, security: 'none' }, smtp: { host: '127.0.0.1', port: 1587, security: 'none' } }
const session = {
  account: { id: 'alice@contoso.test', address: 'alice@contoso.test', server },
  mailboxes: [{ id: 'own:alice@contoso.test', accountId: 'alice@contoso.test', kind: 'own', address: 'alice@contoso.test', name: 'alice@contoso.test', quota: null }],
}

function handlers(overrides: Partial<Handlers> = {}): { h: Handlers; seen: unknown[] } {
  const seen: unknown[] = []
  const unused = () => { throw new Error('not used in this test') }
  const h: Handlers = {
    'mailboxes.refresh': unused,
    'app.notify': unused,
    'app.badge': unused,
    'mailboxes.add': unused,
    'mailboxes.remove': unused,
    'mailboxes.focus': unused,
    'session.connections': unused,
    'messages.sync': unused,
    'messages.body': unused,
    'messages.threading': unused,
    'team.read': unused,
    'team.record': unused,
    'signatures.shared': unused,
    'signatures.setShared': unused,
    'targets.get': unused,
    'targets.set': unused,
    'replies.list': unused,
    'replies.files': unused,
    'replies.change': unused,
    'read.state': unused,
    'read.mark': unused,
    'team.verify': unused,
    'team.authors': unused,
    'team.compact': unused,
    'messages.setFlags': unused,
    'messages.move': unused,
    'messages.delete': unused,
    'attachments.link': unused,
    'content.remoteImage': unused,
    'compose.identities': unused,
    'compose.claimGrant': unused,
    'server.discover': unused,
    'session.oauthBegin': unused,
    'session.oauthFinish': unused,
    'session.oauthCancel': unused,
    'compose.limits': unused,
    'outbox.decide': unused,
    'drafts.save': unused,
    'drafts.open': unused,
    'drafts.delete': unused,
    'messages.send': unused,
    'smime.resolveChange': unused,
    'smime.status': unused,
    'smime.importIdentity': unused,
    'smime.importCertificate': unused,
    'app.info': () => ({ name: 'Tandem', version: '0.0.0', host: 'web', suggestedServer: null, secretsPersist: false, oauthClients: {} }),
    'session.signIn': (input) => { seen.push(input); return session as never },
    'session.current': () => null,
    'session.signOut': () => ({ ok: true }),
    'folders.list': () => [],
    ...overrides,
  }
  return { h, seen }
}

describe('the contract', () => {
  it('refuses a field it does not name in every call\'s input: a window cannot slip a flag past a schema', () => {
    const loose: string[] = []
    for (const n of callNames) {
      // The object under refinements and defaults: its unknown keys must be refused (zod's strict).
      let s = calls[n].input as unknown as { _zod: { def: { type: string; catchall?: { _zod: { def: { type: string } } }; in?: unknown; innerType?: unknown; schema?: unknown } } }
      for (let d = s._zod.def; d.type !== 'object'; d = s._zod.def) s = (d.in ?? d.innerType ?? d.schema) as typeof s
      if (s._zod.def.catchall?._zod.def.type !== 'never') loose.push(n)
    }
    expect(loose).toEqual([])
  })
})

describe('the dispatcher (the one door into main)', () => {
  it('answers a valid call with the handler\'s value', async () => {
    const { h } = handlers()
    const r = await createDispatcher(h)('app.info', {})
    expect(r).toEqual({ ok: true, value: { name: 'Tandem', version: '0.0.0', host: 'web', suggestedServer: null, secretsPersist: false, oauthClients: {} } })
  })

  it('refuses an unknown call with a typed error, without calling anything', async () => {
    const { h } = handlers()
    expect(await createDispatcher(h)('mail.sendAnything', {})).toMatchObject({ ok: false, error: { code: 'request.unknown' } })
    expect(await createDispatcher(h)('__proto__', {})).toMatchObject({ ok: false, error: { code: 'request.unknown' } })
    expect(await createDispatcher(h)(42, {})).toMatchObject({ ok: false, error: { code: 'request.unknown' } })
  })

  it.each([
    ['a missing password', { address: 'alice@contoso.test', server }, 'password'],
    ['an address that is not one', { address: 'alice', password: 'x', server }, 'address'],
    ['a port out of range', { address: 'alice@contoso.test', password: 'x', server: { ...server, imap: { ...server.imap, port: 70000 } } }, 'server.imap.port'],
    ['an unknown security mode', { address: 'alice@contoso.test', password: 'x', server: { ...server, smtp: { ...server.smtp, security: 'ssl3' } } }, 'server.smtp.security'],
    ['an extra field', { address: 'alice@contoso.test', password: 'x', server, asShared: true }, ''],
    ['no object at all', 'alice', ''],
  ])('refuses a sign-in with %s before the service sees it', async (_what, input, field) => {
    const { h, seen } = handlers()
    const r = await createDispatcher(h)('session.signIn', input)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.code).toBe('request.invalid')
      if (field) expect(r.error.field).toBe(field)
    }
    expect(seen).toEqual([])
  })

  it('normalises the address before the service sees it', async () => {
    const { h, seen } = handlers()
    await createDispatcher(h)('session.signIn', { address: '  Alice@Contoso.TEST ', password: 'pw', server })
    expect(seen).toEqual([{ address: 'alice@contoso.test', password: 'pw', server }])
  })

  it('passes a service\'s ApiFailure through, rule included', async () => {
    const { h } = handlers({ 'session.signIn': () => { throw new ApiFailure({ code: 'auth.sharedMailbox', rule: 'R8', message: 'shared' }) } })
    const r = await createDispatcher(h)('session.signIn', { address: 'support@contoso.test', password: 'x', server })
    expect(r).toEqual({ ok: false, error: { code: 'auth.sharedMailbox', rule: 'R8', message: 'shared' } })
  })

  it('hides internals of an unexpected failure and reports it to the log', async () => {
    const logged: string[] = []
    const { h } = handlers({ 'folders.list': () => { throw new Error('secret stack detail') } })
    const r = await createDispatcher(h, (m) => logged.push(m))('folders.list', { mailboxId: 'x' })
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } })
    expect(JSON.stringify(r)).not.toContain('secret stack detail')
    expect(logged).toEqual(['call folders.list failed'])
  })

  it('checks the output too, so a service bug cannot send something off-contract', async () => {
    const { h } = handlers({ 'folders.list': () => [{ id: 1 }] as never })
    expect(await createDispatcher(h)('folders.list', { mailboxId: 'x' })).toMatchObject({ ok: false, error: { code: 'internal' } })
  })
})
