// Screenshots of snooze (docs/team-state.md, "Snooze"): the snooze dialog, and the Snoozed view
// with a snoozed conversation's team panel ("Snoozed by Alice until …"), in light and dark,
// 1440×900 and 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host,
// Debian's Chromium). Usage: npx tsx scripts/snooze-screens.ts OUT_DIR
import { customerMail as mail, atEachSize, contosoStack, eachLook, shot, SIZES } from './screens-kit'
import { randomUUID } from 'node:crypto'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { recordMessage, recordSentence } from '../electron/service/operations/team'
import { conversationIdFromRoot } from '../shared/conversation'
import { wakeTimeOf } from '../shared/team/snooze'
import type { TeamRecord } from '../shared/team/records'

async function main(): Promise<void> {
  const { stack, out } = await contosoStack('/tmp/snooze-screens')
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
  await eachLook(stack, 'bob@contoso.test', async (page, look) => {
    const shared = page.locator('section[data-kind="shared"]').first()
    // The dialog at both sizes first: the Snoozed view is the Inbox with a filter that stays set.
    await shared.locator('button[data-role="inbox"]').click()
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h })
      await page.locator('.row', { hasText: 'Invoice 2291' }).first().click()
      await page.getByTestId('team-snooze').click()
      await page.getByTestId('snooze-dialog').waitFor({ timeout: 10_000 })
      await shot(page, out, `snooze-dialog-${look.lang}-${look.colorScheme}-${w}x${h}.png`)
      await page.keyboard.press('Escape')
      await page.getByTestId('snooze-dialog').waitFor({ state: 'detached' })
    }
    await shared.locator('button[data-view="snoozed"]').click()
    await atEachSize(page, out, 'snooze-view', look, async () => {
      await page.locator('.row', { hasText: 'My parcel' }).first().click()
      await page.getByTestId('team-snoozed').waitFor()
      await page.mouse.move(1, 1)
    })
  })
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
