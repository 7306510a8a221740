import type { Page } from '@playwright/test'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { supportInbox } from '../mailstack/demo-mail'
import { expect, fromPicker, imapSession, openFolder, passwordOf, queuedTaskKinds, serverOf, showSingleMessages, signIn, test } from './fixtures'
import { projectRoot, startWebApp } from '../../electron/web/web-app'
import { uidOfMessage } from '../../shared/ids'

/**
 * Offline triage end to end: the mail servers stop, bob triages ten messages in Contoso Support, reloads
 * the window, the servers come back — and alice's own IMAP session sees every one of the ten.
 */
const rows = (page: Page) => page.getByRole('listbox', { name: 'Message list' }).locator('.row')
const focusedUid = async (page: Page) => {
  const id = await page.locator('.row[data-focused="true"]').getAttribute('data-id')
  return uidOfMessage(id!)
}

interface OnServer { folder: string; flags: string[] }

/** How many drafts with this subject Contoso Support's Drafts hold, as another member sees them. */
async function supportDrafts(stack: MailStack, subject: string): Promise<number> {
  const c = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  try { await c.mailboxOpen('Drafts'); return ((await c.search({ subject }, { uid: true })) || []).length } finally { await c.logout() }
}

/** Where each Message-ID of the support mailbox is now, and its flags, as alice's client sees it. */
async function supportState(stack: MailStack): Promise<Map<string, OnServer>> {
  const c = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  const out = new Map<string, OnServer>()
  try {
    for (const folder of ['INBOX', 'Archive', 'Deleted Items']) {
      await c.mailboxOpen(folder, { readOnly: true })
      for await (const m of c.fetch('1:*', { uid: true, flags: true, envelope: true })) {
        if (m.envelope?.messageId) out.set(m.envelope.messageId, { folder, flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent') })
      }
    }
  } finally {
    await c.logout()
  }
  return out
}

let own: MailStack
test.beforeEach(async () => {
  own = await startMailStack(await loadOrganisation(`${projectRoot}/test/fixtures/orgs/contoso.json`))
  await own.seed('support@contoso.test', 'INBOX', await supportInbox(30, 'Contoso Support <support@contoso.test>', 5))
})
test.afterEach(async () => { await own?.stop() })

test('offline triage survives a reload and reaches the server when it is back', async ({ page }) => {
  test.setTimeout(120_000)
  // Fast reconnection for the test (the app's default backs off up to a minute).
  const web = await startWebApp({ suggestedServer: serverOf(own), log: () => undefined, pollMs: 500, backoff: { baseMs: 300, maxMs: 2000 } })
  const dropped: string[] = []
  page.on('console', (m) => { if (m.text().includes('dropped task')) dropped.push(m.text()) })
  try {
    await page.goto(web.url)
    await signIn(page, own, 'bob@contoso.test')
    await openFolder(page, 'Contoso Support', 'inbox')
    // Triage message by message: the list as single messages (kept for this window, reloads too).
    await showSingleMessages(page)
    await expect(page.getByTestId('list-count')).toContainText('30 messages')
    const before = await supportState(own)
    const uidToMessageId = new Map<number, string>()
    for (const id of await rows(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!))) {
      const uid = uidOfMessage(id)
      const c = await imapSession(own, 'support@contoso.test*alice@contoso.test', passwordOf(own, 'alice@contoso.test'))
      await c.mailboxOpen('INBOX', { readOnly: true })
      const m = await c.fetchOne(String(uid), { envelope: true }, { uid: true })
      await c.logout()
      uidToMessageId.set(uid, m && m.envelope ? m.envelope.messageId! : '')
    }

    await own.pause()
    const banner = page.getByTestId('connection-banner')
    await expect(banner).toContainText('Offline — changes will be sent when you reconnect')
    await expect(page.getByRole('region', { name: 'Contoso Support' }).getByTestId('mailbox-connection')).toContainText(/reconnecting|connecting|offline/)

    // Ten actions, each on its own message, by keyboard.
    const expected = new Map<string, { folder?: string; flagged?: boolean; seen?: boolean }>()
    const note = async (what: { folder?: string; flagged?: boolean; seen?: boolean }) => {
      const id = uidToMessageId.get(await focusedUid(page))!
      expected.set(id, { ...expected.get(id), ...what })
    }
    await rows(page).first().click()
    for (let i = 0; i < 3; i++) {
      if (i) await page.keyboard.press('j')
      await note({ flagged: true })
      await page.keyboard.press('s')
    }
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('j')
      // Looking at a message reads it after a moment (offline too): waited for, so that u then
      // makes it unread again whatever the machine's speed, and it stays so.
      await expect(page.locator('.row[data-focused="true"]')).toHaveAttribute('data-unread', 'false')
      // In a shared mailbox u is the person's own unread (docs/team-state.md, "Each member's own
      // unread"): the read's \Seen reaches the server, the u takes nothing away from the team.
      await note({ seen: true })
      await page.keyboard.press('u')
      await expect(page.locator('.row[data-focused="true"]')).toHaveAttribute('data-unread', 'true')
    }
    await page.keyboard.press('j')
    for (let i = 0; i < 2; i++) {
      await note({ folder: 'Archive' })
      await page.keyboard.press('e')
      await expect(page.getByTestId('list-count')).toContainText(`${29 - i} messages`)
    }
    await note({ folder: 'Deleted Items' })
    await page.keyboard.press('#')
    await page.getByRole('alertdialog').getByRole('button', { name: 'Delete for everyone' }).click()
    await expect(page.getByTestId('list-count')).toContainText('27 messages')
    await note({ flagged: true })
    await page.keyboard.press('s')
    expect(expected.size).toBe(10)
    const pendingNow = async () => Number(((await page.getByTestId('pending-count').textContent()) ?? '0').split(' ')[0])
    // The last action's task is stored a moment after its key press.
    await expect.poll(pendingNow).toBeGreaterThanOrEqual(10)
    const waiting = await pendingNow()

    expect(dropped).toEqual([])
    // A reload (or a crash of the window): the queue and the local view come back from IndexedDB.
    await page.reload()
    await expect(page.getByTestId('signed-in-as')).toBeVisible()
    await openFolder(page, 'Contoso Support', 'inbox')
    await expect(page.getByTestId('list-count')).toContainText('27 messages')
    await expect(page.getByTestId('connection-banner')).toContainText('Offline')
    // Still waiting, all of them (reading a message for a moment may have added a read mark).
    await expect(page.getByTestId('pending-count')).toHaveText(/\d+ changes waiting/)
    expect(Number((await page.getByTestId('pending-count').textContent())!.split(' ')[0])).toBeGreaterThanOrEqual(waiting)

    // The servers come back: the queue replays by itself, and another member sees all of it.
    await own.resume()
    await expect(page.getByTestId('connection-banner')).toHaveCount(0, { timeout: 30_000 })
    const after = await supportState(own)
    for (const [messageId, want] of expected) {
      const got = after.get(messageId)
      expect(got, messageId).toBeDefined()
      expect(got!.folder, messageId).toBe(want.folder ?? 'INBOX')
      if (want.flagged !== undefined) expect(got!.flags.includes('\\Flagged'), messageId).toBe(want.flagged)
      if (want.seen !== undefined) expect(got!.flags.includes('\\Seen'), messageId).toBe(want.seen)
    }
    // Nothing else moved, nothing twice.
    expect(after.size).toBe(before.size)
    await expect(page.getByTestId('list-count')).toContainText('27 messages')
  } finally {
    await web.stop()
  }
})

test('mail kept for offline reading opens with the server down, also in folders never opened', async ({ page }) => {
  await own.seed('bob@contoso.test', 'Archive', Array.from({ length: 12 }, (_, i) => ({
    raw: `From: Erin <erin@partner.example>\r\nTo: bob@contoso.test\r\nSubject: Project note ${i}\r\nMessage-ID: <project-${i}@partner.example>\r\n\r\nThe kiwifruit plan, part ${i}.\r\n`,
  })))
  const web = await startWebApp({ suggestedServer: serverOf(own), log: () => undefined, pollMs: 500, backoff: { baseMs: 300, maxMs: 2000 } })
  try {
    await page.goto(web.url)
    await signIn(page, own, 'bob@contoso.test')
    await openFolder(page, 'Contoso Support', 'inbox')
    // bob's own mailbox is kept whole by default: the background round fetches the bodies of his
    // Archive, which he never opened here.
    const kept = () => page.evaluate(() => new Promise<number>((resolve) => {
      const open = indexedDB.open('tandem:bob@contoso.test')
      open.onsuccess = () => {
        const req = open.result.transaction('bodies').objectStore('bodies').getAllKeys()
        req.onsuccess = () => { resolve((req.result as string[]).filter((k) => k.includes('|Archive|')).length); open.result.close() }
      }
    }))
    await expect.poll(kept, { timeout: 20_000 }).toBe(12)
    // Settings → Offline: the shared mailbox keeps its recent Inbox and Sent.
    await page.keyboard.press('Control+,')
    const settings = page.getByRole('dialog', { name: 'Settings' })
    await settings.getByRole('tab', { name: 'Offline' }).click()
    await expect(settings.getByRole('combobox', { name: 'Keep offline for Contoso Support' })).toHaveText('Inbox and Sent, last 30 days')
    await page.keyboard.press('Escape')
    await expect(settings).toHaveCount(0)

    await own.pause()
    await openFolder(page, 'bob@contoso.test', 'archive')
    // Each project note is a conversation of its own.
    await expect(page.getByTestId('list-count')).toContainText('12 conversations')
    await page.getByRole('listbox', { name: 'Message list' }).locator('.row', { hasText: 'Project note 7' }).click()
    await expect(page.frameLocator('iframe.mail-frame').locator('body')).toContainText('The kiwifruit plan, part 7.')
    await expect(page.getByTestId('connection-banner')).toContainText('Offline')
  } finally {
    await web.stop()
  }
})

test('a message written offline waits in the Outbox, can be changed there, and goes once when back', async ({ page }) => {
  const web = await startWebApp({ suggestedServer: serverOf(own), log: () => undefined, pollMs: 500, backoff: { baseMs: 300, maxMs: 2000 } })
  try {
    await page.goto(web.url)
    await signIn(page, own, 'bob@contoso.test')
    await openFolder(page, 'Contoso Support', 'inbox')
    await showSingleMessages(page)
    await expect(page.getByTestId('list-count')).toContainText('30 messages')
    // Started while still online: the draft is saved in Contoso Support's Drafts.
    const draftsOnServer = () => supportDrafts(own, 'Written on the train')
    await page.getByRole('button', { name: 'New message' }).click()
    const dialog = page.getByRole('dialog', { name: 'New message' })
    await expect(fromPicker(page)).toHaveAttribute('data-value', 'onBehalf:support@contoso.test')
    await dialog.getByLabel('To', { exact: true }).fill('Dave Dunn <dave@contoso.test>')
    await dialog.getByLabel('Subject').fill('Written on the train')
    await dialog.getByLabel('Message text').fill('First version.')
    await expect(dialog.getByRole('status')).toContainText('Draft saved', { timeout: 10_000 })
    expect(await draftsOnServer()).toBe(1)
    await own.pause()
    await expect(page.getByTestId('connection-banner')).toContainText('Offline')
    await dialog.getByLabel('Message text').press('Control+Enter')
    await expect(dialog).toHaveCount(0)
    await expect(page.getByRole('status').filter({ hasText: 'waits in the Outbox' })).toBeVisible()

    // The Outbox shows it; change it before it goes.
    await page.getByTestId('outbox-link').click()
    const outbox = page.getByRole('dialog', { name: 'Outbox' })
    await expect(outbox).toContainText('Written on the train')
    await expect(outbox).toContainText('from Contoso Support')
    await outbox.getByRole('button', { name: 'Edit' }).click()
    await expect(dialog.getByLabel('Subject')).toHaveValue('Written on the train')
    await dialog.getByLabel('Subject').fill('Written on the train, corrected')
    await dialog.getByLabel('Message text').press('Control+Enter')
    await expect(dialog).toHaveCount(0)
    await page.getByTestId('outbox-link').click()
    await expect(outbox.locator('li')).toHaveCount(1)
    await expect(outbox).toContainText('Written on the train, corrected')
    await outbox.getByRole('button', { name: 'Close' }).click()

    await own.resume()
    await expect(page.getByTestId('connection-banner')).toHaveCount(0, { timeout: 30_000 })
    const dave = await imapSession(own, 'dave@contoso.test', passwordOf(own, 'dave@contoso.test'))
    try {
      const subjects = async () => {
        await dave.mailboxOpen('INBOX', { readOnly: true })
        const out: string[] = []
        for await (const m of dave.fetch('1:*', { envelope: true })) out.push(m.envelope!.subject!)
        return out.filter((x) => x.startsWith('Written on the train'))
      }
      await expect.poll(subjects, { timeout: 15_000 }).toEqual(['Written on the train, corrected'])
      await new Promise((r) => setTimeout(r, 1000))
      expect(await subjects()).toEqual(['Written on the train, corrected'])
      // The draft saved before going offline went with the message, not left behind.
      expect(await draftsOnServer()).toBe(0)
    } finally {
      await dave.logout()
    }
  } finally {
    await web.stop()
  }
})

test('a draft deleted while offline leaves the server\'s Drafts when the connection is back', async ({ page }) => {
  const web = await startWebApp({ suggestedServer: serverOf(own), log: () => undefined, pollMs: 500, backoff: { baseMs: 300, maxMs: 2000 } })
  const subject = 'Second thoughts on the train'
  const draftsOnServer = () => supportDrafts(own, subject)
  try {
    await page.goto(web.url)
    await signIn(page, own, 'bob@contoso.test')
    await openFolder(page, 'Contoso Support', 'inbox')
    await page.getByRole('button', { name: 'New message' }).click()
    const dialog = page.getByRole('dialog', { name: 'New message' })
    await dialog.getByLabel('To', { exact: true }).fill('dave@contoso.test')
    await dialog.getByLabel('Subject').fill(subject)
    await dialog.getByLabel('Message text').fill('Maybe not.')
    await expect(dialog.getByRole('status')).toContainText('Draft saved', { timeout: 10_000 })
    expect(await draftsOnServer()).toBe(1)
    await own.pause()
    await expect(page.getByTestId('connection-banner')).toContainText('Offline')
    await dialog.getByRole('button', { name: 'Delete draft' }).click()
    await expect(dialog).toHaveCount(0)
    // The discard is stored to replay (an event, not a pause): then the server comes back.
    await expect.poll(() => queuedTaskKinds(page, 'bob@contoso.test')).toContain('discardDraft')
    await own.resume()
    await expect(page.getByTestId('connection-banner')).toHaveCount(0, { timeout: 30_000 })
    await expect.poll(draftsOnServer, { timeout: 15_000 }).toBe(0)
  } finally {
    await web.stop()
  }
})
