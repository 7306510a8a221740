import AxeBuilder from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { supportInbox } from '../mailstack/demo-mail'
import type { MailStack } from '../mailstack/stack'
import { test, expect, choose, memberSession, openFolder, signIn } from './fixtures'

/**
 * The list and the reader as people use them all day: a row's quick actions on hover and from the
 * keyboard, its right-click menu (also by Shift+F10), each action seen by an independent IMAP
 * session; the reader's toolbar complete at 1024×768; an empty filter that says so and clears;
 * a first sync that shows its progress, never "nothing here"; axe in light and dark.
 */
const SUBJECTS = ['Quick hover flag', 'Quick keyboard archive', 'Menu right click', 'Menu keyboard archive'] as const
const customer = (subject: string, i: number) => ({
  raw: [`From: Ana García <ana.garcia@customers.example>`, 'To: Contoso Support <support@contoso.test>', `Subject: ${subject}`,
    `Date: ${new Date(Date.now() - i * 60_000).toUTCString()}`, `Message-ID: <face-list-${i}@customers.example>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', `${subject}: please have a look.`, ''].join('\r\n'),
  date: new Date(Date.now() - i * 60_000),
})

const list = (p: Page) => p.getByRole('listbox', { name: 'Message list' })
const row = (p: Page, subject: string) => list(p).getByRole('option').filter({ hasText: subject })

/** Where a message with this subject is on the server and its flags, as another member's own client sees it. */
async function onServer(stack: MailStack, subject: string): Promise<{ folder: string; flags: string[] }[]> {
  const c = await memberSession(stack, 'alice@contoso.test', 'support@contoso.test')
  try {
    const out: { folder: string; flags: string[] }[] = []
    for (const folder of ['INBOX', stack.org.folders.archive]) {
      await c.mailboxOpen(folder, { readOnly: true })
      const uids = (await c.search({ subject }, { uid: true })) || []
      for (const uid of uids) {
        const m = await c.fetchOne(String(uid), { flags: true }, { uid: true })
        if (m) out.push({ folder, flags: [...m.flags!].filter((f) => f === '\\Flagged' || f === '\\Seen').sort() })
      }
    }
    return out
  } finally {
    await c.logout().catch(() => undefined)
  }
}
const flaggedOn = async (stack: MailStack, subject: string) => (await onServer(stack, subject)).map((x) => `${x.folder}:${x.flags.includes('\\Flagged')}`)
const foldersOf = async (stack: MailStack, subject: string) => (await onServer(stack, subject)).map((x) => x.folder)

/** axe with colour contrast on: no violation of any impact, and no contrast left undecided. */
async function axe(page: Page, what: string): Promise<void> {
  await page.mouse.move(1, 1)
  await page.waitForTimeout(150)
  // The mail is in sandboxed frames without scripts, where axe cannot run: axe runs on the page
  // alone, in one pass (its finishing step in a page of its own hung here with the frames open).
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).exclude('iframe').options({ iframes: false }).setLegacyMode(true).analyze()
  const show = (rs: typeof results.violations) => rs.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`)
  expect.soft(show(results.violations), `axe on ${what}`).toEqual([])
  expect.soft(show(results.incomplete.filter((v) => v.id === 'color-contrast')), `undecided contrast on ${what}`).toEqual([])
}

/** The element is fully inside the window (not cut off at its right or bottom edge). */
async function inWindow(page: Page, el: Locator): Promise<boolean> {
  const box = await el.boundingBox()
  const size = page.viewportSize()!
  return !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height
}

test.describe('the list and the reader', () => {
  test('quick actions and the row menu by mouse and keyboard, the toolbar at 1024×768, an empty filter, the first sync\'s progress, axe in both themes', async ({ app, stack }) => {
    test.setTimeout(420_000)
    await stack.seed('support@contoso.test', 'INBOX', SUBJECTS.map((s, i) => customer(s, i + 1)))
    // A big folder of bob's own that no sync has touched: its first sync must say it is on its way.
    await stack.seed('bob@contoso.test', 'Projects', await supportInbox(1500, 'Bob Baker <bob@contoso.test>', 11))
    // Everything the list says when it has no rows, and every count it shows, from the first paint on.
    await app.addInitScript(() => {
      const seen: string[] = []
      ;(window as unknown as { listSaid: string[] }).listSaid = seen
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-testid="list-empty"], [data-testid="list-count"]')) {
          const said = `${el.getAttribute('data-kind') ?? 'count'}: ${el.textContent?.trim()} [${document.querySelector('.pane-title')?.textContent}]`
          if (seen.at(-1) !== said) seen.push(said)
        }
      }).observe(document, { subtree: true, childList: true, characterData: true })
    })
    await app.reload()
    await signIn(app, stack, 'bob@contoso.test')

    // The first sync of a big folder: progress, never "nothing here" nor "0 messages".
    await app.getByRole('navigation', { name: 'Mailboxes' }).getByRole('button', { name: /^Projects\b/ }).click()
    await expect(list(app).getByRole('option').first()).toBeVisible({ timeout: 60_000 })
    await expect(app.getByTestId('list-count')).toContainText(/conversation|message/)
    const said = await app.evaluate(() => (window as unknown as { listSaid: string[] }).listSaid)
    expect(said.filter((s) => s.startsWith('first-sync'))).not.toEqual([])
    expect(said.filter((s) => s.startsWith('empty') || /^count: 0 /.test(s))).toEqual([])

    await openFolder(app, 'Contoso Support', 'inbox')
    await expect(row(app, SUBJECTS[0])).toBeVisible({ timeout: 30_000 })

    // Hover: the row's quick actions; Flag is on the server for every member.
    await row(app, SUBJECTS[0]).hover()
    const quick = app.getByRole('toolbar', { name: `Actions for ${SUBJECTS[0]}` })
    await expect(quick.getByRole('button', { name: 'Archive' })).toBeVisible()
    await expect(quick.getByRole('button', { name: 'Delete' })).toBeVisible()
    await expect(quick.getByRole('button', { name: /^Mark (read|unread)$/ })).toBeVisible()
    await quick.getByRole('button', { name: 'Flag' }).click()
    await expect.poll(() => flaggedOn(stack, SUBJECTS[0]), { timeout: 20_000 }).toEqual(['INBOX:true'])
    await expect(row(app, SUBJECTS[0]).getByTitle('Flagged')).toBeVisible()

    // Keyboard: the focused row's quick actions are the next stop after the list; Archive moves it.
    await row(app, SUBJECTS[1]).click()
    await app.mouse.move(1, 1)
    await list(app).focus()
    await app.keyboard.press('Tab')
    const keyQuick = app.getByRole('toolbar', { name: `Actions for ${SUBJECTS[1]}` })
    await expect(keyQuick.getByRole('button', { name: 'Archive' })).toBeFocused()
    await app.keyboard.press('Enter')
    await expect(row(app, SUBJECTS[1])).toHaveCount(0)
    await expect.poll(() => foldersOf(stack, SUBJECTS[1]), { timeout: 20_000 }).toEqual([stack.org.folders.archive])
    await expect(list(app)).toBeFocused()

    // Right click: the row's menu with the shortcuts; Flag from it.
    await row(app, SUBJECTS[2]).click({ button: 'right' })
    const menu = app.getByRole('menu', { name: 'Message actions' })
    await expect(menu.getByRole('menuitem', { name: /Archive/ })).toContainText('E')
    await expect(menu.getByRole('menuitem', { name: /Reply all/ })).toContainText('A')
    await menu.getByRole('menuitem', { name: /^Flag/ }).click()
    await expect(menu).toHaveCount(0)
    await expect.poll(() => flaggedOn(stack, SUBJECTS[2]), { timeout: 20_000 }).toEqual(['INBOX:true'])

    // Keyboard: Shift+F10 on the focused row opens the same menu; the arrows and Enter archive it.
    await row(app, SUBJECTS[3]).click()
    await list(app).focus()
    await app.keyboard.press('Shift+F10')
    await expect(menu).toBeVisible()
    const archiveItem = menu.getByRole('menuitem', { name: /Archive/ })
    for (let i = 0; i < 8 && !(await archiveItem.evaluate((el) => el === document.activeElement)); i++) await app.keyboard.press('ArrowDown')
    await expect(archiveItem).toBeFocused()
    await app.keyboard.press('Enter')
    await expect(row(app, SUBJECTS[3])).toHaveCount(0)
    await expect.poll(() => foldersOf(stack, SUBJECTS[3]), { timeout: 20_000 }).toEqual([stack.org.folders.archive])

    // The reader's toolbar at 1024×768: every action on screen, or in More.
    await app.setViewportSize({ width: 1024, height: 768 })
    await row(app, SUBJECTS[2]).click()
    const toolbar = app.getByRole('toolbar', { name: 'Message actions' })
    const names = ['Reply', 'Reply all', 'Forward', 'Archive', 'Delete', 'Move to folder', /^Mark (read|unread)$/, /^(Flag|Remove flag)$/]
    const inMore: (string | RegExp)[] = []
    for (const name of names) {
      const button = toolbar.getByRole('button', { name, exact: true })
      if (await button.count()) expect(await inWindow(app, button), `${name} on screen`).toBe(true)
      else inMore.push(name)
    }
    if (inMore.length) {
      await toolbar.getByRole('button', { name: 'More actions' }).click()
      for (const name of inMore) await expect(app.getByRole('menu', { name: 'More actions' }).getByRole('menuitem', { name })).toBeVisible()
      await app.keyboard.press('Escape')
    }
    await toolbar.getByRole('button', { name: 'Move to folder' }).click()
    await expect(app.getByRole('menu', { name: 'Move to folder' }).getByRole('menuitem', { name: 'Archive', exact: true })).toBeVisible()
    await app.keyboard.press('Escape')

    // axe on the list and the reader (a conversation with its team panel), light and dark.
    await app.setViewportSize({ width: 1440, height: 900 })
    for (const colorScheme of ['light', 'dark'] as const) {
      await app.emulateMedia({ colorScheme })
      await axe(app, `list and reader (${colorScheme})`)
    }
    await app.emulateMedia({ colorScheme: 'light' })

    // An empty filter says so in the middle of the list, and clears.
    await choose(app, 'Show', 'Assigned to me')
    const empty = app.getByTestId('list-empty')
    await expect(empty).toContainText('No conversations match this filter.')
    await empty.getByRole('button', { name: 'Show all conversations' }).click()
    await expect(row(app, SUBJECTS[0])).toBeVisible()
    await expect(app.getByRole('combobox', { name: 'Show' })).toHaveText('All conversations')
  })
})
