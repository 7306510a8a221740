// What the feature screenshot scripts share: the Contoso stack, the web host in front of it, a
// window per language and colour scheme signed in as one member (the web host keeps the session
// between windows), each screen at both sizes, and the file written. Each script seeds its own
// mail and walks its own screens.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Page } from '@playwright/test'
import MailComposer from 'nodemailer/lib/mail-composer'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack, type MailStack } from '../test/mailstack/stack'
import { passwordOf } from '../test/mailstack/sessions'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { CHROMIUM_ARGS } from '../playwright.config'

/** The two window sizes every screen is looked at in. */
export const SIZES = [[1440, 900], [1024, 768]] as const

/** One window's look: its language (and the catalogue's), its colour scheme, and whether it is the first. */
export interface Look { locale: string; lang: 'en' | 'nl'; colorScheme: 'light' | 'dark'; first: boolean }

/** The Contoso organisation's stack, and the folder the screenshots go to (the first argument, else `fallback`). */
export async function contosoStack(fallback: string): Promise<{ stack: MailStack; out: string }> {
  const out = process.argv[2] ?? fallback
  await mkdir(out, { recursive: true })
  return { stack: await startMailStack(await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))), out }
}

/** A customer's plain message to Contoso's support desk, as delivered mail is. */
export const customerMail = (from: string, subject: string, id: string): Promise<Buffer> =>
  new MailComposer({ from, to: 'Contoso Support <support@contoso.test>', subject, messageId: id, date: new Date(), text: `Hello,\n\n${subject}\n` }).compile().build()

/**
 * Walks `take` in a window per language (English, Dutch) and colour scheme (light, dark), signed
 * in as `who`; stops the web host, the browser and the stack at the end, whatever happened.
 */
export async function eachLook(stack: MailStack, who: string, take: (page: Page, look: Look) => Promise<void>): Promise<void> {
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
          await page.locator('#address').fill(who)
          await page.locator('#password').fill(passwordOf(stack, who))
          await page.locator('#password').press('Enter')
          await page.getByTestId('signed-in-as').waitFor()
        }
        await take(page, { locale, lang: locale.startsWith('nl') ? 'nl' : 'en', colorScheme, first })
        first = false
        await context.close()
      }
    }
  } finally {
    await browser.close()
    await web.stop()
    await stack.stop()
  }
}

/** The screen at each size, `prepare`d again after each resize: `<name>-<lang>-<scheme>-<w>x<h>.png`. */
export async function atEachSize(page: Page, out: string, name: string, look: Look, prepare?: () => Promise<void>): Promise<void> {
  for (const [w, h] of SIZES) {
    await page.setViewportSize({ width: w, height: h })
    await prepare?.()
    await shot(page, out, `${name}-${look.lang}-${look.colorScheme}-${w}x${h}.png`)
  }
}

/** One screenshot, once the screen has settled (transitions, fonts). */
export async function shot(page: Page, out: string, name: string): Promise<void> {
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(out, name) })
  console.log(join(out, name))
}
