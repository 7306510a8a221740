import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { catalogues, type Locale } from '../../shared/i18n'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { startSmtpProxy, type SmtpProxy } from '../mailstack/smtp-proxy'
import { expect, imapSession, passwordOf, serverOf, test } from './fixtures'
import { projectRoot, startWebApp } from '../../electron/web/web-app'

/**
 * A message that may have gone, as the person meets it: sent from the composer while the line
 * drops after the server took it (the proxy swallows the server's 250), or after the final dot
 * left (the server got nothing). It is held in the Outbox; the notice and the Outbox name exactly
 * the choices shown — Send again, It was sent, Discard — in English and Dutch; each choice does
 * what it says, checked with an independent IMAP session and the proxy's count of transactions.
 */
let stack: MailStack
let proxy: SmtpProxy
test.beforeEach(async () => {
  stack = await startMailStack(await loadOrganisation(`${projectRoot}/test/fixtures/orgs/contoso.json`))
  proxy = await startSmtpProxy({ host: stack.host, port: stack.ports.submission }, { latencyMs: 40 })
})
test.afterEach(async () => {
  await proxy?.close()
  await stack?.stop()
})

async function delivered(messageSubject: string): Promise<{ dave: number; sent: number }> {
  const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
  const bob = await imapSession(stack, 'bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
  try {
    await dave.mailboxOpen('INBOX', { readOnly: true })
    await bob.mailboxOpen('Sent Items', { readOnly: true })
    return {
      dave: ((await dave.search({ subject: messageSubject }, { uid: true })) || []).length,
      sent: ((await bob.search({ subject: messageSubject }, { uid: true })) || []).length,
    }
  } finally {
    await dave.logout(); await bob.logout()
  }
}

async function write(page: Page, t: (typeof catalogues)[Locale], subject: string): Promise<void> {
  await page.getByRole('button', { name: t.shell.newMessage }).click()
  const dialog = page.getByRole('dialog', { name: t.compose.newMessage })
  await dialog.getByLabel(t.compose.to, { exact: true }).fill('Dave Dunn <dave@contoso.test>')
  await dialog.getByLabel(t.compose.subject).fill(subject)
  await dialog.getByLabel(t.compose.text).fill('Are you coming on Friday?')
  await dialog.getByLabel(t.compose.text).press('Control+Enter')
  await expect(dialog).toHaveCount(0)
}

async function look(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).options({ iframes: false }).analyze()
  // As the language walk checks every screen: serious and critical findings, colour contrast included.
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect.soft(serious.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), `axe on ${name}`).toEqual([])
  // The screenshots are for a person to look at (light and dark, both sizes), not asserted: taken
  // when asked for (TANDEM_SCREENS=1), not on every run of the suite.
  if (!process.env.TANDEM_SCREENS) return
  for (const scheme of ['light', 'dark'] as const) {
    for (const [w, h] of [[1440, 900], [1024, 768]] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.setViewportSize({ width: w, height: h })
      await page.waitForTimeout(100)
      await page.screenshot({ path: `test-results/screens/${name}-${scheme}-${w}x${h}.png` })
    }
  }
  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 1280, height: 800 })
}

for (const locale of ['en', 'nl'] as const) {
  test(`a message that may have gone is held with words that name the choices shown, and each choice does what it says (${locale})`, async ({ browser }) => {
    // Three sends and two services' worth of waiting on a slow line (and 16 screenshots when asked for).
    test.setTimeout(180_000)
    const t = catalogues[locale]
    const context = await browser.newContext({ locale: locale === 'nl' ? 'nl-NL' : 'en-US' })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(e.message))
    const web = await startWebApp({ suggestedServer: { ...serverOf(stack), smtp: { host: '127.0.0.1', port: proxy.port, security: 'none' } }, log: () => undefined, pollMs: 500 })
    try {
      await page.goto(web.url)
      await page.getByLabel(t.signIn.address).fill('bob@contoso.test')
      await page.getByLabel(t.signIn.password).fill(passwordOf(stack, 'bob@contoso.test'))
      await page.getByLabel(t.signIn.password).press('Enter')
      await page.getByTestId('signed-in-as').waitFor()

      // The line drops after the server took the message: held, never resent by itself.
      proxy.cutNext('reply')
      const first = `Lunch ${locale} ${Date.now()}`
      await write(page, t, first)
      const notice = page.getByRole('alert').filter({ hasText: first })
      await expect(notice).toBeVisible()
      for (const choice of [t.outbox.sendAgain, t.outbox.wasSent, t.outbox.discard]) await expect(notice).toContainText(choice)
      await look(page, `outbox-held-notice-${locale}`)
      await notice.getByRole('button', { name: t.outbox.open }).click()
      const outbox = page.getByRole('dialog', { name: t.outbox.title })
      const item = outbox.getByRole('listitem').filter({ hasText: first })
      await expect(item).toContainText(t.outbox.held)
      // Exactly the three choices its text names.
      await expect(item.getByRole('button')).toHaveText([t.outbox.sendAgain, t.outbox.wasSent, t.outbox.discard])
      await look(page, `outbox-held-${locale}`)
      await expect.poll(() => delivered(first)).toEqual({ dave: 1, sent: 0 })
      const tries = proxy.transactions.length

      // It was sent: the Sent copy is kept, nothing is sent again.
      await item.getByRole('button', { name: t.outbox.wasSent }).click()
      await expect(item).toHaveCount(0)
      await expect.poll(() => delivered(first)).toEqual({ dave: 1, sent: 1 })
      expect(proxy.transactions.length).toBe(tries)

      // The final dot is lost on the way: the server got nothing; Send again sends it once.
      await outbox.getByRole('button', { name: t.dialogs.close }).click()
      proxy.cutNext('dot')
      const second = `Agenda ${locale} ${Date.now()}`
      await write(page, t, second)
      await page.getByRole('alert').filter({ hasText: second }).getByRole('button', { name: t.outbox.open }).click()
      const held = outbox.getByRole('listitem').filter({ hasText: second })
      await expect(held.getByRole('button')).toHaveText([t.outbox.sendAgain, t.outbox.wasSent, t.outbox.discard])
      expect(await delivered(second)).toEqual({ dave: 0, sent: 0 })
      await held.getByRole('button', { name: t.outbox.sendAgain }).click()
      await expect(held).toHaveCount(0)
      await expect.poll(() => delivered(second)).toEqual({ dave: 1, sent: 1 })
      expect(pageErrors).toEqual([])
    } finally {
      await context.close()
      await web.stop()
    }
  })
}
