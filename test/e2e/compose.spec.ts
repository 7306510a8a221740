import { test, expect, fromChoices, fromPicker, imapSession, openFolder, passwordOf, signIn } from './fixtures'

test.describe('compose with the right identity', () => {
  for (const [who, expected] of [
    ['alice@contoso.test', ['Alice Archer <alice@contoso.test>', 'Contoso Support <support@contoso.test>']],
    ['bob@contoso.test', ['Bob Baker <bob@contoso.test>', 'Bob Baker on behalf of Contoso Support']],
    ['carol@contoso.test', ['Carol Chen <carol@contoso.test>', 'Reception Desk <reception@contoso.test>']],
  ] as const) {
    test(`the From picker offers ${who} exactly their identities (R2, R3)`, async ({ app, stack }) => {
      await signIn(app, stack, who)
      await app.getByRole('button', { name: 'New message' }).click()
      await expect.poll(() => fromChoices(app), { timeout: 30_000 }).toEqual([...expected])
    })
  }

  test('a reply from Contoso Support starts from it; encryption is off with its reason (R4); it lands in the shared Sent Items', async ({ app, stack }) => {
    await signIn(app, stack, 'bob@contoso.test')
    await openFolder(app, 'Contoso Support', 'inbox')
    await app.getByRole('listbox', { name: 'Message list' }).locator('.row').nth(2).click()
    const subject = (await app.locator('.reader .subject').textContent())!.trim()
    await app.keyboard.press('r')
    const dialog = app.getByRole('dialog', { name: 'New message' })
    await expect(fromPicker(app)).toHaveAttribute('data-value', 'onBehalf:support@contoso.test')
    await expect(dialog.getByLabel('Subject')).toHaveValue(/^Re: /)
    await expect(dialog.getByRole('checkbox', { name: 'Encrypt' })).toBeDisabled()
    await expect(dialog).toContainText('cannot be encrypted')
    await expect(dialog).toContainText('R4')
    // The test stack delivers only inside Contoso: reply to a colleague instead of the customer.
    await dialog.getByLabel('To', { exact: true }).fill('Dave Dunn <dave@contoso.test>')
    await dialog.getByLabel('Message text').press('Control+Enter')
    await expect(dialog).toHaveCount(0, { timeout: 30_000 })
    const c = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
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
    await app.getByTestId('account-menu').click()
    await app.getByRole('menuitem', { name: 'Sign out' }).click()
    await signIn(app, stack, 'dave@contoso.test')
    await app.getByRole('button', { name: 'New message' }).click()
    await expect.poll(() => fromChoices(app), { timeout: 30_000 }).toEqual(['Dave Dunn <dave@contoso.test>'])
    await expect(app.getByRole('dialog', { name: 'New message' }).getByRole('checkbox', { name: 'Encrypt' })).toBeDisabled()
  })
})

test('a message from Contoso Support autosaves to its Drafts, takes a file, and the draft goes once sent', async ({ app, stack }) => {
  const { mkdtemp, writeFile } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const { tmpdir } = await import('node:os')
  const dir = await mkdtemp(join(tmpdir(), 'tandem-attach-'))
  await writeFile(join(dir, 'opening-hours.txt'), 'Mon-Fri 9-17\n')
  const support = async () => {
    const c = await imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    return c
  }
  const inDrafts = async (subject: string) => {
    const c = await support()
    try { await c.mailboxOpen('Drafts'); return ((await c.search({ subject }, { uid: true })) || []).length } finally { await c.logout() }
  }

  await signIn(app, stack, 'alice@contoso.test')
  await openFolder(app, 'Contoso Support', 'inbox')
  await app.keyboard.press('c')
  const dialog = app.getByRole('dialog', { name: 'New message' })
  await expect(fromPicker(app)).toHaveAttribute('data-value', 'sendAs:support@contoso.test')
  await dialog.getByLabel('To', { exact: true }).fill('dave@contoso.test')
  await dialog.getByLabel('Subject').fill('Our opening hours')
  await dialog.getByLabel('Message text').fill('Please find them attached.')
  await dialog.getByLabel('Attach files').setInputFiles(join(dir, 'opening-hours.txt'))
  await expect(dialog.getByRole('list', { name: 'Attached files' })).toContainText('opening-hours.txt')
  await expect(dialog.getByTestId('size-use')).toContainText('of 25 MB')
  await expect(dialog.getByRole('status')).toContainText('Draft saved', { timeout: 10_000 })
  await expect.poll(() => inDrafts('Our opening hours')).toBe(1)

  await dialog.getByRole('button', { name: 'Send' }).click()
  await expect(dialog).toHaveCount(0)
  await expect.poll(() => inDrafts('Our opening hours')).toBe(0)
  const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
  await expect.poll(async () => {
    await dave.mailboxOpen('INBOX')
    const uids = (await dave.search({ subject: 'Our opening hours' }, { uid: true })) || []
    if (!uids.length) return null
    const m = await dave.fetchOne(String(uids[0]), { source: true }, { uid: true })
    return m && m.source!.toString().includes('filename=opening-hours.txt')
  }).toBe(true)
  await dave.logout()
})

test('rich text with a signature and autocomplete from cached contacts arrives as HTML and text', async ({ app, stack }) => {
  await signIn(app, stack, 'bob@contoso.test')
  await openFolder(app, 'bob@contoso.test', 'inbox')
  await expect(app.getByTestId('list-count')).toContainText(/^[1-9]\d* conversation/)
  await app.keyboard.press('c')
  const dialog = app.getByRole('dialog', { name: 'New message' })
  // Autocomplete: Alice wrote to bob (cached), so "ali" offers her.
  const to = dialog.getByLabel('To', { exact: true })
  await to.pressSequentially('ali')
  await expect(dialog.getByRole('listbox').getByRole('option').first()).toContainText('alice@contoso.test')
  // The option the arrows are on is the field's active descendant; Esc closes the list, not the message.
  await expect(to).toHaveAttribute('aria-activedescendant', await dialog.getByRole('listbox').getByRole('option').first().getAttribute('id') ?? 'none')
  await to.press('Escape')
  await expect(dialog.getByRole('listbox')).toHaveCount(0)
  await expect(dialog).toBeVisible()
  await to.press('End')
  await to.pressSequentially('c')
  await expect(dialog.getByRole('listbox').getByRole('option').first()).toContainText('alice@contoso.test')
  await to.press('Enter')
  await expect(dialog.getByLabel('To', { exact: true })).toHaveValue(/Alice Archer <alice@contoso\.test>/)
  await dialog.getByRole('button', { name: 'Signatures…' }).click()
  const signatures = app.getByTestId('signatures-dialog')
  await signatures.getByTestId('signature-editor').click()
  await app.keyboard.type('Bob Baker, Support')
  await signatures.getByRole('button', { name: 'Save' }).click()
  await app.keyboard.press('Escape')
  await dialog.getByText('Rich text').click()
  await dialog.getByLabel('Subject').fill('Rich hello')
  const body = dialog.getByRole('textbox', { name: 'Message text' })
  await body.click()
  await app.keyboard.press('Control+Home')
  await app.keyboard.press('Control+b')
  await app.keyboard.type('Important')
  await dialog.getByRole('button', { name: 'Send' }).click()
  await expect(dialog).toHaveCount(0)
  const c = await imapSession(stack, 'bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
  await expect.poll(async () => {
    await c.mailboxOpen('Sent Items')
    const uids = (await c.search({ subject: 'Rich hello' }, { uid: true })) || []
    if (!uids.length) return null
    const src = (await c.fetchOne(String(uids[0]), { source: true }, { uid: true }) || null)?.source?.toString() ?? ''
    return { html: /text\/html/.test(src) && /<strong>Important<\/strong>/.test(src.replace(/=\r?\n/g, '')), text: /text\/plain/.test(src), sig: src.includes('Bob Baker, Support') }
  }).toEqual({ html: true, text: true, sig: true })
  await c.logout()
})
