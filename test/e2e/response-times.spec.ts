import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { smallOrganisation } from '../mailstack/organisation'
import { imapSession } from '../mailstack/sessions'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { test, expect, choose, passwordOf, person } from './fixtures'

/**
 * Response times (docs/team-state.md, "Response times"): a member sets the shared mailbox's
 * targets in Settings (kept in its team folder, as an independent IMAP session sees); a
 * customer's message that has waited past the target shows the mark in the list, in words for
 * screen readers; one answered by a member on behalf of the mailbox (Sender, R3) shows none; the
 * Report's table shows the known figures. The history is seeded with its arrival times
 * (INTERNALDATE) in the past, and the hours are round the clock, so the answers hold whatever
 * day and hour the test runs. axe in light and dark on the section, the list and the Report.
 */
const DOMAIN = 'adatum.test'
const DESK = 'Adatum Support'
const org = smallOrganisation('Adatum', DOMAIN, {
  people: { alice: 'Alice Archer', bob: 'Bob Brown' },
  shared: [{ local: 'support', name: DESK, members: [{ local: 'alice', sendAs: true, sendOnBehalf: true }, { local: 'bob', sendAs: true }] }],
  layout: { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' },
})
const H = 3_600_000
const message = (h: { from: string; sender?: string; to: string; subject: string; id: string; at: Date; inReplyTo?: string }) => [
  `From: ${h.from}`, ...(h.sender ? [`Sender: ${h.sender}`] : []), `To: ${h.to}`, `Subject: ${h.subject}`, `Date: ${h.at.toUTCString()}`, `Message-ID: ${h.id}`,
  ...(h.inReplyTo ? [`In-Reply-To: ${h.inReplyTo}`, `References: ${h.inReplyTo}`] : []), 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Text.', ''].join('\r\n')
const CUSTOMER = 'Carla Customer <carla@customer.example>'

const desk = (p: Page) => p.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: DESK })
const row = (p: Page, subject: string) => p.getByRole('listbox', { name: 'Message list' }).locator('.row', { hasText: subject })

async function axe(page: Page, what: string, include?: string): Promise<void> {
  await page.mouse.move(1, 1)
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    await page.waitForTimeout(150)
    let b = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).exclude('iframe').options({ iframes: false }).setLegacyMode(true)
    if (include) b = b.include(include)
    const r = await b.analyze()
    const show = (rs: typeof r.violations) => rs.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`)
    expect.soft(show(r.violations), `axe on ${what}, ${colorScheme}`).toEqual([])
    expect.soft(show(r.incomplete.filter((v) => v.id === 'color-contrast')), `undecided contrast on ${what}, ${colorScheme}`).toEqual([])
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

test.describe('response times of a shared mailbox', () => {
  let stack: MailStack
  test.beforeAll(async () => {
    stack = await startMailStack(org)
    const now = Date.now()
    const bare = await imapSession(stack, `support@${DOMAIN}*alice@${DOMAIN}`, passwordOf(stack, `alice@${DOMAIN}`))
    try {
      const sent = (await bare.list()).find((f) => f.specialUse === '\\Sent')!.path
      const at = (ago: number) => new Date(Math.floor((now - ago) / 1000) * 1000)
      // Answered: the customer wrote 3 h ago, Alice answered on behalf of the mailbox an hour later.
      await bare.append('INBOX', message({ from: CUSTOMER, to: `${DESK} <support@${DOMAIN}>`, subject: 'Broken hinge', id: '<hinge@customer.example>', at: at(3 * H) }), [], at(3 * H))
      await bare.append(sent, message({ from: `${DESK} <support@${DOMAIN}>`, sender: `Alice Archer <alice@${DOMAIN}>`, to: CUSTOMER, subject: 'Re: Broken hinge', id: `<hinge.reply@${DOMAIN}>`, inReplyTo: '<hinge@customer.example>', at: at(2 * H) }), ['\\Seen'], at(2 * H))
      // Waiting 2 h: past a 1-hour target. A teammate's message into the Inbox is no customer's.
      await bare.append('INBOX', message({ from: CUSTOMER, to: `${DESK} <support@${DOMAIN}>`, subject: 'Late refund', id: '<refund@customer.example>', at: at(2 * H) }), [], at(2 * H))
      await bare.append('INBOX', message({ from: `Bob Brown <bob@${DOMAIN}>`, to: `${DESK} <support@${DOMAIN}>`, subject: 'Team lunch', id: `<lunch@${DOMAIN}>`, at: at(4 * H) }), [], at(4 * H))
    } finally {
      await bare.logout()
    }
  })
  test.afterAll(async () => { await stack?.stop() })

  test('targets set in Settings are kept in the team folder; a message past its target is marked in the list; the Report shows the figures', async ({ browser }) => {
    test.setTimeout(120_000)
    const alice = await person(browser, stack, `alice@${DOMAIN}`)
    const page = alice.page
    try {
      await desk(page).locator('button[data-role="inbox"]').click()
      await expect(row(page, 'Late refund')).toBeVisible({ timeout: 20_000 })
      await expect(row(page, 'Late refund').getByTestId('row-wait')).toHaveCount(0)

      // Settings › Response times: 1 working hour for both, round the clock in UTC.
      await page.keyboard.press('Control+,')
      const settings = page.getByRole('dialog', { name: 'Settings' })
      await settings.getByRole('tab', { name: 'Response times' }).click()
      const section = settings.getByTestId('response-times-section')
      await expect(section.getByTestId('rt-by')).toHaveText(`No member has set response times for ${DESK} yet.`)
      await choose(page, 'First reply within', '1 working hour', section)
      await choose(page, 'Next reply within', '1 working hour', section)
      await section.getByTestId('rt-zone').fill('UTC')
      for (let i = 0; i < 7; i++) {
        const day = section.getByTestId(`rt-day-${i}`)
        const closed = day.getByRole('checkbox', { name: 'Closed' })
        if (await closed.isChecked()) await closed.uncheck()
        // Midnight to midnight, typed part by part (English: 12:00 AM); "until 00:00" is the day's end.
        for (const name of [/ From$/, / Until$/]) {
          const field = day.getByRole('group', { name })
          for (const [part, keys] of [['hour', '12'], ['minute', '00'], ['dayPeriod', 'A']] as const) {
            await field.locator(`[data-part="${part}"]`).click()
            await page.keyboard.type(keys)
          }
          await expect(field).toHaveAttribute('data-value', '00:00')
        }
      }
      // A day off, typed part by part (English: month, day, year).
      const holiday = section.getByTestId('rt-holiday')
      await expect(holiday).toHaveAccessibleName('Days off')
      for (const [part, keys] of [['month', '12'], ['day', '25'], ['year', '2026']] as const) {
        await holiday.locator(`[data-part="${part}"]`).click()
        await page.keyboard.type(keys)
      }
      await section.getByRole('button', { name: 'Add day off' }).click()
      await axe(page, 'Settings › Response times', '[role=dialog][data-state=open]')
      await section.getByTestId('rt-save').click()
      await expect(section.getByTestId('rt-status')).toHaveText(`Saved for everyone in ${DESK}.`, { timeout: 15_000 })
      await expect(section.getByTestId('rt-by')).toContainText(`alice@${DOMAIN} (unconfirmed)`)

      // The team folder holds it, as another client sees.
      const witness = await imapSession(stack, `support@${DOMAIN}*bob@${DOMAIN}`, passwordOf(stack, `bob@${DOMAIN}`))
      try {
        const lock = await witness.getMailboxLock('Tandem Team')
        try {
          const found = (await witness.search({ header: { 'x-tandem-response-targets': '' } }, { uid: true })) || []
          expect(found).toHaveLength(1)
          const m = await witness.fetchOne(String(found[0]), { headers: ['x-tandem-response-targets'] }, { uid: true })
          const json = JSON.parse(Buffer.from(m && m.headers ? m.headers.toString().split(':').slice(1).join(':').replace(/\s+/g, '') : '', 'base64').toString()) as Record<string, unknown>
          expect(json).toMatchObject({ firstReply: 60, nextReply: 60, timeZone: 'UTC', by: `alice@${DOMAIN}`, holidays: ['2026-12-25'] })
        } finally { lock.release() }
      } finally { await witness.logout() }
      await page.keyboard.press('Escape')
      await expect(settings).toHaveCount(0)

      // The waiting customer is past the target: an icon and words, not colour alone.
      const mark = row(page, 'Late refund').getByTestId('row-wait')
      await expect(mark).toHaveAttribute('data-level', 'past')
      await expect(mark).toContainText(/Waiting 2h \dm: past the target of 1h 0m/)
      await expect(row(page, 'Broken hinge').getByTestId('row-wait')).toHaveCount(0)
      await expect(row(page, 'Team lunch').getByTestId('row-wait')).toHaveCount(0)
      await axe(page, 'the list with its marks')

      // The Report ("g r"): two opened, Alice's first reply in one hour (on behalf of the mailbox).
      await page.keyboard.press('g')
      await page.keyboard.press('r')
      const report = page.getByRole('dialog', { name: 'Report' })
      await choose(page, 'Period', 'Last 30 days', report)
      await expect(report.getByTestId('report-opened')).toHaveText('2')
      const times = report.getByTestId('report-times')
      await expect(times.locator('caption')).toContainText('Response times per member')
      const team = times.getByRole('row', { name: /The team/ })
      await expect(team.getByRole('cell')).toHaveText(['1', '1h 0m', '1h 0m', '100 %', '0', '—', '—', '—', '0'])
      await expect(times.getByRole('row', { name: /^you / }).getByRole('cell').first()).toHaveText('1')
      await axe(page, 'the Report', '[role=dialog][data-state=open]')
      await page.keyboard.press('Escape')

      // The figures are kept on the device, a bucket of conversations a record, and the next start
      // reads them from there: the device built them once, so nothing else could bring the mark back.
      const kept = () => page.evaluate((name) => new Promise<number>((resolve, reject) => {
        const open = indexedDB.open(name)
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const req = open.result.transaction('responseBuckets').objectStore('responseBuckets').getAll()
          req.onerror = () => reject(req.error)
          req.onsuccess = () => {
            const rows = req.result as { figures: Uint8Array }[]
            resolve(rows.reduce((n, r) => n + (JSON.parse(new TextDecoder().decode(r.figures)) as unknown[]).length, 0))
            open.result.close()
          }
        }
      }), `tandem:alice@${DOMAIN}`)
      // The two customers' conversations (the teammate's message counts for none).
      await expect.poll(kept, { timeout: 15_000 }).toBe(2)
      await page.reload()
      await desk(page).locator('button[data-role="inbox"]').click()
      await expect(row(page, 'Late refund').getByTestId('row-wait')).toHaveAttribute('data-level', 'past', { timeout: 20_000 })
      await expect(row(page, 'Broken hinge').getByTestId('row-wait')).toHaveCount(0)
    } finally {
      await alice.stop()
    }
  })
})
