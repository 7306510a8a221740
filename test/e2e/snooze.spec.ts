import AxeBuilder from '@axe-core/playwright'
import type { Browser, Locator, Page } from '@playwright/test'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { test, expect, choose, person } from './fixtures'

/**
 * Snooze, with two members of one shared mailbox, each in their own Tandem (docs/team-state.md,
 * "Snooze"): alice snoozes a conversation until a time she picks; it leaves bob's Inbox and shows
 * under Snoozed; the pages' clocks are moved past the wake time and it is back for both, with no
 * record. A second conversation, snoozed until the customer replies (by the b key), stays snoozed
 * when a teammate writes into it and comes back when the customer does. axe on the snooze dialog
 * and the Snoozed view, light and dark. The organisation is shaped like Exchange Online: its IMAP
 * takes no custom keywords (members lack the write right in the shared mailbox).
 */
const DOMAIN = 'wingtip.test'
const DESK = 'Wingtip Desk'
const org = smallOrganisation('Wingtip', DOMAIN, {
  people: { alice: 'Alice Archer', bob: 'Bob Brown' },
  shared: [{ local: 'desk', name: DESK, members: [{ local: 'alice', sendAs: true }, { local: 'bob', sendAs: true }] }],
  layout: { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' },
})
const mail = (from: string, subject: string, id: string, inReplyTo?: string) => [`From: ${from}`, `To: ${DESK} <desk@${DOMAIN}>`, `Subject: ${subject}`,
  `Date: ${new Date().toUTCString()}`, `Message-ID: ${id}`, ...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`, `References: ${inReplyTo}`] : []), 'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8', '', 'Please help.', ''].join('\r\n')
const CUSTOMER = 'Carla Customer <carla@customer.example>'
const PARCEL = '<parcel.lost@customer.example>'
const INVOICE = '<invoice.question@customer.example>'

async function member(browser: Browser, stack: MailStack, local: string): Promise<{ page: Page; stop: () => Promise<void> }> {
  const m = await person(browser, stack, `${local}@${DOMAIN}`)
  // The pages' own clocks, driven by the test (timers and Date alike); they run on from now.
  await m.page.clock.install()
  await desk(m.page).locator('button[data-role="inbox"]').click()
  return m
}
const desk = (p: Page) => p.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: DESK })
const row = (p: Page, subject: string) => p.getByRole('listbox', { name: 'Message list' }).locator('.row', { hasText: subject })
const snoozedCount = (p: Page) => desk(p).getByTestId('view-count-snoozed')

/**
 * Types a local date and time into the snooze dialog's field part by part, as a person does: each
 * part is a spin button named by the part; English orders them month, day, year, hour, minute, AM/PM.
 */
async function typeWhen(field: Locator, t: { year: number; month: number; day: number; hour: number; minute: number }): Promise<void> {
  const two = (n: number) => String(n).padStart(2, '0')
  const parts: [string, string][] = [['month', two(t.month)], ['day', two(t.day)], ['year', String(t.year)],
    ['hour', two(t.hour % 12 || 12)], ['minute', two(t.minute)], ['dayPeriod', t.hour < 12 ? 'A' : 'P']]
  for (const [part, keys] of parts) {
    await field.locator(`[data-part="${part}"]`).click()
    await field.page().keyboard.type(keys)
  }
}

async function axe(page: Page, what: string): Promise<void> {
  // Not over a row, nor the list focused: a row's quick actions would cover its date.
  await page.mouse.move(1, 1)
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    await page.waitForTimeout(100)
    const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).exclude('iframe').options({ iframes: false }).setLegacyMode(true).analyze()
    const show = (rs: typeof r.violations) => rs.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`)
    expect.soft(show(r.violations), `axe on ${what}, ${colorScheme}`).toEqual([])
    expect.soft(show(r.incomplete.filter((v) => v.id === 'color-contrast')), `undecided contrast on ${what}, ${colorScheme}`).toEqual([])
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

test.describe('snooze a conversation for the team', () => {
  let stack: MailStack
  test.beforeAll(async () => {
    stack = await startMailStack(org)
    for (const m of ['alice', 'bob']) await stack.setRights(`desk@${DOMAIN}`, `${m}@${DOMAIN}`, 'lrstipekx')
    await stack.deliver(`desk@${DOMAIN}`, mail(CUSTOMER, 'Parcel lost', PARCEL))
    await stack.deliver(`desk@${DOMAIN}`, mail(CUSTOMER, 'Invoice question', INVOICE))
  })
  test.afterAll(async () => { await stack?.stop() })

  test('until a time it leaves the Inbox and comes back for both at it; until a reply, a teammate\'s leaves it snoozed and the customer\'s wakes it', async ({ browser }) => {
    // Two windows, two services and a mail server on two shared cores: a walk, never a race against time.
    test.setTimeout(150_000)
    const alice = await member(browser, stack, 'alice')
    const bob = await member(browser, stack, 'bob')
    try {
      for (const p of [alice.page, bob.page]) await expect(row(p, 'Parcel lost')).toBeVisible({ timeout: 20_000 })

      // Alice snoozes "Parcel lost" until a time she picks, from the team panel.
      await row(alice.page, 'Parcel lost').click()
      await alice.page.getByTestId('team-snooze').click()
      const dialog = alice.page.getByTestId('snooze-dialog')
      await expect(dialog.getByRole('button', { name: /Tomorrow morning/ })).toBeVisible()
      await axe(alice.page, 'the snooze dialog')
      // A time already past is refused, in words, and nothing is recorded.
      const field = dialog.getByTestId('snooze-pick-at')
      await expect(field).toHaveAccessibleName('Pick a date and time')
      await typeWhen(field, { year: 2020, month: 1, day: 1, hour: 9, minute: 0 })
      await dialog.getByRole('button', { name: 'Snooze until then' }).click()
      await expect(dialog.getByTestId('snooze-error')).toHaveText('That time has already passed. Pick a time in the future.')
      // Two to three minutes on, by her page's clock (the field takes local minutes).
      const soon = await alice.page.evaluate(() => {
        const d = new Date(Date.now() + 120_000)
        return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes() }
      })
      await typeWhen(field, soon)
      await dialog.getByRole('button', { name: 'Snooze until then' }).click()
      await expect(alice.page.getByRole('status').filter({ hasText: /^Snoozed until today / })).toBeVisible()
      await expect(row(alice.page, 'Parcel lost')).toHaveCount(0)

      // Bob: gone from his Inbox, counted under Snoozed.
      await expect(row(bob.page, 'Parcel lost')).toHaveCount(0, { timeout: 20_000 })
      await expect(snoozedCount(bob.page)).toHaveText('1')

      // Bob snoozes "Invoice question" until the customer replies, by its key.
      await row(bob.page, 'Invoice question').click()
      await expect(bob.page.getByRole('article', { name: 'Invoice question' })).toBeVisible()
      await bob.page.keyboard.press('b')
      await bob.page.getByTestId('snooze-dialog').getByRole('button', { name: 'Until the customer replies' }).click()
      await expect(row(bob.page, 'Invoice question')).toHaveCount(0)
      await expect(row(alice.page, 'Invoice question')).toHaveCount(0, { timeout: 20_000 })
      await expect(snoozedCount(alice.page)).toHaveText('2')

      // Alice's Snoozed view: both, each with its clock mark.
      await desk(alice.page).locator('button[data-view="snoozed"]').click()
      await expect(row(alice.page, 'Parcel lost').getByTestId('row-snoozed')).toContainText(/^today /)
      await expect(row(alice.page, 'Invoice question').getByTestId('row-snoozed')).toHaveAttribute('title', 'Snoozed until the customer replies')
      await axe(alice.page, 'the Snoozed view')

      // Alice writes into it from inside the organisation: her message arrives, and it stays snoozed.
      await stack.deliver(`desk@${DOMAIN}`, mail(`Alice Archer <alice@${DOMAIN}>`, 'Re: Invoice question', `<inside.${Date.now()}@${DOMAIN}>`, INVOICE), `alice@${DOMAIN}`)
      await expect(row(alice.page, 'Invoice question').getByTestId('row-count')).toHaveText('2', { timeout: 20_000 })
      await expect(row(alice.page, 'Invoice question').getByTestId('row-snoozed')).toBeVisible()
      await expect(snoozedCount(bob.page)).toHaveText('2')

      // The customer replies (a later second on the server): back for both.
      await new Promise((r) => setTimeout(r, 1100))
      await stack.deliver(`desk@${DOMAIN}`, mail(CUSTOMER, 'Re: Invoice question', `<again.${Date.now()}@customer.example>`, INVOICE))
      await expect(row(alice.page, 'Invoice question')).toHaveCount(0, { timeout: 20_000 })
      await expect(snoozedCount(alice.page)).toHaveText('1')
      await expect(row(bob.page, 'Invoice question')).toBeVisible({ timeout: 20_000 })

      // Bob looks at the one still snoozed: who, until when.
      await desk(bob.page).locator('button[data-view="snoozed"]').click()
      await row(bob.page, 'Parcel lost').click()
      await expect(bob.page.getByTestId('team-snoozed')).toContainText(`Snoozed by alice@${DOMAIN} until today `)

      // Past the wake time on both devices' clocks: back for both, and nobody wrote a record.
      await Promise.all([alice.page, bob.page].map((p) => p.clock.fastForward(240_000)))
      await expect(row(bob.page, 'Parcel lost')).toHaveCount(0)
      for (const p of [alice.page, bob.page]) await expect(snoozedCount(p)).toHaveText('0')
      // The Snoozed view is the Inbox with a filter: back to every conversation there.
      for (const p of [alice.page, bob.page]) {
        await choose(p, 'Status', 'Any status', p.getByRole('main', { name: 'Messages' }))
        await expect(row(p, 'Parcel lost')).toBeVisible()
      }
      await row(bob.page, 'Parcel lost').click()
      await expect(bob.page.getByTestId('team-woke')).toHaveText('Back from snooze: its time came')
    } finally {
      await alice.stop()
      await bob.stop()
    }
  })
})
