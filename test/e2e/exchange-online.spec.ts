import type { BrowserContext, Page } from '@playwright/test'
import { test, expect, choose, fromPicker, launch, memberSession, openFolder } from './fixtures'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { projectRoot } from '../../electron/web/web-app'
import { join } from 'node:path'
import { recordOf, TEAM_FOLDER } from '../../electron/service/operations/team'

/**
 * Tandem on the Exchange Online-shaped organisation (Northwind: tokens only, no shared
 * namespace, no SPECIAL-USE, ACL, QUOTA, METADATA or CONDSTORE, 4 096-octet command lines, the
 * server's own Sent copies): Maria signs in through the organisation's provider, opens the shared
 * Orders mailbox by its address, reads and triages it, claims a conversation and writes a note,
 * replies as it (Send As, which the server checks; On Behalf is never acted on where nothing checks it), and keeps working while the server is away (a flag and a team snooze, replayed once when it is back).
 */
const D = 'northwind.test'

let stack: MailStack
test.beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'northwind-exchange.json')))
  const mail = (n: number, subject: string) => ({
    raw: [`From: Hanna Moos <hanna@${D}>`, `To: Northwind Orders <orders@${D}>`, `Subject: ${subject}`, `Message-ID: <order-${n}@example.test>`,
      `Date: ${new Date(Date.now() - n * 60_000).toUTCString()}`, '', `About ${subject.toLowerCase()}: where is it?`, ''].join('\r\n'),
    date: new Date(Date.now() - n * 60_000),
  })
  await stack.seed(`orders@${D}`, 'INBOX', [mail(1, 'Teapot order 10248'), mail(2, 'Chai order 10249'), mail(3, 'Tofu order 10250')])
})
test.afterAll(async () => { await stack?.stop() })

/** What Maria's colleague's own client sees in the Orders mailbox. */
async function inOrders<T>(folder: string, look: (c: Awaited<ReturnType<typeof memberSession>>) => Promise<T>): Promise<T> {
  const c = await memberSession(stack, `maria@${D}`, `orders@${D}`)
  try {
    await c.mailboxOpen(folder, { readOnly: true })
    return await look(c)
  } finally {
    await c.logout()
  }
}
const subjects = async (c: Awaited<ReturnType<typeof memberSession>>, query: object) => {
  const uids = (await c.search(query, { uid: true })) || []
  const out: string[] = []
  if (uids.length) for await (const m of c.fetch(uids.join(','), { envelope: true }, { uid: true })) out.push(m.envelope?.subject ?? '')
  return out.sort()
}

/** Main's question, answered on its own page (never in Tandem's window), as the person does. */
async function answerOnConfirmPage(app: Page, context: BrowserContext, title: RegExp, accept: string): Promise<void> {
  const banner = app.getByTestId('confirm-waiting')
  await expect(banner).toBeVisible({ timeout: 15_000 })
  const [confirm] = await Promise.all([context.waitForEvent('page'), banner.getByRole('link', { name: 'Open the confirmation page' }).click()])
  await expect(confirm.getByRole('heading', { name: title })).toBeVisible()
  await confirm.getByRole('button', { name: accept }).click()
  await expect(confirm.getByRole('status')).toContainText('Your answer went to Tandem')
  await confirm.close()
}

test('signs in with the provider, opens a shared mailbox by address, triages, claims, notes, replies as the mailbox, works offline', async ({ page, context }) => {
  test.setTimeout(150_000)
  await launch(page, stack, async (app) => {
    // Sign-in: the organisation's own page in a browser tab, tokens from then on.
    await app.getByLabel('E-mail address').fill(`maria@${D}`)
    const [tab] = await Promise.all([context.waitForEvent('page'), app.getByRole('button', { name: /^Sign in with 127\.0\.0\.1:\d+$/ }).click()])
    await tab.getByLabel('Email').fill(`maria@${D}`)
    await tab.getByLabel('Password').fill(`maria-pass-1`)
    await tab.getByRole('button', { name: 'Sign in' }).click()
    // The provider is no built-in one: main asks Maria, on its own page, before her token goes to these servers.
    await answerOnConfirmPage(app, context, /Use your 127\.0\.0\.1:\d+ sign-in at these servers\?/, 'Use these servers')
    await expect(app.getByTestId('signed-in-as')).toContainText(`maria@${D}`)
    const sidebar = app.getByRole('navigation', { name: 'Mailboxes' })
    // No shared namespace: the server lists no shared mailbox. No QUOTA: no meter, and no error.
    await expect(sidebar.locator('.mailbox-name')).toHaveText([`maria@${D}`])
    await expect(sidebar.getByTestId('quota')).toHaveCount(0)
    await expect(sidebar.getByTestId('quota-unreported')).toHaveText(['Storage: not reported by the server'])
    await expect(sidebar.getByRole('alert')).toHaveCount(0)

    // Add by address: the shared address as the login, with Maria's token.
    await app.getByTestId('open-shared').click()
    const dialog = app.getByRole('dialog', { name: 'Open a shared mailbox' })
    await dialog.getByLabel('Shared mailbox address').fill(`orders@${D}`)
    await dialog.getByLabel('Shared mailbox address').press('Enter')
    await expect(dialog).toHaveCount(0)
    await expect(sidebar.locator('.mailbox-name')).toHaveText([`maria@${D}`, `orders@${D}`])
    await expect(sidebar.getByTestId('quota-unreported')).toHaveCount(2)
    const orders = sidebar.getByRole('region', { name: `orders@${D}` })
    // Roles by Exchange's names, with no SPECIAL-USE flags.
    for (const role of ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash']) await expect(orders.locator(`button[data-role="${role}"]`)).toHaveCount(1)

    // Read.
    await openFolder(app, `orders@${D}`, 'inbox')
    const list = app.getByRole('listbox', { name: 'Message list' })
    const row = (subject: string) => list.locator('.row').filter({ hasText: subject })
    await row('Teapot order 10248').click()
    await expect(app.frameLocator('iframe.mail-frame').locator('body')).toContainText('where is it?')

    // Triage: flag one, archive another; the colleague's client sees both.
    await app.keyboard.press('s')
    await row('Tofu order 10250').click()
    await app.keyboard.press('e')
    await expect(row('Tofu order 10250')).toHaveCount(0)
    await expect.poll(() => inOrders('INBOX', (c) => subjects(c, { flagged: true })), { timeout: 15_000 }).toEqual(['Teapot order 10248'])
    await expect.poll(() => inOrders('Archive', (c) => subjects(c, { all: true })), { timeout: 15_000 }).toEqual(['Tofu order 10250'])

    // A team claim and an internal note, kept in the shared mailbox.
    await row('Teapot order 10248').click()
    const panel = app.getByTestId('team-panel')
    await panel.getByRole('button', { name: 'Assign to me' }).click()
    await expect(app.getByTestId('team-assignee')).toHaveText('Assigned to you', { timeout: 15_000 })
    await app.getByLabel('Internal note for the team').fill('Courier says Thursday.')
    await app.getByRole('button', { name: 'Add note' }).click()
    await expect(app.getByTestId('team-note')).toContainText('Courier says Thursday.', { timeout: 15_000 })
    // The records, as any other client shows them (the team folder holds "is writing" records too).
    await expect.poll(async () => {
      const all = await inOrders('Tandem Team', (c) => subjects(c, { all: true }))
      return ['took this conversation', 'wrote an internal note'].filter((what) => all.some((s) => s.endsWith(what)))
    }, { timeout: 15_000 }).toEqual(['took this conversation', 'wrote an internal note'])

    // Reply as the mailbox: the server publishes no grants, so Maria says she has Send As (the
    // submission server checks it). On Behalf is not offered: nothing at this server checks it (R3).
    await orders.locator('summary').filter({ hasText: 'Sending from this mailbox' }).click()
    await expect(orders.getByLabel(`Send on behalf of orders@${D}`)).toHaveCount(0)
    await orders.getByLabel(`Send as orders@${D}`).check()
    await answerOnConfirmPage(app, context, /Add "Send as orders@northwind\.test" to your From addresses\?/, 'Add it')
    await row('Teapot order 10248').click()
    await app.keyboard.press('r')
    const compose = app.getByRole('dialog', { name: 'New message' })
    await choose(app, 'From', new RegExp(`<orders@${D.replace('.', '\\.')}>`), compose)
    await expect(fromPicker(app)).toHaveAttribute('data-value', `sendAs:orders@${D}`)
    await compose.getByLabel('Message text').fill('It ships Thursday.')
    await compose.getByLabel('Message text').press('Control+Enter')
    await expect(compose).toHaveCount(0, { timeout: 15_000 })
    const hanna = await memberSession(stack, `hanna@${D}`)
    try {
      await hanna.mailboxOpen('INBOX', { readOnly: true })
      await expect.poll(async () => {
        const uids = (await hanna.search({ subject: 'Re: Teapot order 10248' }, { uid: true })) || []
        if (!uids.length) return null
        const m = await hanna.fetchOne(String(uids[0]), { envelope: true }, { uid: true })
        return m && m.envelope ? `${m.envelope.from?.[0]?.address} / ${m.envelope.sender?.[0]?.address}` : null
      }, { timeout: 15_000 }).toBe(`orders@${D} / orders@${D}`)
    } finally {
      await hanna.logout()
    }
    // One copy in Orders' Sent Items: the server files its own there, and Tandem appends none.
    await expect.poll(() => inOrders('Sent Items', (c) => subjects(c, { all: true })), { timeout: 15_000 }).toEqual(['Re: Teapot order 10248'])

    // Offline: the server goes away; Maria keeps reading and triaging from the cache.
    await stack.pause()
    try {
      await expect(app.getByTestId('connection-banner')).toBeVisible({ timeout: 30_000 })
      await row('Chai order 10249').click()
      await expect(app.frameLocator('iframe.mail-frame').locator('body')).toContainText('where is it?')
      await app.keyboard.press('s')
      // Snoozed for the team until the customer writes again: out of the Inbox at once, offline.
      await app.keyboard.press('b')
      await app.getByTestId('snooze-dialog').getByRole('button', { name: 'Until the customer replies' }).click()
      await expect(row('Chai order 10249')).toHaveCount(0)
    } finally {
      await stack.resume()
    }
    // Back: the queued flag reaches the server, nothing lost.
    await expect.poll(() => inOrders('INBOX', (c) => subjects(c, { flagged: true })), { timeout: 60_000 }).toEqual(['Chai order 10249', 'Teapot order 10248'])
    // And the snooze is in the team folder, Maria's, once — what every member's Tandem folds.
    const snoozes = () => inOrders(TEAM_FOLDER, async (c) => {
      const out: string[] = []
      for await (const m of c.fetch('1:*', { source: true })) {
        const r = m.source ? await recordOf(m.source) : null
        if (r?.action.kind === 'snooze') out.push(`${r.by} until=${r.action.until} onReply=${r.action.onReply}`)
      }
      return out
    })
    await expect.poll(snoozes, { timeout: 30_000 }).toEqual([`maria@${D} until=null onReply=true`])
  })
})
