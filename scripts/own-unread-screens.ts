// Screenshots of each member's own unread (docs/team-state.md, "Each member's own unread"): a
// shared Inbox in bob's Tandem where a colleague opened two conversations (\Seen) after his first use, still
// unread for him (bold, the eye "opened by someone on the team"), one he read himself; then the
// list's Read state filter set to "Not opened by anyone on the team". Light and dark, 1440×900
// and 1024×768, English and Dutch, from the real UI (the Contoso stack, the web host, Debian's
// Chromium). Usage: npx tsx scripts/own-unread-screens.ts OUT_DIR
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { customerMail as mail, atEachSize, contosoStack, eachLook } from './screens-kit'

async function main(): Promise<void> {
  const { stack, out } = await contosoStack('/tmp/own-unread-screens')
  const now = Date.now()
  await stack.seed('support@contoso.test', 'INBOX', [
    { raw: await mail('Dana Scully <dana@customer.example>', 'My parcel never arrived', '<ou-1@customer.example>'), date: new Date(now - 4 * 3_600_000) },
    { raw: await mail('Fox Mulder <fox@customer.example>', 'Invoice 2291 is wrong', '<ou-2@customer.example>'), date: new Date(now - 3 * 3_600_000) },
    { raw: await mail('Walter Skinner <walter@customer.example>', 'Change of delivery address', '<ou-3@customer.example>'), date: new Date(now - 2 * 3_600_000) },
    { raw: await mail('Monica Reyes <monica@customer.example>', 'Can I return an opened box?', '<ou-4@customer.example>'), date: new Date(now - 3_600_000) },
  ])
  await eachLook(stack, 'bob@contoso.test', async (page, look) => {
    const shared = page.locator('section[data-kind="shared"]').first()
    await shared.locator('button[data-role="inbox"]').click()
    await page.locator('.row', { hasText: 'Change of delivery' }).first().waitFor({ timeout: 20_000 })
    // The first time round: Bob reads one himself (read for him, and \Seen for the team); then
    // Alice opens two in her own client (\Seen), after Bob's first use, which read for him what
    // the team had opened until then.
    if (look.first) {
      await page.locator('.row', { hasText: 'Change of delivery' }).first().click()
      await page.locator('.row[data-unread="false"]', { hasText: 'Change of delivery' }).waitFor({ timeout: 10_000 })
      const alice = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
      try {
        await alice.mailboxOpen('INBOX')
        for (const subject of ['My parcel never arrived', 'Invoice 2291 is wrong']) {
          const uids = await alice.search({ subject }, { uid: true })
          if (uids && uids.length) await alice.messageFlagsAdd(uids, ['\\Seen'], { uid: true })
        }
      } finally {
        await alice.logout()
      }
    }
    await page.locator('[data-testid="row-opened"]').first().waitFor({ timeout: 20_000 })
    await atEachSize(page, out, 'own-unread-list', look, async () => {
      await page.locator('.row', { hasText: 'Invoice 2291' }).first().click()
      await page.mouse.move(1, 1)
    })
    await page.getByTestId('read-filter').click()
    await page.getByRole('option').nth(2).click()
    await atEachSize(page, out, 'own-unread-unopened', look, () => page.mouse.move(1, 1))
  })
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
