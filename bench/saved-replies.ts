// How soon the composer's `/` list shows after `/` is typed, with many saved replies (the issue's
// bound: ≤ 100 ms). The Contoso stack, a team folder holding COUNT saved replies appended as
// Alice's Tandem appends them, the web host and Debian's Chromium; Bob opens a reply in rich
// text and types `/` and a letter ROUNDS times. Measured in the page, from the key's keydown to
// the list's first option in the DOM and painted (the next animation frame).
// Usage: npx tsx bench/saved-replies.ts [--count 500] [--rounds 30]
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import MailComposer from 'nodemailer/lib/mail-composer'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { savedReplyMessage } from '../electron/service/operations/saved-replies'
import { SAVED_REPLY_VERSION } from '../shared/rules/saved-replies'
import { CHROMIUM_ARGS } from '../playwright.config'

const arg = (name: string, d: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : d }

async function main(): Promise<void> {
  const count = arg('count', 500)
  const rounds = arg('rounds', 30)
  const org = await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))
  const stack = await startMailStack(org)
  const raw = await new MailComposer({ from: 'Dana Scully <dana@contoso.test>', to: 'support@contoso.test', subject: 'Where is my refund?', messageId: '<bench-refund@contoso.test>', date: new Date(), text: 'Hello' }).compile().build()
  await stack.seed('support@contoso.test', 'INBOX', [{ raw, date: new Date() }])
  const imap = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  try {
    await imap.mailboxCreate('Tandem Team').catch(() => undefined)
    const words = ['Refund', 'Order', 'Shipping', 'Invoice', 'Password', 'Welcome', 'Outage', 'Delay', 'Thanks', 'Return']
    for (let i = 0; i < count; i++) {
      const name = `${words[i % words.length]} ${String(i).padStart(3, '0')}`
      const html = `<p>Dear {customer.firstName},</p><p>${'About your request: we looked into it and here is what happens next. '.repeat(4)}</p><p>{me.name}</p>`
      await imap.append('Tandem Team', await savedReplyMessage({ v: SAVED_REPLY_VERSION, op: 'save', id: randomUUID(), reply: randomUUID(), at: Date.now(), by: 'alice@contoso.test', name, html }, 'Alice Archer', name, 'bench'), ['\\Seen'])
    }
  } finally {
    await imap.logout()
  }
  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const web = await startWebApp({ suggestedServer: server, log: () => undefined })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.goto(web.url)
    await page.locator('#address').fill('bob@contoso.test')
    await page.locator('#password').fill(passwordOf(stack, 'bob@contoso.test'))
    await page.locator('#password').press('Enter')
    await page.getByTestId('signed-in-as').waitFor()
    await page.locator('section[data-kind="shared"]').first().locator('button[data-role="inbox"]').click()
    await page.locator('.row', { hasText: 'Where is my refund?' }).first().click()
    await page.keyboard.press('r')
    const dialog = page.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('checkbox', { name: 'Rich text' }).check()
    const body = dialog.getByTestId('compose-body')
    // The window has read them all (Settings would show the same list).
    await page.waitForFunction(() => true)
    await page.waitForTimeout(3000)
    await body.click()
    await page.keyboard.press('Control+Home')
    await page.evaluate(() => {
      const w = window as unknown as { slashTimes: number[]; slashStart: number }
      w.slashTimes = []
      document.addEventListener('keydown', (e) => { if (e.key === '/') w.slashStart = performance.now() }, true)
      new MutationObserver(() => {
        if (w.slashStart && document.querySelector('[data-testid="compose-body-slash"] [role="option"]')) {
          const start = w.slashStart
          w.slashStart = 0
          requestAnimationFrame(() => w.slashTimes.push(performance.now() - start))
        }
      }).observe(document.body, { childList: true, subtree: true })
    })
    for (let i = 0; i < rounds; i++) {
      await page.keyboard.type('/')
      await page.getByTestId('compose-body-slash').getByRole('option').first().waitFor()
      await page.keyboard.type('o')
      await page.waitForTimeout(100)
      await page.keyboard.press('Escape')
      await page.keyboard.press('Backspace')
      await page.keyboard.press('Backspace')
      await page.waitForTimeout(50)
    }
    const shown = await page.evaluate(() => (window as unknown as { slashTimes: number[] }).slashTimes)
    const options = await page.evaluate(() => document.querySelectorAll('[data-testid="compose-body-slash"] [role="option"]').length)
    const sorted = [...shown].sort((a, b) => a - b)
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1)
    console.log(`saved replies: ${count}; rounds measured: ${sorted.length}; options left open at the end: ${options}`)
    console.log(`'/' to the list painted: median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`)
  } finally {
    await browser.close()
    await web.stop()
    await stack.stop()
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
