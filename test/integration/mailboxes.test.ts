import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import MailComposer from 'nodemailer/lib/mail-composer'
import { loadOrganisation, parseOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { syncFolder } from '../../electron/service/operations/sync'
import { CONTOSO, eventually, streamedMessages, newService, imapSession, passwordOf, serverSettings, type TestService } from './helpers'

let stack: MailStack

const mail = (i: number, extra: Record<string, unknown> = {}) => new MailComposer({
  from: `Customer ${i} <c${i}@example.net>`, to: 'support@contoso.test', subject: `Case ${i}`, messageId: `<case-${i}@example.net>`,
  date: new Date(Date.UTC(2026, 10, 1, 9, i)), text: `Text of case ${i}`, ...extra,
}).compile().build()

beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO))
  await stack.seed('support@contoso.test', 'INBOX', await Promise.all(Array.from({ length: 30 }, async (_, i) => ({ raw: await mail(i), date: new Date(Date.UTC(2026, 10, 1, 9, i)) }))))
})
afterAll(async () => { await stack?.stop() })

async function signIn(user: string): Promise<TestService> {
  const t = await newService()
  await t.service.signIn({ address: user, password: passwordOf(stack, user), server: serverSettings(stack) })
  return t
}

/** Runs a sync and collects the messages it streamed, as the renderer's cache would. */
async function sync(t: TestService, folderId: string, since: Parameters<TestService['service']['syncMessages']>[0]['since'] = null, knownUids = 0) {
  const from = t.events.length
  const result = await t.service.syncMessages({ folderId, since, knownUids })
  const streamed = streamedMessages(t.events, from)
  return { result, streamed }
}

describe('shared mailboxes side by side', () => {
  const services: TestService[] = []
  beforeEach(() => () => Promise.all(services.splice(0).map((s) => s.service.stop())))
  const open = async (user: string) => { const t = await signIn(user); services.push(t); return t }

  it('shows each person exactly the shared mailboxes the organisation gives them, by name (R1)', async () => {
    const expected: Record<string, string[]> = {
      'alice@contoso.test': ['alice@contoso.test', 'Contoso Support'],
      'bob@contoso.test': ['bob@contoso.test', 'Contoso Support'],
      'carol@contoso.test': ['carol@contoso.test', 'Reception Desk'],
      'dave@contoso.test': ['dave@contoso.test'],
    }
    for (const [user, names] of Object.entries(expected)) {
      const t = await open(user)
      expect(t.service.current()!.mailboxes.map((m) => m.name), user).toEqual(names)
    }
  })

  it('works each shared mailbox through its own session: real folder roles and rights', async () => {
    const t = await open('bob@contoso.test')
    const folders = await t.service.listFolders('shared:support@contoso.test')
    expect(folders.map((f) => [f.path, f.role])).toEqual([
      ['INBOX', 'inbox'], ['Drafts', 'drafts'], ['Sent Items', 'sent'], ['Archive', 'archive'], ['Junk Email', 'junk'], ['Deleted Items', 'trash'],
    ])
    expect(folders[0]!.id).toBe('shared:support@contoso.test|INBOX')
    expect(folders.every((f) => f.rights.read && f.rights.delete)).toBe(true)
  })

  it('reports each mailbox\'s quota from the server (R5)', async () => {
    const t = await open('alice@contoso.test')
    const support = t.service.current()!.mailboxes.find((m) => m.kind === 'shared')!
    expect(support.quota).toMatchObject({ limit: 50 * 1024 * 1024, level: 'ok' })
    expect(support.quota!.used).toBeGreaterThan(0)
    const own = t.service.current()!.mailboxes.find((m) => m.kind === 'own')!
    expect(own.quota).toMatchObject({ limit: 200 * 1024 * 1024, level: 'ok' })
  })

  it('syncs headers into the cache, then only what another member changed (R15)', async () => {
    const t = await open('bob@contoso.test')
    await t.service.listFolders('shared:support@contoso.test')
    const inbox = 'shared:support@contoso.test|INBOX'
    const first = await sync(t, inbox)
    expect(first.result.reset).toBe(true)
    expect(first.streamed).toHaveLength(30)
    expect(first.streamed[0]).toMatchObject({ subject: 'Case 0', from: [{ name: 'Customer 0', address: 'c0@example.net' }], mailboxId: 'shared:support@contoso.test' })

    // Alice, in her own client: flags one, moves one to Archive, and two new mails arrive.
    const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await alice.mailboxOpen('INBOX')
    const [flagged, moved] = [first.streamed[3]!.uid, first.streamed[4]!.uid]
    await alice.messageFlagsAdd(String(flagged), ['\\Flagged'], { uid: true })
    await alice.messageMove(String(moved), 'Archive', { uid: true })
    await alice.logout()
    await stack.deliver('support@contoso.test', await mail(100))
    await stack.deliver('support@contoso.test', await mail(101))

    const next = await sync(t, inbox, first.result.state, 30)
    expect(next.result.reset).toBe(false)
    expect(next.streamed.map((m) => m.subject).sort()).toEqual(['Case 100', 'Case 101'])
    // CONDSTORE: only the changed message's flags come back, not all 30.
    expect(next.result.changed).toEqual([{ uid: flagged, flags: ['\\Flagged'] }])
    // QRESYNC (Dovecot has it): the moved message is named by VANISHED, no list of every UID.
    expect(next.result.vanished).toEqual([moved])
    expect(next.result.present).toBeNull()
    expect(next.result.state.count).toBe(31)

    // Nothing changed: nothing fetched.
    const idle = await sync(t, inbox, next.result.state, 31)
    expect(idle.streamed).toEqual([])
    expect(idle.result).toMatchObject({ changed: [], vanished: [], present: null, added: 0 })
    // Bytes read from the server: the incremental syncs fetch a fraction of the first one.
    expect(first.result.received).toBeGreaterThan(0)
    expect(next.result.received).toBeLessThan(first.result.received / 3)
    expect(idle.result.received).toBeLessThan(next.result.received)
  })

  it('without QRESYNC, finds removals by the UIDs that remain, and with it by VANISHED', async () => {
    const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    // A session like a server without QRESYNC would give: imapflow enables it only when asked.
    const plain = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    const bob = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'), { qresync: true })
    try {
      expect(plain.enabled.has('QRESYNC')).toBe(false)
      expect(bob.enabled.has('QRESYNC')).toBe(true)
      const req = { folderId: 'shared:support@contoso.test|INBOX', mailboxId: 'shared:support@contoso.test', path: 'INBOX', since: null, knownUids: 0 }
      const uids: number[] = []
      const first = await syncFolder(plain, req, (batch) => { uids.push(...batch.map(([uid]) => uid)) })
      await alice.mailboxOpen('INBOX')
      const [a, b] = [uids[5]!, uids[6]!]
      const moved = await alice.messageMove(`${a},${b}`, 'Archive', { uid: true })
      if (!moved || !moved.uidMap) throw new Error('the server gave no COPYUID for the move')
      expect(moved.uidMap.size).toBe(2)
      const next = { ...req, since: first.state, knownUids: uids.length }
      const withoutQresync = await syncFolder(plain, next, () => undefined)
      expect(withoutQresync.vanished).toBeNull()
      expect(withoutQresync.present).toEqual(uids.filter((u) => u !== a && u !== b))
      const withQresync = await syncFolder(bob, next, () => undefined)
      expect(withQresync.present).toBeNull()
      expect(withQresync.vanished!.sort((x, y) => x - y)).toEqual([a, b])
      expect(withQresync.state.count).toBe(uids.length - 2)
      // Moved back, as they were: later tests count on the Inbox.
      await alice.mailboxOpen('Archive')
      await alice.messageMove([...moved.uidMap.values()].join(','), 'INBOX', { uid: true })
    } finally {
      for (const c of [alice, plain, bob]) await c.logout()
    }
  })

  it('tells the renderer within seconds when another member changes a folder (IDLE)', async () => {
    const t = await open('bob@contoso.test')
    await t.service.listFolders('shared:support@contoso.test')
    await sync(t, 'shared:support@contoso.test|INBOX')
    const from = t.events.length
    await new Promise((r) => setTimeout(r, 300))
    const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await alice.append('INBOX', await mail(200))
    await alice.logout()
    await eventually(() => t.events.slice(from).some((e) => e.name === 'folder.changed' && (e.payload as { folderId: string }).folderId === 'shared:support@contoso.test|INBOX'), 'folder.changed for the support INBOX', 5000)
  })

  it('carries flags and moves to the server, where the other member sees them', async () => {
    const t = await open('bob@contoso.test')
    await t.service.listFolders('shared:support@contoso.test')
    const { streamed } = await sync(t, 'shared:support@contoso.test|INBOX')
    const target = streamed.find((m) => m.subject === 'Case 7')!
    await t.service.setFlags(target.folderId, [target.uid], ['\\Seen', '\\Flagged'], [])
    const moveMe = streamed.find((m) => m.subject === 'Case 8')!
    const moved = await t.service.move(moveMe.folderId, [moveMe.uid], 'shared:support@contoso.test|Archive')
    expect(moved.uidMap).toHaveLength(1)

    const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await alice.mailboxOpen('INBOX')
    const seen = await alice.fetchOne(String(target.uid), { flags: true }, { uid: true })
    expect(seen && [...seen.flags!].sort()).toEqual(['\\Flagged', '\\Seen'])
    await alice.mailboxOpen('Archive')
    const archived = await alice.fetchOne(String(moved.uidMap[0]![1]), { envelope: true }, { uid: true })
    expect(archived && archived.envelope!.subject).toBe('Case 8')
    await alice.logout()
  })

  it('deletes into Deleted Items, never expunging, and the move back restores it (R10)', async () => {
    const t = await open('alice@contoso.test')
    await t.service.listFolders('shared:support@contoso.test')
    const { streamed } = await sync(t, 'shared:support@contoso.test|INBOX')
    const victim = streamed.find((m) => m.subject === 'Case 9')!
    const del = await t.service.delete(victim.folderId, [victim.uid])
    expect(del.toFolderId).toBe('shared:support@contoso.test|Deleted Items')
    const bob = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    await bob.mailboxOpen('Deleted Items')
    const inTrash = await bob.fetchOne(String(del.uidMap[0]![1]), { envelope: true }, { uid: true })
    expect(inTrash && inTrash.envelope!.subject).toBe('Case 9')
    // Undo is a move back.
    const back = await t.service.move(del.toFolderId, [del.uidMap[0]![1]], 'shared:support@contoso.test|INBOX')
    await bob.mailboxOpen('INBOX')
    expect((await bob.fetchOne(String(back.uidMap[0]![1]), { envelope: true }, { uid: true }) || null)?.envelope?.subject).toBe('Case 9')
    await bob.logout()
    // Deleting inside Deleted Items is refused rather than erasing.
    await expect(t.service.delete(del.toFolderId, [1])).rejects.toMatchObject({ error: { rule: 'R10' } })
  })

  it('reads an HTML mail with an attachment, and streams the attachment', async () => {
    const raw = await mail(300, { html: '<p>Hello <b>support</b></p><script>alert(1)</script>', attachments: [{ filename: 'invoice.csv', content: 'id,amount\n300,12.50\n' }] })
    await stack.seed('support@contoso.test', 'INBOX', [{ raw }])
    const t = await open('bob@contoso.test')
    await t.service.listFolders('shared:support@contoso.test')
    const { streamed } = await sync(t, 'shared:support@contoso.test|INBOX')
    const m = streamed.find((x) => x.subject === 'Case 300')!
    expect(m.hasAttachments).toBe(true)
    const body = await t.service.body(m.folderId, m.uid)
    expect(body.html).toContain('<b>support</b>')
    expect(body.text).toContain('Text of case 300')
    expect(body.attachments).toEqual([expect.objectContaining({ filename: 'invoice.csv', contentType: 'text/csv' })])
    const { url } = await t.service.attachmentLink(m.folderId, m.uid, body.attachments[0]!.partId)
    const file = await t.service.openAttachment(url.split('/').pop()!)
    const chunks: Buffer[] = []
    for await (const c of file!.stream as AsyncIterable<Buffer>) chunks.push(c)
    expect(Buffer.concat(chunks).toString()).toBe('id,amount\n300,12.50\n')
    // A ticket works once.
    expect(await t.service.openAttachment(url.split('/').pop()!)).toBeNull()
  })
})

describe('membership and rights change on the server', () => {
  it('drops a shared mailbox when the member is removed (R1), and offers no delete without the right', async () => {
    const org = parseOrganisation({
      name: 'Revoke', domains: ['r.test'],
      users: [{ address: 'ann@r.test', name: 'Ann', password: 'ann-pw' }],
      sharedMailboxes: [{ address: 'desk@r.test', name: 'Front Desk', members: [{ address: 'ann@r.test' }] }],
    })
    const s = await startMailStack(org)
    try {
      // Dovecot caches rights per session, so the change comes before Ann's sessions open.
      await s.setRights('desk@r.test', 'ann@r.test', 'lrws', ['Archive'])
      const t = await newService()
      await t.service.signIn({ address: 'ann@r.test', password: 'ann-pw', server: serverSettings(s) })
      expect(t.service.current()!.mailboxes.map((m) => m.name)).toEqual(['ann@r.test', 'Front Desk'])

      const folders = await t.service.listFolders('shared:desk@r.test')
      expect(folders.find((f) => f.path === 'Archive')!.rights).toEqual({ read: true, write: true, seen: true, insert: false, delete: false })
      expect(folders.find((f) => f.path === 'INBOX')!.rights.delete).toBe(true)
      await expect(t.service.delete('shared:desk@r.test|Archive', [1])).rejects.toMatchObject({ error: { code: 'permission.denied' } })

      await s.setRights('desk@r.test', 'ann@r.test', null)
      const session = await t.service.refreshMailboxes()
      expect(session.mailboxes.map((m) => m.name)).toEqual(['ann@r.test'])
      expect(t.events.some((e) => e.name === 'session.changed')).toBe(true)
      await expect(t.service.listFolders('shared:desk@r.test')).rejects.toMatchObject({ error: { code: 'request.invalid' } })
      await t.service.stop()
    } finally {
      await s.stop()
    }
  })
})
