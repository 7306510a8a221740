// Screenshots of each member's own unread (docs/team-state.md, "Each member's own unread"): a
// shared Inbox in bob's Tandem where a colleague opened two conversations (\Seen) that are still
// unread for him (bold, the eye "opened by someone on the team"), one he read himself; then the
// list's Read state filter set to "Not opened by anyone on the team". Light and dark, 1440×900
// and 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host, Debian's
// Chromium). Usage: npx tsx scripts/own-unread-screens.ts OUT_DIR
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Page } from '@playwright/test'
import MailComposer from 'nodemailer/lib/mail-composer'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { passwordOf } from '../test/mailstack/sessions'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { CHROMIUM_ARGS } from '../playwright.config'

const SIZES = [[1440, 900], [1024, 768]] as const
const mail = (from: string, subject: string, id: string) => new MailComposer({ from, to: 'Contoso Support <support@contoso.test>', subject, messageId: id, date: new Date(), text: `Hello,\n\n${subject}\n` }).compile().build()

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/own-unread-screens'
  await mkdir(out, { recursive: true })
  const stack = await startMailStack(await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json')))
  const now = Date.now()
  await stack.seed('support@contoso.test', 'INBOX', [
    { raw: await mail('Dana Scully <dana@customer.example>', 'My parcel never arrived', '<ou-1@customer.example>'), date: new Date(now - 4 * 3_600_000), flags: ['\\Seen'] },
    { raw: await mail('Fox Mulder <fox@customer.example>', 'Invoice 2291 is wrong', '<ou-2@customer.example>'), date: new Date(now - 3 * 3_600_000), flags: ['\\Seen'] },
    { raw: await mail('Walter Skinner <walter@customer.example>', 'Change of delivery address', '<ou-3@customer.example>'), date: new Date(now - 2 * 3_600_000) },
    { raw: await mail('Monica Reyes <monica@customer.example>', 'Can I return an opened box?', '<ou-4@customer.example>'), date: new Date(now - 3_600_000) },
  ])
  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const web = await startWebApp({ suggestedServer: server, log: () => undefined })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    let first = true
    for (const locale of ['en-GB', 'nl-NL']) {
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
        const shared = page.locator('section[data-kind="shared"]').first()
        await shared.locator('button[data-role="inbox"]').click()
        await page.locator('.row', { hasText: 'Change of delivery' }).first().waitFor({ timeout: 20_000 })
        // Bob reads one himself (the first time round): it is read for him, and \Seen for the team.
        if (first) {
          await page.locator('.row', { hasText: 'Change of delivery' }).first().click()
          await page.locator('.row[data-unread="false"]', { hasText: 'Change of delivery' }).waitFor({ timeout: 10_000 })
          first = false
        }
        await page.locator('[data-testid="row-opened"]').first().waitFor({ timeout: 20_000 })
        for (const [w, h] of SIZES) {
          await page.setViewportSize({ width: w, height: h })
          await page.locator('.row', { hasText: 'Invoice 2291' }).first().click()
          await page.mouse.move(1, 1)
          await shot(page, out, `own-unread-list-${locale.slice(0, 2)}-${colorScheme}-${w}x${h}.png`)
        }
        await page.getByTestId('read-filter').click()
        await page.getByRole('option').nth(2).click()
        for (const [w, h] of SIZES) {
          await page.setViewportSize({ width: w, height: h })
          await page.mouse.move(1, 1)
          await shot(page, out, `own-unread-unopened-${locale.slice(0, 2)}-${colorScheme}-${w}x${h}.png`)
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

main().catch((e: unknown) => { console.error(e); process.exit(1) })
