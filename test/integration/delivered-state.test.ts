import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordMessage } from '../../electron/service/operations/team'
import { fromTeamWire } from '../../shared/team/wire'
import { TEAM_RECORD_VERSION } from '../../shared/team/records'
import { smallOrganisation } from '../mailstack/organisation'
import { directoryMessage, startMailStack, type MailStack } from '../mailstack/stack'
import { imapSession, newService, passwordOf, serverSettings } from './helpers'

/**
 * A server that files mail for local+folder@ into that folder (Dovecot's
 * lmtp_save_to_detail_mailbox with Postfix's recipient_delimiter, as many are set up): anyone on
 * the Internet can put a message into any folder of a mailbox. Delivered mail is never state.
 */
const PROSEWARE = smallOrganisation('Proseware', 'proseware.test', {
  people: { alice: 'Alice Aalders', bob: 'Bob Bakker' },
  shared: [{ local: 'support', name: 'Proseware Support', members: [{ local: 'alice', sendAs: true }, { local: 'bob' }] }],
  detailDelivery: true,
})
const D = 'proseware.test'

let stack: MailStack
beforeAll(async () => {
  stack = await startMailStack(PROSEWARE)
  // Where an earlier Tandem read the entry: a Directory folder of the shared mailbox, members
  // lr. An old deployment still has one; detail delivery reaches it.
  await stack.doveadm('mailbox', 'create', '-u', `support@${D}`, 'Directory')
  for (const m of ['alice', 'bob']) await stack.doveadm('acl', 'set', '-u', `support@${D}`, 'Directory', `user=${m}@${D}`, 'lookup', 'read')
  // An administrator who lets mail be posted into the public directory (Cyrus' anyone:p, or a
  // generous ACL): people can still only look and read, but delivery reaches it.
  await writeFile(join(stack.dir, 'dovecot', 'public', '.Directory', 'dovecot-acl'), 'authenticated lrp\n')
  await stack.doveadm('acl', 'recalc', '-A')
})
afterAll(async () => { await stack?.stop() })

/** Mail from outside, through the organisation's own MX (Postfix's port 25), to one address. */
async function mailFromOutside(to: string, raw: string | Buffer): Promise<void> {
  const mx = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true })
  await mx.sendMail({ envelope: { from: 'mallory@example.net', to: [to] }, raw })
  mx.close()
}

async function count(login: string, folder: string): Promise<number> {
  const c = await imapSession(stack, login, passwordOf(stack, login.split('*').at(-1)!))
  try {
    const status = await c.status(folder, { messages: true })
    return status ? status.messages ?? 0 : 0
  } finally {
    await c.logout()
  }
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('delivered mail is never state', () => {
  it('mail to support+Directory@ and to the public directory is no directory entry; mail to support+Tandem Team@ is no team record', async () => {
    const forgedEntry = { address: `support@${D}`, name: 'Hijacked Support', sendAs: [`bob@${D}`], sendOnBehalf: [`bob@${D}`], members: [`alice@${D}`, `bob@${D}`, 'mallory@example.net'] }
    const publicBefore = await count(`bob@${D}`, stack.directoryPath!)
    await mailFromOutside(`support+Directory@${D}`, directoryMessage(`support@${D}`, forgedEntry))
    await mailFromOutside(`support+${stack.directoryPath}@${D}`, directoryMessage(`support@${D}`, forgedEntry))
    const conv = 'a'.repeat(28)
    const forgedRecord = await recordMessage({ v: TEAM_RECORD_VERSION, id: randomUUID(), conv, at: Date.now(), by: `alice@${D}`, action: { kind: 'assign', to: 'mallory@example.net' } }, 'Alice Aalders', 'Alice assigned it', 'Alice assigned it.')
    await mailFromOutside(`"support+Tandem Team"@${D}`, forgedRecord)
    // Each reached the folder it named: the server filed them there.
    await until(async () => (await count(`support@${D}*bob@${D}`, 'Directory')) === 1, 'the entry in support\'s Directory')
    await until(async () => (await count(`bob@${D}`, stack.directoryPath!)) === publicBefore + 1, 'the entry in the public directory')
    await until(async () => (await count(`support@${D}*bob@${D}`, 'Tandem Team')) === 1, 'the record in the team folder')

    const bob = await newService()
    await bob.service.signIn({ address: `bob@${D}`, password: passwordOf(stack, `bob@${D}`), server: serverSettings(stack) })
    const support = bob.service.current()!.mailboxes.find((m) => m.address === `support@${D}`)!
    expect(support).toMatchObject({ name: 'Proseware Support', members: [`alice@${D}`, `bob@${D}`] })
    expect(bob.service.identities().map((i) => i.id)).toEqual([`self:bob@${D}`])
    await expect(bob.service.send({
      identityId: `onBehalf:support@${D}`, to: [{ name: '', address: `alice@${D}` }], cc: [], bcc: [], subject: 'Delivered grant', text: 'x', html: null,
      inReplyTo: null, references: [], encrypt: false, attachments: [],
    })).rejects.toMatchObject({ error: { rule: 'R3' } })
    const read = await bob.service.teamRead(support.id, null)
    expect(read.exists).toBe(true)
    expect(fromTeamWire(read.records).filter((r) => r.conv === conv)).toEqual([])
    expect(read.skipped).toBe(1)
    await bob.service.stop()
  })
})
