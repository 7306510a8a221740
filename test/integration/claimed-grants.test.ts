import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { eventually, imapSession, newService, passwordOf, serverSettings } from './helpers'

// Helpdesk publishes no directory entry (as on Exchange, whose IMAP publishes no grants), but
// its submission server knows who may send as it: ines may, jon may not. Finance publishes one.
const ADATUM = smallOrganisation('Adatum', 'adatum.test', {
  people: { ines: 'Ines Ibarra', jon: 'Jon Jansen' },
  shared: [
    { local: 'helpdesk', name: 'Adatum Helpdesk', members: [{ local: 'ines', sendAs: true }, { local: 'jon' }] },
    { local: 'finance', name: 'Adatum Finance', members: [{ local: 'jon' }] },
  ],
})

let stack: MailStack
beforeAll(async () => {
  stack = await startMailStack(ADATUM)
  await stack.doveadm('expunge', '-u', 'helpdesk@adatum.test', 'mailbox', 'Directory', 'all')
})
afterAll(async () => { await stack?.stop() })

const signIn = async (address: string) => {
  const t = await newService()
  await t.service.signIn({ address, password: passwordOf(stack, address), server: serverSettings(stack) })
  return t
}
const message = (subject: string) => ({
  identityId: 'sendAs:helpdesk@adatum.test', to: [{ name: '', address: 'jon@adatum.test' }], cc: [], bcc: [], subject,
  text: 'From the helpdesk', html: null, inReplyTo: null, references: [], encrypt: false, attachments: [],
})

describe('grants the server does not publish (R2, R3)', () => {
  it('a self-added Send As the server refuses becomes the R2 error, makes no Sent copy, and is marked refused', async () => {
    const jon = await signIn('jon@adatum.test')
    const helpdesk = jon.service.current()!.mailboxes.find((m) => m.address === 'helpdesk@adatum.test')!
    expect(helpdesk.unpublishedGrants).toBe(true)
    expect(jon.service.identities().map((i) => i.id)).toEqual(['self:jon@adatum.test'])
    const identities = await jon.service.claimGrant(helpdesk.id, 'sendAs', true)
    expect(identities.find((i) => i.id === 'sendAs:helpdesk@adatum.test')).toMatchObject({ unconfirmed: true, label: expect.stringContaining('not confirmed by the server') })
    // Postfix refuses at RCPT (smtpd_delay_reject): "553 5.7.1 … not owned by user".
    await expect(jon.service.send(message('Self-granted send as'))).rejects.toMatchObject({ error: { code: 'send.refused', rule: 'R2', field: 'from', message: expect.stringContaining('not owned by user') } })
    expect(jon.service.identities().find((i) => i.id === 'sendAs:helpdesk@adatum.test')).toMatchObject({ refused: true, label: expect.stringContaining('refused by the server') })
    const witness = await imapSession(stack, 'helpdesk@adatum.test*jon@adatum.test', passwordOf(stack, 'jon@adatum.test'))
    await witness.mailboxOpen('Sent Items')
    expect(await witness.search({ subject: 'Self-granted send as' })).toEqual([])
    await witness.logout()
    // Where the administrator publishes grants, that is the word: no additions (R3).
    const finance = jon.service.current()!.mailboxes.find((m) => m.address === 'finance@adatum.test')!
    await expect(jon.service.claimGrant(finance.id, 'onBehalf', true)).rejects.toMatchObject({ error: { code: 'send.notAllowed', rule: 'R3' } })
    await jon.service.stop()
  })

  it('one the server accepts goes, as the shared mailbox, with its copy in the shared Sent', async () => {
    const ines = await signIn('ines@adatum.test')
    await ines.service.claimGrant('shared:helpdesk@adatum.test', 'sendAs', true)
    await ines.service.send(message('Accepted send as'))
    await ines.service.stop()
    const jon = await imapSession(stack, 'jon@adatum.test', passwordOf(stack, 'jon@adatum.test'))
    const from = await eventually(async () => {
      await jon.mailboxOpen('INBOX')
      const uids = await jon.search({ subject: 'Accepted send as' }, { uid: true })
      return uids && uids.length ? (await jon.fetchOne(String(uids[0]), { envelope: true }, { uid: true }) || null)?.envelope?.from?.[0]?.address : null
    }, 'the helpdesk mail at jon')
    expect(from).toBe('helpdesk@adatum.test')
    await jon.logout()
  })
})
