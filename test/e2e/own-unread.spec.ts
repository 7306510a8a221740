import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { test, expect, choose, person, memberSession } from './fixtures'

/**
 * Each member's own unread, with two members of one shared mailbox, each in their own Tandem
 * (docs/team-state.md, "Each member's own unread"): alice opens a conversation of the shared
 * Inbox; it stays bold and counted in bob's window (his own unread), marked there as opened by
 * the team, and bob's "Not opened by anyone on the team" filter leaves it out; an independent
 * IMAP session sees \Seen on it. Bob reads another, which stays unread for alice. Alice on a
 * new device (a fresh service, an empty IndexedDB) has her own state back from the server: the
 * one she read is read, the one only bob read is not. axe on bob's list, light and dark.
 */
const DOMAIN = 'tailspin.test'
const DESK = 'Tailspin Desk'
const org = smallOrganisation('Tailspin', DOMAIN, {
  people: { alice: 'Alice Archer', bob: 'Bob Brown' },
  shared: [{ local: 'desk', name: DESK, members: [{ local: 'alice', sendAs: true }, { local: 'bob', sendAs: true }] }],
  layout: { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' },
})
const mail = (subject: string, n: number) => [`From: Carla Customer <carla@customer.example>`, `To: ${DESK} <desk@${DOMAIN}>`, `Subject: ${subject}`,
  `Date: ${new Date(Date.now() - n * 60_000).toUTCString()}`, `Message-ID: <own-unread-${n}@customer.example>`, 'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8', '', 'Please help.', ''].join('\r\n')
const SUBJECTS = ['Parcel lost', 'Invoice question', 'Address change']

const desk = (p: Page) => p.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: DESK })
const inboxCount = (p: Page) => desk(p).locator('button[data-role="inbox"]').getByTestId('folder-count')
const row = (p: Page, subject: string) => p.getByRole('listbox', { name: 'Message list' }).locator('.row', { hasText: subject })

/** The person's own read state rows this page keeps in IndexedDB (Dexie v15 `ownReads`). */
function ownReads(page: Page, address: string): Promise<{ folderId: string; server: boolean; pendingRead: number[]; read: number[] }[]> {
  return page.evaluate((address) => new Promise((resolve, reject) => {
    const open = indexedDB.open(`tandem:${address}`)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const req = open.result.transaction('ownReads').objectStore('ownReads').getAll()
      req.onsuccess = () => { resolve(req.result); open.result.close() }
    }
  }), address)
}
const inboxState = async (page: Page, address: string) => (await ownReads(page, address)).find((r) => /\|INBOX$/.test(r.folderId)) ?? null

async function axe(page: Page, what: string): Promise<void> {
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

test.describe('each member\'s own unread in a shared mailbox', () => {
  let stack: MailStack
  test.beforeAll(async () => {
    stack = await startMailStack(org)
    for (const m of ['alice', 'bob']) await stack.setRights(`desk@${DOMAIN}`, `${m}@${DOMAIN}`, 'lrstipekx')
    for (const [i, s] of SUBJECTS.entries()) await stack.deliver(`desk@${DOMAIN}`, mail(s, i + 1))
  })
  test.afterAll(async () => { await stack?.stop() })

  test('alice reading leaves it unread for bob, opened by the team; her state follows her to a new device', async ({ browser }) => {
    // Two windows, two services and a mail server on two shared cores: a walk, never a race against time.
    test.setTimeout(150_000)
    const ALICE = `alice@${DOMAIN}`
    const BOB = `bob@${DOMAIN}`
    let alice = await person(browser, stack, ALICE)
    const bob = await person(browser, stack, BOB)
    try {
      for (const p of [alice.page, bob.page]) {
        await desk(p).locator('button[data-role="inbox"]').click()
        await expect(row(p, 'Parcel lost')).toBeVisible({ timeout: 20_000 })
      }
      // Each member's state is read from the server (nothing yet): every conversation unread for each.
      await expect.poll(() => inboxState(bob.page, BOB), { timeout: 20_000 }).not.toBeNull()
      await expect.poll(() => inboxState(alice.page, ALICE), { timeout: 20_000 }).not.toBeNull()
      for (const p of [alice.page, bob.page]) await expect(inboxCount(p)).toHaveText('3')
      const bobTitle = await bob.page.title()

      // Alice opens "Parcel lost": read for her, \Seen for the team, and her mark goes to the server.
      await row(alice.page, 'Parcel lost').click()
      await expect(row(alice.page, 'Parcel lost')).toHaveAttribute('data-unread', 'false', { timeout: 10_000 })
      await expect(inboxCount(alice.page)).toHaveText('2')
      await expect.poll(async () => { const s = await inboxState(alice.page, ALICE); return !!s && s.server && s.pendingRead.length === 0 }, { timeout: 20_000 }).toBe(true)

      // An independent IMAP session: \Seen on what alice opened, and only that.
      const witness = await memberSession(stack, ALICE, `desk@${DOMAIN}`)
      try {
        await witness.mailboxOpen('INBOX', { readOnly: true })
        const seen: string[] = []
        for await (const m of witness.fetch('1:*', { envelope: true, flags: true })) if (m.flags?.has('\\Seen')) seen.push(m.envelope?.subject ?? '')
        expect(seen).toEqual(['Parcel lost'])
      } finally {
        await witness.logout().catch(() => undefined)
      }

      // Bob: the team's \Seen reaches his window (the row says it was opened), yet it is still his to read.
      await expect(row(bob.page, 'Parcel lost').getByTestId('row-opened')).toBeVisible({ timeout: 20_000 })
      await expect(row(bob.page, 'Parcel lost')).toHaveAttribute('data-unread', 'true')
      await expect(inboxCount(bob.page)).toHaveText('3')
      expect(await bob.page.title()).toBe(bobTitle)
      // His filter of what nobody on the team opened leaves it out; his own unread keeps it.
      await choose(bob.page, 'Read state', 'Not opened by anyone on the team')
      await expect(row(bob.page, 'Invoice question')).toBeVisible()
      await expect(row(bob.page, 'Parcel lost')).toHaveCount(0)
      await axe(bob.page, 'the list filtered to what nobody opened')
      await choose(bob.page, 'Read state', 'Unread by me')
      await expect(row(bob.page, 'Parcel lost')).toBeVisible()
      await axe(bob.page, 'the list with own unread')
      // Bob reads "Invoice question": \Seen for the team, read for him — not for alice.
      await choose(bob.page, 'Read state', 'Read and unread')
      await row(bob.page, 'Invoice question').click()
      await expect(row(bob.page, 'Invoice question')).toHaveAttribute('data-unread', 'false', { timeout: 10_000 })
      await expect(inboxCount(bob.page)).toHaveText('2')
      await expect(row(alice.page, 'Invoice question').getByTestId('row-opened')).toBeVisible({ timeout: 20_000 })
      await expect(row(alice.page, 'Invoice question')).toHaveAttribute('data-unread', 'true')

      // Alice on a new device: another service, an empty IndexedDB — her read state comes from the server.
      await alice.stop()
      alice = await person(browser, stack, ALICE)
      await desk(alice.page).locator('button[data-role="inbox"]').click()
      await expect(row(alice.page, 'Invoice question')).toBeVisible({ timeout: 20_000 })
      await expect.poll(() => inboxState(alice.page, ALICE), { timeout: 20_000 }).not.toBeNull()
      // \Seen alone would show both read (bob opened the second): her own state says otherwise.
      await expect(row(alice.page, 'Parcel lost')).toHaveAttribute('data-unread', 'false')
      await expect(row(alice.page, 'Invoice question')).toHaveAttribute('data-unread', 'true', { timeout: 10_000 })
      await expect(inboxCount(alice.page)).toHaveText('2')
    } finally {
      await alice.stop()
      await bob.stop()
    }
  })
})
