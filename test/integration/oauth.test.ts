import 'fake-indexeddb/auto'
import { randomUUID } from 'node:crypto'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiFailure } from '../../shared/api/errors'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { ApiClient } from '../../renderer/src/api/client'
import { TandemDb } from '../../renderer/src/cache/db'
import { TaskQueue } from '../../renderer/src/queue/task-queue'
import { isOpen } from '../../renderer/src/queue/tasks'
import type { SendRequest } from '../../shared/api/contract'
import type { ServerSettings } from '../../shared/domain'
import { smallOrganisation } from '../mailstack/organisation'
import { signInOnPage } from '../mailstack/oidc-browser'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { eventually, imapSession, newService, oauthServerSettings, oauthSignIn, passwordOf, serverSettings, type TestService } from './helpers'

/**
 * Signing in with the organisation's OpenID provider: a real oidc-provider on loopback (its own
 * login page, JWT access tokens that live 30 s here), Dovecot validating them (XOAUTH2 for IMAP),
 * Postfix taking them through Dovecot's SASL (XOAUTH2 for SMTP).
 */
const TTL_S = 30
const org = smallOrganisation('Fabrikam', 'fabrikam.test', {
  people: { noor: 'Noor Nijland', piet: 'Piet Peters', ruth: 'Ruth Rijnders' },
  shared: [{ local: 'helpdesk', name: 'Fabrikam Helpdesk', members: [{ local: 'noor', sendAs: true }, { local: 'piet', sendOnBehalf: true }] }],
  layout: { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' },
})
const D = 'fabrikam.test'

let stack: MailStack
const services: TestService[] = []
beforeAll(async () => {
  stack = await startMailStack(org, { oauth: { accessTokenTtl: TTL_S } })
  await stack.seed(`helpdesk@${D}`, 'INBOX', [1, 2, 3].map((n) => ({
    raw: `From: Klant ${n} <klant${n}@example.net>\r\nTo: helpdesk@${D}\r\nSubject: Vraag ${n}\r\nMessage-ID: <vraag-${n}@example.net>\r\n\r\nHallo.\r\n`,
    date: new Date(Date.now() - n * 60_000),
  })))
})
afterAll(async () => { await Promise.all(services.map((s) => s.service.stop())); await stack?.stop() })

const settings = (): ServerSettings => oauthServerSettings(stack)

/** Signs in as the person would: the provider's page in the browser, then back to Tandem. */
async function signIn(address: string, opts: { password?: string; cancel?: boolean } = {}) {
  const t = await newService()
  services.push(t)
  const { session, page } = await oauthSignIn(t, stack, address, opts)
  expect(page).toMatch(/You are signed in/)
  return { t, session }
}

const request = (from: string, subject: string, to: string): SendRequest => ({
  identityId: from, to: [{ name: '', address: to }], cc: [], bcc: [], subject, text: `Body of ${subject}`, html: null, inReplyTo: null, references: [], encrypt: false, attachments: [],
})

async function arrived(address: string, subject: string) {
  const c = await imapSession(stack, address, passwordOf(stack, address))
  try {
    await c.mailboxOpen('INBOX', { readOnly: true })
    const uids = (await c.search({ subject }, { uid: true })) || []
    const out: { from: string; sender: string | null }[] = []
    for (const uid of uids) {
      const m = await c.fetchOne(String(uid), { envelope: true }, { uid: true })
      if (m && m.envelope) out.push({ from: m.envelope.from?.[0]?.address ?? '', sender: m.envelope.sender?.[0]?.address === m.envelope.from?.[0]?.address ? null : m.envelope.sender?.[0]?.address ?? null })
    }
    return out
  } finally {
    await c.logout()
  }
}

describe('OAuth2 sign-in (system browser, PKCE, loopback redirect)', () => {
  it('signs in on the provider\'s page and opens the person\'s mailbox and shared mailboxes over XOAUTH2 (R1)', async () => {
    const { t, session } = await signIn(`noor@${D}`)
    expect(session.account.address).toBe(`noor@${D}`)
    expect(session.mailboxes.map((m) => m.name)).toEqual([`noor@${D}`, 'Fabrikam Helpdesk'])
    // The shared mailbox's own session: the delegate login with Noor's token.
    const folders = await t.service.listFolders(`shared:helpdesk@${D}`)
    expect(folders.find((f) => f.role === 'inbox')).toBeTruthy()
    // No password anywhere: the refresh token is the only secret kept.
    const secrets = (t.service as unknown as { deps: { secrets: { get(k: string): Promise<string | undefined> } } }).deps.secrets
    expect(await secrets.get(`imap:noor@${D}`)).toBeUndefined()
    expect((await secrets.get(`oauth:noor@${D}`))?.length).toBeGreaterThan(20)
  })

  it('sends as the shared mailbox and on behalf of it over SMTP XOAUTH2, with the right headers (R2, R3)', async () => {
    const noor = await signIn(`noor@${D}`)
    await noor.t.service.send(request(`sendAs:helpdesk@${D}`, 'OAuth send as', `ruth@${D}`))
    const piet = await signIn(`piet@${D}`)
    await piet.t.service.send(request(`onBehalf:helpdesk@${D}`, 'OAuth on behalf', `ruth@${D}`))
    await eventually(async () => (await arrived(`ruth@${D}`, 'OAuth send as')).length === 1, 'the send-as message', 15_000)
    await eventually(async () => (await arrived(`ruth@${D}`, 'OAuth on behalf')).length === 1, 'the on-behalf message', 15_000)
    expect(await arrived(`ruth@${D}`, 'OAuth send as')).toEqual([{ from: `helpdesk@${D}`, sender: null }])
    expect(await arrived(`ruth@${D}`, 'OAuth on behalf')).toEqual([{ from: `helpdesk@${D}`, sender: `piet@${D}` }])
    // Piet has no Send As: refused before anything leaves (R2).
    await expect(piet.t.service.send(request(`sendAs:helpdesk@${D}`, 'Not allowed', `ruth@${D}`))).rejects.toMatchObject({ rule: 'R2' })
  })

  it('a wrong password stays on the provider\'s page; cancelling there comes back as a clear message', async () => {
    await expect(signInOnPage((await (await newService()).service.oauthBegin(settings())).url, `ruth@${D}`, 'wrong')).rejects.toThrow(/not right/)
    await expect(signIn(`ruth@${D}`, { cancel: true })).rejects.toMatchObject({ code: 'auth.cancelled', message: expect.stringMatching(/cancelled in the browser/) })
  })

  // The three tests that wait for a token to run out wait together.
  it.concurrent('renews the access token when it runs out: new connections and sends go on, each message once', async ({ expect }) => {
    const { t } = await signIn(`ruth@${D}`)
    await new Promise((r) => setTimeout(r, TTL_S * 1000 + 1500))
    // A fresh IMAP login (the membership refresh) and an SMTP login, both after the first token expired.
    await t.service.refreshMailboxes()
    await t.service.send(request(`self:ruth@${D}`, 'After renewal', `noor@${D}`))
    await eventually(async () => (await arrived(`noor@${D}`, 'After renewal')).length === 1, 'the message sent after renewal', 15_000)
    expect(await arrived(`noor@${D}`, 'After renewal')).toHaveLength(1)
  }, 60_000)

  // The three tests that wait for a token to run out wait together.
  it.concurrent('a revoked sign-in ends the session with a clear reason, keeps what was remembered, and a new sign-in works', async ({ expect }) => {
    const { t } = await signIn(`piet@${D}`)
    await stack.oidc!.revoke(`piet@${D}`)
    await new Promise((r) => setTimeout(r, TTL_S * 1000 + 1500))
    await expect(t.service.send(request(`self:piet@${D}`, 'After revocation', `noor@${D}`))).rejects.toMatchObject({ code: 'auth.expired' })
    await eventually(() => t.events.find((e) => e.name === 'session.ended'), 'the session to end')
    expect((t.events.find((e) => e.name === 'session.ended')!.payload as { error: { key: string; message: string } }).error).toMatchObject({ key: 'errors.auth.expired', message: expect.stringMatching(/Sign in again: your mail and your queued changes are kept/) })
    expect(t.service.current()).toBeNull()
    // The last session is kept for the next sign-in (offline cache, outbox journal).
    expect(await t.state.read<{ session: { account: { address: string } } }>('lastSession')).toMatchObject({ session: { account: { address: `piet@${D}` } } })
    expect(await arrived(`noor@${D}`, 'After revocation')).toEqual([])
    const again = await signIn(`piet@${D}`)
    expect(again.session.mailboxes.map((m) => m.name)).toEqual([`piet@${D}`, 'Fabrikam Helpdesk'])
  }, 60_000)

  // The three tests that wait for a token to run out wait together.
  it.concurrent('triage queued while offline replays once after the token ran out and the connection dropped', async ({ expect }) => {
    const { t } = await signIn(`noor@${D}`)
    const HELPDESK = `shared:helpdesk@${D}`
    const folders = await t.service.listFolders(HELPDESK)
    const inbox = folders.find((f) => f.role === 'inbox')!
    const archive = folders.find((f) => f.role === 'archive')!
    await t.service.syncMessages({ folderId: inbox.id, since: null, knownUids: 0 })
    const witness = await imapSession(stack, `helpdesk@${D}*noor@${D}`, passwordOf(stack, `noor@${D}`))
    await witness.mailboxOpen('INBOX', { readOnly: true })
    const uidOf = async (n: number) => ((await witness.search({ header: { 'message-id': `<vraag-${n}@example.net>` } }, { uid: true })) || [])[0]!
    const [u1, u2] = [await uidOf(1), await uidOf(2)]
    const db = new TandemDb(`noor.oauth-queue-${randomUUID()}@${D}`)
    const offline = new TaskQueue(db, () => Promise.reject(new ApiFailure({ code: 'network.unreachable', message: 'offline' })))
    await offline.add({ kind: 'flags', id: randomUUID(), mailboxId: HELPDESK, folderId: inbox.id, uids: [u1], add: ['\\Flagged'], remove: [] })
    await offline.add({ kind: 'move', id: randomUUID(), mailboxId: HELPDESK, folderId: inbox.id, uids: [u2], messageIds: ['<vraag-2@example.net>'], toFolderId: archive.id })
    // The token runs out, and the server drops the shared mailbox's connections: only a renewed token gets back in.
    await new Promise((r) => setTimeout(r, TTL_S * 1000 + 1500))
    expect(await stack.doveadm('kick', `helpdesk@${D}`)).toMatch(/helpdesk/)
    const dispatch = createDispatcher(serviceHandlers(t.service))
    const api = new ApiClient({ call: (name, input) => dispatch(name, input), on: () => () => undefined })
    const queue = new TaskQueue(db, (name, input) => api.call(name, input))
    await eventually(async () => { await queue.kick(); return (await db.tasks.filter(isOpen).count()) === 0 }, 'the queue to empty', 30_000)
    expect((await db.tasks.toArray()).map((x) => x.status)).toEqual(['done', 'done'])
    const check = await imapSession(stack, `helpdesk@${D}*noor@${D}`, passwordOf(stack, `noor@${D}`))
    await check.mailboxOpen('INBOX', { readOnly: true })
    const flags = (await check.fetchOne(String(u1), { flags: true }, { uid: true }))
    expect(flags && [...flags.flags ?? []]).toContain('\\Flagged')
    expect(await check.search({ header: { 'message-id': '<vraag-2@example.net>' } }, { uid: true })).toEqual([])
    await check.mailboxOpen(archive.path, { readOnly: true })
    expect(((await check.search({ header: { 'message-id': '<vraag-2@example.net>' } }, { uid: true })) || []).length).toBe(1)
    await check.logout()
    await witness.logout().catch(() => undefined)
    db.close()
  }, 60_000)

  it('password sign-in still works on the same server', async () => {
    const t = await newService()
    services.push(t)
    const s = await t.service.signIn({ address: `ruth@${D}`, password: passwordOf(stack, `ruth@${D}`), server: serverSettings(stack) })
    expect(s.mailboxes.map((m) => m.kind)).toEqual(['own'])
  })
})

describe('a token only where its issuer vouches, for the person who typed', () => {
  /** A listener on this computer standing in for a host the window chose: what reached it. */
  async function trap(): Promise<{ port: number; seen: string[]; close(): void }> {
    const seen: string[] = []
    const server = createTcpServer((socket) => { seen.push('connection'); socket.on('data', (d) => seen.push(String(d))); socket.write('220 ready\r\n') })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    return { port: (server.address() as AddressInfo).port, seen, close: () => server.close() }
  }

  it('asks the person, in main\'s own question, before a token goes to servers its provider does not name; once for those servers', async () => {
    const jar = new Map<string, string>()
    const t = await newService()
    services.push(t)
    await oauthSignIn(t, stack, `ruth@${D}`, { jar })
    expect(t.asked.map((q) => [q.kind, q.body[0]!.params])).toEqual([['hosts', expect.objectContaining({ address: `ruth@${D}`, imap: `127.0.0.1:${stack.ports.imap}`, smtp: `127.0.0.1:${stack.ports.submission}` })]])
    // The loopback test servers are outside fabrikam.test: said in the warning.
    expect(t.asked[0]!.warning?.params).toMatchObject({ hosts: '127.0.0.1', domain: D })
    await t.service.signOut()
    await oauthSignIn(t, stack, `ruth@${D}`, { jar })
    expect(t.asked).toHaveLength(1)
  })

  it('the window\'s oauthBegin with its own host gets nothing, also while the browser signs in without a prompt', async () => {
    const jar = new Map<string, string>()
    const t = await newService()
    services.push(t)
    await oauthSignIn(t, stack, `ruth@${D}`, { jar })
    const evil = await trap()
    try {
      const hostile = { ...settings(), smtp: { host: '127.0.0.1', port: evil.port, security: 'none' as const } }
      // After sign-in no call from the window starts another sign-in (nor changes where the token goes).
      await expect(t.service.oauthBegin(hostile, `ruth@${D}`)).rejects.toMatchObject({ error: { key: 'errors.auth.signedInAlready' } })
      await t.service.signOut()
      // Signed out, the window tries again; the browser is still signed in, so the provider
      // answers at once. Main asks the person about the new server; the person says no.
      t.person.answer = false
      let shown = 0
      await expect(oauthSignIn(t, stack, `ruth@${D}`, { jar, server: hostile, shown: () => { shown++ } })).rejects.toMatchObject({ error: { key: 'errors.confirm.hosts' } })
      expect(shown).toBe(0)
      expect(t.asked.at(-1)).toMatchObject({ kind: 'hosts', body: [expect.objectContaining({ params: expect.objectContaining({ smtp: `127.0.0.1:${evil.port}` }) }), expect.anything()] })
      expect(evil.seen).toEqual([])
      expect(t.service.current()).toBeNull()
      const secrets = (t.service as unknown as { deps: { secrets: { get(k: string): Promise<string | undefined> } } }).deps.secrets
      expect(await secrets.get(`oauth:ruth@${D}`)).toBeUndefined()
    } finally {
      evil.close()
    }
  })

  it('a sign-in that comes back as another person says so, opens nothing, and signs in as the typed person with account selection', async () => {
    // A shared reception PC: the browser is still signed in as piet.
    const jar = new Map<string, string>()
    const first = await newService()
    services.push(first)
    await oauthSignIn(first, stack, `piet@${D}`, { jar })
    await first.service.signOut()
    const t = await newService()
    services.push(t)
    let shown = 0
    await expect(oauthSignIn(t, stack, `noor@${D}`, { jar, as: `piet@${D}`, shown: () => { shown++ } })).rejects.toMatchObject({
      error: { code: 'auth.refused', field: 'address', key: 'errors.auth.otherPerson', params: { typed: `noor@${D}`, returned: `piet@${D}` } },
    })
    expect(shown).toBe(0)
    expect(t.service.current()).toBeNull()
    const secrets = (t.service as unknown as { deps: { secrets: { get(k: string): Promise<string | undefined> } } }).deps.secrets
    expect(await secrets.get(`oauth:piet@${D}`)).toBeUndefined()
    // "Sign in as noor": the provider shows its page although the browser is signed in.
    const { session } = await oauthSignIn(t, stack, `noor@${D}`, { jar, selectAccount: true, shown: () => { shown++ } })
    expect(shown).toBe(1)
    expect(session.account.address).toBe(`noor@${D}`)
  })
})
