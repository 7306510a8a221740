import { test, expect, passwordOf } from './fixtures'

test.describe('signing in', () => {
  test('alice signs in and sees her folder list', async ({ app, stack }) => {
    await app.getByLabel('E-mail address').fill('alice@contoso.test')
    await app.getByLabel('Password').fill(passwordOf(stack, 'alice@contoso.test'))
    await app.getByLabel('Password').press('Enter')
    await expect(app.getByTestId('signed-in-as')).toHaveText('alice@contoso.test')
    const own = app.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: 'alice@contoso.test' })
    await expect(own.getByRole('treeitem').locator('.folder-name')).toHaveText(['Inbox', 'Drafts', 'Sent Items', 'Archive', 'Junk Email', 'Deleted Items'])
    // Inbox is chosen first; arrow keys move through the folders.
    const title = app.locator('.pane-title')
    await expect(title).toHaveText('Inbox')
    await own.locator('button[data-role="inbox"]').focus()
    await app.keyboard.press('ArrowDown')
    await app.keyboard.press('Enter')
    await expect(title).toHaveText('Drafts')
    // Roving tabindex: Tab reaches the tree at its selected folder only.
    await expect(own.locator('button[data-role="drafts"]')).toHaveAttribute('tabindex', '0')
    await expect(own.locator('button[data-role="inbox"]')).toHaveAttribute('tabindex', '-1')
    // A reload keeps the session: the main side holds it, the tab keeps its launch key.
    await app.reload()
    await expect(app.getByTestId('signed-in-as')).toHaveText('alice@contoso.test')
    await app.getByTestId('account-menu').click()
    await app.getByRole('menuitem', { name: 'Sign out' }).click()
    await expect(app.getByRole('heading', { name: 'Sign in to Tandem' })).toBeVisible()
  })

  test('a wrong password is named as such, and the form stays', async ({ app, stack }) => {
    // alice has signed in on this device before, so a refusal is her password (not possibly R8).
    await app.getByLabel('E-mail address').fill('alice@contoso.test')
    await app.getByLabel('Password').fill(passwordOf(stack, 'alice@contoso.test'))
    await app.getByRole('button', { name: 'Sign in' }).click()
    await app.getByTestId('account-menu').click()
    await app.getByRole('menuitem', { name: 'Sign out' }).click()
    await app.getByLabel('E-mail address').fill('alice@contoso.test')
    await app.getByLabel('Password').fill('wrong-password')
    await app.getByRole('button', { name: 'Sign in' }).click()
    await expect(app.getByRole('alert')).toContainText('did not accept the password for alice@contoso.test')
    await expect(app.getByLabel('Password')).toHaveValue('')
    await expect(app.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true')
    await expect(app.getByTestId('signed-in-as')).toHaveCount(0)
  })

  test('a shared mailbox cannot sign in and is told to use its own address (R8)', async ({ app }) => {
    await app.getByLabel('E-mail address').fill('support@contoso.test')
    await app.getByLabel('Password').fill('whatever')
    await app.getByRole('button', { name: 'Sign in' }).click()
    const alert = app.getByRole('alert')
    await expect(alert).toContainText('support@contoso.test is a shared mailbox')
    await expect(alert).toContainText('R8')
    await expect(alert).toContainText('Sign in with your own address')
    await expect(app.getByLabel('E-mail address')).toHaveAttribute('aria-invalid', 'true')
  })

  test('checks the form before asking the server', async ({ app }) => {
    await app.getByLabel('E-mail address').fill('alice')
    await app.getByRole('button', { name: 'Sign in' }).click()
    await expect(app.getByRole('alert').first()).toContainText('Enter your e-mail address')
    await expect(app.getByText('Enter your password')).toBeVisible()
  })

  test('suggests the server settings the launcher gave, and they can be changed', async ({ app, stack }) => {
    await app.getByText('Server settings').click()
    await expect(app.locator('#imap-host')).toHaveValue('127.0.0.1')
    await expect(app.locator('#imap-port')).toHaveValue(String(stack.ports.imap))
    await app.locator('#imap-port').fill('1')
    await app.getByLabel('E-mail address').fill('alice@contoso.test')
    await app.getByLabel('Password').fill(passwordOf(stack, 'alice@contoso.test'))
    await app.getByRole('button', { name: 'Sign in' }).click()
    await expect(app.getByRole('alert')).toContainText('could not reach the mail server 127.0.0.1:1')
  })
})

test.describe('the window is locked down', () => {
  test('no eval, no inline script, no remote connection from the renderer', async ({ app }) => {
    const result = await app.evaluate(async () => {
      const out: Record<string, string> = {}
      // Playwright's own evaluate bypasses CSP; a string timer is compiled later by the page.
      const later = window.setTimeout as unknown as (code: string, ms: number) => number
      try { later('window.__evaluated = 1', 0) } catch { /* blocked synchronously */ }
      await new Promise((r) => setTimeout(r, 100))
      out.eval = (window as unknown as { __evaluated?: number }).__evaluated ? 'ran' : 'blocked'
      const s = document.createElement('script')
      s.textContent = 'window.__inline = 1'
      document.body.appendChild(s)
      out.inline = (window as unknown as { __inline?: number }).__inline ? 'ran' : 'blocked'
      try { await fetch('http://example.com/'); out.fetch = 'ran' } catch { out.fetch = 'blocked' }
      return out
    })
    expect(result).toEqual({ eval: 'blocked', inline: 'blocked', fetch: 'blocked' })
  })

  // The launch key belongs to the web host; under Electron there is no such page.
  if (process.env.TANDEM_E2E_ELECTRON !== '1') test('without the launch key the page says how to open Tandem', async ({ page, app }) => {
    const origin = new URL(app.url()).origin
    const fresh = await page.context().browser()!.newPage()
    await fresh.goto(origin + '/')
    await expect(fresh.getByRole('alert')).toContainText('Open Tandem with the full address')
    await fresh.close()
  })
})
