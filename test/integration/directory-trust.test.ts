import type { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LEGACY_DIRECTORY } from '../../electron/service/session/directory'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { smallOrganisation } from '../mailstack/organisation'
import { directoryMessage, startMailStack, type MailStack } from '../mailstack/stack'
import { eventually, imapSession, newService, passwordOf, serverSettings } from './helpers'

// An organisation of its own: erin is a member of the helpdesk with no grant at all, frank may
// send as it; gina is a member of nothing. Erin has the w right every member needs for flags.
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

/** An IMAP command imapflow has no method for, as a person's own client would send it. */
async function exec(client: ImapFlow, command: string, attributes: unknown[]): Promise<boolean> {
  try {
    const run = (client as unknown as { exec(c: string, a: unknown[]): Promise<{ next(): void }> }).exec.bind(client)
    const r = await run(command, attributes)
    r.next()
    return true
  } catch {
    return false
  }
}
const setMetadata = (client: ImapFlow, path: string, value: string) => exec(client, 'SETMETADATA', [{ type: 'STRING', value: path }, [{ type: 'ATOM', value: ENTRY }, { type: 'STRING', value }]])

const message = (identityId: string, subject: string) => ({
  identityId, to: [{ name: '', address: 'gina@fabrikam.test' }], cc: [], bcc: [], subject,
  text: 'Should never arrive', html: null, inReplyTo: null, references: [], encrypt: false, attachments: [],
})

async function arrivedAtGina(subject: string): Promise<number> {
  const gina = await imapSession(stack, 'gina@fabrikam.test', passwordOf(stack, 'gina@fabrikam.test'))
  try {
    await gina.mailboxOpen('INBOX')
    return ((await gina.search({ subject })) || []).length
  } finally {
    await gina.logout()
  }
}

describe('names, members and grants only from where no person can write (R2, R3)', () => {
  it('a colleague\'s own "Directory" folder, shared with a member, names nothing and grants nothing', async () => {
    // Gina, a member of nothing, makes her own mailbox look like the helpdesk: a folder with an
    // entry naming the helpdesk's address, its name, and grants for erin; then shares it with
    // erin (SETACL: every owner may, on Dovecot).
    const gina = await imapSession(stack, 'gina@fabrikam.test', passwordOf(stack, 'gina@fabrikam.test'))
    const forged = { address: 'helpdesk@fabrikam.test', name: 'Fabrikam Helpdesk (forged)', sendAs: ['erin@fabrikam.test'], sendOnBehalf: ['erin@fabrikam.test'], members: ['erin@fabrikam.test', 'outsider@example.net'] }
    await gina.mailboxCreate('Directory')
    await gina.append('Directory', directoryMessage('helpdesk@fabrikam.test', forged))
    for (const [folder, rights] of [['INBOX', 'lr'], ['Directory', 'lr']] as const) {
      expect(await exec(gina, 'SETACL', [{ type: 'STRING', value: folder }, { type: 'STRING', value: 'erin@fabrikam.test' }, { type: 'STRING', value: rights }])).toBe(true)
    }
    // Nor can she write where the directory is: the public namespace, which no person owns.
    await expect(gina.append(stack.directoryPath!, directoryMessage('helpdesk@fabrikam.test', forged))).rejects.toThrow()
    await expect(gina.mailboxCreate(`${stack.directoryPath!.split('/')[0]}/Forged Directory`)).rejects.toThrow()
    await gina.logout()
    await stack.doveadm('acl', 'recalc', '-A')

    const erin = await newService()
    await erin.service.signIn({ address: 'erin@fabrikam.test', password: passwordOf(stack, 'erin@fabrikam.test'), server: serverSettings(stack) })
    const boxes = erin.service.current()!.mailboxes
    // Gina's mailbox is Gina's: her address, the name the administrator gives her, a warning naming the folder.
    expect(boxes.find((m) => m.address === 'gina@fabrikam.test')).toMatchObject({ name: 'Gina Gray', warning: LEGACY_DIRECTORY('Directory') })
    // The helpdesk is one mailbox, named and granted as the administrator published it.
    expect(boxes.filter((m) => m.address === 'helpdesk@fabrikam.test')).toEqual([expect.objectContaining({ name: 'Fabrikam Helpdesk', members: ['erin@fabrikam.test', 'frank@fabrikam.test'] })])
    expect(erin.service.identities().map((i) => i.id)).toEqual(['self:erin@fabrikam.test'])
    await expect(erin.service.send(message('onBehalf:helpdesk@fabrikam.test', 'Forged on behalf'))).rejects.toMatchObject({ error: { rule: 'R3' } })
    await expect(erin.service.send(message('sendAs:helpdesk@fabrikam.test', 'Forged send as'))).rejects.toMatchObject({ error: { rule: 'R2' } })
    await erin.service.stop()
    expect(await arrivedAtGina('Forged')).toBe(0)
  })

  it('a member who writes a grant for herself where she can (METADATA) still cannot send as or on behalf of the shared mailbox', async () => {
    const erinImap = await imapSession(stack, 'erin@fabrikam.test', passwordOf(stack, 'erin@fabrikam.test'))
    const selfGrant = JSON.stringify({ address: 'helpdesk@fabrikam.test', name: 'Hijacked Helpdesk', sendAs: ['erin@fabrikam.test'], sendOnBehalf: ['erin@fabrikam.test'] })
    expect(await setMetadata(erinImap, 'shared/helpdesk@fabrikam.test', selfGrant)).toBe(true)
    await erinImap.logout()
    const erin = await newService()
    await erin.service.signIn({ address: 'erin@fabrikam.test', password: passwordOf(stack, 'erin@fabrikam.test'), server: serverSettings(stack) })
    expect(erin.service.current()!.mailboxes.find((m) => m.address === 'helpdesk@fabrikam.test')!.name).toBe('Fabrikam Helpdesk')
    expect(erin.service.identities().map((i) => i.id)).toEqual(['self:erin@fabrikam.test'])
    await expect(erin.service.send(message('onBehalf:helpdesk@fabrikam.test', 'Self-granted'))).rejects.toMatchObject({ error: { rule: 'R3' } })
    await erin.service.stop()
  })

  it('a member granted by the administrator sends as the mailbox', async () => {
    const frank = await newService()
    await frank.service.signIn({ address: 'frank@fabrikam.test', password: passwordOf(stack, 'frank@fabrikam.test'), server: serverSettings(stack) })
    expect(frank.service.identities().map((i) => i.id)).toContain('sendAs:helpdesk@fabrikam.test')
    await frank.service.send({ ...message('sendAs:helpdesk@fabrikam.test', 'From the helpdesk'), text: 'Granted by the administrator' })
    await frank.service.stop()
    await eventually(async () => (await arrivedAtGina('From the helpdesk')) > 0, 'the helpdesk mail at gina')
  })

  it('an old "Directory" folder in a shared mailbox (members: look and read) is ignored, with a warning naming it and the administrator\'s step', async () => {
    // Where earlier versions read the entry from: a folder of the shared mailbox itself, members lr.
    await stack.withdrawDirectory('billing@fabrikam.test')
    await stack.doveadm('mailbox', 'create', '-u', 'billing@fabrikam.test', 'Old Directory')
    await stack.doveadm('acl', 'set', '-u', 'billing@fabrikam.test', 'Old Directory', 'user=erin@fabrikam.test', 'lookup', 'read')
    await stack.seed('billing@fabrikam.test', 'Old Directory', [{ raw: directoryMessage('billing@fabrikam.test', { address: 'billing@fabrikam.test', name: 'Fabrikam Billing', sendAs: ['erin@fabrikam.test'] }) }])
    await stack.doveadm('acl', 'recalc', '-A')
    const lines: string[] = []
    const erin = await newService(undefined, 500, { log: (_level, line) => lines.push(line) })
    await erin.service.signIn({ address: 'erin@fabrikam.test', password: passwordOf(stack, 'erin@fabrikam.test'), server: serverSettings(stack) })
    const billing = erin.service.current()!.mailboxes.find((m) => m.address === 'billing@fabrikam.test')!
    expect(billing).toMatchObject({ name: 'billing@fabrikam.test', warning: LEGACY_DIRECTORY('Old Directory'), unpublishedGrants: true })
    expect(billing.warning!.message).toMatch(/ask your administrator to move them to the public directory/i)
    expect(erin.service.identities().map((i) => i.id)).not.toContain('sendAs:billing@fabrikam.test')
    expect(lines.some((l) => l.includes('billing@fabrikam.test') && l.includes('Old Directory'))).toBe(true)
    // The folder is mail like any other now: shown, not hidden (through the contract, as the window asks:
    // an administrator's folder is one the member never subscribed to).
    const dispatch = createDispatcher(serviceHandlers(erin.service))
    const listed = await dispatch('folders.list', { mailboxId: billing.id })
    expect(listed).toMatchObject({ ok: true, value: expect.arrayContaining([expect.objectContaining({ name: 'Old Directory', subscribed: false })]) })
    await erin.service.stop()
  })
})
