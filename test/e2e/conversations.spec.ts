import type { Page } from '@playwright/test'
import { smallOrganisation, type Organisation } from '../mailstack/organisation'
import { imapSession } from '../mailstack/sessions'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { test, expect, passwordOf, person, queuedTaskKinds, seenRemovals } from './fixtures'

/**
 * The conversation as the unit, on two generated organisations of different layouts: a
 * customer's mail, one member's reply as the mailbox (Send As), another's on behalf (R3), an
 * internal note — one row and one timeline for both members, the on-behalf author shown to the
 * customer who receives it; Done and archive, queued offline, moves the messages the member saw
 * and leaves the customer's newer message in the Inbox, as an independent IMAP session sees.
 */
interface Setup { what: string; org: Organisation; domain: string; desk: string; noKeywords: boolean }

const org = (name: string, domain: string, desk: string, layout: Organisation['layout']) => smallOrganisation(name, domain, {
  // The customer has a mailbox here too: the test stack delivers only inside the organisation.
  people: { lars: 'Lars Visser', mei: 'Mei Chen', ana: 'Ana García' },
  shared: [{ local: 'helpdesk', name: desk, members: [{ local: 'lars', sendAs: true }, { local: 'mei', sendOnBehalf: true }] }],
  layout,
})

const SETUPS: Setup[] = [
  { what: 'Tailspin Toys ("." separator, owners by user name)', org: org('Tailspin Toys', 'tailspin.test', 'Tailspin Helpdesk', { separator: '.', sharedPrefix: 'shared.%%n.', masterSeparator: '*' }),
    domain: 'tailspin.test', desk: 'Tailspin Helpdesk', noKeywords: false },
  { what: 'Litware, whose IMAP refuses custom keywords ("/" separator, owners by address)', org: org('Litware', 'litware.test', 'Litware Desk', { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' }),
    domain: 'litware.test', desk: 'Litware Desk', noKeywords: true },
]

const customerMail = (domain: string, subject: string, messageId: string, references: string[] = []) => [
  `From: Ana García <ana@${domain}>`, `To: Helpdesk <helpdesk@${domain}>`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, `Message-ID: ${messageId}`,
  ...(references.length ? [`In-Reply-To: ${references.at(-1)}`, `References: ${references.join(' ')}`] : []),
  'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `${subject}: please help.`, ''].join('\r\n')

/** A folder of a mailbox in the sidebar, by its name (its button also says how many are unread). */
const openFolder = (p: Page, mailbox: string, name: string) => p.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: mailbox }).getByRole('button', { name: new RegExp(`^${name}\\b`) }).first().click()
const row = (p: Page, subject: string) => p.getByRole('listbox', { name: 'Message list' }).getByRole('option').filter({ hasText: subject })
const timeline = (p: Page) => p.getByRole('list', { name: 'Conversation' })

async function reply(p: Page, text: string): Promise<void> {
  await p.keyboard.press('r')
  const dialog = p.getByRole('dialog')
  await dialog.getByLabel('Message text').fill(text)
  await dialog.getByRole('button', { name: 'Send', exact: true }).click()
  await expect(dialog).toHaveCount(0, { timeout: 20_000 })
}

for (const setup of SETUPS) {
test.describe(`conversations: ${setup.what}`, () => {
  let stack: MailStack
  test.beforeAll(async () => {
    stack = await startMailStack(setup.org)
    if (setup.noKeywords) for (const m of ['lars', 'mei']) await stack.setRights(`helpdesk@${setup.domain}`, `${m}@${setup.domain}`, 'lrstipekx')
  })
  test.afterAll(async () => { await stack?.stop() })

  test('a customer\'s mail, two members\' replies (one on behalf) and a note: one row and one timeline for both; Done and archive leaves a newer message in place', async ({ browser }) => {
    test.setTimeout(240_000)
    const root = `<printer.${setup.domain}@customer.example>`
    const followUp = `<printer.again.${setup.domain}@customer.example>`
    await stack.deliver(`helpdesk@${setup.domain}`, customerMail(setup.domain, 'Printer on fire', root))
    const lars = await person(browser, stack, `lars@${setup.domain}`)
    const mei = await person(browser, stack, `mei@${setup.domain}`)
    const ana = await person(browser, stack, `ana@${setup.domain}`)
    try {
      for (const p of [lars.page, mei.page]) await openFolder(p, setup.desk, 'Inbox')
      // Lars answers as the mailbox (Send As); then Mei, on behalf of it (R3).
      await row(lars.page, 'Printer on fire').click()
      await reply(lars.page, 'Lars here: a technician is on the way.')
      await row(mei.page, 'Printer on fire').click()
      // Mei reads Lars's reply first, and answers a second later: a reply saved in the second a
      // member begins theirs counts as "answered meanwhile" (INTERNALDATE has whole seconds), and
      // her reply would wait for her decision instead.
      await expect(timeline(mei.page).getByTestId('timeline-message')).toHaveCount(2, { timeout: 30_000 })
      await new Promise((r) => setTimeout(r, 1_100))
      await reply(mei.page, 'Mei here: we ordered a new drum too.')
      await mei.page.getByLabel('Internal note for the team').fill('Drum ordered from the supplier, ref 4471.')
      await mei.page.getByRole('button', { name: 'Add note' }).click()
      // Arrival times (INTERNALDATE) have whole seconds: the customer writes again a second later,
      // or the two would tie and either order would be as true.
      await new Promise((r) => setTimeout(r, 1_100))
      await stack.deliver(`helpdesk@${setup.domain}`, customerMail(setup.domain, 'Re: Printer on fire', followUp, [root]))

      for (const p of [lars.page, mei.page]) {
        // One row: the customer's two messages and the team's two replies in the shared Sent.
        await expect(row(p, 'Printer on fire')).toHaveCount(1, { timeout: 30_000 })
        await expect(row(p, 'Printer on fire').getByTestId('row-count')).toHaveText('4', { timeout: 30_000 })
        await row(p, 'Printer on fire').click()
        const t = timeline(p)
        await expect(t.getByTestId('timeline-message')).toHaveCount(4)
        await expect(t.getByTestId('timeline-author')).toHaveText(['Ana García', setup.desk, `Mei Chen on behalf of ${setup.desk}`, 'Ana García'])
        // The team's replies are in Sent Items: said on their line.
        await expect(t.getByTestId('timeline-message').nth(1).getByTestId('timeline-folder')).toHaveText('in Sent Items')
        // The note is at its time, after Mei's reply, and visibly internal.
        const note = t.getByRole('listitem').filter({ has: p.getByTestId('team-note') })
        await expect(note).toContainText('Drum ordered from the supplier')
        await expect(note).toContainText('Internal')
      }

      // The customer receives the on-behalf reply: its author is shown as Outlook shows it.
      await openFolder(ana.page, `ana@${setup.domain}`, 'Inbox')
      await row(ana.page, 'Printer on fire').first().click()
      await expect(timeline(ana.page).getByTestId('timeline-author')).toContainText([`Mei Chen on behalf of ${setup.desk}`], { timeout: 30_000 })

      // The shared Sent Items: one row for the conversation's two replies, naming whom they went to.
      await openFolder(mei.page, setup.desk, 'Sent Items')
      await expect(row(mei.page, 'Printer on fire')).toHaveCount(1, { timeout: 30_000 })
      await expect(row(mei.page, 'Printer on fire').getByTestId('row-who')).toHaveText('To: Ana García')
      // Searching every mailbox: the conversation is one result, naming its mailbox and folder.
      await mei.page.getByRole('searchbox', { name: 'Search mail' }).fill('Printer on fire')
      await mei.page.getByRole('combobox', { name: 'Search in' }).click()
      await mei.page.getByRole('option', { name: 'All mailboxes', exact: true }).click()
      await expect(row(mei.page, 'Printer on fire')).toHaveCount(1, { timeout: 15_000 })
      await expect(row(mei.page, 'Printer on fire').getByTestId('row-where')).toHaveText(`${setup.desk} · Inbox`)
      await mei.page.getByRole('searchbox', { name: 'Search mail' }).fill('')
      await openFolder(mei.page, setup.desk, 'Inbox')
      await expect(row(mei.page, 'Printer on fire')).toHaveCount(1, { timeout: 15_000 })

      // Offline, Lars closes the conversation: Done and archive of the two messages he sees.
      await row(lars.page, 'Printer on fire').click()
      await expect(timeline(lars.page).getByTestId('timeline-message')).toHaveCount(4)
      await stack.pause()
      await expect(lars.page.getByTestId('connection-banner')).toContainText('Offline', { timeout: 30_000 })
      await lars.page.getByTestId('team-panel').getByRole('button', { name: 'Done and archive' }).click()
      await expect(row(lars.page, 'Printer on fire')).toHaveCount(0)
      // Meanwhile the customer writes again: it reaches the server, unseen by Lars.
      const latest = `<printer.third.${setup.domain}@customer.example>`
      await stack.seed(`helpdesk@${setup.domain}`, 'INBOX', [{ raw: Buffer.from(customerMail(setup.domain, 'Re: Printer on fire', latest, [root, followUp])), date: new Date() }])
      await stack.resume()
      await expect(lars.page.getByTestId('connection-banner')).toHaveCount(0, { timeout: 60_000 })
      // The newer message is in the Inbox, its conversation Done until someone looks again.
      await expect(row(lars.page, 'Printer on fire')).toHaveCount(1, { timeout: 30_000 })
      await expect(row(mei.page, 'Printer on fire').getByTestId('row-status')).toHaveText('Done', { timeout: 30_000 })

      // An independent IMAP session (the mailbox's own, as a delegate): what Lars saw is in Archive, the newer message still in the Inbox.
      const bare = await imapSession(stack, `helpdesk@${setup.domain}*lars@${setup.domain}`, passwordOf(stack, `lars@${setup.domain}`))
      try {
        const ids = async (folder: string) => {
          await bare.mailboxOpen(folder, { readOnly: true })
          const out: string[] = []
          for await (const m of bare.fetch('1:*', { envelope: true })) out.push(m.envelope?.messageId ?? '')
          return out.sort()
        }
        expect(await ids('INBOX')).toEqual([latest])
        expect(await ids('Archive')).toEqual([root, followUp].sort())
      } finally { await bare.logout() }
    } finally {
      await lars.stop()
      await mei.stop()
      await ana.stop()
    }
  })

  test('drafts belong to someone: untouched leaves none, kept says where, the author shows, its writer goes on with it and another member writes in a copy', async ({ browser }) => {
    test.setTimeout(240_000)
    await stack.deliver(`helpdesk@${setup.domain}`, customerMail(setup.domain, 'Invoice question', `<invoice.${setup.domain}@customer.example>`))
    const lars = await person(browser, stack, `lars@${setup.domain}`)
    const mei = await person(browser, stack, `mei@${setup.domain}`)
    const bare = await imapSession(stack, `helpdesk@${setup.domain}*lars@${setup.domain}`, passwordOf(stack, `lars@${setup.domain}`))
    const drafts = async () => {
      await bare.mailboxOpen('Drafts', { readOnly: true })
      const out: { by: string; text: string }[] = []
      if (bare.mailbox && bare.mailbox.exists) {
        for await (const m of bare.fetch('1:*', { envelope: true, headers: ['x-tandem-draft-by'], bodyParts: ['1'] })) {
          if (m.envelope?.subject !== 'Re: Invoice question') continue
          out.push({ by: String(m.headers ?? '').replace(/^X-Tandem-Draft-By:\s*/i, '').trim(), text: m.bodyParts?.get('1')?.toString('utf8') ?? '' })
        }
      }
      return out
    }
    try {
      for (const p of [lars.page, mei.page]) await openFolder(p, setup.desk, 'Inbox')
      await row(lars.page, 'Invoice question').click()
      // An untouched reply, closed: no draft is queued, none is on the server.
      await lars.page.keyboard.press('r')
      await expect(lars.page.getByRole('dialog')).toBeVisible()
      await lars.page.getByRole('dialog').getByRole('button', { name: 'Close' }).click()
      await expect(lars.page.getByRole('dialog')).toHaveCount(0)
      expect(await queuedTaskKinds(lars.page, `lars@${setup.domain}`)).not.toContain('draft')
      expect(await drafts()).toEqual([])
      // A reply with something written, closed: kept in the shared Drafts, and the window says where.
      await lars.page.keyboard.press('r')
      await lars.page.getByRole('dialog').getByLabel('Message text').fill('Draft by Lars: checking the invoice.')
      await lars.page.getByRole('dialog').getByRole('button', { name: 'Close' }).click()
      await expect(lars.page.getByText(`Kept as a draft in Drafts of ${setup.desk}.`)).toBeVisible()
      await expect.poll(async () => (await drafts()).map((d) => d.by), { timeout: 20_000 }).toEqual([`"Lars Visser" <lars@${setup.domain}>`])

      // The other member sees whose it is, in the Drafts and in its conversation.
      await row(mei.page, 'Invoice question').click()
      await expect(timeline(mei.page).getByTestId('timeline-draft')).toHaveText("Lars Visser's draft", { timeout: 30_000 })
      await openFolder(mei.page, setup.desk, 'Drafts')
      await expect(row(mei.page, 'Invoice question').getByTestId('row-draft')).toHaveText("Lars Visser's draft")
      // Opened by her (Enter): a copy, said so; Lars's draft stays as it is.
      await row(mei.page, 'Invoice question').click()
      await mei.page.keyboard.press('Enter')
      const meiCompose = mei.page.getByRole('dialog')
      await expect(meiCompose.getByTestId('from-note')).toContainText("This is Lars Visser's draft: you are writing in a copy of it")
      await expect(meiCompose.getByLabel('Message text')).toHaveValue(/Draft by Lars/)
      await meiCompose.getByLabel('Message text').fill('Mei\'s version: the invoice is paid.')
      await meiCompose.getByRole('button', { name: 'Close' }).click()
      await expect.poll(async () => (await drafts()).map((d) => d.by).sort(), { timeout: 20_000 }).toEqual([`"Lars Visser" <lars@${setup.domain}>`, `"Mei Chen" <mei@${setup.domain}>`])

      // Opened by its writer (double-click in the Drafts): the same draft, replaced by his next version.
      await openFolder(lars.page, setup.desk, 'Drafts')
      // Drafts are listed one by one (a conversation can hold one per member), naming whom they answer.
      await expect(row(lars.page, 'Invoice question')).toHaveCount(2, { timeout: 30_000 })
      await expect(row(lars.page, 'Invoice question').getByTestId('row-who')).toHaveText(['To: Ana García', 'To: Ana García'])
      await expect(lars.page.getByTestId('list-view')).toHaveCount(0)
      await row(lars.page, 'Invoice question').filter({ hasText: "Lars Visser's draft" }).dblclick()
      const larsCompose = lars.page.getByRole('dialog')
      await expect(larsCompose.getByLabel('Message text')).toHaveValue(/Draft by Lars/)
      await expect(larsCompose.getByTestId('from-note')).toHaveCount(0)
      await larsCompose.getByLabel('Message text').fill('Draft by Lars, second version.')
      await larsCompose.getByRole('button', { name: 'Close' }).click()
      await expect.poll(async () => (await drafts()).map((d) => `${d.by} ${d.text.includes('second version') ? 'v2' : d.text.includes('paid') ? 'copy' : 'v1'}`).sort(), { timeout: 20_000 })
        .toEqual([`"Lars Visser" <lars@${setup.domain}> v2`, `"Mei Chen" <mei@${setup.domain}> copy`])
    } finally {
      // (A session the server closed meanwhile has nothing to log out of.)
      await bare.logout().catch(() => undefined)
      await lars.stop()
      await mei.stop()
    }
  })

  test('read, unread, delete (R10) and move act on every message of the conversation the member sees, each one task with one Undo', async ({ browser }) => {
    test.setTimeout(180_000)
    const root = `<delivery.${setup.domain}@customer.example>`
    const again = `<delivery.again.${setup.domain}@customer.example>`
    await stack.deliver(`helpdesk@${setup.domain}`, customerMail(setup.domain, 'Delivery late', root))
    await stack.deliver(`helpdesk@${setup.domain}`, customerMail(setup.domain, 'Re: Delivery late', again, [root]))
    const mei = await person(browser, stack, `mei@${setup.domain}`)
    const bare = await imapSession(stack, `helpdesk@${setup.domain}*mei@${setup.domain}`, passwordOf(stack, `mei@${setup.domain}`))
    /** What an independent session finds of this conversation in a folder: Message-ID → read or not. */
    const onServer = async (folder: string) => {
      const lock = await bare.getMailboxLock(folder, { readOnly: true })
      try {
        // A folder already open on this session shows what it held then until told to look again (Dovecot).
        await bare.noop()
        const out: Record<string, boolean> = {}
        if (bare.mailbox && bare.mailbox.exists) {
          for await (const m of bare.fetch('1:*', { envelope: true, flags: true })) {
            const id = m.envelope?.messageId ?? ''
            if (id === root || id === again) out[id] = m.flags?.has('\\Seen') ?? false
          }
        }
        return out
      } finally { lock.release() }
    }
    try {
      await openFolder(mei.page, setup.desk, 'Inbox')
      const conv = row(mei.page, 'Delivery late')
      await expect(conv).toHaveCount(1, { timeout: 30_000 })
      await expect(conv.getByTestId('row-count')).toHaveText('2')
      await expect(conv).toHaveAttribute('data-unread', 'true')
      // Opening the conversation reads both of its messages, for every member.
      await conv.click()
      await expect.poll(() => onServer('INBOX'), { timeout: 20_000 }).toEqual({ [root]: true, [again]: true })
      // u: both unread again for her, one action — her own unread in a shared mailbox
      // (docs/team-state.md, "Each member's own unread"): \Seen stays the team's "someone opened it".
      await mei.page.keyboard.press('u')
      await expect(mei.page.getByRole('status').filter({ hasText: 'Marked 2 messages unread.' })).toBeVisible()
      await expect(conv).toHaveAttribute('data-unread', 'true')
      expect(await seenRemovals(mei.page, `mei@${setup.domain}`)).toEqual([])
      expect(await onServer('INBOX')).toEqual({ [root]: true, [again]: true })

      // Delete: the shared-mailbox warning names both; they go to Deleted Items together, and come back with one Undo.
      await mei.page.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: 'Delete' }).click()
      const dialog = mei.page.getByRole('alertdialog')
      await expect(dialog).toContainText('deleting these 2 messages removes them for every member (R10)')
      await dialog.getByRole('button', { name: 'Delete for everyone' }).click()
      await expect(conv).toHaveCount(0)
      const trash = setup.org.folders.trash
      // Dovecot's MOVE copies, then expunges: another session may see both for a moment, so the
      // two folders are looked at together until they settle.
      const where = async (folder: string, other: string) => ({ [folder]: Object.keys(await onServer(folder)).sort(), [other]: Object.keys(await onServer(other)).sort() })
      await expect.poll(() => where(trash, 'INBOX'), { timeout: 20_000 }).toEqual({ [trash]: [again, root].sort(), INBOX: [] })
      await mei.page.getByRole('status').filter({ hasText: 'Deleted 2 messages to Deleted Items' }).getByRole('button', { name: 'Undo' }).click()
      await expect.poll(() => where('INBOX', trash), { timeout: 20_000 }).toEqual({ INBOX: [again, root].sort(), [trash]: [] })
      await expect(conv).toHaveCount(1, { timeout: 30_000 })

      // Move: both to Archive, one notice.
      await conv.click()
      await mei.page.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: 'Move to folder' }).click()
      await mei.page.getByRole('menu', { name: 'Move to folder' }).getByRole('menuitem', { name: 'Archive', exact: true }).click()
      await expect(mei.page.getByRole('status').filter({ hasText: 'Moved 2 messages to Archive.' })).toBeVisible()
      const archive = setup.org.folders.archive
      await expect.poll(() => where(archive, 'INBOX'), { timeout: 20_000 }).toEqual({ [archive]: [again, root].sort(), INBOX: [] })
    } finally {
      await bare.logout().catch(() => undefined)
      await mei.stop()
    }
  })
})
}

