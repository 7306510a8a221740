import type { Browser, Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { startWebApp, type WebApp } from '../../electron/web/web-app'
import { catalogues, type Locale } from '../../shared/i18n'
import { smallOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { expect, memberSession, passwordOf, serverOf, test } from './fixtures'

/**
 * The window around the mail — top bar, folders, counted views — at the sizes people have: a
 * small laptop (1024×768), a 1280×800 window zoomed to 200 %, a 24 px default font, Dutch. The
 * document never scrolls sideways and New message, the search and Sign out stay reachable;
 * the folders become a drawer and an opened message is read over the list where there is no
 * room for both. Then the sidebar itself: its right-click menus by mouse and keyboard, the
 * counted views against what the list shows, a folder under a drag, axe in light and dark.
 */

const DOMAIN = 'adatum.test'
const LENA = `lena@${DOMAIN}`
const DESK = 'Adatum Customer Service Desk Netherlands'
const ORG = smallOrganisation('Adatum', DOMAIN, {
  people: { lena: 'Lena Fischer', omar: 'Omar Haddad', kim: 'Kim Novak' },
  shared: [{ local: 'servicedesk', name: DESK, members: [{ local: 'lena', sendAs: true }, { local: 'omar', sendAs: true }] }],
  layout: { separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' },
})
const SUBJECTS = ['Printer on fire', 'Refund for order 7', 'Invoice address changed', 'Delivery late again']

const mail = (to: string, subject: string, i: number) => [`From: Kim Novak <kim@${DOMAIN}>`, `To: ${to}`, `Subject: ${subject}`,
  `Date: ${new Date(Date.now() - i * 60_000).toUTCString()}`, `Message-ID: <shell.${i}.${subject.replace(/\W/g, '')}@example.test>`, 'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8', '', 'Hello, could you have a look?', ''].join('\r\n')

let stack: MailStack
let web: WebApp
test.beforeAll(async () => {
  stack = await startMailStack(ORG)
  for (const [i, s] of SUBJECTS.entries()) await stack.deliver(`servicedesk@${DOMAIN}`, mail(`servicedesk@${DOMAIN}`, s, i + 1))
  await stack.deliver(LENA, mail(LENA, 'Team lunch on Friday', 9))
  web = await startWebApp({ suggestedServer: serverOf(stack), log: () => undefined, pollMs: 500 })
})
test.afterAll(async () => { await web?.stop(); await stack?.stop() })

interface Window { name: string; width: number; height: number; scale?: number; fontSize?: number; locale?: Locale; drawer?: boolean; onePane?: boolean }

/** A Tandem window of its own (the web host keeps the first sign-in for the windows after it). */
async function open(browser: Browser, w: Window): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: w.width, height: w.height }, deviceScaleFactor: w.scale ?? 1, locale: w.locale === 'nl' ? 'nl-NL' : 'en-US' })
  const page = await context.newPage()
  if (w.fontSize) {
    // The person's default font size (Chromium's own setting, as chrome://settings/fonts sets it).
    const cdp = await context.newCDPSession(page)
    await cdp.send('Page.enable')
    await cdp.send('Page.setFontSizes', { fontSizes: { standard: w.fontSize, fixed: w.fontSize } })
  }
  await page.goto(web.url)
  const t = catalogues[w.locale ?? 'en']
  await page.getByLabel(t.signIn.address).or(page.getByTestId('signed-in-as')).first().waitFor()
  if (await page.getByLabel(t.signIn.address).count()) {
    await page.getByLabel(t.signIn.address).fill(LENA)
    await page.getByLabel(t.signIn.password).fill(passwordOf(stack, LENA))
    await page.getByLabel(t.signIn.password).press('Enter')
  }
  await expect(page.getByTestId('signed-in-as')).toHaveText(LENA, { timeout: 30_000 })
  return page
}

async function noSideways(page: Page, where: string): Promise<void> {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])
  expect(scroll, `the document scrolls sideways: ${where}`).toBeLessThanOrEqual(inner)
}

const WINDOWS: Window[] = [
  { name: '1024×768', width: 1024, height: 768 },
  // Browser zoom at 200 % halves the CSS viewport and doubles the device pixel ratio: a 1280×800
  // window shows 640×400 CSS px (what Chromium reports as innerWidth then). Layout, media
  // queries and rem sizes see exactly that; a page scale factor (pinch zoom) would not reflow.
  { name: '1280×800 at 200 %', width: 640, height: 400, scale: 2, drawer: true, onePane: true },
  { name: '1024×768, 24 px default font', width: 1024, height: 768, fontSize: 24, drawer: true },
  { name: '1024×768 in Dutch', width: 1024, height: 768, locale: 'nl' },
]

test('any window: nothing sideways, New message, search and Sign out reachable, folders as a drawer, the message over the list', async ({ browser }) => {
  test.setTimeout(360_000)
  for (const w of WINDOWS) {
    const t = catalogues[w.locale ?? 'en']
    const page = await open(browser, w)
    if (w.fontSize) expect(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize)).toBe(`${w.fontSize}px`)
    await noSideways(page, w.name)
    await expect(page.getByRole('button', { name: t.shell.newMessage, exact: true }), w.name).toBeInViewport()
    await expect(page.getByRole('searchbox', { name: t.search.label }), w.name).toBeInViewport()
    await expect(page.getByRole('combobox', { name: t.search.scope }), w.name).toBeInViewport()
    // Sign out: one click away, in the account menu (with Settings).
    await page.getByTestId('account-menu').click()
    await expect(page.getByRole('menuitem', { name: t.shell.settings }), w.name).toBeInViewport()
    await expect(page.getByRole('menuitem', { name: t.shell.signOut }), w.name).toBeInViewport()
    await page.keyboard.press('Escape')
    await expect(page.getByRole('menuitem', { name: t.shell.signOut })).toHaveCount(0)

    const sidebar = page.getByRole('navigation', { name: t.sidebar.mailboxes })
    const desk = sidebar.getByRole('region', { name: DESK })
    const toggle = page.getByRole('button', { name: t.shell.folders, exact: true })
    if (w.drawer) {
      // The folders are a drawer: Esc, a click beside it and choosing a folder close it.
      await expect(sidebar).toBeHidden()
      await toggle.click()
      await expect(toggle).toHaveAttribute('aria-expanded', 'true')
      await desk.locator('button[data-role="inbox"]').scrollIntoViewIfNeeded()
      await expect(desk.locator('button[data-role="inbox"]')).toBeInViewport()
      await noSideways(page, `${w.name}, drawer open`)
      await page.keyboard.press('Escape')
      await expect(sidebar).toBeHidden()
      await expect(toggle).toBeFocused()
      await toggle.click()
      const box = page.viewportSize()!
      await page.getByTestId('drawer-backdrop').click({ position: { x: box.width - 5, y: box.height - 5 } })
      await expect(sidebar).toBeHidden()
      await toggle.click()
      await desk.locator('button[data-role="inbox"]').click()
      await expect(sidebar).toBeHidden()
    } else {
      await expect(toggle).toBeHidden()
      await expect(sidebar).toBeInViewport()
      // A long name is cut short with the whole of it on hover.
      const name = desk.locator('.mailbox-name')
      await expect(name).toHaveAttribute('title', new RegExp(`^${DESK}`))
      await desk.locator('button[data-role="inbox"]').click()
    }
    await expect(page.getByRole('main', { name: t.shell.messagesPane })).toContainText(DESK)
    await page.getByRole('listbox', { name: t.list.label }).locator('.row').first().click()
    await expect(page.locator('.shell')).toHaveAttribute('data-reading', 'true')
    await expect(page.getByRole('complementary', { name: t.reader.pane })).toBeInViewport()
    if (w.onePane) await expect(page.getByRole('main', { name: t.shell.messagesPane })).toBeHidden()
    else await expect(page.getByRole('main', { name: t.shell.messagesPane })).toBeInViewport()
    await noSideways(page, `${w.name}, a message open`)
    await page.context().close()
  }
})

/** The reader's status control, a native select or a listbox of options. */
async function setStatus(page: Page, label: string): Promise<void> {
  const status = page.getByTestId('team-status')
  if (await status.evaluate((e) => e.tagName === 'SELECT')) await status.selectOption({ label })
  else { await status.click(); await page.getByRole('option', { name: label, exact: true }).click() }
}

async function axe(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include('.topbar').include('.sidebar').include('[role="menu"]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).options({ iframes: false }).analyze()
  expect.soft(results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), `axe on ${where}`).toEqual([])
  expect.soft(results.incomplete.filter((v) => v.id === 'color-contrast').map((v) => v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')), `contrast axe could not tell on ${where}`).toEqual([])
}

test('the sidebar: right-click and keyboard menus, counted views that match the list, a folder under a drag, axe in light and dark', async ({ browser }) => {
  test.setTimeout(360_000)
  const page = await open(browser, { name: 'wide', width: 1440, height: 900 })
  const t = catalogues.en
  const sidebar = page.getByRole('navigation', { name: t.sidebar.mailboxes })
  const own = sidebar.getByRole('region', { name: LENA })
  const desk = sidebar.getByRole('region', { name: DESK })
  const list = page.getByRole('listbox', { name: t.list.label })
  const row = (subject: string) => list.locator('.row', { hasText: subject })
  // Every folder shows the icon of its role.
  for (const role of ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash']) await expect(own.locator(`button[data-role="${role}"] svg`)).toHaveCount(1)

  // Counted views: every conversation of the shared Inbox is unassigned at first.
  const count = (view: string) => desk.getByTestId(`view-count-${view}`)
  await desk.locator('button[data-role="inbox"]').click()
  await expect(row(SUBJECTS[0]!)).toBeVisible()
  await expect(count('unassigned')).toHaveText(String(SUBJECTS.length))
  await expect(count('mine')).toHaveText('0')
  await expect(count('waiting')).toHaveText('0')
  // Lena takes one (m: the team store's claim) and puts another on Waiting in the reader.
  await row(SUBJECTS[0]!).click()
  await page.keyboard.press('m')
  await expect(count('mine')).toHaveText('1', { timeout: 15_000 })
  await expect(count('unassigned')).toHaveText(String(SUBJECTS.length - 1))
  await row(SUBJECTS[1]!).click()
  await setStatus(page, t.team.status.waiting)
  await expect(count('waiting')).toHaveText('1', { timeout: 15_000 })
  // Each view, chosen from another mailbox's folder too, shows as many rows as it counts.
  await own.locator('button[data-role="inbox"]').click()
  await expect(row('Team lunch on Friday')).toBeVisible()
  const views: [string, string, string, string][] = [
    ['mine', t.sidebar.viewMine, SUBJECTS[0]!, SUBJECTS[1]!],
    ['waiting', t.sidebar.viewWaiting, SUBJECTS[1]!, SUBJECTS[0]!],
    ['unassigned', t.sidebar.viewUnassigned, SUBJECTS[1]!, SUBJECTS[0]!],
  ]
  for (const [view, label, shown, hidden] of views) {
    const n = (await count(view).textContent())!
    const button = desk.getByRole('button', { name: new RegExp(`^${label}`) })
    await button.click()
    await expect(button).toHaveAttribute('aria-current', 'true')
    await expect(page.getByTestId('list-count')).toHaveText(new RegExp(`^${n}\\D`))
    await expect(row(shown)).toBeVisible()
    await expect(row(hidden)).toHaveCount(0)
  }

  // A folder under a drag is highlighted, and only while the drag is over it.
  const archive = desk.locator('button[data-role="archive"]')
  await row(SUBJECTS[1]!).hover()
  await page.mouse.down()
  await archive.hover()
  await archive.hover({ position: { x: 12, y: 6 } })
  await expect(archive).toHaveAttribute('data-drop-target', 'true')
  await list.hover()
  await expect(archive).not.toHaveAttribute('data-drop-target')
  await page.mouse.up()
  await expect(row(SUBJECTS[1]!)).toBeVisible()

  // Right click on the shared Inbox: mark all as read — on the server too.
  await desk.locator('button[data-role="inbox"]').click({ button: 'right' })
  const menu = page.getByRole('menu')
  // The Inbox is kept offline by default (the last days of Inbox and Sent): the menu offers to stop.
  await expect(menu.getByRole('menuitem')).toHaveText([t.sidebar.open, t.sidebar.markAllRead, t.sidebar.stopOffline])
  await menu.getByRole('menuitem', { name: t.sidebar.markAllRead }).click()
  await expect(desk.locator('button[data-role="inbox"] .count')).toHaveCount(0, { timeout: 15_000 })
  const imap = await memberSession(stack, LENA, `servicedesk@${DOMAIN}`)
  try {
    await expect.poll(async () => { await imap.mailboxOpen('INBOX'); return (await imap.search({ seen: false }, { uid: true })) || [] }, { timeout: 15_000 }).toEqual([])
  } finally { await imap.logout() }

  // From the keyboard: Shift+F10 and the menu key on the focused folder.
  const ownArchive = own.locator('button[data-role="archive"]')
  await ownArchive.focus()
  await page.keyboard.press('Shift+F10')
  await expect(page.getByRole('menu', { name: `Actions for ${t.folders.archive}` })).toBeVisible()
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown')
  const offlineItem = page.getByRole('menuitem', { name: /offline/ })
  await expect(offlineItem).toBeFocused()
  const kept = (await offlineItem.textContent())!.trim() === t.sidebar.stopOffline
  await page.keyboard.press('Enter')
  await expect(page.getByRole('menu')).toHaveCount(0)
  await ownArchive.focus()
  await page.keyboard.press('ContextMenu')
  await expect(page.getByRole('menuitem', { name: /offline/ })).toHaveText(kept ? t.sidebar.keepOffline : t.sidebar.stopOffline)
  await page.keyboard.press('Escape')
  await expect(page.getByRole('menu')).toHaveCount(0)

  // The mailbox's menu: notifications off, and the bell says so.
  await desk.locator('.mailbox-header').click({ button: 'right' })
  await page.getByRole('menuitem', { name: t.sidebar.mute }).click()
  await expect(desk.getByRole('button', { name: t.sidebar.notify.replace('{mailbox}', DESK) })).toHaveAttribute('aria-pressed', 'false')

  // axe on the top bar, the sidebar and their menus, in light and in dark.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    await axe(page, `the shell (${colorScheme})`)
    await page.getByTestId('account-menu').click()
    await expect(page.getByRole('menu')).toBeVisible()
    await axe(page, `the account menu (${colorScheme})`)
    await page.keyboard.press('Escape')
    await desk.locator('button[data-role="inbox"]').click({ button: 'right' })
    await expect(page.getByRole('menu')).toBeVisible()
    await axe(page, `a folder's menu (${colorScheme})`)
    await page.keyboard.press('Escape')
  }
  await page.context().close()
})
