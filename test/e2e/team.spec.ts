import type { Browser, Page } from '@playwright/test'
import { smallOrganisation, type Organisation } from '../mailstack/organisation'
import { imapSession } from '../mailstack/sessions'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { test, expect, choose, passwordOf, person, ServiceNewsGate } from './fixtures'
import { randomUUID } from 'node:crypto'
import { readTeamRecords, recordMessage } from '../../electron/service/operations/team'

/**
 * Two members of one shared mailbox, each in their own browser context with their own Tandem
 * (web host), work a conversation together: a claim race, status, an internal note and its
 * deletion, "is writing a reply". What one does, the other sees from the server.
 */
interface Setup {
  what: string
  org: Organisation
  domain: string
  desk: string
  /** How a member's own session names the shared mailbox's folders (the server's prefix and separator). */
  path: (folder: string) => string
  /** Members without the write right: the server refuses custom keywords in every folder, as Exchange Online does. */
  noKeywords: boolean
  /** A folder per member under the team folder (docs/admin.md): authors confirmed; otherwise claimed. */
  confirmed: boolean
}

const org = (name: string, domain: string, desk: string, layout: Organisation['layout'], teamMembers = false) => smallOrganisation(name, domain, {
  // The customer has a mailbox here too: the test stack delivers only inside the organisation.
  people: { lars: 'Lars Visser', mei: 'Mei Chen', ana: 'Ana García' },
  shared: [{ local: 'helpdesk', name: desk, members: [{ local: 'lars', sendAs: true }, { local: 'mei', sendAs: true }] }],
  layout,
  teamMembers,
})

const SETUPS: Setup[] = [
  { what: 'Tailspin Toys ("." separator, owners by user name)', org: org('Tailspin Toys', 'tailspin.test', 'Tailspin Helpdesk', { separator: '.', sharedPrefix: 'shared.%%n.', masterSeparator: '*' }),
    domain: 'tailspin.test', desk: 'Tailspin Helpdesk', path: (f) => `shared.helpdesk.${f}`, noKeywords: false, confirmed: false },
  { what: 'Litware, whose IMAP refuses custom keywords, with a team folder per member ("/" separator, owners by address)', org: org('Litware', 'litware.test', 'Litware Desk', { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' }, true),
    domain: 'litware.test', desk: 'Litware Desk', path: (f) => `shared/helpdesk@litware.test/${f}`, noKeywords: true, confirmed: true },
]

const customerMail = (domain: string, subject: string) => [`From: Ana García <ana@${domain}>`, `To: Helpdesk <helpdesk@${domain}>`, `Subject: ${subject}`,
  `Date: ${new Date().toUTCString()}`, `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@example.test>`, 'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8', '', 'Please help.', ''].join('\r\n')

/** A member's own Tandem: a web host of their own and a browser context, signed in, on the shared Inbox. */
async function member(browser: Browser, stack: MailStack, address: string, desk: string, gate?: ServiceNewsGate): Promise<{ page: Page; stop: () => Promise<void> }> {
  const m = await person(browser, stack, address, gate && ((p) => gate.route(p)))
  await m.page.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: desk }).locator('button[data-role="inbox"]').click()
  return m
}

for (const setup of SETUPS) {
test.describe(`working a shared inbox as a team: ${setup.what}`, () => {
  let stack: MailStack
  test.beforeAll(async () => {
    stack = await startMailStack(setup.org)
    if (setup.noKeywords) for (const m of ['lars', 'mei']) await stack.setRights(`helpdesk@${setup.domain}`, `${m}@${setup.domain}`, 'lrstipekx')
    await stack.deliver(`helpdesk@${setup.domain}`, customerMail(setup.domain, 'Printer on fire'))
    await stack.deliver(`helpdesk@${setup.domain}`, customerMail(setup.domain, 'Refund for order 7'))
  })
  test.afterAll(async () => { await stack?.stop() })

  test('claim race, status, internal note and its deletion, "is writing": each member sees the other\'s', async ({ browser }) => {
    // Two windows, two services and a mail server on two shared cores: a long walk, never a race against time.
    test.setTimeout(180_000)
    const gate = new ServiceNewsGate()
    const lars = await member(browser, stack, `lars@${setup.domain}`, setup.desk, gate)
    const mei = await member(browser, stack, `mei@${setup.domain}`, setup.desk, gate)
    try {
      const row = (p: Page, subject: string) => p.getByRole('listbox', { name: 'Message list' }).locator('.row', { hasText: subject })
      for (const p of [lars.page, mei.page]) {
        await row(p, 'Printer on fire').click()
        await expect(p.getByTestId('team-panel')).toContainText('Not assigned')
      }
      // Whom to assign to: the members the administrator's directory entry lists, before anyone did anything.
      await lars.page.getByTestId('team-panel').getByRole('combobox', { name: 'Assign to' }).click()
      // The select's options open in a layer after the message list (itself a listbox).
      await expect(lars.page.getByRole('listbox').last().getByRole('option')).toHaveText(['Nobody', 'you', `mei@${setup.domain}`])
      await lars.page.keyboard.press('Escape')

      // Both press "Assign to me" at once: one has it, in both windows; the other is told who
      // (watched from the click on: the notice goes after its time, while the windows settle).
      // "At once" is made certain: what the services say is held until both clicks are made, so
      // neither window can have seen the other's claim first (which would make its click a
      // takeover, as it should); the server's order of the two claims decides.
      const told = Promise.any([lars.page, mei.page].map((p) => p.getByRole('alert').filter({ hasText: 'already has this conversation' }).first().waitFor({ timeout: 30_000 }).then(() => p)))
      gate.close()
      try {
        await Promise.all([lars.page, mei.page].map((p) => p.getByTestId('team-panel').getByRole('button', { name: 'Assign to me' }).click()))
      } finally { gate.open() }
      await expect.poll(async () => {
        const [a, b] = await Promise.all([lars.page, mei.page].map((p) => p.getByTestId('team-assignee').textContent()))
        return [a, b].join(' | ')
      }, { timeout: 15_000 }).toMatch(new RegExp(`^Assigned to (you \\| Assigned to lars@${setup.domain}|mei@${setup.domain} \\| Assigned to you)$`))
      const larsWon = (await lars.page.getByTestId('team-assignee').textContent()) === 'Assigned to you'
      const loser = larsWon ? mei.page : lars.page
      const winner = larsWon ? lars.page : mei.page
      expect(await told).toBe(loser)
      // The row says who has it, for every member.
      await expect(row(loser, 'Printer on fire').getByTestId('row-assignee')).toHaveText(larsWon ? 'lars' : 'mei')
      await expect(row(winner, 'Printer on fire').getByTestId('row-assignee')).toHaveText('you')

      // Status: the loser sets Waiting; the winner's row shows it.
      await choose(loser, 'Status', 'Waiting', loser.getByTestId('team-panel'))
      await expect(row(winner, 'Printer on fire').getByTestId('row-status')).toHaveText('Waiting', { timeout: 15_000 })

      // Filters: unassigned, mine, by status.
      await choose(winner, 'Show', 'Unassigned')
      await expect(row(winner, 'Printer on fire')).toHaveCount(0)
      await expect(row(winner, 'Refund for order 7')).toBeVisible()
      await choose(winner, 'Show', 'Assigned to me')
      await expect(row(winner, 'Printer on fire')).toBeVisible()
      await expect(row(winner, 'Refund for order 7')).toHaveCount(0)
      await choose(winner, 'Show', 'All conversations')
      await choose(winner, 'Status', 'Open', winner.getByRole('main', { name: 'Messages' }))
      await expect(row(winner, 'Printer on fire')).toHaveCount(0)
      await expect(row(winner, 'Refund for order 7')).toBeVisible()
      await choose(winner, 'Status', 'Any status', winner.getByRole('main', { name: 'Messages' }))
      await expect(row(winner, 'Printer on fire')).toBeVisible()

      // An internal note, then deleted by the other member: who did it shows, and it can come back.
      await winner.getByLabel('Internal note for the team').fill('Called Ana: a new printer ships Monday.')
      await winner.getByRole('button', { name: 'Add note' }).click()
      await expect(loser.getByTestId('team-note')).toContainText('Called Ana: a new printer ships Monday.', { timeout: 15_000 })
      await loser.getByTestId('team-note').getByRole('button', { name: 'Delete note' }).click()
      await expect(winner.getByTestId('team-note')).toContainText(new RegExp(`Note deleted by (lars|mei)@${setup.domain}`), { timeout: 15_000 })
      await winner.getByTestId('team-note').getByRole('button', { name: 'Restore' }).click()
      await expect(loser.getByTestId('team-note')).toContainText('Called Ana', { timeout: 15_000 })

      // The loser's window starts again: who has it and the status come from what the device kept,
      // the note and the history with the conversation when it is opened.
      await loser.reload()
      await loser.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: setup.desk }).locator('button[data-role="inbox"]').click()
      await expect(row(loser, 'Printer on fire').getByTestId('row-status')).toHaveText('Waiting', { timeout: 15_000 })
      await expect(row(loser, 'Printer on fire').getByTestId('row-assignee')).toHaveText(larsWon ? 'lars' : 'mei')
      await row(loser, 'Printer on fire').click()
      await expect(loser.getByTestId('team-note')).toContainText('Called Ana')
      // The team's actions are in the conversation's timeline at their time, marked internal.
      await expect(loser.getByRole('list', { name: 'Conversation' }).getByTestId('team-event').filter({ hasText: /restored a note/ })).toContainText('Internal')

      // "Is writing a reply": the winner replies; the other sees it within 5 s, and it goes when the window closes.
      await winner.keyboard.press('r')
      await expect(winner.getByRole('dialog')).toBeVisible()
      // Internal notes are never quoted into a reply.
      await expect(winner.getByRole('dialog').getByLabel('Message text')).not.toHaveValue(/Called Ana/)
      await expect(winner.getByRole('dialog').getByLabel('Message text')).toHaveValue(/Please help\./)
      await expect(loser.getByTestId('team-writing')).toContainText(new RegExp(`(lars|mei)@${setup.domain} is writing a reply`), { timeout: 5_000 })
      await expect(row(loser, 'Printer on fire').getByTestId('row-writing')).toHaveAttribute('title', /is writing a reply/)
      await winner.getByRole('dialog').getByRole('button', { name: 'Delete draft' }).click()
      await expect(loser.getByTestId('team-writing')).toHaveCount(0, { timeout: 10_000 })

      // Traffic cop: the loser starts a reply, the winner sends one meanwhile; the loser's send
      // stops, shows who replied and what, and goes only when they say so.
      await loser.keyboard.press('r')
      const loserCompose = loser.getByRole('dialog')
      await loserCompose.getByLabel('Message text').fill('Hello Ana, we are on it.')
      await winner.keyboard.press('r')
      const winnerCompose = winner.getByRole('dialog')
      await winnerCompose.getByLabel('Message text').fill('Hello Ana, a new printer ships Monday.')
      await winnerCompose.getByRole('button', { name: 'Send', exact: true }).click()
      await expect(winnerCompose).toHaveCount(0, { timeout: 15_000 })
      await loserCompose.getByRole('button', { name: 'Send', exact: true }).click()
      const collision = loserCompose.getByTestId('collision')
      await expect(collision).toContainText(/replied (now|.*minute)/, { timeout: 15_000 })
      await expect(collision.locator('blockquote')).toContainText('a new printer ships Monday')
      // One panel, first in the window, and no second message beside it.
      await expect(loserCompose.getByRole('alert')).toHaveCount(1)
      // The other member's reply is in the conversation's timeline too, from the shared Sent (the loser's own draft may be there beside it).
      const timeline = loser.getByRole('list', { name: 'Conversation' })
      await expect(timeline.getByTestId('timeline-message').filter({ has: loser.getByTestId('timeline-folder').filter({ hasText: 'in Sent Items' }) })).toHaveCount(1, { timeout: 15_000 })
      await collision.getByRole('button', { name: 'Send mine anyway' }).click()
      await expect(loserCompose).toHaveCount(0, { timeout: 15_000 })

      // Done and archive: the status is recorded, the conversation leaves the Inbox for both.
      await row(loser, 'Refund for order 7').click()
      await loser.getByTestId('team-panel').getByRole('button', { name: 'Done and archive' }).click()
      await expect(row(loser, 'Refund for order 7')).toHaveCount(0, { timeout: 15_000 })
      await expect(row(winner, 'Refund for order 7')).toHaveCount(0, { timeout: 15_000 })

      // A delete in the shared mailbox cannot be prevented (R10), but the team sees who did it:
      // in Deleted Items the conversation's history names the member.
      await row(winner, 'Printer on fire').click()
      await winner.keyboard.press('#')
      await winner.getByRole('button', { name: 'Delete for everyone' }).click()
      await expect(row(winner, 'Printer on fire')).toHaveCount(0, { timeout: 15_000 })
      await loser.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: setup.desk }).locator('button[data-role="trash"]').click()
      await row(loser, 'Printer on fire').click()
      // R10's audit is in the conversation's timeline, at its time, visibly internal.
      const history = loser.getByRole('list', { name: 'Conversation' }).getByTestId('team-event')
      const deletion = history.filter({ hasText: /deleted a message/ })
      await expect(deletion).toContainText('Internal', { timeout: 15_000 })
      const winnerAddress = `${larsWon ? 'lars' : 'mei'}@${setup.domain}`
      if (setup.confirmed) {
        // Confirmed by the winner's own folder: R10's audit names the member as fact.
        await expect(deletion).toContainText(`${winnerAddress} deleted a message (in Deleted Items)`, { timeout: 15_000 })
        await expect(deletion).toHaveAttribute('data-confirmed', 'true')
        await expect(loser.getByTestId('team-authors-claimed')).toHaveCount(0)
      } else {
        // Nothing on this server confirms who wrote a record: the audit says so, and names nobody as fact.
        await expect(deletion).toContainText(`Someone deleted a message (in Deleted Items); the record names ${winnerAddress}, unconfirmed`, { timeout: 15_000 })
        await expect(loser.getByTestId('team-authors-claimed')).toContainText('this mail server does not let Tandem confirm who did what')
      }

      // An independent IMAP session sees the records in the shared mailbox's team folder.
      const bare = await imapSession(stack, `lars@${setup.domain}`, passwordOf(stack, `lars@${setup.domain}`))
      try {
        if (setup.noKeywords) {
          // This server refuses custom keywords in the shared mailbox, and all of the above worked.
          const inbox = await bare.mailboxOpen(setup.path('INBOX'))
          expect([...(inbox.permanentFlags ?? [])]).not.toContain('\\*')
        }
        const box = await bare.mailboxOpen(setup.path('Tandem Team'), { readOnly: true })
        expect(box.exists).toBeGreaterThanOrEqual(8)
        const subjects: string[] = []
        for await (const m of bare.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '')
        expect(subjects.some((x) => /set the status to Waiting$/.test(x))).toBe(true)
        expect(subjects.some((x) => /set the status to Done$/.test(x))).toBe(true)
        expect(subjects.some((s) => /wrote an internal note$/.test(s))).toBe(true)
        // Lars forges a record in which the winner deleted three more messages of it (any member
        // may append anything): the loser's window shows it, never as the winner's deed.
        const records = (await readTeamRecords(bare, setup.path('Tandem Team'), null)).records
        const real = records.find((r) => r.action.kind === 'deleted' && r.by === winnerAddress)!
        const forged = { ...real, id: randomUUID(), action: { kind: 'deleted' as const, messageIds: ['<forged@example.test>'], count: 3 } }
        const { uid: _uid, ...record } = forged
        await bare.append(setup.path('Tandem Team'), await recordMessage(record, 'Forger', 'forged', 'forged'), ['\\Seen'])
        await expect(history.filter({ hasText: 'deleted 3 messages' })).toContainText(`Someone deleted 3 messages (in Deleted Items); the record names ${winnerAddress}, unconfirmed`, { timeout: 15_000 })
        if (setup.confirmed) await expect(loser.getByTestId('team-authors-unconfirmed')).toBeVisible()
        // Both replies are in the shared Sent folder: the second went only when its writer chose.
        await bare.mailboxOpen(setup.path('Sent Items'), { readOnly: true })
        const sent: string[] = []
        for await (const m of bare.fetch('1:*', { envelope: true })) sent.push(m.envelope?.subject ?? '')
        expect(sent.filter((x) => x === 'Re: Printer on fire')).toHaveLength(2)
      } finally { await bare.logout() }
    } finally {
      await lars.stop()
      await mei.stop()
    }
  })
})
}
