// Takes the README's screenshots of the real UI, in the light theme and in the dark one: the
// Contoso stack, the web host, Debian's Chromium. Usage: npx tsx scripts/screenshot.ts [out.png]
// (the dark one is written beside it, as out-dark.png).
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { supportInbox } from '../test/mailstack/demo-mail'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { CHROMIUM_ARGS } from '../playwright.config'

async function main(): Promise<void> {
  const out = process.argv[2] ?? join(projectRoot, 'resources', 'screenshot.png')
  const org = await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))
  const stack = await startMailStack(org)
  await stack.seed('support@contoso.test', 'INBOX', await supportInbox(300, 'Contoso Support <support@contoso.test>'))
  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const web = await startWebApp({ suggestedServer: server, log: () => undefined })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 760 }, deviceScaleFactor: 1, colorScheme: 'light' })
    page.on('console', (m) => { if (m.type() === 'error') console.error('console:', m.text()) })
    page.on('pageerror', (e) => console.error('pageerror:', e.message))
    await page.goto(web.url)
    await page.getByLabel('E-mail address').fill('bob@contoso.test')
    await page.getByLabel('Password').fill(org.users.find((u) => u.address === 'bob@contoso.test')!.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: 'Contoso Support' }).getByRole('button', { name: /^Inbox\b/ }).first().click()
    await page.locator('.row').nth(2).click()
    // The same window in each theme (the system's, as the app follows it by default).
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      await page.waitForTimeout(1500)
      const file = colorScheme === 'light' ? out : out.replace(/\.png$/, '-dark.png')
      await page.screenshot({ path: file })
      console.log(`wrote ${file}`)
    }
  } finally {
    await browser.close()
    await web.stop()
    await stack.stop()
  }
}

void main()
