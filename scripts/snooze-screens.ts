// Screenshots of snooze (docs/team-state.md, "Snooze"): the snooze dialog, and the Snoozed view
// with a snoozed conversation's team panel ("Snoozed by Alice until …"), in light and dark,
// 1440×900 and 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host,
// Debian's Chromium). Usage: npx tsx scripts/snooze-screens.ts OUT_DIR
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Page } from '@playwright/test'
import MailComposer from 'nodemailer/lib/mail-composer'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { recordMessage, recordSentence } from '../electron/service/operations/team'
import { conversationIdFromRoot } from '../shared/conversation'
import { wakeTimeOf } from '../shared/team/snooze'
import type { TeamRecord } from '../shared/team/records'
import { CHROMIUM_ARGS } from '../playwright.config'

const SIZES = [[1440, 900], [1024, 768]] as const
const mail = (from: string, subject: string, id: string) => new MailComposer({ from, to: 'Contoso Support <support@contoso.test>', subject, messageId: id, date: new Date(), text: `Hello,\n\n${subject}\n` }).compile().build()

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/snooze-screens'
  await mkdir(out, { recursive: true })
  const stack = await startMailStack(await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json')))
  const snoozedId = '<screens-parcel@customer.example>'
  await stack.seed('support@contoso.test', 'INBOX', [
    { raw: await mail('Dana Scully <dana@customer.example>', 'My parcel never arrived', snoozedId), date: new Date(Date.now() - 3_600_000) },
    { raw: await mail('Fox Mulder <fox@customer.example>', 'Invoice 2291 is wrong', '<screens-invoice@customer.example>'), date: new Date() },
  ])
  const imap = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  try {
    await imap.mailboxCreate('Tandem Team').catch(() => undefined)
    const r: TeamRecord = { v: 1, id: randomUUID(), conv: conversationIdFromRoot(`m:${snoozedId}`), at: Date.now() - 600_000, by: 'alice@contoso.test',
      action: { kind: 'snooze', until: wakeTimeOf('nextWeek', new Date())!, onReply: true, after: Date.now() - 3_600_000 } }
    const { subject, text } = recordSentence(r, 'Alice Archer', 'en')
    await imap.append('Tandem Team', await recordMessage(r, 'Alice Archer', subject, text), ['\\Seen'])
  } finally {
    await imap.logout()
  }
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
        await page.locator('#address').or(page.getByTestId('signed-in-as')).first().waitFor()
        if (await page.locator('#address').count()) {
          await page.locator('#address').fill('bob@contoso.test')
          await page.locator('#password').fill(passwordOf(stack, 'bob@contoso.test'))
          await page.locator('#password').press('Enter')
          await page.getByTestId('signed-in-as').waitFor()
        }
        const shared = page.locator('section[data-kind="shared"]').first()
        // The dialog at both sizes first: the Snoozed view is the Inbox with a filter that stays set.
        await shared.locator('button[data-role="inbox"]').click()
        for (const [w, h] of SIZES) {
          await page.setViewportSize({ width: w, height: h })
          await page.locator('.row', { hasText: 'Invoice 2291' }).first().click()
          await page.getByTestId('team-snooze').click()
          await page.getByTestId('snooze-dialog').waitFor({ timeout: 10_000 }).catch(async (e: unknown) => { await page.screenshot({ path: join(out, 'failed.png') }); throw e })
          await shot(page, out, `snooze-dialog-${locale.slice(0, 2)}-${colorScheme}-${w}x${h}.png`)
          await page.keyboard.press('Escape')
          await page.getByTestId('snooze-dialog').waitFor({ state: 'detached' })
        }
        await shared.locator('button[data-view="snoozed"]').click()
        for (const [w, h] of SIZES) {
          await page.setViewportSize({ width: w, height: h })
          await page.locator('.row', { hasText: 'My parcel' }).first().click()
          await page.getByTestId('team-snoozed').waitFor()
          await page.mouse.move(1, 1)
          await shot(page, out, `snooze-view-${locale.slice(0, 2)}-${colorScheme}-${w}x${h}.png`)
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
