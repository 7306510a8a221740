import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImapFlow } from 'imapflow'
import { simpleParser } from 'mailparser'
import type { SendRequest } from '../../shared/api/contract'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, eventually, newService, imapSession, passwordOf, serverSettings, type TestService } from './helpers'

let stack: MailStack
beforeAll(async () => { stack = await startMailStack(await loadOrganisation(CONTOSO)) })
afterAll(async () => { await stack?.stop() })

const services: TestService[] = []
afterAll(async () => { await Promise.all(services.map((s) => s.service.stop())) })
async function as(user: string): Promise<TestService> {
  const t = await newService()
  await t.service.signIn({ address: user, password: passwordOf(stack, user), server: serverSettings(stack) })
  services.push(t)
  return t
}

const request = (identityId: string, subject: string, extra: Partial<SendRequest> = {}): SendRequest => ({
  identityId, to: [{ name: 'Dave Dunn', address: 'dave@contoso.test' }], cc: [], bcc: [], subject,
  text: `Body of ${subject}`, html: null, inReplyTo: null, references: [], encrypt: false, attachments: [], ...extra,
})

/** The headers of the message with this subject in a folder, read back over IMAP. */
async function arrived(client: ImapFlow, folder: string, subject: string) {
  return eventually(async () => {
    await client.mailboxOpen(folder)
    const uids = await client.search({ subject }, { uid: true })
    if (!uids || !uids.length) return null
    const m = await client.fetchOne(String(uids[0]), { source: true }, { uid: true })
    return m ? simpleParser(m.source!) : null
  }, `${subject} in ${folder}`)
}

describe('sending with the right identity, proved at the server', () => {
  it('offers each person exactly their identities (R2, R3)', async () => {
    expect((await as('alice@contoso.test')).service.identities().map((i) => i.label)).toEqual(['Alice Archer <alice@contoso.test>', 'Contoso Support <support@contoso.test>'])
    expect((await as('bob@contoso.test')).service.identities().map((i) => i.label)).toEqual(['Bob Baker <bob@contoso.test>', 'Bob Baker on behalf of Contoso Support'])
    expect((await as('carol@contoso.test')).service.identities().map((i) => i.label)).toEqual(['Carol Chen <carol@contoso.test>', 'Reception Desk <reception@contoso.test>'])
  })

  it('alice sends as support: From support, no Sender, copy in support\'s Sent Items (R2)', async () => {
    const alice = await as('alice@contoso.test')
    const res = await alice.service.send(request('sendAs:support@contoso.test', 'Send-as from alice'))
    expect(res.sentFolderId).toBe('shared:support@contoso.test|Sent Items')
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    const got = await arrived(dave, 'INBOX', 'Send-as from alice')
    expect(got.from?.value).toEqual([{ name: 'Contoso Support', address: 'support@contoso.test' }])
    expect(got.headers.has('sender')).toBe(false)
    expect(got.messageId).toBe(res.messageId)
    await dave.logout()
    // Bob, another member, finds it in the shared mailbox's Sent Items, not in alice's own.
    const bob = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    expect((await arrived(bob, 'Sent Items', 'Send-as from alice')).messageId).toBe(res.messageId)
    await bob.logout()
    const aliceOwn = await imapSession(stack, 'alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await aliceOwn.mailboxOpen('Sent Items')
    expect(await aliceOwn.search({ subject: 'Send-as from alice' }, { uid: true })).toEqual([])
    await aliceOwn.logout()
  })

  it('bob sends on behalf: From support, Sender bob (R3)', async () => {
    const bob = await as('bob@contoso.test')
    await bob.service.send(request('onBehalf:support@contoso.test', 'On behalf from bob'))
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    const got = await arrived(dave, 'INBOX', 'On behalf from bob')
    expect(got.from?.value).toEqual([{ name: 'Contoso Support', address: 'support@contoso.test' }])
    expect(got.headers.get('sender')).toMatchObject({ value: [{ address: 'bob@contoso.test' }] })
    await dave.logout()
  })

  it('refuses bob\'s send-as without the grant, and carol any use of support, before anything leaves (R2, R3)', async () => {
    const bob = await as('bob@contoso.test')
    await expect(bob.service.send(request('sendAs:support@contoso.test', 'Forbidden send-as'))).rejects.toMatchObject({ error: { code: 'send.notAllowed', rule: 'R2' } })
    const carol = await as('carol@contoso.test')
    await expect(carol.service.send(request('onBehalf:support@contoso.test', 'Forbidden on-behalf'))).rejects.toMatchObject({ error: { rule: 'R3' } })
    await expect(carol.service.send(request('sendAs:support@contoso.test', 'Forbidden send-as 2'))).rejects.toMatchObject({ error: { rule: 'R2' } })
    await new Promise((r) => setTimeout(r, 500))
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    await dave.mailboxOpen('INBOX')
    expect(await dave.search({ subject: 'Forbidden' }, { uid: true })).toEqual([])
    await dave.logout()
  })

  it('refuses an encrypted send from a shared identity (R4)', async () => {
    const alice = await as('alice@contoso.test')
    await expect(alice.service.send(request('sendAs:support@contoso.test', 'Encrypted shared', { encrypt: true }))).rejects.toMatchObject({ error: { code: 'send.encryptionShared', rule: 'R4' } })
  })

  it('threads a reply: In-Reply-To and References arrive', async () => {
    const alice = await as('alice@contoso.test')
    await alice.service.send(request('self:alice@contoso.test', 'Re: Threaded', { inReplyTo: '<orig@example.net>', references: ['<root@example.net>', '<orig@example.net>'] }))
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    const got = await arrived(dave, 'INBOX', 'Re: Threaded')
    expect(got.inReplyTo).toBe('<orig@example.net>')
    expect(got.references).toEqual(['<root@example.net>', '<orig@example.net>'])
    await dave.logout()
  })

  it('sends attachments, within the server\'s SIZE limit', async () => {
    const alice = await as('alice@contoso.test')
    expect(await alice.service.sizeLimit()).toBe(26214400)
    await alice.service.send(request('self:alice@contoso.test', 'With a file', {
      attachments: [{ filename: 'rota.csv', contentType: 'text/csv', contentBase64: Buffer.from('day,who\nmon,alice\n').toString('base64') }],
    }))
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    const got = await arrived(dave, 'INBOX', 'With a file')
    expect(got.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['rota.csv', 'day,who\nmon,alice\n']])
    await dave.logout()
  })

  it('refuses to send from a full shared mailbox (R6)', async () => {
    const { parseOrganisation } = await import('../mailstack/organisation')
    const small = await startMailStack(parseOrganisation({
      name: 'Full', domains: ['f.test'], users: [{ address: 'fay@f.test', name: 'Fay', password: 'fay-pw' }],
      sharedMailboxes: [{ address: 'desk@f.test', name: 'Desk', quotaMB: 0.05, members: [{ address: 'fay@f.test', sendAs: true }] }],
    }))
    try {
      await small.seed('desk@f.test', 'INBOX', [{ raw: `Subject: big\r\n\r\n${'x'.repeat(60 * 1024)}\r\n` }])
      const t = await newService()
      await t.service.signIn({ address: 'fay@f.test', password: 'fay-pw', server: serverSettings(small) })
      await expect(t.service.send({ ...request('sendAs:desk@f.test', 'From a full desk'), to: [{ name: '', address: 'fay@f.test' }] }))
        .rejects.toMatchObject({ error: { code: 'send.mailboxFull', rule: 'R6' } })
      await t.service.send({ ...request('self:fay@f.test', 'From Fay herself'), to: [{ name: '', address: 'fay@f.test' }] })
      await t.service.stop()
    } finally {
      await small.stop()
    }
  })
})

describe('drafts', () => {
  it('saves drafts into the Drafts of the identity\'s mailbox, one version at a time, and removes them', async () => {
    const alice = await as('alice@contoso.test')
    const draft = request('sendAs:support@contoso.test', 'Draft reply to a customer')
    const { randomUUID } = await import('node:crypto')
    const first = await alice.service.saveDraft(draft, { key: randomUUID(), n: 1 })
    expect(first.folderId).toBe('shared:support@contoso.test|Drafts')
    const firstKey = randomUUID()
    await alice.service.saveDraft(draft, { key: firstKey, n: 1 })
    const second = await alice.service.saveDraft({ ...draft, text: 'Second version' }, { key: firstKey, n: 2 })
    const bob = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    await bob.mailboxOpen('Drafts')
    const uids = (await bob.search({ subject: 'Draft reply to a customer' }, { uid: true })) as number[]
    expect(uids).toEqual([first.uid, second.uid])
    const m = await bob.fetchOne(String(second.uid), { flags: true, source: true }, { uid: true })
    expect(m && [...m.flags!]).toContain('\\Draft')
    expect(m && m.source!.toString()).toContain('Second version')
    await alice.service.discardDraft('shared:support@contoso.test', firstKey)
    await bob.mailboxOpen('Drafts')
    expect(await bob.search({ subject: 'Draft reply to a customer' }, { uid: true })).toEqual([first.uid])
    await bob.messageDelete(String(first.uid), { uid: true })
    // Discarded: every saved version of it goes, found by its key; nothing else in Drafts.
    const key = randomUUID()
    for (const n of [1, 2]) await alice.service.saveDraft({ ...draft, text: `Version ${n}` }, { key, n })
    await alice.service.saveDraft(request('sendAs:support@contoso.test', 'Another draft'), { key: randomUUID(), n: 1 })
    const count = async (subject: string) => { await bob.mailboxOpen('Drafts'); return ((await bob.search({ subject }, { uid: true })) || []).length }
    expect(await count('Draft reply to a customer')).toBe(1) // version 2 replaced version 1
    await alice.service.discardDraft('shared:support@contoso.test', key)
    expect([await count('Draft reply to a customer'), await count('Another draft')]).toEqual([0, 1])
    await expect(alice.service.discardDraft('shared:reception@contoso.test', key)).rejects.toMatchObject({ error: { code: 'request.invalid' } })
    await bob.logout()
    // A draft cannot be saved under an identity the person does not have (R2).
    const carol = await as('carol@contoso.test')
    await expect(carol.service.saveDraft(request('sendAs:support@contoso.test', 'x'), { key: randomUUID(), n: 1 })).rejects.toMatchObject({ error: { rule: 'R2' } })
  })

  it('a crafted call cannot remove a colleague\'s draft, nor set \\Deleted (R10)', async () => {
    const { randomUUID } = await import('node:crypto')
    const alice = await as('alice@contoso.test')
    const bob = await as('bob@contoso.test')
    // Bob's draft in the shared Drafts; its key is visible to every member in its Message-ID.
    const key = randomUUID()
    const subject = `Bob's half-written answer ${key}`
    const saved = await bob.service.saveDraft(request('onBehalf:support@contoso.test', subject), { key, n: 1 })
    await alice.service.discardDraft('shared:support@contoso.test', key)
    await alice.service.saveDraft(request('sendAs:support@contoso.test', subject, { text: 'alice, same key' }), { key, n: 7 })
    await alice.service.send(request('sendAs:support@contoso.test', `${subject} (sent)`, { replacesDrafts: [{ key, mailboxId: 'shared:support@contoso.test' }] }))
    const witness = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    await witness.mailboxOpen('Drafts')
    expect(await witness.search({ uid: String(saved.uid) }, { uid: true })).toEqual([saved.uid])
    // \Deleted would let a member with only the w right mark mail for expunge.
    await witness.mailboxOpen('INBOX')
    await expect(alice.service.setFlags('shared:support@contoso.test|INBOX', [1], ['\\Deleted'], [])).rejects.toMatchObject({ error: { rule: 'R10' } })
    await expect(alice.service.setFlags('shared:support@contoso.test|INBOX', [1], [], ['\\DELETED'])).rejects.toMatchObject({ error: { rule: 'R10' } })
    await witness.logout()
  })

  it('removes a sent message\'s saved drafts from every mailbox it was saved in, and only once it went', async () => {
    const { randomUUID } = await import('node:crypto')
    const alice = await as('alice@contoso.test')
    const key = randomUUID()
    const subject = `Written partly offline ${key}`
    // Two versions in Contoso Support's Drafts, then the From changed: a version in alice's own.
    await alice.service.saveDraft(request('sendAs:support@contoso.test', subject), { key, n: 1 })
    await alice.service.saveDraft(request('sendAs:support@contoso.test', subject, { text: 'v2' }), { key, n: 2 })
    const other = randomUUID()
    await alice.service.saveDraft(request('self:alice@contoso.test', subject, { text: 'v3' }), { key: other, n: 1 })
    const replacesDrafts = [{ key, mailboxId: 'shared:support@contoso.test' }, { key: other, mailboxId: 'own:alice@contoso.test' }]
    const support = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    const own = await imapSession(stack, 'alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    const drafts = async (c: ImapFlow) => { await c.mailboxOpen('Drafts'); return ((await c.search({ subject }, { uid: true })) || []).length }
    expect([await drafts(support), await drafts(own)]).toEqual([1, 1])
    // Refused (a message too big for the server is one way): nothing went, the drafts stay.
    const huge = { filename: 'big.bin', contentType: 'application/octet-stream', contentBase64: Buffer.alloc(60 * 1024 * 1024).toString('base64') }
    await expect(alice.service.send(request('self:alice@contoso.test', subject, { attachments: [huge], replacesDrafts }))).rejects.toBeTruthy()
    expect([await drafts(support), await drafts(own)]).toEqual([1, 1])
    // Sent from the outbox: the message arrives and its drafts are gone, in both mailboxes.
    await alice.service.send(request('self:alice@contoso.test', subject, { outboxId: randomUUID(), queuedAt: Date.now(), replacesDrafts }))
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    expect((await arrived(dave, 'INBOX', subject)).subject).toBe(subject)
    expect([await drafts(support), await drafts(own)]).toEqual([0, 0])
    await Promise.all([support.logout(), own.logout(), dave.logout()])
  })
})
