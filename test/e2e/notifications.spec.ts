import type { Page } from '@playwright/test'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { test, expect, choose, launch, notificationsShown, passwordOf, watchNotifications } from './fixtures'

/**
 * Desktop notifications in the web host: the browser's Notification API with the permission
 * granted. The page's Notification is wrapped (the real one still shows) to read what was shown.
 * Mail arrives as Postfix delivers it, by LMTP, into a shared mailbox's Inbox.
 */

const NORTHWIND = smallOrganisation('Northwind Traders', 'northwind.test', {
  people: { lars: 'Lars Visser', mei: 'Mei Chen' },
  shared: [{ local: 'helpdesk', name: 'Northwind Helpdesk', members: [{ local: 'lars', sendAs: true }, { local: 'mei' }] }],
  layout: { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' },
})

let seq = 0
function customerMail(fromName: string, subject: string): string {
  seq += 1
  return [`From: ${fromName} <customer${seq}@example.test>`, 'To: Northwind Helpdesk <helpdesk@northwind.test>', `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`, `Message-ID: <n${seq}.${Date.now()}@example.test>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', `${subject}: please help.`, ''].join('\r\n')
}

const shownTitles = async (page: Page) => (await notificationsShown(page)).map((n) => n.title)

test.describe('notifications of new mail', () => {
  let stack: MailStack
  test.beforeAll(async () => { stack = await startMailStack(NORTHWIND) })
  test.afterAll(async () => { await stack?.stop() })

  test('a delivery to a shared Inbox notifies, grouped, opens on click; own sends and moves and a muted mailbox stay silent', async ({ page, context }) => {
    await watchNotifications(context, page)
    await launch(page, stack, async (app) => {
      await app.getByLabel('E-mail address').fill('lars@northwind.test')
      await app.getByLabel('Password').fill(passwordOf(stack, 'lars@northwind.test'))
      await app.getByLabel('Password').press('Enter')
      await expect(app.getByTestId('signed-in-as')).toHaveText('lars@northwind.test')
      const sidebar = app.getByRole('navigation', { name: 'Mailboxes' })
      const helpdesk = sidebar.getByRole('region', { name: 'Northwind Helpdesk' })
      await expect(helpdesk.locator('button[data-role="inbox"]')).toBeVisible()
      // Both Inboxes have had their first sync (which never notifies) before mail arrives.
      await expect.poll(() => app.evaluate(() => new Promise<number>((resolve) => {
        const open = indexedDB.open('tandem:lars@northwind.test')
        open.onsuccess = () => { const r = open.result.transaction('sync').objectStore('sync').count(); r.onsuccess = () => { resolve(r.result); open.result.close() } }
      }))).toBeGreaterThanOrEqual(2)

      // One arrives: named by mailbox and sender.
      await stack.deliver('helpdesk@northwind.test', customerMail('Ana García', 'Printer on fire'))
      await expect.poll(() => shownTitles(app), { timeout: 15_000 }).toContain('Northwind Helpdesk — Ana García: Printer on fire')
      await expect(app).toHaveTitle(/^\(1\) Tandem$/)

      // Clicking it opens the message.
      await app.evaluate(() => { const s = (window as unknown as { __shown: { note: Notification }[] }).__shown; s[s.length - 1]!.note.onclick?.(new Event('click')) })
      await expect(app.locator('.list-head')).toContainText('Northwind Helpdesk')
      await expect(app.locator('.reader .subject')).toHaveText('Printer on fire')

      // Three at once: one notification.
      const before = (await shownTitles(app)).length
      await Promise.all(['Invoice 1', 'Invoice 2', 'Invoice 3'].map((s) => stack.deliver('helpdesk@northwind.test', customerMail('Bram de Wit', s))))
      await expect.poll(() => shownTitles(app), { timeout: 15_000 }).toContain('Northwind Helpdesk: 3 new messages')
      expect((await shownTitles(app)).length).toBe(before + 1)

      // The person's own send into the shared Inbox: silent (the marker after it is not).
      await app.getByRole('button', { name: 'New message', exact: true }).click()
      const compose = app.getByRole('dialog', { name: 'New message' })
      await choose(app, 'From', 'Lars Visser <lars@northwind.test>', compose)
      await compose.getByLabel('To', { exact: true }).fill('helpdesk@northwind.test')
      await compose.getByLabel('Subject').fill('Note to the team')
      await compose.getByRole('button', { name: 'Send', exact: true }).click()
      await expect(compose).toHaveCount(0)
      await expect(app.getByRole('listbox', { name: 'Message list' }).locator('.row', { hasText: 'Note to the team' })).toBeVisible({ timeout: 15_000 })
      await stack.deliver('helpdesk@northwind.test', customerMail('Chris Mol', 'Marker one'))
      await expect.poll(() => shownTitles(app), { timeout: 15_000 }).toContain('Northwind Helpdesk — Chris Mol: Marker one')

      // A message the person archives and brings back: silent.
      const list = app.getByRole('listbox', { name: 'Message list' })
      await list.locator('.row', { hasText: 'Invoice 2' }).click()
      await app.keyboard.press('e')
      await expect(list.locator('.row', { hasText: 'Invoice 2' })).toHaveCount(0)
      await app.keyboard.press('z')
      await expect(list.locator('.row', { hasText: 'Invoice 2' })).toBeVisible({ timeout: 15_000 })

      // Muted: nothing, and the title counts only the unmuted Inboxes.
      await app.getByTestId(/^notify-shared/).click()
      await expect(app.getByTestId(/^notify-shared/)).toHaveAttribute('aria-pressed', 'false')
      await expect(app).toHaveTitle('Tandem')
      await stack.deliver('helpdesk@northwind.test', customerMail('Dana Vos', 'Quiet please'))
      await expect(list.locator('.row', { hasText: 'Quiet please' })).toBeVisible({ timeout: 15_000 })
      await stack.deliver('lars@northwind.test', customerMail('Eva Smit', 'Marker two'))
      await expect.poll(() => shownTitles(app), { timeout: 15_000 }).toContain('lars@northwind.test — Eva Smit: Marker two')

      const titles = (await shownTitles(app)).join('\n')
      expect(titles).not.toContain('Note to the team')
      expect(titles).not.toContain('Invoice 2')
      expect(titles).not.toContain('Quiet please')
      // The mute is kept.
      await app.reload()
      await expect(app.getByTestId(/^notify-shared/)).toHaveAttribute('aria-pressed', 'false')
    })
  })
})
