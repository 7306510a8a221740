import AxeBuilder from '@axe-core/playwright'
import type { Browser, Page } from '@playwright/test'
import { randomUUID } from 'node:crypto'
import { recordMessage } from '../../electron/service/operations/team'
import { conversationIdFromRoot } from '../../shared/conversation'
import { imapSession } from '../mailstack/sessions'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { test, expect, notificationsShown, passwordOf, person, watchNotifications } from './fixtures'

/**
 * @mentions in internal notes (docs/team-state.md, "Mentions"): Lars mentions Mei in a note on a
 * shared conversation through the `@` suggestions; Mei's Tandem (another window, its own service)
 * shows a desktop notification and lists it in Mentions, which opens the conversation with the
 * note in view. A mention already there when Mei's device first read the folder is listed, not
 * notified; Lars (the author) gets nothing (a member not named: test/integration/team-mentions).
 * Reply and forward never
 * quote a note. Notifications are read as notifications.spec.ts reads them: the page's
 * Notification wrapped (the real one still shows), the permission granted.
 */
const DOMAIN = 'fourthcoffee.test'
const ORG = smallOrganisation('Fourth Coffee', DOMAIN, {
  // The customer has a mailbox here too: the test stack delivers only inside the organisation.
  people: { lars: 'Lars Visser', mei: 'Mei Chen', kees: 'Kees Bakker', ana: 'Ana García' },
  shared: [{ local: 'helpdesk', name: 'Coffee Helpdesk', members: [{ local: 'lars', sendAs: true }, { local: 'mei' }, { local: 'kees' }] }],
  layout: { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' },
})
const DESK = 'Coffee Helpdesk'
const at = (local: string) => `${local}@${DOMAIN}`

/** A member's own Tandem with desktop notifications allowed and observed, on the shared Inbox. */
async function member(browser: Browser, stack: MailStack, address: string, prepare?: (page: Page) => Promise<void>): Promise<{ page: Page; stop: () => Promise<void> }> {
  const m = await person(browser, stack, address, async (page) => { await watchNotifications(page.context(), page); await prepare?.(page) })
  await m.page.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: DESK }).locator('button[data-role="inbox"]').click()
  return m
}

/**
 * A window whose notes marked OUTSIDE reach the service with a mention of someone outside the
 * organisation added on the way — as a window that missed an address would send them — so the
 * real service refuses them (R7). Every other message passes through unchanged.
 */
async function refusingOutsideNotes(page: Page): Promise<void> {
  await page.routeWebSocket(/.*/, (ws) => {
    const server = ws.connectToServer()
    ws.onMessage((raw) => {
      const m = typeof raw === 'string' ? JSON.parse(raw) as { name?: string; input?: { action?: { kind?: string; text?: string } } } : null
      const action = m?.name === 'team.record' ? m.input?.action : undefined
      if (action?.kind === 'note' && action.text?.includes('OUTSIDE')) { action.text += ' @someone@elsewhere.example'; server.send(JSON.stringify(m)) }
      else server.send(raw)
    })
    server.onMessage((raw) => ws.send(raw))
  })
}

const shown = async (page: Page) => (await notificationsShown(page)).map((n) => `${n.title} | ${n.body}`)
const mentionTitles = async (page: Page) => (await shown(page)).filter((t) => t.includes('mentioned you') || t.includes('new mentions'))

/** axe on what is open now (WCAG 2.1 AA), light and dark, iframes left out. */
async function axe(page: Page, include: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    const r = await new AxeBuilder({ page }).include(include).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).exclude('iframe').options({ iframes: false }).setLegacyMode(true).analyze()
    expect(r.violations.map((v) => `${colorScheme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

test.describe('mentions in internal notes', () => {
  let stack: MailStack
  test.beforeAll(async () => {
    stack = await startMailStack(ORG)
    const messageId = `<grinder.${Date.now()}@example.test>`
    await stack.deliver(at('helpdesk'), [`From: Ana García <${at('ana')}>`, `To: Helpdesk <${at('helpdesk')}>`, 'Subject: Grinder makes a noise',
      `Date: ${new Date().toUTCString()}`, `Message-ID: ${messageId}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Please help.', ''].join('\r\n'))
    // A first mention of Mei, there before her device ever reads the folder (Lars's record, appended as his Tandem would).
    const bare = await imapSession(stack, at('lars'), passwordOf(stack, at('lars')))
    try {
      const record = { v: 1 as const, id: randomUUID(), conv: conversationIdFromRoot(`m:${messageId}`), at: Date.now(), by: at('lars'), action: { kind: 'note' as const, note: randomUUID(), text: `@${at('mei')} earlier: the customer called once already.` } }
      await bare.append(`shared/${at('helpdesk')}/Tandem Team`, await recordMessage(record, 'Lars Visser', 'Lars Visser wrote an internal note', 'x'), ['\\Seen'])
    } finally { await bare.logout() }
  })
  test.afterAll(async () => { await stack?.stop() })

  test('Lars mentions Mei through the @ suggestions: only Mei is notified, her Mentions view opens the conversation at the note; notes are never quoted', async ({ browser }) => {
    // Two windows, two services and a mail server on two shared cores: a walk, never a race against time.
    test.setTimeout(120_000)
    const row = (p: Page) => p.getByRole('listbox', { name: 'Message list' }).locator('.row', { hasText: 'Grinder makes a noise' })
    const [lars, mei] = await Promise.all([member(browser, stack, at('lars'), refusingOutsideNotes), member(browser, stack, at('mei'))])
    try {
      // The mention already there when Mei's device first read the folder: listed for her, not notified.
      await expect(mei.page.getByTestId('mentions-unread')).toHaveText(/^1\s*unread$/, { timeout: 20_000 })
      await row(lars.page).click()
      await expect(lars.page.getByTestId('team-note').getByTestId('mention-chip')).toHaveText(`@${at('mei')}`, { timeout: 15_000 })
      const field = lars.page.getByLabel('Internal note for the team')

      // The @ suggestions: the members in the directory entry's order (never the person), filtered as Lars types; arrows move, Enter picks.
      await field.click()
      await field.pressSequentially('Can you call her, @')
      const list = lars.page.getByTestId('mention-suggestions')
      await expect(list.getByRole('option')).toHaveText([at('mei'), at('kees')])
      await field.press('ArrowDown')
      await expect(field).toHaveAttribute('aria-activedescendant', 'team-note-mentions-option-1')
      await expect(list.getByRole('option', { selected: true })).toHaveText(at('kees'))
      await field.press('ArrowUp')
      await expect(field).toHaveAttribute('aria-activedescendant', 'team-note-mentions-option-0')
      await field.pressSequentially('m')
      await expect(list.getByRole('option')).toHaveText([at('mei')])
      await expect(field).toHaveAttribute('aria-activedescendant', 'team-note-mentions-option-0')
      await axe(lars.page, '.team-panel')
      // Esc closes only the list; typing again at the @ does not bring it back until the @ is typed anew.
      await field.press('Escape')
      await expect(list).toHaveCount(0)
      await expect(lars.page.getByTestId('team-panel')).toBeVisible()
      await field.press('Backspace')
      await field.pressSequentially('m')
      await field.press('Backspace')
      await field.press('Backspace')
      await field.pressSequentially('@me')
      await expect(list.getByRole('option')).toHaveText([at('mei')])
      await field.press('Enter')
      await expect(field).toHaveValue(`Can you call her, @${at('mei')} `)
      await expect(lars.page.getByTestId('mention-written')).toHaveText(`@${at('mei')}`)
      await field.pressSequentially('about the grinder?')
      await lars.page.getByRole('button', { name: 'Add note' }).click()
      await expect(lars.page.getByTestId('team-note')).toHaveCount(2, { timeout: 15_000 })

      // Mei: one notification (the new mention), and the view lists both, newest first.
      await expect.poll(() => mentionTitles(mei.page), { timeout: 20_000 }).toEqual([`${at('lars')} (unconfirmed) mentioned you in ${DESK} | Can you call her, @${at('mei')} about the grinder?`])
      await expect(mei.page.getByTestId('mentions-unread')).toHaveText(/^2\s*unread$/)
      await mei.page.getByTestId('mentions-link').click()
      const view = mei.page.getByRole('dialog', { name: 'Mentions' })
      await expect(view.getByTestId('mention')).toHaveCount(2)
      await expect(view.getByTestId('mention').first()).toContainText('about the grinder?')
      await expect(view.getByTestId('mention').first()).toContainText(`${at('lars')} (unconfirmed) mentioned you in ${DESK}`)
      await expect(view.getByTestId('mention').last()).toContainText('the customer called once already')
      await axe(mei.page, '[role="dialog"]')
      // Opening one opens the conversation, with the note in view; it is read now.
      await view.getByTestId('mention').first().getByRole('button').click()
      await expect(view).toHaveCount(0)
      await expect(mei.page.locator('.reader .subject')).toHaveText('Grinder makes a noise', { timeout: 15_000 })
      const theNote = mei.page.getByTestId('team-note').filter({ hasText: 'about the grinder?' })
      await expect(theNote).toBeInViewport()
      await expect(theNote.getByTestId('mention-chip')).toHaveAttribute('data-me', 'true')
      await expect(mei.page.getByTestId('mentions-unread')).toHaveText(/^1\s*unread$/)
      // Read is kept on the device (IndexedDB).
      const readRows = () => mei.page.evaluate((address) => new Promise<number>((resolve) => {
        const open = indexedDB.open(`tandem:${address}`)
        open.onsuccess = () => { const r = open.result.transaction('mentions').objectStore('mentions').getAll(); r.onsuccess = () => { resolve((r.result as { read: number }[]).filter((m) => m.read).length); open.result.close() } }
      }), at('mei'))
      await expect.poll(readRows).toBe(1)

      // Lars, the author, was told nothing; nor has he a mention.
      expect(await mentionTitles(lars.page)).toEqual([])
      await expect(lars.page.getByTestId('mentions-unread')).toHaveText(/^0\s*unread$/)

      // A note the service refuses is not lost: its text comes back to the field, and the window says so.
      await row(lars.page).click()
      await field.fill('OUTSIDE: ask the supplier about the burr set.')
      await lars.page.getByRole('button', { name: 'Add note' }).click()
      await expect(lars.page.getByTestId('mention-error')).toHaveText('The note was not added: its text is back in the field. Change it and add it again.', { timeout: 15_000 })
      await expect(field).toHaveValue('OUTSIDE: ask the supplier about the burr set.')
      await expect(lars.page.getByTestId('team-note')).toHaveCount(2)

      // Notes are never in outgoing mail: neither a reply nor a forward quotes them.
      for (const key of ['r', 'f']) {
        await row(lars.page).click()
        await lars.page.keyboard.press(key)
        const compose = lars.page.getByRole('dialog')
        await expect(compose.getByLabel('Message text')).toHaveValue(/Please help\./)
        await expect(compose.getByLabel('Message text')).not.toHaveValue(/grinder\?|called once|@mei/)
        await compose.getByRole('button', { name: 'Delete draft' }).click()
        await expect(compose).toHaveCount(0)
      }
    } finally {
      await Promise.all([lars.stop(), mei.stop()])
    }
  })
})
