import type { Locator, Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { test, expect, imapSession, openFolder, passwordOf, signIn } from './fixtures'

/**
 * How Tandem's errors speak: a lead that says what happened and what to do, and under it a
 * details line with the rule (R8…) and the server's own reply; a sign-in error that goes when the
 * address changes; an error notice with its details; and a reload that returns to the folder the
 * person had open (or to the Inbox when that folder went away on the server). Axe checks the
 * sign-in screen and a notice in light and dark, colour contrast included.
 */

/** Axe on the page or a part of it, in the colour scheme now emulated: nothing of any impact, no contrast left undecided. */
async function axe(page: Page, what: string, include?: string): Promise<void> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).options({ iframes: false })
  if (include) builder = builder.include(include)
  const results = await builder.analyze()
  expect.soft(results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), `axe on ${what}`).toEqual([])
  expect.soft(results.incomplete.filter((v) => v.id === 'color-contrast').flatMap((v) => v.nodes.map((n) => n.target.join(' '))), `contrast undecided on ${what}`).toEqual([])
}

async function inBothThemes(page: Page, what: string, include?: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    await axe(page, `${what} (${scheme})`, include)
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

/** The lead of an error shown with ErrorText: its text without the details line. */
const leadOf = (error: Locator) => error.evaluate((el) => [...el.querySelector('.error-text')!.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim())

test('errors lead with what to do and keep the rule and the server in a details line; a reload returns to the last folder', async ({ app, stack }) => {
  test.setTimeout(180_000)
  const bob = 'bob@contoso.test'
  // A folder of bob's own that will be gone on the server by the last reload.
  const imap = await imapSession(stack, bob, passwordOf(stack, bob))
  await imap.mailboxCreate('Projects')

  await expect(app.getByRole('heading', { name: 'Sign in to Tandem' })).toBeVisible()
  await inBothThemes(app, 'the sign-in screen')

  // A wrong password for someone who never signed in on this device: it may be a shared mailbox (R8).
  await app.getByLabel('E-mail address').fill('dave@contoso.test')
  await app.getByLabel('Password').fill('not-the-password')
  await app.getByRole('button', { name: 'Sign in' }).click()
  const passwordError = app.getByTestId('password-error')
  await expect(passwordError).toBeVisible()
  expect(await leadOf(passwordError)).toMatch(/^The server did not accept the sign-in for dave@contoso\.test\. Either the password is wrong .*appear next to yours\.$/)
  expect(await leadOf(passwordError)).not.toMatch(/R\d/)
  await expect(passwordError.getByTestId('error-details')).toHaveText('Rule R8')
  await inBothThemes(app, 'the sign-in screen with an error')
  // The address changes: that error was about another address, and goes.
  await app.getByLabel('E-mail address').fill('dave@contoso.tes')
  await expect(passwordError).toHaveCount(0)
  await expect(app.getByRole('alert')).toHaveCount(0)

  // A shared mailbox: told what to do in the sentence, R8 in the details only.
  await app.getByLabel('E-mail address').fill('support@contoso.test')
  await app.getByLabel('Password').fill('whatever')
  await app.getByRole('button', { name: 'Sign in' }).click()
  const addressError = app.getByTestId('address-error')
  await expect(addressError.getByTestId('error-details')).toHaveText('Rule R8')
  expect(await leadOf(addressError)).toMatch(/^support@contoso\.test is a shared mailbox, and shared mailboxes cannot sign in\. Sign in with your own address/)
  expect(await leadOf(addressError)).not.toContain('R8')

  // The last folder: a reload comes back to it, not to the Inbox.
  await app.getByLabel('E-mail address').fill('')
  await signIn(app, stack, bob)
  const own = app.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: bob })
  const title = app.locator('.pane-title')
  await expect(title).toHaveText('Inbox')
  await own.getByRole('treeitem').filter({ hasText: 'Projects' }).click()
  await expect(title).toHaveText('Projects')
  await app.reload()
  await expect(app.getByTestId('signed-in-as')).toHaveText(bob)
  await expect(title).toHaveText('Projects')

  // An error notice: deleting in Deleted Items again is refused (R10), the rule in the notice's details.
  await openFolder(app, bob, 'inbox')
  const list = app.getByRole('listbox', { name: 'Message list' })
  await list.locator('.row').first().click()
  await app.keyboard.press('Delete')
  await expect(app.getByRole('status').filter({ hasText: 'Deleted Items' })).toBeVisible()
  await openFolder(app, bob, 'trash')
  await expect(title).toHaveText('Deleted Items')
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme })
    await list.locator('.row').first().click()
    await app.keyboard.press('Delete')
    const notice = app.getByRole('alert').filter({ hasText: 'These messages are already in Deleted Items' })
    await expect(notice).toBeVisible()
    // The pointer on a notice keeps it until it leaves: time to read both lines.
    await notice.hover()
    await expect(notice.getByTestId('error-details')).toHaveText('Rule R10')
    await expect(notice).not.toContainText('(R10)')
    await axe(app, `an error notice (${scheme})`, '.notices')
    await notice.getByRole('button', { name: 'Dismiss' }).click()
    await expect(notice).toHaveCount(0)
  }
  await app.emulateMedia({ colorScheme: 'light' })

  // The folder was deleted on the server meanwhile: the reload falls back to the Inbox.
  await own.getByRole('treeitem').filter({ hasText: 'Projects' }).click()
  await expect(title).toHaveText('Projects')
  await imap.mailboxDelete('Projects')
  await imap.logout()
  await app.reload()
  await expect(app.getByTestId('signed-in-as')).toHaveText(bob)
  await expect(own.getByRole('treeitem').filter({ hasText: 'Projects' })).toHaveCount(0)
  await expect(title).toHaveText('Inbox')
})
