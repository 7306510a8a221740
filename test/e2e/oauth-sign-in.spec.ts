import type { BrowserContext, Page } from '@playwright/test'
import { test, expect, launch, passwordOf } from './fixtures'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'

// An organisation whose mail server takes the tokens of its own OpenID provider (as Exchange
// Online takes Entra ID's): Tandem signs in through the provider's login page in a browser tab.
const WOODGROVE = smallOrganisation('Woodgrove', 'woodgrove.test', {
  people: { lena: 'Lena Lindqvist', omar: 'Omar Osei' },
  shared: [{ local: 'reception', name: 'Woodgrove Reception', members: [{ local: 'lena', sendAs: true }] }],
  layout: { separator: '.', sharedPrefix: 'Other Users.%%n.', masterSeparator: '*' },
})

let stack: MailStack
test.beforeAll(async () => { stack = await startMailStack(WOODGROVE, { oauth: true }) })
test.afterAll(async () => { await stack?.stop() })

/**
 * Main asks, on Tandem's own confirmation page (never in its window), before the sign-in is used
 * at servers the provider does not name itself: the window points there, the person answers.
 */
async function confirmServers(app: Page, context: BrowserContext, expectWarning: RegExp): Promise<void> {
  const banner = app.getByTestId('confirm-waiting')
  await expect(banner).toContainText('Use your 127.0.0.1')
  const [confirm] = await Promise.all([context.waitForEvent('page'), banner.getByRole('link', { name: 'Open the confirmation page' }).click()])
  await expect(confirm.getByRole('heading', { name: /Use your 127\.0\.0\.1:\d+ sign-in at these servers\?/ })).toBeVisible()
  await expect(confirm.getByRole('alert')).toContainText(expectWarning)
  await confirm.getByRole('button', { name: 'Use these servers' }).click()
  await expect(confirm.getByRole('status')).toContainText('Your answer went to Tandem')
  await confirm.close()
}

test('signs in on the organisation\'s own sign-in page and opens the person\'s and the shared mailboxes', async ({ page, context }) => {
  await launch(page, stack, async (app) => {
    const button = app.getByRole('button', { name: /^Sign in with 127\.0\.0\.1:\d+$/ })
    await expect(button).toBeVisible()
    await app.getByLabel('E-mail address').fill('lena@woodgrove.test')
    const [tab] = await Promise.all([context.waitForEvent('page'), button.click()])
    await expect(app.getByRole('status').filter({ hasText: 'Finish signing in in your browser' })).toBeVisible()
    await tab.waitForURL(/\/interaction\//)
    await expect(tab.getByRole('heading', { name: 'Sign in to Woodgrove' })).toBeVisible()
    // The provider's page knows nothing of Tandem's window.
    expect(await tab.evaluate(() => window.opener)).toBeNull()
    await tab.getByLabel('Email').fill('lena@woodgrove.test')
    await tab.getByLabel('Password').fill('wrong')
    await tab.getByRole('button', { name: 'Sign in' }).click()
    await expect(tab.getByRole('alert')).toContainText('not right')
    await tab.getByLabel('Password').fill(passwordOf(stack, 'lena@woodgrove.test'))
    await tab.getByRole('button', { name: 'Sign in' }).click()
    await expect(tab.getByRole('heading', { name: 'Signed in' })).toBeVisible()
    // The test servers are on 127.0.0.1, outside woodgrove.test: the page says so.
    await confirmServers(app, context, /127\.0\.0\.1 is not part of woodgrove\.test/)
    await expect(app.getByTestId('signed-in-as')).toContainText('lena@woodgrove.test')
    const sidebar = app.getByRole('navigation', { name: 'Mailboxes' })
    await expect(sidebar.locator('.mailbox-name')).toHaveText(['lena@woodgrove.test', 'Woodgrove Reception'])
  })
})

test('cancelling on the provider\'s page leaves the form with a clear message; a password still works', async ({ page, context }) => {
  await launch(page, stack, async (app) => {
    const [tab] = await Promise.all([context.waitForEvent('page'), app.getByRole('button', { name: /^Sign in with/ }).click()])
    await tab.waitForURL(/\/interaction\//)
    await tab.getByRole('link', { name: 'Cancel' }).click()
    await expect(app.getByRole('alert')).toContainText('cancelled in the browser')
    await app.getByRole('button', { name: 'Use a password instead' }).click()
    await app.getByLabel('E-mail address').fill('omar@woodgrove.test')
    await app.getByLabel('Password').fill(passwordOf(stack, 'omar@woodgrove.test'))
    await app.getByRole('button', { name: 'Sign in', exact: true }).click()
    await expect(app.getByTestId('signed-in-as')).toContainText('omar@woodgrove.test')
  })
})

test('the Microsoft 365 preset offers "Sign in with Microsoft 365" once Tandem has a client ID', async ({ page }) => {
  process.env.TANDEM_OAUTH_CLIENTS = JSON.stringify({ microsoft365: { clientId: '11111111-2222-3333-4444-555555555555' } })
  try {
    await launch(page, stack, async (app) => {
      await app.getByText('Server settings').click()
      await app.getByRole('combobox', { name: 'Provider' }).click()
      await app.getByRole('option', { name: 'Microsoft 365', exact: true }).click()
      await expect(app.getByRole('button', { name: 'Sign in with Microsoft 365' })).toBeVisible()
      await expect(app.locator('#imap-host')).toHaveValue('outlook.office365.com')
      await expect(app.getByRole('combobox', { name: 'How you sign in' })).toHaveText('Organisation sign-in (OAuth2)')
      await expect(app.locator('#oauth-issuer')).toHaveValue('https://login.microsoftonline.com/common/v2.0')
      await expect(app.locator('#oauth-client')).toHaveValue('11111111-2222-3333-4444-555555555555')
      await expect(app.getByRole('combobox', { name: 'Delegate login' })).toHaveText('Exchange Online with organisation sign-in (the shared address)')
      // Back to a password: the usual form.
      await app.getByRole('combobox', { name: 'How you sign in' }).click()
      await app.getByRole('option', { name: 'Password', exact: true }).click()
      await expect(app.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible()
      await expect(app.getByLabel('Password')).toBeVisible()
    })
  } finally {
    delete process.env.TANDEM_OAUTH_CLIENTS
  }
})

test('a browser still signed in as a colleague: Tandem says so, opens nothing, and signs in as the person who typed', async ({ page, context }) => {
  await launch(page, stack, async (app) => {
    // Lena signs in, and signs out of Tandem; the browser stays signed in as her (a reception PC).
    await app.getByLabel('E-mail address').fill('lena@woodgrove.test')
    const [tab] = await Promise.all([context.waitForEvent('page'), app.getByRole('button', { name: /^Sign in with/ }).click()])
    await tab.getByLabel('Email').fill('lena@woodgrove.test')
    await tab.getByLabel('Password').fill(passwordOf(stack, 'lena@woodgrove.test'))
    await tab.getByRole('button', { name: 'Sign in' }).click()
    await confirmServers(app, context, /not part of woodgrove\.test/)
    await expect(app.getByTestId('signed-in-as')).toContainText('lena@woodgrove.test')
    await tab.close()
    await app.getByTestId('account-menu').click()
    await app.getByRole('menuitem', { name: 'Sign out' }).click()
    // Omar types his own address; the provider answers at once, as lena.
    await app.getByLabel('E-mail address').fill('omar@woodgrove.test')
    const [silent] = await Promise.all([context.waitForEvent('page'), app.getByRole('button', { name: /^Sign in with/ }).click()])
    await expect(app.getByRole('alert')).toContainText('The browser signed you in as lena@woodgrove.test, not as omar@woodgrove.test')
    await expect(app.getByTestId('signed-in-as')).toHaveCount(0)
    await silent.close()
    const [chooser] = await Promise.all([context.waitForEvent('page'), app.getByTestId('sign-in-as-typed').click()])
    await expect(chooser.getByRole('heading', { name: 'Sign in to Woodgrove' })).toBeVisible()
    await chooser.getByLabel('Email').fill('omar@woodgrove.test')
    await chooser.getByLabel('Password').fill(passwordOf(stack, 'omar@woodgrove.test'))
    await chooser.getByRole('button', { name: 'Sign in' }).click()
    await confirmServers(app, context, /not part of woodgrove\.test/)
    await expect(app.getByTestId('signed-in-as')).toContainText('omar@woodgrove.test')
  })
})
