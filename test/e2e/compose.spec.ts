import type { Page } from '@playwright/test'
import { ImapFlow } from 'imapflow'
import { test, expect, openFolder, passwordOf, signIn } from './fixtures'

const fromOptions = (page: Page) => page.getByRole('dialog', { name: 'New message' }).getByLabel('From').locator('option')

test.describe('compose with the right identity', () => {
  for (const [who, expected] of [
    ['alice@contoso.test', ['Alice Archer <alice@contoso.test>', 'Contoso Support <support@contoso.test>']],
    ['bob@contoso.test', ['Bob Baker <bob@contoso.test>', 'Bob Baker on behalf of Contoso Support']],
    ['carol@contoso.test', ['Carol Chen <carol@contoso.test>', 'Reception Desk <reception@contoso.test>']],
  ] as const) {
    test(`the From picker offers ${who} exactly their identities (R2, R3)`, async ({ app, stack }) => {
      await signIn(app, stack, who)
      await app.getByRole('button', { name: 'New message' }).click()
      await expect(fromOptions(app)).toHaveText([...expected])
    })
  }

  test('a reply from Contoso Support starts from it; encryption is off with its reason (R4); it lands in the shared Sent Items', async ({ app, stack }) => {
    await signIn(app, stack, 'bob@contoso.test')
    await openFolder(app, 'Contoso Support', 'inbox')
    await app.getByRole('listbox', { name: 'Message list' }).locator('.row').nth(2).click()
    const subject = (await app.locator('.reader .subject').textContent())!.trim()
    await app.keyboard.press('r')
    const dialog = app.getByRole('dialog', { name: 'New message' })
    await expect(dialog.getByLabel('From')).toHaveValue('onBehalf:support@contoso.test')
    await expect(dialog.getByLabel('Subject')).toHaveValue(/^Re: /)
    await expect(dialog.getByRole('checkbox', { name: 'Encrypt' })).toBeDisabled()
    await expect(dialog).toContainText('cannot be encrypted')
    await expect(dialog).toContainText('R4')
    // The test stack delivers only inside Contoso: reply to a colleague instead of the customer.
    await dialog.getByLabel('To', { exact: true }).fill('Dave Dunn <dave@contoso.test>')
    await dialog.getByLabel('Message text').press('Control+Enter')
    await expect(dialog).toHaveCount(0)
    const c = new ImapFlow({ host: stack.host, port: stack.ports.imap, secure: false, doSTARTTLS: false, auth: { user: 'support@contoso.test*alice@contoso.test', pass: passwordOf(stack, 'alice@contoso.test') }, logger: false })
    c.on('error', () => undefined)
    await c.connect()
    await expect.poll(async () => {
      await c.mailboxOpen('Sent Items')
      const uids = await c.search({ subject: subject.replace(/^(Re: )+/, '') }, { uid: true })
      if (!uids || !uids.length) return null
      const m = await c.fetchOne(String(uids[uids.length - 1]), { envelope: true, headers: ['sender'] }, { uid: true })
      return m ? { from: m.envelope!.from![0]!.address, sender: m.headers!.toString().toLowerCase().includes('bob@contoso.test') } : null
    }).toEqual({ from: 'support@contoso.test', sender: true })
    await c.logout()
  })

  test('someone without a grant replies from their own address, with a note', async ({ app, stack }) => {
    await signIn(app, stack, 'alice@contoso.test')
    // Alice has Send As on support; dave has nothing: check the note with dave on his own mailbox instead.
    await app.getByRole('button', { name: 'Sign out' }).click()
    await signIn(app, stack, 'dave@contoso.test')
    await app.getByRole('button', { name: 'New message' }).click()
    await expect(fromOptions(app)).toHaveText(['Dave Dunn <dave@contoso.test>'])
    await expect(app.getByRole('dialog', { name: 'New message' }).getByRole('checkbox', { name: 'Encrypt' })).toBeDisabled()
  })
})
