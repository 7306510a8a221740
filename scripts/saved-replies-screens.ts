// Screenshots of Settings › Saved replies and of the composer's `/` list, in light and dark,
// 1440×900 and 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host,
// Debian's Chromium). Usage: npx tsx scripts/saved-replies-screens.ts OUT_DIR
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Page } from '@playwright/test'
import MailComposer from 'nodemailer/lib/mail-composer'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { savedReplyMessage } from '../electron/service/operations/saved-replies'
import { SAVED_REPLY_VERSION, type SavedReplyRecord } from '../shared/rules/saved-replies'
import { catalogues } from '../shared/i18n'
import { CHROMIUM_ARGS } from '../playwright.config'

const SIZES = [[1440, 900], [1024, 768]] as const
const REPLIES: [string, string][] = [
  ['Refund on its way', '<p>Dear {customer.firstName},</p><p>Your refund for “{subject}” is on its way; it shows on your statement within five working days.</p><p>{me.name}</p>'],
  ['Order delayed', '<p>Dear {customer.firstName},</p><p>We are sorry: your order is delayed by two days.</p>'],
  ['Password reset', '<p>Hello {customer.firstName}, use <strong>Forgot password</strong> on the sign-in page.</p>'],
  ['Thanks for your patience', '<p>Thank you for your patience, {customer.firstName}.</p>'],
]

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/saved-replies-screens'
  await mkdir(out, { recursive: true })
  const org = await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))
  const stack = await startMailStack(org)
  const raw = await new MailComposer({ from: 'Dana Scully <dana@contoso.test>', to: 'Contoso Support <support@contoso.test>', subject: 'Where is my refund?', messageId: '<screens-refund@contoso.test>', date: new Date(), text: 'Hello,\n\nI am still waiting for my refund.\n\nDana' }).compile().build()
  await stack.seed('support@contoso.test', 'INBOX', [{ raw, date: new Date() }])
  const imap = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  try {
    await imap.mailboxCreate('Tandem Team').catch(() => undefined)
    const ids: string[] = []
    for (const [name, html] of REPLIES) {
      const reply = randomUUID()
      ids.push(reply)
      await imap.append('Tandem Team', await savedReplyMessage({ v: SAVED_REPLY_VERSION, op: 'save', id: randomUUID(), reply, at: Date.now() - 3_600_000, by: 'alice@contoso.test', name, html }, 'Alice Archer', name, ''), ['\\Seen'])
    }
    // One deleted by Alice, to show the Deleted list.
    const del: SavedReplyRecord = { v: SAVED_REPLY_VERSION, op: 'delete', id: randomUUID(), reply: ids[3]!, at: Date.now() - 600_000, by: 'alice@contoso.test' }
    await imap.append('Tandem Team', await savedReplyMessage(del, 'Alice Archer', 'x', ''), ['\\Seen'])
  } finally {
    await imap.logout()
  }
  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const web = await startWebApp({ suggestedServer: server, log: () => undefined })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    for (const locale of ['en-GB', 'nl-NL']) {
      const words = locale.startsWith('nl') ? catalogues.nl : catalogues.en
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ locale, colorScheme, viewport: { width: 1440, height: 900 } })
        const page = await context.newPage()
        page.on('pageerror', (e) => console.error('pageerror:', e.message))
        await page.goto(web.url)
        await page.locator('#address').or(page.getByTestId('signed-in-as')).first().waitFor()
        if (await page.locator('#address').count()) {
          await page.locator('#address').fill('bob@contoso.test')
          await page.locator('#password').fill(passwordOf(stack, 'bob@contoso.test'))
          await page.locator('#password').press('Enter')
          await page.getByTestId('signed-in-as').waitFor()
        }
        for (const [w, h] of SIZES) {
          await page.setViewportSize({ width: w, height: h })
          await settings(page, words.settings.title, words.replies.title)
          await shot(page, out, `replies-settings-${locale.slice(0, 2)}-${colorScheme}-${w}x${h}.png`)
          await page.keyboard.press('Escape')
          await slash(page, words.compose.rich)
          await shot(page, out, `replies-slash-${locale.slice(0, 2)}-${colorScheme}-${w}x${h}.png`)
          await page.keyboard.press('Escape')
          await page.getByRole('dialog').locator('button').filter({ has: page.locator('svg') }).first().click().catch(() => undefined)
          await page.getByRole('dialog').waitFor({ state: 'detached' }).catch(() => undefined)
        }
        await context.close()
      }
    }
  } finally {
    await browser.close()
    await web.stop()
    await stack.stop()
  }
}

async function shot(page: Page, out: string, name: string): Promise<void> {
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(out, name) })
  console.log(join(out, name))
}

async function settings(page: Page, title: string, tab: string): Promise<void> {
  await page.keyboard.press('Control+,')
  const dialog = page.getByRole('dialog', { name: title })
  await dialog.getByRole('tab', { name: tab }).click()
  await dialog.getByTestId('replies-list').waitFor()
}

async function slash(page: Page, rich: string): Promise<void> {
  await page.locator('section[data-kind="shared"]').first().locator('button[data-role="inbox"]').click()
  await page.locator('.row', { hasText: 'Where is my refund?' }).first().click()
  await page.keyboard.press('r')
  const dialog = page.getByRole('dialog').last()
  await dialog.getByRole('checkbox', { name: rich }).check()
  await dialog.getByTestId('compose-body').click()
  await page.keyboard.press('Control+Home')
  await page.keyboard.type('/re')
  await page.getByTestId('compose-body-slash').getByRole('option').first().waitFor()
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
