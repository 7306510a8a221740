// Screenshots of the Team panel as the authors work changed it, from the real UI: a conversation
// whose notes and history are longer than a conversation keeps (older ones counted), with one
// record a colleague forged in the winner's name; on an organisation whose members have folders
// of their own (confirmed authors: the forgery marked) and on one without (every author claimed).
// Light and dark, 1440×900 and 1024×768, English and Dutch.
// Usage: npx tsx scripts/team-screenshots.ts [out-dir]   (default: .tandem-tmp/screenshots)
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { smallOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { imapSession } from '../test/mailstack/sessions'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { recordMessage, recordSentence, TEAM_FOLDER } from '../electron/service/operations/team'
import { memberFolderName } from '../electron/service/operations/team-authors'
import { type TeamAction, type TeamRecord } from '../shared/team/records'
import { conversationIdFromRoot } from '../shared/conversation'
import { CHROMIUM_ARGS } from '../playwright.config'

const out = process.argv[2] ?? join(projectRoot, '.tandem-tmp', 'screenshots')

async function shoot(kind: 'confirmed' | 'claimed'): Promise<void> {
  const domain = kind === 'confirmed' ? 'litware.test' : 'tailspin.test'
  const org = smallOrganisation(kind === 'confirmed' ? 'Litware' : 'Tailspin Toys', domain, {
    people: { lars: 'Lars Visser', mei: 'Mei Chen', ana: 'Ana García' },
    shared: [{ local: 'helpdesk', name: kind === 'confirmed' ? 'Litware Desk' : 'Tailspin Helpdesk', members: [{ local: 'lars' }, { local: 'mei' }] }],
    teamMembers: kind === 'confirmed',
  })
  const at = (l: string) => `${l}@${domain}`
  const box = at('helpdesk')
  const stack = await startMailStack(org)
  const subject = 'Printer on fire'
  const messageId = `<printer.${Date.now()}@example.test>`
  await stack.deliver(box, [`From: Ana García <${at('ana')}>`, `To: Helpdesk <${box}>`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'The printer on the second floor is smoking. Please help.', ''].join('\r\n'))
  // A first message's conversation is its own Message-ID's (shared/conversation.ts).
  const conv = conversationIdFromRoot(`m:${messageId}`)
  // A busy conversation: 130 notes and a status change after each, by both members, each copied
  // into its author's folder where there is one (as their Tandem does); then Mei forges a
  // deletion in Lars's name.
  const records: TeamRecord[] = []
  const rec = (by: string, action: TeamAction, minutesAgo: number): TeamRecord => ({ v: 1, id: randomUUID(), conv, at: Date.now() - minutesAgo * 60_000, by, action })
  for (let i = 0; i < 130; i++) {
    const by = at(i % 3 ? 'lars' : 'mei')
    records.push(rec(by, { kind: 'note', note: randomUUID(), text: i === 129 ? 'Facilities say the fuse is replaced; printer back on Monday.' : `Checked again (${i + 1}).` }, 400 - i * 3))
    records.push(rec(by, { kind: 'status', status: i % 2 ? 'waiting' : 'open' }, 399 - i * 3))
  }
  records.push(rec(at('lars'), { kind: 'assign', to: at('lars'), expect: null }, 5))
  records.push(rec(at('lars'), { kind: 'deleted', messageIds: [`<dup.${Date.now()}@example.test>`], count: 1 }, 3))
  const forged = rec(at('lars'), { kind: 'deleted', messageIds: [`<forged.${Date.now()}@example.test>`], count: 3 }, 1)
  const sessions = { [at('mei')]: await imapSession(stack, `${box}*${at('mei')}`, 'mei-pass-1'), [at('lars')]: await imapSession(stack, `${box}*${at('lars')}`, 'lars-pass-1') }
  for (const r of records) {
    const { subject: s, text } = recordSentence(r, r.by, 'en')
    const raw = await recordMessage(r, r.by, s, text)
    if (kind === 'confirmed') await sessions[r.by]!.append(`${TEAM_FOLDER}/${memberFolderName(r.by)}`, raw, ['\\Seen'])
    await sessions[r.by]!.append(TEAM_FOLDER, raw, ['\\Seen'])
  }
  await sessions[at('mei')]!.append(TEAM_FOLDER, await recordMessage(forged, 'Lars Visser', 'forged', 'forged'), ['\\Seen'])
  for (const c of Object.values(sessions)) await c.logout()

  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    for (const locale of ['en-US', 'nl-NL'] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        for (const [w, h] of [[1440, 900], [1024, 768]] as const) {
          const web = await startWebApp({ suggestedServer: server, log: () => undefined })
          const context = await browser.newContext({ viewport: { width: w, height: h }, locale, colorScheme: scheme, deviceScaleFactor: 1 })
          const page = await context.newPage()
          page.on('pageerror', (e) => console.error('pageerror:', e.message))
          await page.goto(web.url)
          await page.locator('#address').fill(at('mei'))
          await page.locator('#password').fill('mei-pass-1')
          await page.locator('#password').press('Enter')
          await page.getByTestId('signed-in-as').waitFor()
          await page.locator('section[data-kind="shared"] button[data-role="inbox"]').click()
          await page.locator('.row', { hasText: subject }).click()
          await page.getByTestId('team-panel').waitFor()
          await page.getByTestId('team-older-notes').waitFor({ timeout: 30_000 })
          await page.getByTestId('team-panel').locator('summary').click()
          await page.getByTestId('team-older-events').waitFor()
          // The answer about authors; then the panel's top (what is marked and why, the older
          // notes' count, the history's), and for two of the variants its end (the forged line).
          await page.waitForTimeout(1500)
          // The reader's own scroll area brought to the panel's top (scrollIntoView would move the page too).
          await page.getByTestId('team-panel').evaluate((el) => {
            let box = el.parentElement
            while (box && !(box.scrollHeight > box.clientHeight && /auto|scroll/.test(getComputedStyle(box).overflowY))) box = box.parentElement
            if (box) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - 8
            window.scrollTo(0, 0)
          })
          const name = `team-${kind}-${locale.slice(0, 2)}-${scheme}-${w}x${h}`
          await page.screenshot({ path: join(out, `${name}.png`) })
          if ((locale === 'en-US' && scheme === 'light' && w === 1440) || (locale === 'nl-NL' && scheme === 'dark' && w === 1024)) {
            await page.getByTestId('team-history-line').last().scrollIntoViewIfNeeded()
            await page.evaluate(() => window.scrollTo(0, 0))
            await page.screenshot({ path: join(out, `${name}-end.png`) })
          }
          console.log(`wrote ${name}`)
          await context.close()
          await web.stop()
        }
      }
    }
  } finally {
    await browser.close()
    await stack.stop()
  }
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true })
  await shoot('confirmed')
  await shoot('claimed')
}

void main()
