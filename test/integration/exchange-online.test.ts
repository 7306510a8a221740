import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SendRequest } from '../../shared/api/contract'
import { conversationIdFromRoot } from '../../shared/conversation'
import { TeamFold } from '../../shared/team/fold'
import { fromTeamWire } from '../../shared/team/wire'
import { recordMessage, recordSentence } from '../../electron/service/operations/team'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { eventually, memberSession, newService, oauthSignIn, streamedMessages, type TestService } from './helpers'

/**
 * Tandem on the Exchange Online-shaped organisation (Northwind: no SPECIAL-USE, ACL, QUOTA,
 * METADATA, CONDSTORE or shared namespace; tokens only; shared mailboxes by their own address
 * with the member's token; command lines of at most 4 096 octets). Every check is made by an
 * independent session where the server is the witness.
 */
const NORTHWIND = new URL('../fixtures/orgs/northwind-exchange.json', import.meta.url).pathname
const D = 'northwind.test'
const ORDERS = `shared:orders@${D}`
const RETURNS = `shared:returns@${D}`

let stack: MailStack
const services: TestService[] = []
beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(NORTHWIND))
  await stack.seed(`orders@${D}`, 'INBOX', Array.from({ length: 3000 }, (_, i) => ({
    raw: `From: Customer ${i} <customer${i}@example.net>\r\nTo: orders@${D}\r\nSubject: Order ${i}\r\nMessage-ID: <order-${i}@example.net>\r\nDate: ${new Date(Date.now() - (3000 - i) * 60_000).toUTCString()}\r\n\r\nWhere is order ${i}?\r\n`,
    date: new Date(Date.now() - (3000 - i) * 60_000),
  })))
  await stack.seed(`returns@${D}`, 'INBOX', [{
    raw: `From: Ana Trujillo <ana@example.net>\r\nTo: returns@${D}\r\nSubject: Broken teapot\r\nMessage-ID: <teapot-1@example.net>\r\nDate: ${new Date().toUTCString()}\r\n\r\nThe teapot arrived broken.\r\n`,
    date: new Date(),
  }])
})
afterAll(async () => { await Promise.all(services.map((s) => s.service.stop())); await stack?.stop() })

async function signIn(address: string): Promise<TestService> {
  const t = await newService()
  services.push(t)
  const { session } = await oauthSignIn(t, stack, address)
  expect(session.account.address).toBe(address)
  return t
}

async function syncAll(t: TestService, folderId: string) {
  const from = t.events.length
  const result = await t.service.syncMessages({ folderId, since: null, knownUids: 0 })
  return { result, rows: streamedMessages(t.events, from) }
}

describe('Tandem on an Exchange Online-shaped server', () => {
  it('signs in through the organisation\'s provider: own mailbox only, folder roles by name, quota not reported (never an error)', async () => {
    const t = await signIn(`maria@${D}`)
    const session = t.service.current()!
    // No shared namespace: no shared mailbox is listed by the server (R1 is the server's word).
    expect(session.mailboxes.map((m) => [m.kind, m.address, m.quota, m.quotaReported])).toEqual([['own', `maria@${D}`, null, false]])
    // A folder of her own named like a role, deeper down, is just a folder.
    const own = await memberSession(stack, `maria@${D}`)
    await own.mailboxCreate('Projects/Sent')
    await own.logout()
    const folders = await t.service.listFolders(`own:maria@${D}`)
    expect(folders.filter((f) => f.role !== 'other').map((f) => [f.path, f.role])).toEqual([
      ['INBOX', 'inbox'], ['Drafts', 'drafts'], ['Sent Items', 'sent'], ['Archive', 'archive'], ['Junk Email', 'junk'], ['Deleted Items', 'trash'],
    ])
    expect(folders.find((f) => f.path === 'Projects/Sent')?.role).toBe('other')
    // Without ACL the server states no rights: everything is allowed until the server says no.
    expect(folders.every((f) => f.rights.read && f.rights.write && f.rights.delete)).toBe(true)
    expect(t.events.filter((e) => e.name === 'connection.state').map((e) => (e.payload as { state: string }).state)).not.toContain('offline')
  })

  it('opens a shared mailbox by its address with the member\'s token; refuses a non-member (R1)', async () => {
    const yoshi = await signIn(`yoshi@${D}`)
    await expect(yoshi.service.addSharedMailbox(`orders@${D}`)).rejects.toMatchObject({ error: { code: 'permission.denied', rule: 'R1' } })
    expect(yoshi.service.current()!.mailboxes.map((m) => m.address)).toEqual([`yoshi@${D}`])
    const maria = await signIn(`maria@${D}`)
    const session = await maria.service.addSharedMailbox(`Orders@${D}`)
    // No directory entry can be trusted without ACL: named by its address, grants the person's to state.
    expect(session.mailboxes.map((m) => [m.address, m.name, m.added, m.unpublishedGrants, m.quota, m.quotaReported])).toEqual([
      [`maria@${D}`, `maria@${D}`, undefined, undefined, null, false], [`orders@${D}`, `orders@${D}`, true, true, null, false],
    ])
    const folders = await maria.service.listFolders(ORDERS)
    expect(folders.find((f) => f.role === 'sent')?.path).toBe('Sent Items')
    expect(folders.find((f) => f.role === 'trash')?.path).toBe('Deleted Items')
    expect(folders.map((f) => f.path)).not.toContain('Tandem Team')
  })

  it('reads and triages the shared mailbox; a long selection goes in commands that fit the server\'s line limit', async () => {
    const maria = await signIn(`maria@${D}`)
    await maria.service.addSharedMailbox(`orders@${D}`)
    const folders = await maria.service.listFolders(ORDERS)
    const inbox = folders.find((f) => f.role === 'inbox')!
    const trash = folders.find((f) => f.role === 'trash')!
    const { result, rows } = await syncAll(maria, inbox.id)
    expect(rows).toHaveLength(3000)
    // No CONDSTORE: no HIGHESTMODSEQ to remember.
    expect(result.state.highestModseq).toBeNull()
    const newest = rows.reduce((a, b) => (a.uid > b.uid ? a : b))
    expect((await maria.service.body(inbox.id, newest.uid)).text).toContain('Where is order 2999?')
    // Every other message: 1 500 UIDs that no range can join, some 7 500 octets as one list.
    const scattered = rows.map((r) => r.uid).sort((a, b) => a - b).filter((_, i) => i % 2 === 0)
    expect(await maria.service.setFlags(inbox.id, scattered, ['\\Flagged', '\\Seen'], [])).toEqual([])
    const moved = scattered.slice(0, 1200)
    const deleted = await maria.service.delete(inbox.id, moved, moved.map(() => null))
    expect(deleted.gone).toEqual([])
    expect(deleted.uidMap).toHaveLength(1200)
    // Tom's own client sees it all.
    const tom = await memberSession(stack, `tom@${D}`, `orders@${D}`)
    try {
      await tom.mailboxOpen('INBOX', { readOnly: true })
      expect(((await tom.search({ flagged: true }, { uid: true })) || []).length).toBe(scattered.length - moved.length)
      expect(((await tom.search({ seen: true }, { uid: true })) || []).length).toBe(scattered.length - moved.length)
      expect(await tom.status('Deleted Items', { messages: true })).toMatchObject({ messages: 1200 })
    } finally {
      await tom.logout()
    }
    expect(trash.path).toBe('Deleted Items')
  })

  it('keeps team state in the shared mailbox: a claim and a note, read back past the line limit', async () => {
    const [maria, tom] = [await signIn(`maria@${D}`), await signIn(`tom@${D}`)]
    await maria.service.addSharedMailbox(`orders@${D}`)
    await tom.service.addSharedMailbox(`orders@${D}`)
    // 1 500 earlier records, as if the team had worked for weeks (written as the server holds them).
    const earlier = await Promise.all(Array.from({ length: 1500 }, async (_, i) => {
      const r = { v: 1 as const, id: randomUUID(), conv: conversationIdFromRoot(`m:<order-${i}@example.net>`), at: Date.now() - 86_400_000 + i, by: `tom@${D}`, action: { kind: 'status' as const, status: 'waiting' as const } }
      const { subject, text } = recordSentence(r, 'Tom Berglund', 'en')
      return { raw: await recordMessage(r, 'Tom Berglund', subject, text), flags: ['\\Seen'] }
    }))
    await stack.seed(`orders@${D}`, 'Tandem Team', earlier)
    // Maria acts on order 7's mail: the service finds it by its Message-ID and computes its conversation.
    await stack.seed(`orders@${D}`, 'INBOX', [{ raw: [`From: Customer <customer7@example.net>`, `To: orders@${D}`, 'Subject: order 7', 'Message-ID: <order-7@example.net>', `Date: ${new Date().toUTCString()}`, '', 'Where is it?', ''].join('\r\n') }])
    const inbox = (await maria.service.listFolders(ORDERS)).find((f) => f.role === 'inbox')!
    const about = { folderId: inbox.id, uid: 1, messageId: '<order-7@example.net>' }
    const conv = conversationIdFromRoot('m:<order-7@example.net>')
    expect((await maria.service.teamRecord({ mailboxId: ORDERS, id: randomUUID(), about, at: Date.now(), action: { kind: 'assign', to: `maria@${D}`, expect: null }, locale: 'en' })).conversationId).toBe(conv)
    await maria.service.teamRecord({ mailboxId: ORDERS, id: randomUUID(), about, at: Date.now(), action: { kind: 'note', note: randomUUID(), text: 'Called the courier.' }, locale: 'en' })
    const fold = new TeamFold()
    let since = null
    for (;;) {
      const page = await tom.service.teamRead(ORDERS, since)
      expect(page.exists).toBe(true)
      fold.add(fromTeamWire(page.records))
      since = page.cursor
      if (!page.more) break
    }
    expect(fold.get(conv).assignee).toBe(`maria@${D}`)
    expect(fold.get(conv).notes.map((n) => n.text)).toEqual(['Called the courier.'])
    expect(fold.get(conversationIdFromRoot('m:<order-1499@example.net>')).status).toBe('waiting')
  })

  it('with no directory, acts on a claimed Send As, which the server checks, and never on a claimed On Behalf (R2, R3)', async () => {
    // Nothing here checks who may send on behalf (Exchange itself would; this Postfix cannot): refused.
    const tom = await signIn(`tom@${D}`)
    await tom.service.addSharedMailbox(`returns@${D}`)
    await expect(tom.service.claimGrant(RETURNS, 'onBehalf', true)).rejects.toMatchObject({ error: { code: 'send.notAllowed', rule: 'R3' } })
    expect(tom.service.identities().some((i) => i.kind === 'onBehalf')).toBe(false)
    // Send As is checked by the submission server's sender login map: the claim is acted on.
    const yoshi = await signIn(`yoshi@${D}`)
    await yoshi.service.addSharedMailbox(`returns@${D}`)
    const identities = await yoshi.service.claimGrant(RETURNS, 'sendAs', true)
    const sendAs = identities.find((i) => i.kind === 'sendAs' && i.from.address === `returns@${D}`)!
    const req: SendRequest = {
      identityId: sendAs.id, to: [{ name: 'Ana Trujillo', address: `hanna@${D}` }], cc: [], bcc: [], subject: 'Re: Broken teapot',
      text: 'A new teapot is on its way.', html: null, inReplyTo: '<teapot-1@example.net>', references: ['<teapot-1@example.net>'], encrypt: false, attachments: [],
    }
    const sent = await yoshi.service.send(req)
    const hanna = await memberSession(stack, `hanna@${D}`)
    try {
      await hanna.mailboxOpen('INBOX', { readOnly: true })
      const uid = await eventually(async () => ((await hanna.search({ header: { 'message-id': sent.messageId } }, { uid: true })) || [])[0], 'the reply arrives')
      const m = await hanna.fetchOne(String(uid), { envelope: true }, { uid: true })
      expect(m && m.envelope?.from?.[0]?.address).toBe(`returns@${D}`)
      // Send As: no trace of the member (R2).
      expect(m && m.envelope?.sender?.[0]?.address).toBe(`returns@${D}`)
    } finally {
      await hanna.logout()
    }
  })

  it('works from the cache while the server is down and comes back by itself (R9)', async () => {
    const maria = await signIn(`maria@${D}`)
    await maria.service.addSharedMailbox(`orders@${D}`)
    await stack.pause()
    try {
      await eventually(() => maria.service.connections().every((c) => c.state !== 'online'), 'offline')
      await expect(maria.service.listFolders(ORDERS)).rejects.toMatchObject({ error: { code: 'network.unreachable' } })
      expect(maria.service.current()!.mailboxes.map((m) => m.address)).toEqual([`maria@${D}`, `orders@${D}`])
    } finally {
      await stack.resume()
    }
    await eventually(async () => (await maria.service.listFolders(ORDERS).catch(() => [])).length > 0, 'back online', 30_000)
  })
})
