import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { eventually, imapSession, newService, passwordOf, serverSettings } from './helpers'

// The directory has no entry for Helpdesk (as on Exchange, whose IMAP publishes no directory),
// but its submission server knows who may send as it: ines may, jon may not (Postfix's sender
// login map). Nothing at this server checks On Behalf. Finance has an entry.
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
  await stack.withdrawDirectory('helpdesk@adatum.test')
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
  it('the window\'s claimed On Behalf is refused, and a send on behalf of the mailbox does not go (R3)', async () => {
    const jon = await signIn('jon@adatum.test')
    const helpdesk = jon.service.current()!.mailboxes.find((m) => m.address === 'helpdesk@adatum.test')!
    // Nothing at this server checks a Sender header: Tandem's word would be the only check.
    await expect(jon.service.claimGrant(helpdesk.id, 'onBehalf', true)).rejects.toMatchObject({ error: { code: 'send.notAllowed', rule: 'R3', message: expect.stringContaining('on your word alone') } })
    expect(jon.asked).toEqual([])
    await expect(jon.service.send({ ...message('Claimed on behalf'), identityId: 'onBehalf:helpdesk@adatum.test' })).rejects.toMatchObject({ error: { code: 'send.notAllowed', rule: 'R3' } })
    await jon.service.stop()
    const ines = await imapSession(stack, 'ines@adatum.test', passwordOf(stack, 'ines@adatum.test'))
    const witness = await imapSession(stack, 'jon@adatum.test', passwordOf(stack, 'jon@adatum.test'))
    await witness.mailboxOpen('INBOX')
    expect(await witness.search({ subject: 'Claimed on behalf' })).toEqual([])
    await witness.logout()
    await ines.logout()
  })

  it('a claim the person does not confirm adds nothing', async () => {
    const ines = await signIn('ines@adatum.test')
    ines.person.answer = false
    await expect(ines.service.claimGrant('shared:helpdesk@adatum.test', 'sendAs', true)).rejects.toMatchObject({ error: { key: 'errors.confirm.claim' } })
    expect(ines.service.identities().map((i) => i.id)).toEqual(['self:ines@adatum.test'])
    await ines.service.stop()
  })

  it('a self-added Send As the server refuses becomes the R2 error, makes no Sent copy, and is marked refused', async () => {
    const jon = await signIn('jon@adatum.test')
    const helpdesk = jon.service.current()!.mailboxes.find((m) => m.address === 'helpdesk@adatum.test')!
    expect(helpdesk.unpublishedGrants).toBe(true)
    expect(jon.service.identities().map((i) => i.id)).toEqual(['self:jon@adatum.test'])
    const identities = await jon.service.claimGrant(helpdesk.id, 'sendAs', true)
    // Jon said so to main's own question, not to the window (confirm.ts).
    expect(jon.asked.map((q) => q.kind)).toEqual(['claim'])
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

// A submission server that lets any login use any envelope sender: a claimed Send As would go
// out on Tandem's word alone, so it is not taken.
const LAX = smallOrganisation('Lax', 'lax.test', {
  people: { kai: 'Kai Kovac', lou: 'Lou Lind' },
  shared: [{ local: 'desk', name: 'Lax Desk', members: [{ local: 'kai' }] }],
  checksSenders: false,
})

describe('a server that checks no senders (R2)', () => {
  let lax: MailStack
  beforeAll(async () => {
    lax = await startMailStack(LAX)
    await lax.withdrawDirectory('desk@lax.test')
  })
  afterAll(async () => { await lax?.stop() })

  it('refuses a claimed Send As, and its check delivered nothing', async () => {
    const kai = await newService()
    await kai.service.signIn({ address: 'kai@lax.test', password: passwordOf(lax, 'kai@lax.test'), server: serverSettings(lax) })
    await expect(kai.service.claimGrant('shared:desk@lax.test', 'sendAs', true)).rejects.toMatchObject({ error: { code: 'send.notAllowed', rule: 'R2', key: 'errors.send.unverifiableAs' } })
    expect(kai.asked).toEqual([])
    await expect(kai.service.send({ ...message('Lax send as'), identityId: 'sendAs:desk@lax.test', to: [{ name: '', address: 'lou@lax.test' }] })).rejects.toMatchObject({ error: { rule: 'R2' } })
    await kai.service.stop()
    // The check's envelope (to kai) was dropped before its message ended: nothing arrived.
    await new Promise((r) => setTimeout(r, 500))
    const inbox = await imapSession(lax, 'kai@lax.test', passwordOf(lax, 'kai@lax.test'))
    await inbox.mailboxOpen('INBOX')
    expect(await inbox.search({ all: true })).toEqual([])
    await inbox.logout()
  })
})
