import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import nodemailer from 'nodemailer'
import { loadOrganisation, parseOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, imapSession, passwordOf } from './helpers'

let a: MailStack
let b: MailStack
const WORLD = { address: 'world@outside.example', name: 'The outside world', password: 'world-pw' }

beforeAll(async () => {
  const contoso = await loadOrganisation(CONTOSO)
  // A second organisation, written by the test, running at the same time.
  const fabrikam = parseOrganisation({
    name: 'Fabrikam', domains: ['fabrikam.test'],
    users: [{ address: 'erin@fabrikam.test', name: 'Erin', password: 'erin-pw' }],
    sharedMailboxes: [{ address: 'sales@fabrikam.test', name: 'Sales', quotaMB: 1, members: [{ address: 'erin@fabrikam.test', sendAs: true }] }],
    folders: { sent: 'Sent', drafts: 'Drafts', trash: 'Trash', junk: 'Spam', archive: 'Archive' },
  })
  // Fabrikam's stack keeps mail to the outside world in a mailbox of its own, as the demo's does.
  ;[a, b] = await Promise.all([startMailStack(contoso), startMailStack(fabrikam, { outsideWorld: WORLD })])
})
afterAll(async () => { await Promise.all([a?.stop(), b?.stop()]) })

function message(i: number, to = 'support@contoso.test'): string {
  return `From: Customer ${i} <customer${i}@example.net>\nTo: ${to}\nSubject: Order ${i}\nMessage-ID: <order-${i}@example.net>\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n\nHello, question ${i}.\n`
}

describe('the test mail stack', () => {
  it('runs two organisations side by side on different loopback ports', () => {
    const all = [...Object.values(a.ports), ...Object.values(b.ports)]
    expect(new Set(all).size).toBe(all.length)
    expect(a.dir).not.toBe(b.dir)
  })

  it('shows each person exactly the shared mailboxes the organisation gives them (R1)', async () => {
    const expected: Record<string, string[]> = {
      'alice@contoso.test': ['shared/support@contoso.test'],
      'bob@contoso.test': ['shared/support@contoso.test'],
      'carol@contoso.test': ['shared/reception@contoso.test'],
      'dave@contoso.test': [],
    }
    for (const [user, mailboxes] of Object.entries(expected)) {
      const c = await imapSession(a, user, passwordOf(a, user))
      const tops = (await c.list()).filter((f) => f.path.startsWith('shared/') && f.parent.length === 1).map((f) => f.path)
      expect(tops.sort(), user).toEqual(mailboxes)
      await c.logout()
    }
  })

  it('seeds thousands of messages quickly and Dovecot sees them with their flags and dates', async () => {
    const n = 2000
    const started = Date.now()
    await a.seed('support@contoso.test', 'INBOX', Array.from({ length: n }, (_, i) => ({
      raw: message(i), flags: i % 3 === 0 ? ['\\Seen'] : [], date: new Date(Date.UTC(2026, 10, 1) + i * 60_000),
    })))
    const seedMs = Date.now() - started
    const c = await imapSession(a, 'support@contoso.test*alice@contoso.test', passwordOf(a, 'alice@contoso.test'))
    const status = await c.status('INBOX', { messages: true, unseen: true })
    if (!status) throw new Error('STATUS failed')
    expect(status.messages).toBe(n)
    expect(status.unseen).toBe(n - Math.ceil(n / 3))
    await c.mailboxOpen('INBOX')
    const first = await c.fetchOne('1', { envelope: true, internalDate: true })
    expect(first && first.envelope?.subject).toMatch(/^Order \d+$/)
    expect(first && (first.internalDate as Date).getUTCFullYear()).toBe(2026)
    await c.logout()
    console.log(`seeded ${n} messages in ${seedMs} ms`)
  })

  it('gives a delegate session the shared mailbox\'s quota (R5) and enforces it', async () => {
    const c = await imapSession(b, 'sales@fabrikam.test*erin@fabrikam.test', 'erin-pw')
    const q = await c.getQuota('INBOX')
    expect(q && q.storage?.limit).toBe(1024 * 1024)
    const big = `From: x@fabrikam.test\r\nSubject: big\r\n\r\n${'x'.repeat(700 * 1024)}\r\n`
    await c.append('INBOX', big)
    const err = await c.append('INBOX', big).then(() => null, (e: { serverResponseCode?: string }) => e)
    expect(err?.serverResponseCode).toBe('OVERQUOTA')
    await c.logout()
  })

  it('lets the server check the envelope sender against the login (R2 at the server)', async () => {
    const send = (user: string, from: string) => nodemailer.createTransport({
      host: a.host, port: a.ports.submission, secure: false, ignoreTLS: true, auth: { user, pass: passwordOf(a, user) },
    }).sendMail({ envelope: { from, to: ['dave@contoso.test'] }, raw: `From: ${from}\r\nTo: dave@contoso.test\r\nSubject: envelope ${user}\r\n\r\nhi\r\n` })
    await expect(send('alice@contoso.test', 'support@contoso.test')).resolves.toMatchObject({ accepted: ['dave@contoso.test'] })
    await expect(send('bob@contoso.test', 'support@contoso.test')).rejects.toMatchObject({ responseCode: 553 })
    await expect(send('bob@contoso.test', 'support@contoso.test')).rejects.toThrow(/553 5\.7\.1 <support@contoso\.test>: Sender address rejected: not owned by user bob@contoso\.test/)
    await expect(send('carol@contoso.test', 'support@contoso.test')).rejects.toThrow(/not owned by user carol@contoso\.test/)
    await expect(send('bob@contoso.test', 'bob@contoso.test')).resolves.toMatchObject({ accepted: ['dave@contoso.test'] })
  })

  it('delivers submitted mail through LMTP into the recipient\'s Dovecot mailbox', async () => {
    const c = await imapSession(a, 'dave@contoso.test', passwordOf(a, 'dave@contoso.test'))
    let subjects: string[] = []
    for (let i = 0; i < 50 && subjects.length < 2; i++) {
      await c.mailboxOpen('INBOX')
      subjects = []
      for await (const m of c.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '')
      if (subjects.length < 2) await new Promise((r) => setTimeout(r, 100))
    }
    expect(subjects.sort()).toEqual(['envelope alice@contoso.test', 'envelope bob@contoso.test'])
    await c.logout()
  })

  it('keeps mail to anyone outside the organisation in the outside world\'s mailbox where asked, and mail inside goes where it is addressed', async () => {
    const erin = nodemailer.createTransport({ host: b.host, port: b.ports.submission, secure: false, ignoreTLS: true, auth: { user: 'erin@fabrikam.test', pass: 'erin-pw' } })
    const sent = await erin.sendMail({
      envelope: { from: 'erin@fabrikam.test', to: ['tomas.herrera@fabrikam.example', 'priya@adatum.example', 'sales@fabrikam.test'] },
      raw: 'From: erin@fabrikam.test\r\nTo: tomas.herrera@fabrikam.example, priya@adatum.example\r\nCc: sales@fabrikam.test\r\nSubject: To the customers\r\nMessage-ID: <outside-1@fabrikam.test>\r\n\r\nHello.\r\n',
    })
    expect(sent.accepted.sort()).toEqual(['priya@adatum.example', 'sales@fabrikam.test', 'tomas.herrera@fabrikam.example'])
    const world = await imapSession(b, WORLD.address, WORLD.password)
    const sales = await imapSession(b, 'sales@fabrikam.test*erin@fabrikam.test', 'erin-pw')
    const count = async (c: typeof world) => {
      await c.mailboxOpen('INBOX', { readOnly: true })
      return ((await c.search({ header: { 'message-id': '<outside-1@fabrikam.test>' } }, { uid: true })) || []).length
    }
    for (let i = 0; i < 100 && (await count(world)) + (await count(sales)) < 2; i++) await new Promise((r) => setTimeout(r, 100))
    // Two outside recipients, one mailbox: Postfix delivers a message once per final address.
    expect(await count(world)).toBe(1)
    expect(await count(sales)).toBe(1)
    await world.logout()
    await sales.logout()
  })
})
