// Screenshots of Settings › Saved replies and of the composer's `/` list, in light and dark,
// 1440×900 and 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host,
// Debian's Chromium). Usage: npx tsx scripts/saved-replies-screens.ts OUT_DIR
import type { Page } from '@playwright/test'
import { contosoStack, eachLook, shot, SIZES } from './screens-kit'
import { randomUUID } from 'node:crypto'
import MailComposer from 'nodemailer/lib/mail-composer'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { savedReplyMessage } from '../electron/service/operations/saved-replies'
import { SAVED_REPLY_VERSION, type SavedReplyRecord } from '../shared/rules/saved-replies'
import { catalogues } from '../shared/i18n'

const REPLIES: [string, string][] = [
  ['Refund on its way', '<p>Dear {customer.firstName},</p><p>Your refund for “{subject}” is on its way; it shows on your statement within five working days.</p><p>{me.name}</p>'],
  ['Order delayed', '<p>Dear {customer.firstName},</p><p>We are sorry: your order is delayed by two days.</p>'],
  ['Password reset', '<p>Hello {customer.firstName}, use <strong>Forgot password</strong> on the sign-in page.</p>'],
  ['Thanks for your patience', '<p>Thank you for your patience, {customer.firstName}.</p>'],
]

async function main(): Promise<void> {
  const { stack, out } = await contosoStack('/tmp/saved-replies-screens')
  const raw = await new MailComposer({ from: 'Dana Scully <dana@contoso.test>', to: 'Contoso Support <support@contoso.test>', subject: 'Where is my refund?', messageId: '<screens-refund@contoso.test>', date: new Date(), text: 'Hello,\n\nI am still waiting for my refund.\n\nDana' }).compile().build()
  await stack.seed('support@contoso.test', 'INBOX', [{ raw, date: new Date() }])
  const imap = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  try {
    await imap.mailboxCreate('Tandem Team').catch(() => undefined)
    const ids: string[] = []
    for (const [name, html] of REPLIES) {
      const reply = randomUUID()
      ids.push(reply)
      await imap.append('Tandem Team', await savedReplyMessage({ v: SAVED_REPLY_VERSION, op: 'save', id: randomUUID(), reply, at: Date.now() - 3_600_000, by: 'alice@contoso.test', name, html }, 'Alice Archer', name, ''), ['\\Seen'])
    }
    // One deleted by Alice, to show the Deleted list.
    const del: SavedReplyRecord = { v: SAVED_REPLY_VERSION, op: 'delete', id: randomUUID(), reply: ids[3]!, at: Date.now() - 600_000, by: 'alice@contoso.test' }
    await imap.append('Tandem Team', await savedReplyMessage(del, 'Alice Archer', 'x', ''), ['\\Seen'])
  } finally {
    await imap.logout()
  }
  await eachLook(stack, 'bob@contoso.test', async (page, look) => {
    const words = catalogues[look.lang]
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h })
      await settings(page, words.settings.title, words.replies.title)
      await shot(page, out, `replies-settings-${look.lang}-${look.colorScheme}-${w}x${h}.png`)
      await page.keyboard.press('Escape')
      await slash(page, words.compose.rich)
      await shot(page, out, `replies-slash-${look.lang}-${look.colorScheme}-${w}x${h}.png`)
      await page.keyboard.press('Escape')
      await page.getByRole('dialog').locator('button').filter({ has: page.locator('svg') }).first().click().catch(() => undefined)
      await page.getByRole('dialog').waitFor({ state: 'detached' }).catch(() => undefined)
    }
  })
}

async function settings(page: Page, title: string, tab: string): Promise<void> {
  await page.keyboard.press('Control+,')
  const dialog = page.getByRole('dialog', { name: title })
  await dialog.getByRole('tab', { name: tab }).click()
  await dialog.getByTestId('replies-list').waitFor()
}

async function slash(page: Page, rich: string): Promise<void> {
  await page.locator('section[data-kind="shared"]').first().locator('button[data-role="inbox"]').click()
  await page.locator('.row', { hasText: 'Where is my refund?' }).first().click()
  await page.keyboard.press('r')
  const dialog = page.getByRole('dialog').last()
  await dialog.getByRole('checkbox', { name: rich }).check()
  await dialog.getByTestId('compose-body').click()
  await page.keyboard.press('Control+Home')
  await page.keyboard.type('/re')
  await page.getByTestId('compose-body-slash').getByRole('option').first().waitFor()
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
