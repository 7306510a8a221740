// Screenshots of response times (docs/team-state.md, "Response times"): Settings › Response
// times, the shared Inbox with its wait marks (near and past), and the Report, in light and
// dark, 1440×900 and 1024×768, English and Dutch, from the real UI (the Contoso stack, the web
// host, Debian's Chromium). Usage: npx tsx scripts/response-times-screens.ts OUT_DIR
import { atEachSize, contosoStack, eachLook } from './screens-kit'
import { randomUUID } from 'node:crypto'
import MailComposer from 'nodemailer/lib/mail-composer'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { targetsMessage } from '../electron/service/operations/response-targets'
import { RESPONSE_TARGETS_VERSION, type ResponseTargets } from '../shared/rules/response-targets'

const H = 3_600_000
const DESK = 'Contoso Support <support@contoso.test>'
const mail = (o: { from: string; to?: string; sender?: string; subject: string; id: string; at: number; inReplyTo?: string }) => new MailComposer({
  from: o.from, to: o.to ?? DESK, subject: o.subject, messageId: o.id, date: new Date(o.at), text: `Hello,\n\n${o.subject}\n`,
  ...(o.sender ? { sender: o.sender } : {}), ...(o.inReplyTo ? { inReplyTo: o.inReplyTo, references: [o.inReplyTo] } : {}),
}).compile().build()

async function main(): Promise<void> {
  const { stack, out } = await contosoStack('/tmp/response-times-screens')
  const now = Date.now()
  const day = 24 * H
  const inbox = []
  const sent = []
  // A fortnight of conversations: each answered by Alice or Bob after a few hours, some followed up.
  for (let i = 0; i < 24; i++) {
    const at = now - (i + 1) * 0.6 * day
    const id = `<screens-${i}@customer.example>`
    inbox.push({ raw: await mail({ from: `Customer ${i} <c${i}@customer.example>`, subject: `Order ${4100 + i} question`, id, at }), date: new Date(at) })
    const by = i % 3 ? 'Alice Archer <alice@contoso.test>' : 'Bob Baker <bob@contoso.test>'
    const after = at + ((i % 5) + 0.5) * H
    sent.push({ raw: await mail({ from: DESK, to: `c${i}@customer.example`, sender: by, subject: `Re: Order ${4100 + i} question`, id: `<screens-${i}-r@contoso.test>`, inReplyTo: id, at: after }), date: new Date(after) })
  }
  inbox.push({ raw: await mail({ from: 'Dana Scully <dana@customer.example>', subject: 'My parcel never arrived', id: '<screens-parcel@customer.example>', at: now - 5 * H }), date: new Date(now - 5 * H) })
  inbox.push({ raw: await mail({ from: 'Fox Mulder <fox@customer.example>', subject: 'Invoice 2291 is wrong', id: '<screens-invoice@customer.example>', at: now - 3.2 * H }), date: new Date(now - 3.2 * H) })
  inbox.push({ raw: await mail({ from: 'Walter Skinner <walter@customer.example>', subject: 'Change of address', id: '<screens-address@customer.example>', at: now - 0.5 * H }), date: new Date(now - 0.5 * H) })
  await stack.seed('support@contoso.test', 'INBOX', inbox)
  await stack.seed('support@contoso.test', 'Sent Items', sent)
  const imap = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  try {
    await imap.mailboxCreate('Tandem Team').catch(() => undefined)
    // Round the clock, so the marks show whatever hour the script runs.
    const t: ResponseTargets = { v: RESPONSE_TARGETS_VERSION, id: randomUUID(), at: now - day, by: 'alice@contoso.test', firstReply: 4 * 60, nextReply: 8 * 60, timeZone: 'Europe/Amsterdam',
      days: Array(7).fill({ start: 0, end: 1440 }), holidays: ['2026-12-25', '2026-12-26'] }
    await imap.append('Tandem Team', await targetsMessage(t, 'Alice Archer', 'Alice Archer changed the response times', 'Tandem keeps the response times here.'), ['\\Seen'])
  } finally {
    await imap.logout()
  }
  await eachLook(stack, 'bob@contoso.test', async (page, look) => {
    const shared = page.locator('section[data-kind="shared"]').first()
    await shared.locator('button[data-role="inbox"]').click()
    await page.getByTestId('row-wait').first().waitFor({ timeout: 30_000 })
    await atEachSize(page, out, 'rt-list', look, () => page.mouse.move(1, 1))
    await page.keyboard.press('Control+,')
    await page.locator('.settings-tab[data-section="response-times"]').click()
    await page.getByTestId('rt-by').filter({ hasText: 'alice@' }).waitFor()
    await atEachSize(page, out, 'rt-settings', look)
    await page.keyboard.press('Escape')
    await page.locator('.topbar-end button').first().click()
    await page.getByTestId('report').waitFor()
    await page.getByTestId('report-period').click()
    await page.getByRole('option').nth(3).click()
    await atEachSize(page, out, 'rt-report', look)
  })
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
