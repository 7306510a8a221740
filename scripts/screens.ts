// Screenshots of the screens the conversation work changes, in light and dark, 1440×900 and
// 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host, Debian's
// Chromium). Usage: npx tsx scripts/screens.ts OUT_DIR [screen …]
// Screens: list (the shared Inbox as conversations), reader (a conversation's timeline),
// sent (Sent Items), search (results grouped by conversation), compose (a reply), drafts (the
// shared Drafts: another member's draft, with its author), collision (the "someone already
// replied" panel at the top of the composer), from (the composer's From picker, open).
import type { Page } from '@playwright/test'
import { supportInbox, teamReplies } from '../test/mailstack/demo-mail'
import { atEachSize, contosoStack, eachLook } from './screens-kit'
import type { SeedMessage } from '../test/mailstack/maildir'


async function main(): Promise<void> {
  const wanted = process.argv.slice(3)
  const screens = wanted.length ? wanted : ['list', 'reader', 'sent', 'search', 'drafts', 'collision']
  const { stack, out } = await contosoStack('/tmp/screens')
  const inbox = await supportInbox(120, 'Contoso Support <support@contoso.test>')
  await stack.seed('support@contoso.test', 'INBOX', inbox)
  await stack.seed('support@contoso.test', 'Sent Items', await teamReplies(inbox, { name: 'Contoso Support', address: 'support@contoso.test' },
    [{ name: 'Bob Baker', address: 'bob@contoso.test', onBehalf: true }, { name: 'Alice Archer', address: 'alice@contoso.test', onBehalf: false }]))
  // The newest conversation: a customer's mail no one answered yet (the collision screen answers
  // it from another member's Tandem just before Bob sends), and Alice's draft of a reply to it.
  printer = { raw: customer('Printer on fire', PRINTER, new Date()), date: new Date() }
  await stack.seed('support@contoso.test', 'INBOX', [printer])
  await stack.seed('support@contoso.test', 'Drafts', [{ raw: draftOf('Alice Archer', 'alice@contoso.test'), date: new Date(), flags: ['\\Seen', '\\Draft'] }])
  seedSent = (m) => stack.seed('support@contoso.test', 'Sent Items', [m])
  // The web host keeps the session of the first sign-in for the windows after it.
  await eachLook(stack, 'bob@contoso.test', async (page, look) => {
    for (const screen of screens) await atEachSize(page, out, screen, look, () => show(page, screen))
  })
}

const PRINTER = '<printer.fire@customers.example>'
let printer: SeedMessage
let seedSent: (m: SeedMessage) => Promise<number> = () => Promise.resolve(0)
let answers = 0
const customer = (subject: string, id: string, date: Date) => ['From: Élodie Martin <elodie.martin@customers.example>', 'To: Contoso Support <support@contoso.test>',
  `Subject: ${subject}`, `Date: ${date.toUTCString()}`, `Message-ID: ${id}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '',
  'Our office printer shows a fire symbol and smells burnt. Can someone come today?', ''].join('\r\n')
const draftOf = (name: string, address: string) => ['From: Contoso Support <support@contoso.test>', 'To: Élodie Martin <elodie.martin@customers.example>',
  'Subject: Re: Printer on fire', `Date: ${new Date().toUTCString()}`, `Message-ID: <draft.${address}@contoso.test>`, `In-Reply-To: ${PRINTER}`, `References: ${PRINTER}`,
  `X-Tandem-Draft-By: "${name}" <${address}>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Hello Élodie, please switch it off; a technician', ''].join('\r\n')
const teamReply = () => ['From: Contoso Support <support@contoso.test>', 'Sender: Alice Archer <alice@contoso.test>', 'To: Élodie Martin <elodie.martin@customers.example>',
  'Subject: Re: Printer on fire', `Date: ${new Date().toUTCString()}`, `Message-ID: <answer.${++answers}@contoso.test>`, `In-Reply-To: ${PRINTER}`, `References: ${PRINTER}`,
  'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Hello Élodie, a technician is on the way and will be with you before noon.\r\n\r\nAlice', ''].join('\r\n')

async function show(page: Page, screen: string): Promise<void> {
  // A composer left open by the screen before: its draft goes (Escape would keep it in Drafts).
  if (await page.getByRole('dialog').count()) await page.getByRole('dialog').locator('header button.link').first().click().catch(() => undefined)
  await page.keyboard.press('Escape')
  const shared = page.locator('section[data-kind="shared"]').first()
  if (screen === 'drafts') {
    await shared.locator('button[data-role="drafts"]').click()
    await page.locator('.row').first().click()
    await page.waitForTimeout(1200)
    return
  }
  if (screen === 'collision') {
    await shared.locator('button[data-role="inbox"]').click()
    await page.locator('.row', { hasText: 'Printer on fire' }).first().click()
    await page.keyboard.press('r')
    await page.getByRole('dialog').locator('textarea, [contenteditable="true"]').first().fill('Hello Élodie, we will send someone tomorrow.')
    // Another member answers from their own Tandem meanwhile (its copy lands in the shared Sent).
    await seedSent({ raw: teamReply(), date: new Date(Date.now() + 1000), flags: ['\\Seen'] })
    await page.getByRole('dialog').locator('button.primary').last().click()
    await page.getByTestId('collision').waitFor({ timeout: 30_000 })
    await page.waitForTimeout(800)
    return
  }
  if (screen === 'sent') await shared.locator('button[data-role="sent"]').click()
  else await shared.locator('button[data-role="inbox"]').click()
  await page.locator('.row').first().waitFor()
  if (screen === 'reader' || screen === 'list') {
    const withCount = page.locator('.row', { has: page.getByTestId('row-count') }).first()
    await (await withCount.count() ? withCount : page.locator('.row').first()).click()
  }
  if (screen === 'search') {
    await page.keyboard.press('/')
    await page.keyboard.type('order')
    await page.keyboard.press('Enter')
  }
  if (screen === 'compose' || screen === 'from') await page.keyboard.press('r')
  // The From picker open: the identities the person may send as, drawn by Tandem in both themes.
  if (screen === 'from') await page.getByRole('dialog').getByRole('combobox', { name: /^(From|Van)$/ }).click()
  await page.waitForTimeout(1200)
}

void main()
