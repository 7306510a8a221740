import type { Page } from '@playwright/test'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { supportInbox } from '../mailstack/demo-mail'
import { test, expect, imapSession, cachedSummaries, launch, openFolder, passwordOf, queuedTaskKinds, seenRemovals, showSingleMessages, signIn } from './fixtures'
import { projectRoot } from '../../electron/web/web-app'
import { uidOfMessage } from '../../shared/ids'
import { randomUUID } from 'node:crypto'
import { hostileMail } from './mail-fixtures'

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Mailboxes' })
const rows = (page: Page) => page.getByRole('listbox', { name: 'Message list' }).locator('.row')

const memberSession = imapSession

type Which = { uid: number } | { messageId: string }

/** A support message as alice's own client sees it: its flags and Message-ID, or null when absent. */
async function onServer(stack: MailStack, which: Which, folder = 'INBOX'): Promise<{ flags: string[]; messageId: string } | null> {
  const c = await memberSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  try {
    await c.mailboxOpen(folder)
    const uid = 'uid' in which ? which.uid : (await c.search({ header: { 'message-id': which.messageId } }, { uid: true }) || [])[0]
    if (!uid) return null
    const m = await c.fetchOne(String(uid), { flags: true, envelope: true }, { uid: true })
    return m ? { flags: [...m.flags!].filter((f) => f !== '\\Recent').sort(), messageId: m.envelope!.messageId! } : null
  } finally {
    await c.logout()
  }
}

/** The UID of the focused row (its id is folderId|uid). */
async function focusedUid(page: Page): Promise<number> {
  const id = await page.locator('.row[data-focused="true"]').getAttribute('data-id')
  return uidOfMessage(id!)
}

/** Whether the person's own read state of the shared Inbox, as the page keeps it (IndexedDB `ownReads`), holds this UID; null when it has none. */
function ownInboxRead(page: Page, address: string, uid: number): Promise<boolean | null> {
  return page.evaluate(([address, uid]) => new Promise<boolean | null>((resolve, reject) => {
    const open = indexedDB.open(`tandem:${address}`)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const req = open.result.transaction('ownReads').objectStore('ownReads').getAll()
      req.onsuccess = () => {
        const row = (req.result as { folderId: string; read: number[] }[]).find((r) => r.folderId.startsWith('shared:') && /\|INBOX$/.test(r.folderId))
        let found = false
        for (let i = 0; row && i < row.read.length; i += 2) if (uid >= row.read[i]! && uid <= row.read[i + 1]!) found = true
        resolve(row ? found : null)
        open.result.close()
      }
    }
  }), [address, uid] as const)
}

test.describe('own and shared mailboxes side by side', () => {
  test('bob sees his mailbox and Contoso Support, not Reception Desk, in three panes', async ({ app, stack }) => {
    await signIn(app, stack, 'bob@contoso.test')
    await expect(sidebar(app).locator('.mailbox-name')).toHaveText(['bob@contoso.test', 'Contoso Support'])
    await expect(sidebar(app)).not.toContainText('Reception Desk')
    await expect(sidebar(app).getByRole('region', { name: 'Contoso Support' }).getByTestId('quota')).toContainText('of 50 MB')
    await openFolder(app, 'Contoso Support', 'inbox')
    await expect(rows(app)).not.toHaveCount(0)
    await expect(app.getByRole('heading', { level: 1 }).first()).toHaveText('Inbox')
    await rows(app).nth(1).click()
    // The conversation's timeline: its messages open there each name their sender.
    await expect(app.getByTestId('reader-from').first()).not.toBeEmpty()
    // The cache holds what was synced: rows in IndexedDB for the shared mailbox.
    const cached = await cachedSummaries(app, 'bob@contoso.test', 'shared:support@contoso.test')
    // Other tests in this worker may have archived or deleted a few of the 60 seeded messages.
    expect(cached).toBeGreaterThan(40)
  })

  test('a hostile HTML mail runs no script and sends no request until allowed', async ({ app, stack }) => {
    const leaving: string[] = []
    app.context().on('request', (r) => { if (!r.url().startsWith('http://127.0.0.1') && !r.url().startsWith('data:') && !r.url().startsWith('about:')) leaving.push(r.url()) })
    // A copy of its own: a test before it in this worker may have archived, deleted or answered the seeded one.
    const subject = `Your invoice ${randomUUID().slice(0, 8)} is ready`
    await stack.seed('bob@contoso.test', 'INBOX', [{ raw: hostileMail(subject, `hostile-${randomUUID()}`), date: new Date() }])
    await signIn(app, stack, 'bob@contoso.test')
    await openFolder(app, 'bob@contoso.test', 'inbox')
    await rows(app).filter({ hasText: subject }).click()
    const frame = app.getByTestId('timeline-message').filter({ hasText: 'Mallory' }).frameLocator('iframe.mail-frame')
    await expect(frame.locator('#visible-text')).toHaveText('Please see the attached invoice.')
    await expect(app.getByRole('status').filter({ hasText: 'Remote content blocked' })).toBeVisible()
    await expect(frame.locator('script')).toHaveCount(0)
    await expect(frame.locator('img[onerror]')).toHaveCount(0)
    // (The script link: what it did, if anything, is checked once the click after it came through: below.)
    await frame.getByText('click me').click()
    expect(leaving).toEqual([])
    await expect(frame.locator('area[href]')).toHaveCount(0)
    // Every held-back reference is counted: the stylesheet link, url(), @import, an escaped url(),
    // image-set(), and four images (tracker, "x", \\host and https:host).
    await expect(app.getByRole('status').filter({ hasText: 'Remote content blocked' })).toContainText('(9)')
    // Allowing images asks the main process, never the page: still nothing leaves the renderer.
    await app.getByRole('button', { name: 'Show images' }).click()
    // Each image main fetched redraws the frame; the link is clicked once they are all in.
    await expect(app.getByTestId('loading-images')).toHaveCount(0)
    await expect(frame.locator('#visible-text')).toBeVisible()
    expect(leaving).toEqual([])
    // Why the frame keeps allow-same-origin (never allow-scripts): Tandem itself catches a click
    // on a link and opens it outside, instead of the mail navigating its own frame.
    await app.context().route('https://example.org/**', (r) => r.fulfill({ body: 'terms page' }))
    const [popup] = await Promise.all([app.waitForEvent('popup'), frame.getByText('terms').click()])
    await popup.waitForURL('https://example.org/terms')
    await popup.close()
    // That window is the event that every click before it was handled — the script link's did nothing.
    const state = await app.evaluate(() => ({ pwned: (window as unknown as { __pwned?: number }).__pwned ?? null, title: document.title }))
    // The title is Tandem's own (with the unread count of the Inboxes), not what the mail tried.
    expect(state.pwned).toBeNull()
    expect(state.title).toMatch(/^(\(\d+\) )?Tandem$/)
    await expect(frame.locator('#visible-text')).toBeVisible()
  })

  test('another member\'s changes show up by themselves within seconds (R15)', async ({ app, stack }) => {
    await signIn(app, stack, 'bob@contoso.test')
    await openFolder(app, 'Contoso Support', 'inbox')
    await showSingleMessages(app)
    // The first sync of this fresh profile has filled the list (not the empty cache's "0 messages").
    await expect(app.getByTestId('list-count')).toContainText(/^[1-9][\d,]* messages/)
    await expect(app.getByRole('status').filter({ hasText: /^Syncing/ })).toHaveCount(0)
    const count = async () => Number((await app.getByTestId('list-count').textContent())!.split(' ')[0]!.replace(/\D/g, ''))
    const before = await count()
    // Alice, in her own client: new mail arrives, and she flags the newest message.
    await stack.deliver('support@contoso.test', 'From: New Customer <new@customer.example>\r\nTo: support@contoso.test\r\nSubject: Arrived while bob watched\r\n\r\nHello\r\n')
    await expect(rows(app).filter({ hasText: 'Arrived while bob watched' })).toBeVisible({ timeout: 8000 })
    expect(await count()).toBe(before + 1)
    const alice = await memberSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await alice.mailboxOpen('INBOX')
    const uids = (await alice.search({ subject: 'Arrived while bob watched' }, { uid: true })) as number[]
    await alice.messageFlagsAdd(String(uids[0]), ['\\Flagged'], { uid: true })
    await alice.logout()
    await expect(rows(app).filter({ hasText: 'Arrived while bob watched' }).getByTitle('Flagged')).toBeVisible({ timeout: 8000 })
  })

  test('attachments stream from the server: checked images, PDF and text open in place; .exe, .html, .svg are only saved', async ({ app, stack }) => {
    await signIn(app, stack, 'bob@contoso.test')
    await openFolder(app, 'bob@contoso.test', 'inbox')
    await rows(app).filter({ hasText: 'Logs and a page' }).click()
    const list = app.getByRole('list', { name: 'Attachments' })
    await expect(list).toContainText('notes.txt')
    const [popup] = await Promise.all([app.waitForEvent('popup'), list.getByRole('button', { name: 'notes.txt', exact: true }).click()])
    await expect(popup.locator('body')).toContainText('line one of the notes')
    await popup.close()
    // The bidi override is gone from the name, which shows its real extension; it offers Save only.
    await expect(list).toContainText('invoicefdp.exe')
    await expect(list.getByTestId('attachment-ext').filter({ hasText: /^EXE$/ })).toHaveCount(1)
    expect(await list.textContent()).not.toContain('\u202E')
    for (const name of ['invoicefdp.exe', 'page.html', 'logo.svg']) {
      await expect(list.getByRole('button', { name, exact: true })).toHaveCount(0)
      await expect(list.getByRole('button', { name: `Save ${name}` })).toBeVisible()
    }
    const [download] = await Promise.all([app.waitForEvent('download'), list.getByRole('button', { name: 'Save page.html' }).click()])
    expect(download.suggestedFilename()).toBe('page.html')
    const saved = await download.createReadStream()
    const chunks: Buffer[] = []
    for await (const c of saved) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).toString()).toContain('<script>')
    const [exe] = await Promise.all([app.waitForEvent('download'), list.getByRole('button', { name: 'Save invoicefdp.exe' }).click()])
    expect(exe.suggestedFilename()).toBe('invoicefdp.exe')
    // "chart.png" says PNG but is HTML: opening it must not render it; it comes as a download.
    const served: { type: string; disposition: string }[] = []
    app.context().on('response', (r) => {
      if (r.url().includes('/attachments/')) served.push({ type: r.headers()['content-type'] ?? '', disposition: r.headers()['content-disposition'] ?? '' })
    })
    await list.getByRole('button', { name: 'chart.png', exact: true }).click()
    await expect.poll(() => served.length).toBeGreaterThan(0)
    expect(served[0]!.type).toBe('application/octet-stream')
    expect(served[0]!.disposition).toMatch(/^attachment;/)
    expect(await app.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null)).toBeNull()
  })

  test('opening the shared Inbox shows its newest message without marking it read for everyone; choosing it does', async ({ app, stack }) => {
    // Everything unread, as another member's session leaves it.
    const alice = await memberSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await alice.mailboxOpen('INBOX')
    await alice.messageFlagsRemove('1:*', ['\\Seen'])
    await alice.logout()
    // The newest a message nobody has read, in a conversation of its own: bob's own read marks in
    // the team folder (docs/team-state.md) outlive \Seen, and a spec run before this one in the
    // same worker's stack may have left them on the newest conversation of before.
    await stack.deliver('support@contoso.test', `From: Eva Smit <eva@customer.example>\r\nTo: support@contoso.test\r\nSubject: Opened, not read ${Date.now()}\r\nMessage-ID: <opened-${Date.now()}@customer.example>\r\n\r\nHello\r\n`)
    await signIn(app, stack, 'bob@contoso.test')
    await openFolder(app, 'Contoso Support', 'inbox')
    const first = app.locator('.row[data-focused="true"]')
    await expect(first).toHaveAttribute('data-unread', 'true')
    const uid = await focusedUid(app)
    await expect(app.getByRole('complementary', { name: 'Message' }).locator('h2')).not.toBeEmpty()
    // Well past the moment a chosen message would be marked read, on the page's own clock: any
    // timer armed for it has run; no read mark was queued, and the server has none.
    await app.clock.install()
    await app.clock.runFor(5000)
    expect(await queuedTaskKinds(app, 'bob@contoso.test')).not.toContain('flags')
    expect((await onServer(stack, { uid }))!.flags).not.toContain('\\Seen')
    await expect(first).toHaveAttribute('data-unread', 'true')
    // The person clicks it: now it is read, for everyone.
    await first.click()
    await expect.poll(async () => (await onServer(stack, { uid }))?.flags).toContain('\\Seen')
    await expect(first).toHaveAttribute('data-unread', 'false')
  })

  test('keyboard triage reaches the server, where another member sees it', async ({ app, stack }) => {
    await signIn(app, stack, 'bob@contoso.test')
    await openFolder(app, 'Contoso Support', 'inbox')
    await showSingleMessages(app)
    await expect(app.getByTestId('list-count')).toContainText(/^[1-9][\d,]* messages/)
    await app.locator('body').click({ position: { x: 5, y: 5 } })
    await app.keyboard.press('j')
    await app.keyboard.press('j')
    // A screen reader hears the focused row: it is the list's active descendant.
    const focusedRow = app.locator('.row[data-focused="true"]')
    // One not flagged yet (tests before it in this worker flag a few): s must flag it.
    for (let i = 0; i < 20 && await focusedRow.getByTitle('Flagged').count() > 0; i++) await app.keyboard.press('j')
    await expect(app.getByRole('listbox', { name: 'Message list' })).toHaveAttribute('aria-activedescendant', (await focusedRow.getAttribute('id'))!)
    expect(Number(await focusedRow.getAttribute('aria-posinset'))).toBeGreaterThan(1)
    const uid = await focusedUid(app)
    const before = (await onServer(stack, { uid }))!
    // Reading marks it read after a moment.
    await expect.poll(async () => (await onServer(stack, { uid }))?.flags).toContain('\\Seen')
    await app.keyboard.press('s')
    await expect(app.getByRole('status').filter({ hasText: 'Marked 1 message flagged.' })).toBeVisible()
    await expect.poll(async () => (await onServer(stack, { uid }))?.flags).toContain('\\Flagged')
    // z takes the last action back, on the server too; s flags it again.
    await app.keyboard.press('z')
    await expect(app.getByRole('status').filter({ hasText: 'Undone: 1 message marked not flagged again.' })).toBeVisible()
    await expect.poll(async () => (await onServer(stack, { uid }))?.flags.includes('\\Flagged')).toBe(false)
    await app.keyboard.press('s')
    await expect.poll(async () => (await onServer(stack, { uid }))?.flags).toContain('\\Flagged')
    // u and z at typing speed: z takes back the u, not the s before it, though u is still being stored.
    await app.keyboard.press('u')
    await app.keyboard.press('z')
    await expect(app.getByRole('status').filter({ hasText: 'Undone: 1 message marked read again.' })).toBeVisible()
    await expect(app.locator('.row[data-focused="true"]')).toHaveAttribute('data-unread', 'false')
    expect((await onServer(stack, { uid }))?.flags).toContain('\\Flagged')
    // u toggles the read state. In a shared mailbox it is bob's own (docs/team-state.md, "Each
    // member's own unread"): unread for him, kept in his read state, while \Seen stays the team's
    // "someone opened it" — no flags task takes it away.
    await app.keyboard.press('u')
    await expect(app.locator('.row[data-focused="true"]')).toHaveAttribute('data-unread', 'true')
    await expect.poll(() => ownInboxRead(app, 'bob@contoso.test', uid)).toBe(false)
    expect(await seenRemovals(app, 'bob@contoso.test')).toEqual([])
    expect((await onServer(stack, { uid }))?.flags).toContain('\\Seen')
    expect(before.flags.includes('\\Flagged')).toBe(false)
    await app.keyboard.press('e')
    await expect(app.getByRole('status').filter({ hasText: 'Moved 1 message to Archive' })).toBeVisible()
    // Dovecot's MOVE copies, then expunges: another session may see both for a moment.
    await expect.poll(async () => [!!(await onServer(stack, { messageId: before.messageId }, 'Archive')), !!(await onServer(stack, { uid }))]).toEqual([true, false])
    await app.locator('.row[data-focused="true"]').click()
    await app.keyboard.press('?')
    const help = app.getByRole('dialog', { name: 'Keyboard shortcuts' })
    await expect(help).toContainText('Archive')
    // Focus is in the dialog and stays there, however often Tab is pressed.
    for (let i = 0; i < 4; i++) {
      await app.keyboard.press('Tab')
      expect(await help.evaluate((d) => d.contains(document.activeElement))).toBe(true)
    }
    await app.keyboard.press('Shift+Tab')
    expect(await help.evaluate((d) => d.contains(document.activeElement))).toBe(true)
    await app.keyboard.press('Escape')
    await expect(app.getByRole('dialog', { name: 'Keyboard shortcuts' })).toHaveCount(0)
    // And goes back where it was.
    await expect(app.getByRole('listbox', { name: 'Message list' })).toBeFocused()
  })

  test('deleting in a shared mailbox warns that it is for everyone, and can be undone (R10)', async ({ app, stack }) => {
    await signIn(app, stack, 'bob@contoso.test')
    await openFolder(app, 'Contoso Support', 'inbox')
    // One message, not a conversation: tests before it in this worker may have answered the
    // seeded mail, so a row's conversation can hold more than one.
    await showSingleMessages(app)
    await rows(app).nth(4).click()
    const uid = await focusedUid(app)
    const { messageId } = (await onServer(stack, { uid }))!
    const subject = (await app.locator('.reader .subject').textContent())!.trim()
    await app.keyboard.press('#')
    const dialog = app.getByRole('alertdialog')
    await expect(dialog).toContainText('removes it for every member (R10)')
    await dialog.getByRole('button', { name: 'Delete for everyone' }).click()
    await expect.poll(async () => [!!(await onServer(stack, { messageId }, 'Deleted Items')), !!(await onServer(stack, { uid }))]).toEqual([true, false])
    await app.getByRole('status').filter({ hasText: 'Deleted 1 message to Deleted Items' }).getByRole('button', { name: 'Undo' }).click()
    await expect.poll(async () => [!!(await onServer(stack, { messageId }, 'INBOX')), !!(await onServer(stack, { messageId }, 'Deleted Items'))]).toEqual([true, false])
    await expect(rows(app).filter({ hasText: subject }).first()).toBeVisible()
  })
})

test.describe('with a stack of its own', () => {
  let own: MailStack
  test.beforeEach(async () => {
    own = await startMailStack(await loadOrganisation(`${projectRoot}/test/fixtures/orgs/contoso.json`))
    await own.seed('support@contoso.test', 'INBOX', await supportInbox(40, 'Contoso Support <support@contoso.test>', 3))
    await own.seed('bob@contoso.test', 'INBOX', [{ raw: 'From: Dana <dana@partner.example>\r\nTo: bob@contoso.test\r\nSubject: Quarterly figures\r\n\r\nThe zebracorn numbers are attached.\r\n' }])
  })
  test.afterEach(async () => { await own?.stop() })

  test('search works offline over cached headers and bodies, with a scope', async ({ page }) => {
    await launch(page, own, async (app) => {
      await signIn(app, own, 'bob@contoso.test')
      await openFolder(app, 'bob@contoso.test', 'inbox')
      await rows(app).filter({ hasText: 'Quarterly figures' }).click()
      await expect(app.frameLocator('iframe.mail-frame').locator('body')).toContainText('zebracorn')
      await openFolder(app, 'Contoso Support', 'inbox')
      await showSingleMessages(app)
      await expect(app.getByTestId('list-count')).toContainText('40 messages')
      await own.stop()
      await app.locator('body').click({ position: { x: 5, y: 5 } })
      await app.keyboard.press('/')
      await app.keyboard.type('zebracorn')
      await expect(app.getByRole('heading', { level: 1 }).first()).toHaveText('0 found')
      await app.getByRole('combobox', { name: 'Search in' }).click()
      await app.getByRole('option', { name: 'All mailboxes', exact: true }).click()
      await expect(app.getByRole('heading', { level: 1 }).first()).toHaveText('1 found')
      await expect(rows(app).first()).toContainText('Quarterly figures')
      await app.getByRole('searchbox', { name: 'Search mail' }).fill('refund')
      await app.getByRole('combobox', { name: 'Search in' }).click()
      await app.getByRole('option', { name: 'This mailbox', exact: true }).click()
      await expect(rows(app).first()).toContainText('Refund')
    })
  })

  test('losing a membership removes the mailbox and purges its cache (R1)', async ({ page }) => {
    await launch(page, own, async (app) => {
      await signIn(app, own, 'bob@contoso.test')
      await openFolder(app, 'Contoso Support', 'inbox')
      await showSingleMessages(app)
      await expect(app.getByTestId('list-count')).toContainText('40 messages')
      await own.setRights('support@contoso.test', 'bob@contoso.test', null)
      await app.evaluate(() => window.dispatchEvent(new Event('focus')))
      await expect(sidebar(app).locator('.mailbox-name')).toHaveText(['bob@contoso.test'])
      const left = await cachedSummaries(app, 'bob@contoso.test', 'shared:support@contoso.test')
      expect(left).toBe(0)
    })
  })
})

