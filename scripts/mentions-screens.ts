// Screenshots of mentions, from the real UI: the note composer's @ suggestions (Lars, on a
// conversation of the shared mailbox) and Mei's Mentions view (three notes that mention her,
// one of them deleted since). Light and dark, 1440×900 and 1024×768, English and Dutch.
// Usage: npx tsx scripts/mentions-screens.ts [out-dir]   (default: .tandem-tmp/screenshots)
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from '@playwright/test'
import { smallOrganisation } from '../test/mailstack/organisation'
import { startMailStack, type MailStack } from '../test/mailstack/stack'
import { imapSession } from '../test/mailstack/sessions'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { recordMessage, recordSentence, TEAM_FOLDER } from '../electron/service/operations/team'
import type { TeamAction, TeamRecord } from '../shared/team/records'
import { conversationIdFromRoot } from '../shared/conversation'
import { CHROMIUM_ARGS } from '../playwright.config'

const out = process.argv[2] ?? join(projectRoot, '.tandem-tmp', 'screenshots')
const domain = 'fourthcoffee.test'
const at = (l: string) => `${l}@${domain}`
const box = at('helpdesk')

async function seed(stack: MailStack): Promise<void> {
  const subjects = ['Grinder makes a noise', 'Invoice 2291 paid twice', 'Beans arrived wet']
  const convs: string[] = []
  for (const [i, subject] of subjects.entries()) {
    const messageId = `<m${i}.${Date.now()}@example.test>`
    await stack.deliver(box, [`From: Ana García <${at('ana')}>`, `To: Helpdesk <${box}>`, `Subject: ${subject}`, `Date: ${new Date(Date.now() - (3 - i) * 3600_000).toUTCString()}`,
      `Message-ID: ${messageId}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `${subject}. Please help.`, ''].join('\r\n'))
    convs.push(conversationIdFromRoot(`m:${messageId}`))
  }
  const rec = (by: string, conv: string, action: TeamAction, minutesAgo: number): TeamRecord => ({ v: 1, id: randomUUID(), conv, at: Date.now() - minutesAgo * 60_000, by, action })
  const gone = randomUUID()
  const records = [
    rec(at('kees'), convs[2]!, { kind: 'note', note: gone, text: `@${at('mei')} the supplier wants photos of the bags.` }, 180),
    rec(at('lars'), convs[1]!, { kind: 'note', note: randomUUID(), text: `Refund approved. @${at('mei')} can you send the credit note? @${at('kees')} FYI.` }, 90),
    rec(at('kees'), convs[2]!, { kind: 'noteDelete', note: gone }, 60),
    rec(at('lars'), convs[0]!, { kind: 'note', note: randomUUID(), text: `@${at('mei')} the customer called again: the grinder still rattles after cleaning. Could you call her back before five?` }, 4),
  ]
  const sessions: Record<string, Awaited<ReturnType<typeof imapSession>>> = {}
  for (const who of ['lars', 'kees']) sessions[at(who)] = await imapSession(stack, `${box}*${at(who)}`, `${who}-pass-1`)
  for (const r of records) {
    const { subject, text } = recordSentence(r, r.by, 'en')
    await sessions[r.by]!.append(TEAM_FOLDER, await recordMessage(r, r.by, subject, text), ['\\Seen'])
  }
  for (const c of Object.values(sessions)) await c.logout()
}

async function signedIn(browser: Browser, stack: MailStack, who: string, locale: string): Promise<{ page: Page; stop: () => Promise<void> }> {
  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const web = await startWebApp({ suggestedServer: server, log: () => undefined })
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale, deviceScaleFactor: 1 })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('pageerror:', e.message))
  await page.goto(web.url)
  await page.locator('#address').fill(at(who))
  await page.locator('#password').fill(`${who}-pass-1`)
  await page.locator('#password').press('Enter')
  await page.getByTestId('signed-in-as').waitFor()
  await page.locator('section[data-kind="shared"] button[data-role="inbox"]').click()
  return { page, stop: async () => { await context.close(); await web.stop() } }
}

async function each(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    for (const [w, h] of [[1440, 900], [1024, 768]] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.setViewportSize({ width: w, height: h })
      await page.waitForTimeout(400)
      const file = `${name}-${scheme}-${w}x${h}`
      await page.screenshot({ path: join(out, `${file}.png`) })
      console.log(`wrote ${file}`)
    }
  }
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true })
  const org = smallOrganisation('Fourth Coffee', domain, {
    people: { lars: 'Lars Visser', mei: 'Mei Chen', kees: 'Kees Bakker', ana: 'Ana García' },
    shared: [{ local: 'helpdesk', name: 'Coffee Helpdesk', members: [{ local: 'lars', sendAs: true }, { local: 'mei' }, { local: 'kees' }] }],
  })
  const stack = await startMailStack(org)
  await seed(stack)
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    for (const locale of ['en-US', 'nl-NL'] as const) {
      const lang = locale.slice(0, 2)
      const mei = await signedIn(browser, stack, 'mei', locale)
      await mei.page.getByTestId('mentions-link').click()
      await mei.page.getByTestId('mention').nth(2).waitFor({ timeout: 30_000 })
      await mei.page.waitForTimeout(1500)
      await each(mei.page, `mentions-view-${lang}`)
      await mei.stop()

      const lars = await signedIn(browser, stack, 'lars', locale)
      await lars.page.locator('.row', { hasText: 'Grinder makes a noise' }).click()
      const field = lars.page.getByTestId('team-note-input')
      await field.click()
      await field.pressSequentially(lang === 'nl' ? 'Wie belt haar terug? @' : 'Who calls her back? @')
      await lars.page.getByTestId('mention-suggestions').waitFor()
      await field.evaluate((el) => el.scrollIntoView({ block: 'center' }))
      await each(lars.page, `mentions-suggest-${lang}`)
      await lars.stop()
    }
  } finally {
    await browser.close()
    await stack.stop()
  }
}

void main()
