import { test, expect, fromPicker, launch, imapSession, passwordOf, signIn, openFolder } from './fixtures'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'

// A server with no shared namespace (like Exchange Online's IMAP or Gmail): the shared mailbox
// is opened by address, through the delegate login of the server settings.
const FABRIKAM = smallOrganisation('Fabrikam', 'fabrikam.test', {
  people: { erin: 'Erin Ellis', frank: 'Frank Foster' },
  shared: [
    { local: 'helpdesk', name: 'Fabrikam Helpdesk', members: [{ local: 'erin', sendAs: true }] },
    { local: 'billing', name: 'Fabrikam Billing', members: [{ local: 'frank' }] },
  ],
  layout: { separator: '/', sharedPrefix: null, masterSeparator: '*' },
})

let stack: MailStack
test.beforeAll(async () => {
  stack = await startMailStack(FABRIKAM)
  await stack.seed('helpdesk@fabrikam.test', 'INBOX', [{
    raw: 'From: Frank Foster <frank@fabrikam.test>\r\nTo: helpdesk@fabrikam.test\r\nSubject: Printer on fire\r\nMessage-ID: <fire-1@fabrikam.test>\r\nDate: ' + new Date().toUTCString() + '\r\n\r\nThe printer on floor 2 is on fire.\r\n',
    date: new Date(),
  }])
})
test.afterAll(async () => { await stack?.stop() })

test('opens a shared mailbox by address, reads it, replies from it, and finds the reply in its Sent folder', async ({ page }) => {
  await launch(page, stack, async (app) => {
    await signIn(app, stack, 'erin@fabrikam.test')
    const sidebar = app.getByRole('navigation', { name: 'Mailboxes' })
    await expect(sidebar.locator('.mailbox-name')).toHaveText(['erin@fabrikam.test'])
    await app.getByTestId('open-shared').click()
    const dialog = app.getByRole('dialog', { name: 'Open a shared mailbox' })
    // Not a member: refused with the rule, nothing added.
    await dialog.getByLabel('Shared mailbox address').fill('billing@fabrikam.test')
    await dialog.getByRole('button', { name: 'Open' }).click()
    await expect(dialog.getByRole('alert')).toContainText('Rule R1')
    await dialog.getByLabel('Shared mailbox address').fill('helpdesk@fabrikam.test')
    await dialog.getByLabel('Shared mailbox address').press('Enter')
    await expect(dialog).toHaveCount(0)
    await expect(sidebar.locator('.mailbox-name')).toHaveText(['erin@fabrikam.test', 'Fabrikam Helpdesk'])
    await openFolder(app, 'Fabrikam Helpdesk', 'inbox')
    await app.getByRole('listbox', { name: 'Message list' }).locator('.row').filter({ hasText: 'Printer on fire' }).click()
    await expect(app.frameLocator('iframe.mail-frame').locator('body')).toContainText('on fire')
    await app.keyboard.press('r')
    const compose = app.getByRole('dialog', { name: 'New message' })
    await expect(fromPicker(app)).toHaveAttribute('data-value', 'sendAs:helpdesk@fabrikam.test')
    await compose.getByLabel('Message text').press('Control+Enter')
    await expect(compose).toHaveCount(0)
    const witness = await imapSession(stack, 'helpdesk@fabrikam.test*erin@fabrikam.test', passwordOf(stack, 'erin@fabrikam.test'))
    await expect.poll(async () => {
      await witness.mailboxOpen('Sent Items')
      return ((await witness.search({ subject: 'Re: Printer on fire' })) || []).length
    }, { timeout: 10_000 }).toBe(1)
    await witness.logout()
    await openFolder(app, 'Fabrikam Helpdesk', 'sent')
    await expect(app.getByRole('listbox', { name: 'Message list' }).locator('.row').filter({ hasText: 'Re: Printer on fire' })).toHaveCount(1, { timeout: 10_000 })
  })
})
