import type { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UNTRUSTED_ENTRY } from '../../electron/service/session/directory'
import { smallOrganisation } from '../mailstack/organisation'
import { directoryMessage, startMailStack, type MailStack } from '../mailstack/stack'
import { eventually, imapSession, newService, passwordOf, serverSettings } from './helpers'

// An organisation of its own (not Contoso): erin is a member of the helpdesk with no grant at
// all, frank may send as it. Erin has the w right every member needs for flags.
const FABRIKAM = smallOrganisation('Fabrikam', 'fabrikam.test', {
  people: { erin: 'Erin Ellis', frank: 'Frank Foster', gina: 'Gina Gray' },
  shared: [
    { local: 'helpdesk', name: 'Fabrikam Helpdesk', members: [{ local: 'erin' }, { local: 'frank', sendAs: true }] },
    { local: 'billing', name: 'Fabrikam Billing', members: [{ local: 'erin' }] },
  ],
})
const ENTRY = '/shared/vendor/tandem/mailbox'

let stack: MailStack
beforeAll(async () => { stack = await startMailStack(FABRIKAM) })
afterAll(async () => { await stack?.stop() })

/** SETMETADATA as a member's own client would send it (imapflow has no command for it). */
async function setMetadata(client: ImapFlow, path: string, value: string): Promise<boolean> {
  try {
    const exec = (client as unknown as { exec(c: string, a: unknown[]): Promise<{ next(): void }> }).exec.bind(client)
    const r = await exec('SETMETADATA', [{ type: 'STRING', value: path }, [{ type: 'ATOM', value: ENTRY }, { type: 'STRING', value }]])
    r.next()
    return true
  } catch {
    return false
  }
}

const selfGrant = JSON.stringify({ name: 'Hijacked Helpdesk', sendAs: ['erin@fabrikam.test'], sendOnBehalf: ['erin@fabrikam.test'] })

describe('grants come only from where members cannot write (R2, R3)', () => {
  it('a member who writes a grant for herself still cannot send as or on behalf of the shared mailbox', async () => {
    const erinImap = await imapSession(stack, 'erin@fabrikam.test', passwordOf(stack, 'erin@fabrikam.test'))
    // METADATA is no safe place on this server: a member may write it on the shared INBOX, and
    // even on the directory folder, where she has lookup and read only (RFC 5464: l plus r).
    expect(await setMetadata(erinImap, 'shared/helpdesk@fabrikam.test', selfGrant)).toBe(true)
    expect(await setMetadata(erinImap, 'shared/helpdesk@fabrikam.test/Directory', selfGrant)).toBe(true)
    // What Tandem trusts, a message in that folder, she cannot add: no insert right.
    await expect(erinImap.append('shared/helpdesk@fabrikam.test/Directory', directoryMessage('helpdesk@fabrikam.test', JSON.parse(selfGrant)))).rejects.toThrow()
    await erinImap.logout()

    const erin = await newService()
    await erin.service.signIn({ address: 'erin@fabrikam.test', password: passwordOf(stack, 'erin@fabrikam.test'), server: serverSettings(stack) })
    const helpdesk = erin.service.current()!.mailboxes.find((m) => m.address === 'helpdesk@fabrikam.test')!
    expect(helpdesk.name).toBe('Fabrikam Helpdesk')
    expect(erin.service.identities().map((i) => i.id)).toEqual(['self:erin@fabrikam.test'])
    const message = (identityId: string) => ({
      identityId, to: [{ name: '', address: 'gina@fabrikam.test' }], cc: [], bcc: [], subject: `Self-granted ${identityId}`,
      text: 'Should never arrive', html: null, inReplyTo: null, references: [], encrypt: false, attachments: [],
    })
    await expect(erin.service.send(message('onBehalf:helpdesk@fabrikam.test'))).rejects.toMatchObject({ error: { rule: 'R3' } })
    await expect(erin.service.send(message('sendAs:helpdesk@fabrikam.test'))).rejects.toMatchObject({ error: { rule: 'R2' } })
    // The directory folder holds no mail: not shown as a folder.
    expect((await erin.service.listFolders(helpdesk.id)).map((f) => f.name)).not.toContain('Directory')
    await erin.service.stop()

    const gina = await imapSession(stack, 'gina@fabrikam.test', passwordOf(stack, 'gina@fabrikam.test'))
    await gina.mailboxOpen('INBOX')
    expect(await gina.search({ subject: 'Self-granted' })).toEqual([])
    await gina.logout()
  })

  it('a member granted by the administrator sends as the mailbox', async () => {
    const frank = await newService()
    await frank.service.signIn({ address: 'frank@fabrikam.test', password: passwordOf(stack, 'frank@fabrikam.test'), server: serverSettings(stack) })
    expect(frank.service.identities().map((i) => i.id)).toContain('sendAs:helpdesk@fabrikam.test')
    await frank.service.send({
      identityId: 'sendAs:helpdesk@fabrikam.test', to: [{ name: '', address: 'gina@fabrikam.test' }], cc: [], bcc: [], subject: 'From the helpdesk',
      text: 'Granted by the administrator', html: null, inReplyTo: null, references: [], encrypt: false, attachments: [],
    })
    await frank.service.stop()
    const gina = await imapSession(stack, 'gina@fabrikam.test', passwordOf(stack, 'gina@fabrikam.test'))
    await eventually(async () => { await gina.mailboxOpen('INBOX'); const found = await gina.search({ subject: 'From the helpdesk' }); return found && found.length > 0 }, 'the helpdesk mail at gina')
    await gina.logout()
  })

  it('an entry only on the INBOX, where members may write, is ignored with a warning on the mailbox', async () => {
    await stack.doveadm('expunge', '-u', 'billing@fabrikam.test', 'mailbox', 'Directory', 'all')
    await stack.doveadm('mailbox', 'metadata', 'set', '-u', 'billing@fabrikam.test', 'INBOX', ENTRY, JSON.stringify({ name: 'Fabrikam Billing', sendAs: ['erin@fabrikam.test'] }))
    const lines: string[] = []
    const erin = await newService(undefined, 500, { log: (_level, line) => lines.push(line) })
    await erin.service.signIn({ address: 'erin@fabrikam.test', password: passwordOf(stack, 'erin@fabrikam.test'), server: serverSettings(stack) })
    const billing = erin.service.current()!.mailboxes.find((m) => m.address === 'billing@fabrikam.test')!
    expect(billing).toMatchObject({ name: 'billing@fabrikam.test', warning: UNTRUSTED_ENTRY })
    expect(erin.service.identities().map((i) => i.id)).not.toContain('sendAs:billing@fabrikam.test')
    expect(lines.some((l) => l.includes('billing@fabrikam.test') && l.includes('ignored'))).toBe(true)
    await erin.service.stop()
  })
})
