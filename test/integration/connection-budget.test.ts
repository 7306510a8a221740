import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImapFlow } from 'imapflow'
import { ApiFailure } from '../../shared/api/errors'
import { smallOrganisation, type Organisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { eventually, imapSession, memberSession, newService, oauthSignIn, passwordOf, serverSettings, type TestService } from './helpers'

/**
 * A person with ten shared mailboxes stays within their connection budget (R9, ten by default)
 * on real servers: on the Exchange-shaped server, where each shared mailbox is a login of its own
 * and no server limit would stop twenty connections; and on a Dovecot that counts every
 * connection against the person (a shared namespace, no delegate login) and refuses the
 * eleventh — and, when the person's phone holds some, refuses Tandem: then Tandem backs off,
 * keeps what it has and loses nothing.
 */
const DESKS = Array.from({ length: 10 }, (_, i) => `desk${i}`)

const northwindLike = (name: string, domain: string, server: Partial<Organisation['server']>, layout?: Organisation['layout']) => smallOrganisation(name, domain, {
  people: { lena: 'Lena Lindqvist', kofi: 'Kofi Mensah' },
  shared: DESKS.map((d) => ({ local: d, name: `Desk ${d.slice(4)}`, members: [{ local: 'lena' }] })),
  ...(layout ? { layout } : {}),
  server,
})

const mail = (domain: string, desk: string, n: number) => ({
  raw: `From: Kofi Mensah <kofi@${domain}>\r\nTo: ${desk}@${domain}\r\nSubject: Question ${n} for ${desk}\r\nMessage-ID: <q${n}.${desk}@${domain}>\r\nDate: ${new Date().toUTCString()}\r\n\r\nHello.\r\n`,
  date: new Date(Date.now() - n * 60_000),
})

/** Samples the server's open IMAP sessions (what its limit counts) until stopped; the most seen. */
function sampleSessions(stack: MailStack, count: (logins: string[]) => number) {
  let max = 0
  let running = true
  const loop = (async () => {
    while (running) {
      max = Math.max(max, count(await stack.imapSessions().catch(() => [])))
      await new Promise((r) => setTimeout(r, 50))
    }
  })()
  return { stop: async () => { running = false; await loop; return max } }
}

/** The first message's UID of a folder, flagged through the service as the person would. */
async function flagFirst(t: TestService, mailboxId: string): Promise<void> {
  const inbox = (await t.service.listFolders(mailboxId)).find((f) => f.role === 'inbox')!
  const from = t.events.length
  await t.service.syncMessages({ folderId: inbox.id, since: null, knownUids: 0 })
  const uid = Math.min(...t.events.slice(from).filter((e) => e.name === 'sync.messages').flatMap((e) => (e.payload as { rows: { uid: number }[] }).rows?.map((r) => r.uid) ?? []), Infinity)
  const uids = Number.isFinite(uid) ? [uid] : [1]
  expect(await t.service.setFlags(inbox.id, uids, ['\\Flagged'], [])).toEqual([])
}

async function flaggedIn(session: ImapFlow, path: string): Promise<number> {
  await session.mailboxOpen(path, { readOnly: true })
  return ((await session.search({ flagged: true }, { uid: true })) || []).length
}

describe('the connection budget on the Exchange-shaped server: ten shared mailboxes, each its own login', () => {
  const D = 'budget-exchange.test'
  let stack: MailStack
  let t: TestService
  beforeAll(async () => {
    stack = await startMailStack(northwindLike('Budget Exchange', D, {
      capabilities: 'IMAP4rev1 AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+',
      specialUse: false, metadata: false, acl: false, quota: false, keywords: false, maxLineLength: 4096,
      signIn: 'oauth', delegateLogin: 'address',
    }, { separator: '/', sharedPrefix: null, masterSeparator: '*' }))
    for (const d of DESKS) await stack.seed(`${d}@${D}`, 'INBOX', [mail(D, d, 1), mail(D, d, 2)])
  })
  afterAll(async () => { await t?.service.stop(); await stack?.stop() })

  it('works all ten with at most ten connections at any moment, the open one on IDLE, the others taking turns', async () => {
    t = await newService(undefined, 300, { backoff: { baseMs: 100, maxMs: 1000 }, turnMs: 1000 })
    const sessions = sampleSessions(stack, (logins) => logins.length)
    await oauthSignIn(t, stack, `lena@${D}`)
    for (const d of DESKS) await t.service.addSharedMailbox(`${d}@${D}`)
    expect(t.service.current()!.mailboxes).toHaveLength(11)
    // As the window does at start: every mailbox's folders, and its Inbox synced, in turn.
    for (const d of DESKS) await flagFirst(t, `shared:${d}@${D}`)
    // The person is in Desk 3: its INBOX on IDLE.
    t.service.focusMailbox(`shared:desk3@${D}`)
    await t.service.listFolders(`shared:desk3@${D}`)
    // New mail in the open mailbox and in one at rest both reach the window.
    const before = t.events.length
    const changed = (desk: string) => t.events.slice(before).some((e) => e.name === 'folder.changed' && (e.payload as { folderId: string }).folderId === `shared:${desk}@${D}|INBOX`)
    await stack.deliver(`desk3@${D}`, mail(D, 'desk3', 3).raw)
    await stack.deliver(`desk8@${D}`, mail(D, 'desk8', 3).raw)
    await eventually(() => changed('desk3') && changed('desk8'), 'new mail noticed in the open mailbox and in one at rest', 20_000)
    const most = await sessions.stop()
    expect(most).toBeGreaterThan(2)
    expect(most).toBeLessThanOrEqual(10)
    // Every flag reached the server (each desk seen by Lena's own independent session).
    for (const d of DESKS.slice(0, 3)) {
      const s = await memberSession(stack, `lena@${D}`, `${d}@${D}`)
      try { expect(await flaggedIn(s, 'INBOX')).toBe(1) } finally { await s.logout() }
    }
  })
})

describe('the connection budget on a server that refuses the eleventh connection (mail_max_userip_connections = 10)', () => {
  const D = 'budget-dovecot.test'
  let stack: MailStack
  let t: TestService
  beforeAll(async () => {
    // A shared namespace and no delegate login: every connection is Lena's own login, counted by the server.
    stack = await startMailStack(northwindLike('Budget Dovecot', D, {}, { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' }), { maxUserIpConnections: 10 })
    for (const d of DESKS) await stack.seed(`${d}@${D}`, 'INBOX', [mail(D, d, 1), mail(D, d, 2)])
  })
  afterAll(async () => { await t?.service.stop(); await stack?.stop() })

  const refusedInLog = async () => ((await import('node:fs/promises')).readFile(`${stack.dir}/dovecot/dovecot.log`, 'utf8')).then((l) => (l.match(/Maximum number of connections/g) ?? []).length)

  it('works all ten within the server\'s limit; when the person\'s phone holds some, backs off (R9) and loses nothing', async () => {
    t = await newService(undefined, 300, { backoff: { baseMs: 100, maxMs: 800 }, turnMs: 1000 })
    const { delegateLogin: _none, ...server } = serverSettings(stack)
    await t.service.signIn({ address: `lena@${D}`, password: passwordOf(stack, `lena@${D}`), server })
    expect(t.service.current()!.mailboxes).toHaveLength(11)
    for (const d of DESKS) await flagFirst(t, `shared:${d}@${D}`)
    t.service.focusMailbox(`shared:desk0@${D}`)
    expect(await refusedInLog()).toBe(0)
    expect((await stack.imapSessions()).length).toBeLessThanOrEqual(10)

    await t.service.stop()

    // Lena's phone holds four connections; the server now has room for six of Tandem's. Tandem
    // starts again and she works every mailbox: some connections are refused — R9, never
    // "access removed" — and she keeps working from what the device has.
    const phone = await Promise.all([1, 2, 3, 4].map(() => imapSession(stack, `lena@${D}`, passwordOf(stack, `lena@${D}`))))
    t = await newService(undefined, 300, { backoff: { baseMs: 100, maxMs: 800 }, turnMs: 1000 })
    await t.service.signIn({ address: `lena@${D}`, password: passwordOf(stack, `lena@${D}`), server })
    const refusals: ApiFailure[] = []
    for (const d of DESKS) {
      await t.service.setFlags(`shared:${d}@${D}|shared/${d}@${D}`, [2], ['\\Seen'], []).catch((e: unknown) => { refusals.push(e as ApiFailure) })
    }
    expect(await refusedInLog()).toBeGreaterThan(0)
    expect(refusals.length).toBeGreaterThan(0)
    for (const r of refusals) expect(r).toBeInstanceOf(ApiFailure)
    for (const r of refusals) expect(r.error).toMatchObject({ code: 'network.unreachable', rule: 'R9' })
    expect(t.events.some((e) => e.name === 'connection.state' && JSON.stringify(e.payload).includes('errors.network.tooManyConnections'))).toBe(true)
    // Nothing dropped: every mailbox is still there (a refusal is not a lost membership, R1).
    expect(t.service.current()!.mailboxes).toHaveLength(11)
    // The phone goes; what was refused goes through when tried again (the window's queue does so).
    await Promise.all(phone.map((p) => p.logout()))
    for (const d of DESKS) {
      await eventually(() => t.service.setFlags(`shared:${d}@${D}|shared/${d}@${D}`, [2], ['\\Seen'], []).then(() => true, () => false), `${d} reachable again`, 20_000)
    }
    expect((await stack.imapSessions()).length).toBeLessThanOrEqual(10)
    // Lena's own witness session would be the eleventh: Tandem closes first.
    await t.service.stop()
    const witness = await imapSession(stack, `lena@${D}`, passwordOf(stack, `lena@${D}`))
    try {
      for (const d of DESKS) {
        await witness.mailboxOpen(`shared/${d}@${D}`, { readOnly: true })
        expect(((await witness.search({ seen: true }, { uid: true })) || []).length, d).toBeGreaterThanOrEqual(1)
        expect(await flaggedIn(witness, `shared/${d}@${D}`), d).toBe(1)
      }
    } finally {
      await witness.logout()
    }
  })
})
