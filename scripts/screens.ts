// Screenshots of the screens the conversation work changes, in light and dark, 1440×900 and
// 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host, Debian's
// Chromium). Usage: npx tsx scripts/screens.ts OUT_DIR [screen …]
// Screens: list (the shared Inbox as conversations), reader (a conversation's timeline),
// sent (Sent Items), search (results grouped by conversation), compose (a reply), drafts (the
// shared Drafts: another member's draft, with its author), collision (the "someone already
// replied" panel at the top of the composer), from (the composer's From picker, open).
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Page } from '@playwright/test'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { supportInbox, teamReplies } from '../test/mailstack/demo-mail'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { CHROMIUM_ARGS } from '../playwright.config'
import type { SeedMessage } from '../test/mailstack/maildir'

const SIZES = [[1440, 900], [1024, 768]] as const

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/screens'
  const wanted = process.argv.slice(3)
  const screens = wanted.length ? wanted : ['list', 'reader', 'sent', 'search', 'drafts', 'collision']
  await mkdir(out, { recursive: true })
  const org = await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))
  const stack = await startMailStack(org)
  const inbox = await supportInbox(120, 'Contoso Support <support@contoso.test>')
  await stack.seed('support@contoso.test', 'INBOX', inbox)
  await stack.seed('support@contoso.test', 'Sent Items', await teamReplies(inbox, { name: 'Contoso Support', address: 'support@contoso.test' },
    [{ name: 'Bob Baker', address: 'bob@contoso.test', onBehalf: true }, { name: 'Alice Archer', address: 'alice@contoso.test', onBehalf: false }]))
  // The newest conversation: a customer's mail no one answered yet (the collision screen answers
  // it from another member's Tandem just before Bob sends), and Alice's draft of a reply to it.
  printer = { raw: customer('Printer on fire', PRINTER, new Date()), date: new Date() }
  await stack.seed('support@contoso.test', 'INBOX', [printer])
  await stack.seed('support@contoso.test', 'Drafts', [{ raw: draftOf('Alice Archer', 'alice@contoso.test'), date: new Date(), flags: ['\\Seen', '\\Draft'] }])
  seedSent = (m) => stack.seed('support@contoso.test', 'Sent Items', [m])
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

const PRINTER = '<printer.fire@customers.example>'
let printer: SeedMessage
let seedSent: (m: SeedMessage) => Promise<number> = () => Promise.resolve(0)
let answers = 0
const customer = (subject: string, id: string, date: Date) => ['From: Élodie Martin <elodie.martin@customers.example>', 'To: Contoso Support <support@contoso.test>',
  `Subject: ${subject}`, `Date: ${date.toUTCString()}`, `Message-ID: ${id}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '',
  'Our office printer shows a fire symbol and smells burnt. Can someone come today?', ''].join('\r\n')
const draftOf = (name: string, address: string) => ['From: Contoso Support <support@contoso.test>', 'To: Élodie Martin <elodie.martin@customers.example>',
  'Subject: Re: Printer on fire', `Date: ${new Date().toUTCString()}`, `Message-ID: <draft.${address}@contoso.test>`, `In-Reply-To: ${PRINTER}`, `References: ${PRINTER}`,
  `X-Tandem-Draft-By: "${name}" <${address}>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Hello Élodie, please switch it off; a technician', ''].join('\r\n')
const teamReply = () => ['From: Contoso Support <support@contoso.test>', 'Sender: Alice Archer <alice@contoso.test>', 'To: Élodie Martin <elodie.martin@customers.example>',
  'Subject: Re: Printer on fire', `Date: ${new Date().toUTCString()}`, `Message-ID: <answer.${++answers}@contoso.test>`, `In-Reply-To: ${PRINTER}`, `References: ${PRINTER}`,
  'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Hello Élodie, a technician is on the way and will be with you before noon.\r\n\r\nAlice', ''].join('\r\n')

async function show(page: Page, screen: string): Promise<void> {
  // A composer left open by the screen before: its draft goes (Escape would keep it in Drafts).
  if (await page.getByRole('dialog').count()) await page.getByRole('dialog').locator('header button.link').first().click().catch(() => undefined)
  await page.keyboard.press('Escape')
  const shared = page.locator('section[data-kind="shared"]').first()
  if (screen === 'drafts') {
    await shared.locator('button[data-role="drafts"]').click()
    await page.locator('.row').first().click()
    await page.waitForTimeout(1200)
    return
  }
  if (screen === 'collision') {
    await shared.locator('button[data-role="inbox"]').click()
    await page.locator('.row', { hasText: 'Printer on fire' }).first().click()
    await page.keyboard.press('r')
    await page.getByRole('dialog').locator('textarea, [contenteditable="true"]').first().fill('Hello Élodie, we will send someone tomorrow.')
    // Another member answers from their own Tandem meanwhile (its copy lands in the shared Sent).
    await seedSent({ raw: teamReply(), date: new Date(Date.now() + 1000), flags: ['\\Seen'] })
    await page.getByRole('dialog').locator('button.primary').last().click()
    await page.getByTestId('collision').waitFor({ timeout: 30_000 })
    await page.waitForTimeout(800)
    return
  }
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
  if (screen === 'compose' || screen === 'from') await page.keyboard.press('r')
  // The From picker open: the identities the person may send as, drawn by Tandem in both themes.
  if (screen === 'from') await page.getByRole('dialog').getByRole('combobox', { name: /^(From|Van)$/ }).click()
  await page.waitForTimeout(1200)
}

void main()
