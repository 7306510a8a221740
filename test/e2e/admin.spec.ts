import type { Page } from '@playwright/test'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { supportInbox } from '../mailstack/demo-mail'
import { admin } from '../integration/admin-cli'
import { test, expect, cachedSummaries, fromChoices, launch, openFolder, showSingleMessages, signIn } from './fixtures'
import { projectRoot } from '../../electron/web/web-app'

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Mailboxes' })
/**
 * The window's mailbox refresh, as its 60 s timer or the window coming back to the front starts
 * it. The window refreshes on focus at most every quarter minute, counted from its last focus —
 * the test's own or one the browser gave it (a click can focus the window): the page notes each
 * (`__focusedAt`, added before the app's scripts), and the test waits until 15 s have passed.
 */
async function refresh(page: Page): Promise<void> {
  const last = await page.evaluate(() => (window as unknown as { __focusedAt?: number }).__focusedAt ?? 0)
  await page.waitForTimeout(Math.max(0, last + 15_500 - Date.now()))
  await page.evaluate(() => window.dispatchEvent(new Event('focus')))
}

test.describe('the administrator\'s changes in a member\'s open window', () => {
  let own: MailStack
  test.beforeEach(async () => {
    own = await startMailStack(await loadOrganisation(`${projectRoot}/test/fixtures/orgs/contoso.json`))
  })
  test.afterEach(async () => { await own?.stop() })

  test('tandem-admin: a new membership, then Send As in the From list, then the membership removed and its cache purged — no restart (R1, R2)', async ({ page }) => {
    test.setTimeout(120_000)
    await page.addInitScript(() => {
      const noted = () => { (window as unknown as { __focusedAt?: number }).__focusedAt = Date.now() }
      window.addEventListener('focus', noted)
      document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') noted() })
    })
    await launch(page, own, async (app) => {
      await signIn(app, own, 'carol@contoso.test')
      await expect(sidebar(app).locator('.mailbox-name')).toHaveText(['carol@contoso.test', 'Reception Desk'])

      expect((await admin(own, ['shared', 'create', 'billing@contoso.test', '--name', 'Contoso Billing'])).code).toBe(0)
      await own.seed('billing@contoso.test', 'INBOX', await supportInbox(12, 'Contoso Billing <billing@contoso.test>', 7))
      expect((await admin(own, ['member', 'add', 'billing@contoso.test', 'carol@contoso.test'])).code).toBe(0)
      await refresh(app)
      await expect(sidebar(app).locator('.mailbox-name')).toHaveText(['carol@contoso.test', 'Contoso Billing', 'Reception Desk'])
      await openFolder(app, 'Contoso Billing', 'inbox')
      // Every message the administrator's new mailbox holds, counted one a row.
      await showSingleMessages(app)
      await expect(app.getByTestId('list-count')).toContainText('12 messages')

      expect((await admin(own, ['grant', 'billing@contoso.test', 'carol@contoso.test', 'send-as'])).code).toBe(0)
      await refresh(app)
      // The composer asks main for the identities when it opens: once main's refresh is done, it offers Send As.
      await expect(async () => {
        await app.getByRole('button', { name: 'New message' }).click()
        try {
          expect((await fromChoices(app)).sort()).toEqual(['Carol Chen <carol@contoso.test>', 'Contoso Billing <billing@contoso.test>', 'Reception Desk <reception@contoso.test>'])
        } finally {
          await app.getByRole('dialog', { name: 'New message' }).getByRole('button', { name: 'Close' }).click()
        }
      }).toPass({ timeout: 15_000 })

      expect(await cachedSummaries(app, 'carol@contoso.test', 'shared:billing@contoso.test')).toBe(12)
      expect((await admin(own, ['member', 'remove', 'billing@contoso.test', 'carol@contoso.test'])).code).toBe(0)
      await refresh(app)
      await expect(sidebar(app).locator('.mailbox-name')).toHaveText(['carol@contoso.test', 'Reception Desk'])
      await expect.poll(() => cachedSummaries(app, 'carol@contoso.test', 'shared:billing@contoso.test')).toBe(0)
    })
  })
})
