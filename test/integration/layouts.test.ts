import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerSettings } from '../../shared/domain'
import { parseOrganisation, type Organisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { eventually, imapSession, newService, streamedMessages, passwordOf, serverSettings, type TestService } from './helpers'

/**
 * Discovery on the IMAP layouts our users' servers have, each an organisation of its own: the
 * owner of a shared mailbox named by address or by bare user name, "/" or "." as separator, a
 * prefix with a space, folder names with spaces, another master-user separator.
 */
const org = (name: string, domain: string, layout: Organisation['layout'], folders: Partial<Organisation['folders']> = {}) => parseOrganisation({
  name,
  domains: [domain],
  users: [
    { address: `ines@${domain}`, name: 'Ines Ibarra', password: 'ines-pass-1' },
    { address: `jon@${domain}`, name: 'Jon Jansen', password: 'jon-pass-1' },
  ],
  sharedMailboxes: [
    { address: `helpdesk@${domain}`, name: `${name} Helpdesk`, members: [{ address: `ines@${domain}`, sendAs: true }, { address: `jon@${domain}` }] },
    { address: `finance@${domain}`, name: `${name} Finance`, members: [{ address: `jon@${domain}` }] },
  ],
  layout,
  ...(Object.keys(folders).length ? { folders: { sent: 'Sent Items', drafts: 'Drafts', trash: 'Deleted Items', junk: 'Junk Email', archive: 'Archive', directory: 'Directory', ...folders } } : {}),
})

const layouts = [
  { what: '"/" separator, owners by address (shared/%%u/)', org: org('Woodgrove', 'woodgrove.test', { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' }) },
  {
    what: '"." separator, owners by bare user name under a prefix with a space (Other Users.%%n.), another master separator',
    org: org('Northwind', 'northwind.test', { separator: '.', sharedPrefix: 'Other Users.%%n.', masterSeparator: '!' }, { sent: 'Sent Mail', trash: 'Bin', archive: 'Old Mail' }),
  },
]

for (const { what, org: organisation } of layouts) {
  describe(`discovery: ${what}`, () => {
    let stack: MailStack
    const domain = organisation.domains[0]!
    const services: TestService[] = []
    beforeAll(async () => {
      stack = await startMailStack(organisation)
      await stack.deliver(`helpdesk@${domain}`, `From: A Customer <customer@example.net>\r\nTo: helpdesk@${domain}\r\nSubject: Printer on fire\r\nMessage-ID: <fire-1@example.net>\r\n\r\nIt is on fire.\r\n`)
    })
    afterAll(async () => { await Promise.all(services.map((s) => s.service.stop())); await stack?.stop() })

    const signIn = async (user: string, server: ServerSettings = serverSettings(stack)) => {
      const t = await newService()
      services.push(t)
      await t.service.signIn({ address: user, password: passwordOf(stack, user), server })
      return t
    }

    it('syncs a never-opened folder newest first, each message once, while another member moves mail away', async () => {
      const count = 1500
      const start = Date.UTC(2026, 5, 1)
      await stack.seed(`finance@${domain}`, 'INBOX', Array.from({ length: count }, (_, i) => ({
        raw: `From: Supplier ${i} <s${i}@suppliers.example>\r\nTo: finance@${domain}\r\nSubject: Invoice ${i}\r\nMessage-ID: <inv-${i}@suppliers.example>\r\n\r\nDue.\r\n`,
        date: new Date(start + i * 60_000),
      })))
      const jon = await signIn(`jon@${domain}`)
      const other = await imapSession(stack, `finance@${domain}${organisation.layout.masterSeparator}jon@${domain}`, passwordOf(stack, `jon@${domain}`))
      try {
        await other.mailboxOpen('INBOX')
        const all = await other.search({ all: true }, { uid: true }) as number[]
        expect(all).toHaveLength(count)
        const folderId = `shared:finance@${domain}|INBOX`
        await jon.service.listFolders(`shared:finance@${domain}`)
        const from = jon.events.length
        const syncing = jon.service.syncMessages({ folderId, since: null, knownUids: 0 })
        // Once the newest have come, another member moves ten of the oldest (not fetched yet).
        await eventually(() => jon.events.slice(from).some((e) => e.name === 'sync.messages'), 'the first batch')
        const gone = all.slice(0, 10)
        await other.messageMove(gone.join(','), organisation.folders.archive, { uid: true })
        const result = await syncing
        const batches = jon.events.slice(from).filter((e) => e.name === 'sync.messages')
        const first = streamedMessages(batches)
        const firstBatch = streamedMessages(batches.slice(0, 1))
        // The first batch is the newest messages, by date and by UID.
        expect(firstBatch.length).toBeGreaterThan(0)
        const inFirst = new Set(firstBatch.map((m) => m.uid))
        expect(Math.min(...inFirst)).toBeGreaterThan(Math.max(...first.map((m) => m.uid).filter((u) => !inFirst.has(u))))
        expect(firstBatch.map((m) => m.subject)).toContain(`Invoice ${count - 1}`)
        // Every message once; those still there all came; nothing that was never there.
        const uids = first.map((m) => m.uid)
        expect(new Set(uids).size).toBe(uids.length)
        for (const uid of all.slice(10)) expect(uids).toContain(uid)
        for (const uid of uids) expect(all).toContain(uid)
        expect(result.added).toBe(uids.length)
        // The next sync tells which of the moved ones the first still brought are gone.
        const next = await jon.service.syncMessages({ folderId, since: result.state, knownUids: uids.length })
        const removed = next.present ? uids.filter((u) => !next.present!.includes(u)) : next.vanished ?? []
        expect(new Set([...uids.filter((u) => !removed.includes(u))])).toEqual(new Set(all.slice(10)))
      } finally {
        await other.logout()
      }
    })

    it('lists exactly the shared mailboxes each person belongs to, by name and address (R1)', async () => {
      const ines = await signIn(`ines@${domain}`)
      expect(ines.service.current()!.mailboxes.map((m) => [m.name, m.address])).toEqual([[`ines@${domain}`, `ines@${domain}`], [`${organisation.name} Helpdesk`, `helpdesk@${domain}`]])
      const jon = await signIn(`jon@${domain}`)
      expect(jon.service.current()!.mailboxes.map((m) => m.name)).toEqual([`jon@${domain}`, `${organisation.name} Finance`, `${organisation.name} Helpdesk`])
    })

    it('opens the shared mailbox with its folders and roles, reads it, and sends as it into its own Sent', async () => {
      const ines = await signIn(`ines@${domain}`)
      const folders = await ines.service.listFolders(`shared:helpdesk@${domain}`)
      const role = (r: string) => folders.find((f) => f.role === r)?.name
      expect([role('inbox'), role('sent'), role('trash'), role('archive')]).toEqual(['INBOX', organisation.folders.sent, organisation.folders.trash, organisation.folders.archive])
      expect(folders.map((f) => f.name)).not.toContain(organisation.folders.directory)
      const inbox = folders.find((f) => f.role === 'inbox')!
      await ines.service.syncMessages({ folderId: inbox.id, since: null, knownUids: 0 })
      const messages = streamedMessages(ines.events)
      expect(messages.map((m) => m.subject)).toContain('Printer on fire')
      await ines.service.send({
        identityId: `sendAs:helpdesk@${domain}`, to: [{ name: '', address: `jon@${domain}` }], cc: [], bcc: [], subject: 'Re: Printer on fire',
        text: 'Switch it off.', html: null, inReplyTo: '<fire-1@example.net>', references: ['<fire-1@example.net>'], encrypt: false, attachments: [],
      })
      // The reply's copy is in the shared mailbox's own Sent folder, as another member sees it.
      const jon = await imapSession(stack, `helpdesk@${domain}${organisation.layout.masterSeparator}jon@${domain}`, passwordOf(stack, `jon@${domain}`))
      await eventually(async () => { await jon.mailboxOpen(organisation.folders.sent); const found = await jon.search({ subject: 'Re: Printer on fire' }); return found && found.length > 0 }, 'the reply in Sent')
      await jon.logout()
    })

    it('works the shared mailbox inside the person\'s own session where there is no delegate login', async () => {
      const jon = await signIn(`jon@${domain}`, { ...serverSettings(stack), delegateLogin: null })
      const folders = await jon.service.listFolders(`shared:finance@${domain}`)
      expect(folders.find((f) => f.role === 'inbox')?.path).toBe(`${organisation.layout.sharedPrefix!.replace('%%u', `finance@${domain}`).replace('%%n', 'finance').slice(0, -1)}`)
      expect(folders.map((f) => f.name)).toContain(organisation.folders.sent)
    })
  })
}

describe('discovery: a server with no shared namespace', () => {
  let stack: MailStack
  beforeAll(async () => { stack = await startMailStack(org('Tailspin', 'tailspin.test', { separator: '/', sharedPrefix: null, masterSeparator: '*' })) })
  afterAll(async () => { await stack?.stop() })

  it('signs the person in with their own mailbox only; shared ones are opened by address', async () => {
    const t = await newService()
    await t.service.signIn({ address: 'jon@tailspin.test', password: passwordOf(stack, 'jon@tailspin.test'), server: serverSettings(stack) })
    expect(t.service.current()!.mailboxes.map((m) => m.address)).toEqual(['jon@tailspin.test'])
    await t.service.stop()
  })
})
