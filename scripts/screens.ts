// Screenshots of the screens the conversation work changes, in light and dark, 1440×900 and
// 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host, Debian's
// Chromium). Usage: npx tsx scripts/screens.ts OUT_DIR [screen …]
// Screens: list (the shared Inbox as conversations), reader (a conversation's timeline),
// sent (Sent Items), search (results grouped by conversation), compose (a reply).
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Page } from '@playwright/test'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { supportInbox, teamReplies } from '../test/mailstack/demo-mail'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { CHROMIUM_ARGS } from '../playwright.config'

const SIZES = [[1440, 900], [1024, 768]] as const

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/screens'
  const wanted = process.argv.slice(3)
  const screens = wanted.length ? wanted : ['list', 'reader', 'sent', 'search']
  await mkdir(out, { recursive: true })
  const org = await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))
  const stack = await startMailStack(org)
  const inbox = await supportInbox(120, 'Contoso Support <support@contoso.test>')
  await stack.seed('support@contoso.test', 'INBOX', inbox)
  await stack.seed('support@contoso.test', 'Sent Items', await teamReplies(inbox, { name: 'Contoso Support', address: 'support@contoso.test' },
    [{ name: 'Bob Baker', address: 'bob@contoso.test', onBehalf: true }, { name: 'Alice Archer', address: 'alice@contoso.test', onBehalf: false }]))
  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const web = await startWebApp({ suggestedServer: server, log: () => undefined })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    for (const locale of ['en-GB', 'nl-NL']) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ locale, colorScheme, viewport: { width: 1440, height: 900 } })
        const page = await context.newPage()
        page.on('pageerror', (e) => console.error('pageerror:', e.message))
        await page.goto(web.url)
        // The web host keeps the session of the first sign-in for the windows after it.
        await page.locator('#address').or(page.getByTestId('signed-in-as')).first().waitFor()
        if (await page.locator('#address').count()) {
          await page.locator('#address').fill('bob@contoso.test')
          await page.locator('#password').fill(org.users.find((u) => u.address === 'bob@contoso.test')!.password)
          await page.locator('#password').press('Enter')
          await page.getByTestId('signed-in-as').waitFor()
        }
        for (const screen of screens) {
          for (const [w, h] of SIZES) {
            await page.setViewportSize({ width: w, height: h })
            await show(page, screen)
            const file = join(out, `${screen}-${locale.slice(0, 2)}-${colorScheme}-${w}x${h}.png`)
            await page.screenshot({ path: file })
            console.log(file)
          }
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

async function show(page: Page, screen: string): Promise<void> {
  await page.keyboard.press('Escape')
  const shared = page.locator('section[data-kind="shared"]').first()
  if (screen === 'sent') await shared.locator('button[data-role="sent"]').click()
  else await shared.locator('button[data-role="inbox"]').click()
  await page.locator('.row').first().waitFor()
  if (screen === 'reader' || screen === 'list') {
    const withCount = page.locator('.row', { has: page.getByTestId('row-count') }).first()
    await (await withCount.count() ? withCount : page.locator('.row').first()).click()
  }
  if (screen === 'search') {
    await page.keyboard.press('/')
    await page.keyboard.type('order')
    await page.keyboard.press('Enter')
  }
  if (screen === 'compose') await page.keyboard.press('r')
  await page.waitForTimeout(1200)
}

void main()
