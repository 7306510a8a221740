import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base, _electron, expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'
import { startWebApp, projectRoot } from '../../electron/web/web-app'
import { delegateLoginTemplate, loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { supportInbox } from '../mailstack/demo-mail'
import { passwordOf } from '../mailstack/sessions'
import { attachmentsMail, hostileMail } from './mail-fixtures'
import type { ServerSettings } from '../../shared/domain'

const CONTOSO = join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json')

export function serverOf(stack: MailStack): ServerSettings {
  return {
    imap: { host: stack.host, port: stack.ports.imap, security: 'none' },
    smtp: { host: stack.host, port: stack.ports.submission, security: 'none' },
    delegateLogin: delegateLoginTemplate(stack.org),
    ...(stack.oidc ? { oauth: { issuer: stack.oidc.issuer, clientId: stack.oidc.clientId, scopes: stack.oidc.scopes } } : {}),
  }
}

/** Electron is used when asked for and its binary is really there; otherwise the web host. */
function electronBinary(): string | null {
  if (process.env.TANDEM_E2E_ELECTRON !== '1') return null
  const path = join(projectRoot, 'node_modules', 'electron', 'dist', process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron')
  return existsSync(path) ? path : null
}

interface Fixtures {
  /** The Tandem window, freshly launched, its sign-in form suggesting this worker's stack. */
  app: Page
  /** Every test, whatever else it checks, fails on an error in any of its pages (below). */
  failOnPageError: void
}

/** Uncaught errors and unhandled rejections in the pages of the running test. */
let pageErrors: string[] = []

/** Watches a context's pages for uncaught errors (the test's own, one it opened, Electron's window). */
export function watchPageErrors(context: BrowserContext): void {
  context.on('weberror', (e) => {
    const err = e.error()
    pageErrors.push(`${e.page()?.url().replace(/#.*/, '') ?? 'a page'}: ${err.stack ?? err.message}`)
  })
}

export const test = base.extend<Fixtures, { stack: MailStack }>({
  // Playwright reads a fixture's dependencies from its first parameter's pattern: none here.
  // eslint-disable-next-line no-empty-pattern
  stack: [async ({}, use) => {
    const stack = await startMailStack(await loadOrganisation(CONTOSO))
    await stack.seed('support@contoso.test', 'INBOX', await supportInbox(60, 'Contoso Support <support@contoso.test>'))
    await stack.seed('bob@contoso.test', 'INBOX', [{ raw: hostileMail(), date: new Date() }, { raw: attachmentsMail(), date: new Date(Date.now() - 60_000) }])
    await use(stack)
    await stack.stop()
  }, { scope: 'worker' }],

  app: async ({ page, stack }, use) => {
    await launch(page, stack, use)
  },

  /**
   * A page error is a failure even when every assertion held: an uncaught error or rejection
   * in any page the test opened — through `page`, `browser.newContext()` or Electron — fails it.
   */
  failOnPageError: [async ({ context, browser }, use) => {
    pageErrors = []
    watchPageErrors(context)
    const newContext = browser.newContext
    browser.newContext = async (...args: Parameters<typeof newContext>) => {
      const c = await newContext.apply(browser, args)
      watchPageErrors(c)
      return c
    }
    try {
      await use()
    } finally {
      browser.newContext = newContext
    }
    const seen = pageErrors
    pageErrors = []
    if (seen.length) throw new Error(`${seen.length} error(s) in the page:\n${seen.join('\n')}`)
  }, { auto: true }],
})

/** Opens Tandem on a given stack (tests that stop or change their own stack use this). */
export async function launch(page: Page, stack: MailStack, use: (p: Page) => Promise<void>): Promise<void> {
    const suggestedServer = serverOf(stack)
    const electron = electronBinary()
    if (electron) {
      const userData = await mkdtemp(join(tmpdir(), 'tandem-e2e-'))
      const app = await _electron.launch({
        executablePath: electron,
        args: [join(projectRoot, 'out', 'main', 'main.js'), `--user-data-dir=${userData}`, '--no-sandbox'],
        env: { ...process.env, TANDEM_SUGGESTED_SERVER: JSON.stringify(suggestedServer) },
      })
      watchPageErrors(app.context())
      await use(await app.firstWindow())
      await app.close()
      await rm(userData, { recursive: true, force: true })
      return
    }
    const web = await startWebApp({ suggestedServer, log: () => undefined, pollMs: 500 })
    await page.goto(web.url)
    await use(page)
    await web.stop()
}

/** Signs in through the form. */
export async function signIn(page: Page, stack: MailStack, address: string): Promise<void> {
  await page.getByLabel('E-mail address').fill(address)
  await page.getByLabel('Password').fill(passwordOf(stack, address))
  await page.getByLabel('Password').press('Enter')
  await page.getByTestId('signed-in-as').waitFor()
}

/** Opens a mailbox's folder by role from the sidebar. */
export async function openFolder(page: Page, mailbox: string, role: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Mailboxes' }).getByRole('region', { name: mailbox }).locator(`button[data-role="${role}"]`).click()
}

export { expect } from '@playwright/test'
export { imapSession, memberSession, passwordOf } from '../mailstack/sessions'

/** How many message summaries the page's IndexedDB cache holds for a mailbox (summaries live in blocks). */
export function cachedSummaries(page: Page, address: string, mailboxId: string): Promise<number> {
  return page.evaluate(([address, mailboxId]) => new Promise<number>((resolve, reject) => {
    const open = indexedDB.open(`tandem:${address}`)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const req = open.result.transaction('blocks').objectStore('blocks').index('mailboxId').getAll(mailboxId)
      req.onsuccess = () => { resolve((req.result as { rows: unknown[] }[]).reduce((n, b) => n + b.rows.length, 0)); open.result.close() }
    }
  }), [address, mailboxId] as const)
}

/**
 * The list as single messages (the view toggle; conversations are the default), kept for the
 * window: for tests about messages one by one (per-message triage, exact message counts).
 */
export const showSingleMessages = (page: Page) => choose(page, 'List', 'Single messages')

/**
 * Chooses an option of one of Tandem's selects (AppSelect: a combobox button and a listbox of
 * options, not the browser's select, so `selectOption` does not apply). `within` narrows where
 * the combobox is looked for (a panel, a dialog).
 */
export async function choose(page: Page, name: string | RegExp, optionLabel: string | RegExp, within?: Locator): Promise<void> {
  await (within ?? page).getByRole('combobox', { name }).click()
  await page.getByRole('option', { name: optionLabel, exact: typeof optionLabel === 'string' }).click()
}

/**
 * A person's own Tandem beside another's: a web host of its own (its own service) and a browser
 * context, signed in. Several windows and their services share two cores: signing in may take a while.
 */
export async function person(browser: Browser, stack: MailStack, address: string, prepare?: (page: Page) => Promise<void>): Promise<{ page: Page; stop: () => Promise<void> }> {
  const web = await startWebApp({ suggestedServer: serverOf(stack), log: () => undefined, pollMs: 500 })
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } })
  const page = await context.newPage()
  await prepare?.(page)
  await page.goto(web.url)
  await page.getByLabel('E-mail address').fill(address)
  await page.getByLabel('Password').fill(passwordOf(stack, address))
  await page.getByLabel('Password').press('Enter')
  await expect(page.getByTestId('signed-in-as')).toHaveText(address, { timeout: 30_000 })
  return { page, stop: async () => { await context.close(); await web.stop() } }
}

/**
 * What the services tell their windows, held back while closed: each window's messages (replies
 * and news alike) wait in order and arrive when it opens again. Two members' clicks made while
 * it is closed are made on what each window knew before — a race the test decides, not the
 * machine's load.
 */
export class ServiceNewsGate {
  private held: (() => void)[] | null = null
  /** Sends the page's connection to its service through the gate (before the page loads). */
  route(page: Page): Promise<void> {
    return page.routeWebSocket(/.*/, (ws) => {
      const server = ws.connectToServer()
      ws.onMessage((raw) => server.send(raw))
      server.onMessage((raw) => { if (this.held) this.held.push(() => ws.send(raw)); else ws.send(raw) })
    })
  }
  close(): void { this.held ??= [] }
  open(): void {
    const held = this.held ?? []
    this.held = null
    for (const send of held) send()
  }
}

/** The composer's From picker: a select drawn by Tandem, its chosen identity's id in data-value. */
export const fromPicker = (page: Page) => page.getByRole('dialog', { name: 'New message' }).getByRole('combobox', { name: 'From' })

/** The identities the composer's From picker offers, as the person reads them (it is opened and closed again). */
export async function fromChoices(page: Page): Promise<string[]> {
  const picker = fromPicker(page)
  // The picker's own list (open, in a layer of its own), not the message list behind the composer.
  const options = page.locator('[role="listbox"][data-state="open"]').getByRole('option')
  // A click while the composer is still settling (its first focus) may not open it: again until it shows.
  await expect(async () => {
    if (await picker.getAttribute('aria-expanded') !== 'true') await picker.click()
    await expect(options.first()).toBeVisible({ timeout: 2000 })
  }).toPass({ timeout: 20_000 })
  const texts = (await options.allTextContents()).map((t) => t.trim())
  await page.keyboard.press('Escape')
  await expect(fromPicker(page)).toHaveAttribute('aria-expanded', 'false')
  return texts
}

/** The kinds of the tasks the page's cache holds, queued or waiting (IndexedDB, read by the page itself). */
export function queuedTaskKinds(page: Page, address: string): Promise<string[]> {
  return page.evaluate((address) => new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open(`tandem:${address}`)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const req = open.result.transaction('tasks').objectStore('tasks').getAll()
      req.onsuccess = () => { resolve((req.result as { kind: string }[]).map((t) => t.kind)); open.result.close() }
    }
  }), address)
}

/** Another member's own client, straight to the server (login may be a delegate login). */

/**
 * Desktop notifications allowed for the context and every one the page shows kept (the browser
 * shows none headless): read with `notificationsShown`. Call before the page loads the app.
 */
export async function watchNotifications(context: BrowserContext, page: Page): Promise<void> {
  await context.grantPermissions(['notifications'])
  await page.addInitScript(() => {
    const Real = window.Notification
    const shown: { title: string; body: string; note: Notification }[] = []
    ;(window as unknown as { __shown: typeof shown }).__shown = shown
    window.Notification = class extends Real {
      constructor(title: string, opts?: NotificationOptions) { super(title, opts); shown.push({ title, body: opts?.body ?? '', note: this }) }
    } as typeof Notification
  })
}

/** The notifications the page has shown, oldest first. */
export const notificationsShown = (page: Page): Promise<{ title: string; body: string }[]> =>
  page.evaluate(() => (window as unknown as { __shown: { title: string; body: string }[] }).__shown.map((n) => ({ title: n.title, body: n.body })))

/** The tasks of the page's cache that take \Seen away (stored when the action is taken, kept after they ran). */
export function seenRemovals(page: Page, address: string): Promise<number[][]> {
  return page.evaluate((address) => new Promise<number[][]>((resolve, reject) => {
    const open = indexedDB.open(`tandem:${address}`)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const req = open.result.transaction('tasks').objectStore('tasks').getAll()
      req.onsuccess = () => { resolve((req.result as { kind: string; remove?: string[]; uids?: number[] }[]).filter((t) => t.kind === 'flags' && t.remove?.includes('\\Seen')).map((t) => t.uids ?? [])); open.result.close() }
    }
  }), address)
}
