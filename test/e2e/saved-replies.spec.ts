import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import MailComposer from 'nodemailer/lib/mail-composer'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { projectRoot, startWebApp } from '../../electron/web/web-app'
import { catalogues } from '../../shared/i18n'
import { expect, openFolder, person, serverOf, signIn, test } from './fixtures'

/**
 * Saved replies end to end (R1, R10): alice creates one for Contoso Support in Settings; bob, on
 * his own Tandem, inserts it with `/` into a reply after a restart (a reload) and while the mail
 * server is unreachable, the customer's first name filled in. axe on the Settings section and on
 * the `/` list, light and dark. The reply carries a file: bob's device keeps it ahead and attaches
 * it offline, once however often the reply is inserted.
 */
const en = catalogues.en

async function axe(page: Page, include: string, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include(include).exclude('iframe')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).options({ iframes: false }).setLegacyMode(true).analyze()
  expect(results.passes.length, `axe looked at ${what}`).toBeGreaterThan(0)
  expect.soft(results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), `axe on ${what}`).toEqual([])
}
/** The names of the saved replies bob's device keeps for a mailbox (IndexedDB, read by the page itself). */
function cachedReplyNames(page: Page, address: string, mailboxId: string): Promise<string[]> {
  return page.evaluate(([address, mailboxId]) => new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open(`tandem:${address}`)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      if (!db.objectStoreNames.contains('savedReplies')) { db.close(); resolve([]); return }
      const req = db.transaction('savedReplies').objectStore('savedReplies').get(mailboxId)
      req.onsuccess = () => { resolve(((req.result as { replies: { name: string }[] } | undefined)?.replies ?? []).map((r) => r.name)); db.close() }
    }
  }), [address, mailboxId] as const)
}
/** The saved replies' files bob's device keeps (IndexedDB, read by the page itself), as base64. */
function cachedFiles(page: Page, address: string): Promise<string[]> {
  return page.evaluate((address) => new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open(`tandem:${address}`)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      if (!db.objectStoreNames.contains('savedReplyFiles')) { db.close(); resolve([]); return }
      const req = db.transaction('savedReplyFiles').objectStore('savedReplyFiles').getAll()
      req.onsuccess = () => { resolve((req.result as { contentBase64: string }[]).map((r) => r.contentBase64)); db.close() }
    }
  }), address)
}
/** A refund form as a saved reply carries it: over a megabyte, as scanned forms are (more than a window's ordinary call may carry). */
const FORM = Buffer.concat([Buffer.from('%PDF-1.4\n% refund form\n'), Buffer.alloc(1_200_000, 7)])
const setTheme = (page: Page, theme: 'light' | 'dark') => page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme)

let own: MailStack
test.beforeEach(async () => {
  own = await startMailStack(await loadOrganisation(`${projectRoot}/test/fixtures/orgs/contoso.json`))
  const raw = await new MailComposer({
    from: 'Dana Scully <dana@contoso.test>', to: 'Contoso Support <support@contoso.test>', subject: 'Where is my refund?',
    messageId: '<refund-1@contoso.test>', date: new Date(), text: 'Hello,\n\nI am still waiting for my refund.\n\nDana\n',
  }).compile().build()
  await own.seed('support@contoso.test', 'INBOX', [{ raw, date: new Date() }])
})
test.afterEach(async () => { await own?.stop() })

test('a saved reply alice makes in Settings, bob inserts with / after a reload and offline, the customer named', async ({ page, browser }) => {
  test.setTimeout(120_000)
  const alice = await person(browser, own, 'alice@contoso.test')
  const web = await startWebApp({ suggestedServer: serverOf(own), log: () => undefined, pollMs: 500, backoff: { baseMs: 300, maxMs: 2000 } })
  try {
    // Alice: Settings › Saved replies, the team's of Contoso Support.
    const a = alice.page
    await a.keyboard.press('Control+,')
    const settings = a.getByRole('dialog', { name: en.settings.title })
    await settings.getByRole('tab', { name: en.replies.title }).click()
    const section = settings.getByTestId('saved-replies-section')
    await expect(section.getByRole('combobox', { name: en.replies.of })).toContainText('Contoso Support (the team’s)')
    await expect(section.getByTestId('replies-none')).toBeVisible()
    await section.getByTestId('reply-new').click()
    await section.getByTestId('reply-name').fill('Refund on its way')
    await section.getByTestId('reply-editor').click()
    await a.keyboard.type('Dear {customer.firstName}, your refund for "{subject}" is on its way. {order.number}')
    // With a file: the refund form goes with the text wherever it is inserted.
    await section.getByTestId('reply-file-input').setInputFiles({ name: 'refund-form.pdf', mimeType: 'application/pdf', buffer: FORM })
    await expect(section.getByTestId('reply-files')).toContainText('refund-form.pdf')
    await section.getByTestId('reply-save').click()
    const list = section.getByTestId('replies-list')
    await expect(list).toContainText('Refund on its way')
    await expect(list).toContainText('Changed by alice@contoso.test')
    await expect(list.getByTestId('reply-row-files')).toHaveText(/1 file · refund-form\.pdf/)
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(a, theme)
      await axe(a, '[data-testid=saved-replies-section]', `Settings › Saved replies (${theme})`)
    }

    // Bob, on his own Tandem: his window reads the saved replies once it starts and keeps them on his device (IndexedDB).
    await page.goto(web.url)
    await signIn(page, own, 'bob@contoso.test')
    await expect.poll(() => cachedReplyNames(page, 'bob@contoso.test', 'shared:support@contoso.test'), { timeout: 15_000 }).toEqual(['Refund on its way'])
    // Its file too, fetched ahead for offline use (its bytes, by their SHA-256).
    await expect.poll(() => cachedFiles(page, 'bob@contoso.test'), { timeout: 15_000 }).toEqual([FORM.toString('base64')])
    await openFolder(page, 'Contoso Support', 'inbox')
    await page.getByRole('listbox', { name: 'Message list' }).locator('.row').filter({ hasText: 'Where is my refund?' }).click()
    await expect(page.locator('.reader .subject')).toContainText('Where is my refund?')
    const dialog = page.getByRole('dialog', { name: 'New message' })

    // The server is unreachable, and bob's window starts again.
    await own.pause()
    await page.reload()
    await expect(page.getByTestId('signed-in-as')).toHaveText('bob@contoso.test', { timeout: 30_000 })
    await expect(page.getByTestId('connection-banner')).toBeVisible({ timeout: 30_000 })
    await openFolder(page, 'Contoso Support', 'inbox')
    await page.getByRole('listbox', { name: 'Message list' }).locator('.row').filter({ hasText: 'Where is my refund?' }).click()
    await page.keyboard.press('r')
    const filled = 'Dear Dana, your refund for "Where is my refund?" is on its way. {order.number}'
    // The plain-text composer: the same list under the line.
    const plain = dialog.getByTestId('compose-plain')
    await plain.click()
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Delete')
    await page.keyboard.type('/ref')
    await expect(page.getByTestId('compose-plain-slash').getByRole('option', { name: /Refund on its way/ })).toBeVisible()
    await page.keyboard.press('Enter')
    await expect(page.getByTestId('compose-plain-slash')).toHaveCount(0)
    await expect(plain).toHaveValue(filled)
    // Its file is attached, offline, from bob's device.
    const attached = dialog.getByRole('list', { name: en.compose.attached })
    await expect(attached.getByRole('listitem')).toHaveCount(1)
    await expect(attached).toContainText('refund-form.pdf')

    // The rich editor.
    await dialog.getByRole('checkbox', { name: en.compose.rich }).check()
    const body = dialog.getByTestId('compose-body')
    await body.click()
    await page.keyboard.press('Control+a')
    await page.keyboard.press('Delete')
    await expect(body).not.toContainText('Dear Dana')
    await page.keyboard.type('/ref')
    const popup = page.getByTestId('compose-body-slash')
    await expect(popup.getByRole('option', { name: /Refund on its way/ })).toBeVisible()
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme)
      await axe(page, '[data-testid=compose-body-slash]', `the / list (${theme})`)
    }
    // Esc closes the list only (the composer stays), until that `/` is gone; a new `/` opens it again.
    await page.keyboard.press('Escape')
    await expect(popup).toHaveCount(0)
    await expect(dialog).toBeVisible()
    await page.keyboard.type('u')
    await expect(popup).toHaveCount(0)
    for (let i = 0; i < 5; i++) await page.keyboard.press('Backspace')
    await page.keyboard.type('/ref')
    await expect(popup.getByRole('option', { name: /Refund on its way/ })).toBeVisible()
    await page.keyboard.press('Enter')
    await expect(popup).toHaveCount(0)
    await expect(body).toContainText(filled)
    await expect(body).not.toContainText('/ref')
    // Inserted twice, its file is attached once.
    await expect(attached.getByRole('listitem')).toHaveCount(1)
    // What the message had no value for stays, and is said.
    await expect(page.getByText('Fill in what the saved reply left open: {order.number}.').first()).toBeVisible()
  } finally {
    await alice.stop()
    await web.stop()
  }
})
