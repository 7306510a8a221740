import AxeBuilder from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { catalogues } from '../../shared/i18n'
import { startWebApp } from '../../electron/web/web-app'
import { expect, openFolder, passwordOf, serverOf, signIn, test } from './fixtures'

/**
 * The one Settings screen (opened with Ctrl+, here; the shell's gear calls the same store) and
 * the dialogs on the common AppDialog: choices kept across a restart of the app, the search that
 * narrows the sections, Esc that closes only the topmost layer, and axe on every section and
 * dialog in light and dark with colour contrast on.
 */

const en = catalogues.en
const nl = catalogues.nl

async function openSettings(page: Page, title: string = en.settings.title): Promise<Locator> {
  await page.keyboard.press('Control+,')
  const settings = page.getByRole('dialog', { name: title })
  await expect(settings).toBeVisible()
  return settings
}

async function choose(scope: Locator, name: string, option: string): Promise<void> {
  await scope.getByRole('combobox', { name }).click()
  await scope.page().getByRole('option', { name: option, exact: true }).click()
}

/**
 * axe on the open dialog (the mail behind it is covered while it is open): no violation of any
 * impact, no contrast left undecided.
 */
async function axe(page: Page, what: string): Promise<void> {
  await page.waitForTimeout(150)
  const results = await new AxeBuilder({ page }).include('[role=dialog][data-state=open], [role=alertdialog][data-state=open]')
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).options({ iframes: false }).setLegacyMode(true).analyze()
  expect(results.passes.length, `axe looked at ${what}`).toBeGreaterThan(0)
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
  expect.soft(found, `axe on ${what}`).toEqual([])
  const undecided = results.incomplete.filter((v) => v.id === 'color-contrast').flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.any.map((a) => a.message).join('; ')}`))
  expect.soft(undecided, `contrast undecided on ${what}`).toEqual([])
}

test('settings are kept across a restart of the app, and the app shows them', async ({ page, stack }) => {
  test.setTimeout(120_000)
  const first = await startWebApp({ suggestedServer: serverOf(stack), log: () => undefined, pollMs: 500 })
  const port = Number(new URL(first.url).port)
  let second: Awaited<ReturnType<typeof startWebApp>> | null = null
  try {
    await page.goto(first.url)
    await signIn(page, stack, 'bob@contoso.test')
    const settings = await openSettings(page)

    await settings.getByRole('tab', { name: en.settings.appearance.title }).click()
    await settings.getByRole('radio', { name: en.settings.appearance.themeDark }).check()
    await settings.getByRole('radio', { name: en.settings.appearance.compact }).check()
    // Applied at once.
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
    await expect(page.locator('html')).toHaveAttribute('data-density', 'compact')

    await settings.getByRole('tab', { name: en.settings.notifications.title }).click()
    await settings.getByRole('checkbox', { name: en.notify.quietEnable }).check()
    // Typed part by part, as a person does: English shows hours of 12 and AM/PM.
    for (const [name, keys] of [[en.notify.quietFrom, ['09', '30', 'P']], [en.notify.quietUntil, ['06', '45', 'A']]] as const) {
      const field = settings.getByLabel(name, { exact: true })
      for (const [i, part] of (['hour', 'minute', 'dayPeriod'] as const).entries()) {
        await field.locator(`[data-part="${part}"]`).click()
        await page.keyboard.type(keys[i]!)
      }
    }
    await expect(settings.getByLabel(en.notify.quietFrom, { exact: true })).toHaveAttribute('data-value', '21:30')
    await settings.getByRole('checkbox', { name: 'Notify me of new mail in Contoso Support' }).uncheck()

    await settings.getByRole('tab', { name: en.settings.offline.title }).click()
    await choose(settings, 'Keep offline for Contoso Support', en.settings.offline.none)
    await expect(settings.getByRole('combobox', { name: 'Keep offline for Contoso Support' })).toHaveText(en.settings.offline.none)

    await settings.getByRole('tab', { name: en.settings.language.title }).click()
    await choose(settings, en.app.language, 'Nederlands')
    await expect(page.getByRole('dialog', { name: nl.settings.title })).toBeVisible()
    await page.keyboard.press('Escape')
    await expect(page.getByRole('dialog', { name: nl.settings.title })).toHaveCount(0)

    // The app stops; a new one starts on the same address, in the same browser profile.
    await first.stop()
    second = await startWebApp({ suggestedServer: serverOf(stack), log: () => undefined, pollMs: 500, port })
    await page.goto(second.url)
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark')
    await expect(page.locator('html')).toHaveAttribute('data-density', 'compact')
    await expect(page.locator('html')).toHaveAttribute('lang', 'nl')
    // The new app may resume the session (the service keeps it) or ask again: in Dutch either way.
    await page.getByLabel(nl.signIn.address).or(page.getByTestId('signed-in-as')).first().waitFor()
    if (await page.getByLabel(nl.signIn.address).count()) {
      await page.getByLabel(nl.signIn.address).fill('bob@contoso.test')
      await page.getByLabel(nl.signIn.password).fill(passwordOf(stack, 'bob@contoso.test'))
      await page.getByLabel(nl.signIn.password).press('Enter')
    }
    await expect(page.getByTestId('signed-in-as')).toHaveText('bob@contoso.test')
    await expect(page.locator('.pane-title')).toHaveText(nl.folders.inbox)
    // Dark really is dark: the page's background is the dark token's.
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(18, 21, 25)')

    const again = await openSettings(page, nl.settings.title)
    await again.getByRole('tab', { name: nl.settings.appearance.title }).click()
    await expect(again.getByRole('radio', { name: nl.settings.appearance.themeDark })).toBeChecked()
    await expect(again.getByRole('radio', { name: nl.settings.appearance.compact })).toBeChecked()
    await again.getByRole('tab', { name: nl.settings.notifications.title }).click()
    await expect(again.getByRole('checkbox', { name: nl.notify.quietEnable })).toBeChecked()
    // Dutch shows the same times on a 24-hour clock.
    await expect(again.getByLabel(nl.notify.quietFrom, { exact: true })).toHaveText('21:30')
    await expect(again.getByLabel(nl.notify.quietUntil, { exact: true })).toHaveText('06:45')
    await expect(again.getByRole('checkbox', { name: 'Meld nieuwe e-mail in Contoso Support' })).not.toBeChecked()
    await expect(again.getByRole('checkbox', { name: 'Meld nieuwe e-mail in bob@contoso.test' })).toBeChecked()
    await again.getByRole('tab', { name: nl.settings.offline.title }).click()
    await expect(again.getByRole('combobox', { name: 'Offline bewaren voor Contoso Support' })).toHaveText(nl.settings.offline.none)
    await again.getByRole('tab', { name: nl.settings.language.title }).click()
    await expect(again.getByRole('combobox', { name: nl.app.language })).toHaveText('Nederlands')
  } finally {
    await first.stop().catch(() => undefined)
    await second?.stop()
  }
})

test('search narrows the sections, and Esc closes only the topmost layer', async ({ app, stack }) => {
  test.setTimeout(180_000)
  await signIn(app, stack, 'bob@contoso.test')
  await openFolder(app, 'bob@contoso.test', 'inbox')
  const list = app.getByRole('listbox', { name: en.list.label })
  await expect(list.locator('.row').first()).toBeVisible()

  // A search typed and a message selected before any dialog opens.
  await app.getByRole('searchbox', { name: en.search.label }).fill('Logs')
  const row = list.locator('.row', { hasText: 'Logs and a page' })
  await expect(list.locator('.row')).toHaveCount(1)
  await row.click()
  await expect(row).toHaveAttribute('aria-selected', 'true')
  const kept = async () => {
    await expect(app.getByRole('searchbox', { name: en.search.label })).toHaveValue('Logs')
    await expect(row).toHaveAttribute('aria-selected', 'true')
  }

  // The ? dialog: Esc closes it, and nothing else; focus goes back to the list.
  await list.focus()
  await app.keyboard.press('?')
  const shortcuts = app.getByRole('dialog', { name: en.dialogs.shortcutsTitle })
  await expect(shortcuts).toContainText('Ctrl+,')
  await app.keyboard.press('Escape')
  await expect(shortcuts).toHaveCount(0)
  await kept()
  await expect(list).toBeFocused()

  // Settings: a select's list inside it closes first, then Settings; the mail stays as it was.
  const settings = await openSettings(app)
  await settings.getByRole('tab', { name: en.settings.language.title }).click()
  await settings.getByRole('combobox', { name: en.app.language }).click()
  await expect(app.getByRole('option', { name: 'Nederlands' })).toBeVisible()
  await app.keyboard.press('Escape')
  await expect(app.getByRole('option', { name: 'Nederlands' })).toHaveCount(0)
  await expect(settings).toBeVisible()
  await app.keyboard.press('Escape')
  await expect(settings).toHaveCount(0)
  await kept()

  // The search narrows the sections, by their words in either language.
  await openSettings(app)
  const search = settings.getByRole('searchbox', { name: en.settings.search })
  const tabs = settings.getByRole('tab')
  await expect(tabs).toHaveCount(10)
  await search.fill('quiet')
  await expect(tabs).toHaveCount(1)
  await expect(tabs.first()).toContainText(en.settings.notifications.title)
  await expect(tabs.first()).toContainText(en.notify.quietHours)
  await expect(settings.getByRole('tabpanel')).toContainText(en.notify.quietEnable)
  await search.fill('donker')
  await expect(tabs).toHaveCount(1)
  await expect(tabs.first()).toContainText(en.settings.appearance.title)
  await search.fill('certificate')
  await expect(tabs).toHaveText([new RegExp(en.settings.security.title)])
  await search.fill('no such setting')
  await expect(tabs).toHaveCount(0)
  await expect(settings.getByRole('status')).toHaveText(en.settings.noMatch.replace('{query}', 'no such setting'))
  // Esc in a search that holds text clears it first.
  await search.press('Escape')
  await expect(search).toHaveValue('')
  await expect(tabs).toHaveCount(10)
  // The tab list by keyboard.
  await tabs.first().focus()
  await app.keyboard.press('ArrowDown')
  await expect(settings.getByRole('tab', { name: en.settings.notifications.title })).toBeFocused()
  await expect(settings.getByRole('tab', { name: en.settings.notifications.title })).toHaveAttribute('aria-selected', 'true')
  await app.keyboard.press('End')
  await expect(settings.getByRole('tab', { name: en.settings.shortcuts.title })).toHaveAttribute('aria-selected', 'true')
  await app.keyboard.press('Escape')
  await expect(settings).toHaveCount(0)

  // Account: who, how, where.
  const account = await openSettings(app)
  await expect(account.getByTestId('settings-address')).toHaveText('bob@contoso.test')
  await expect(account.getByTestId('settings-imap')).toContainText(`${stack.host}, port ${stack.ports.imap}`)
  await expect(account.getByTestId('settings-smtp')).toContainText(`${stack.host}, port ${stack.ports.submission}`)
  await expect(account).toContainText(en.settings.account.password)
  await app.keyboard.press('Escape')

})

test('axe finds nothing on any section of Settings or any dialog, in light and in dark', async ({ app, stack }) => {
  // Twenty-two axe runs; about two minutes on an idle two-core machine.
  test.setTimeout(420_000)
  await signIn(app, stack, 'bob@contoso.test')
  await openFolder(app, 'bob@contoso.test', 'inbox')
  const list = app.getByRole('listbox', { name: en.list.label })
  await expect(list.locator('.row').first()).toBeVisible()
  const shortcuts = app.getByRole('dialog', { name: en.dialogs.shortcutsTitle })
  // In both themes, the theme the system's: every section, then every dialog.
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme })
    const s = await openSettings(app)
    for (const title of [en.settings.account.title, en.settings.notifications.title, en.settings.language.title, en.settings.appearance.title,
      en.settings.offline.title, en.settings.security.title, en.settings.shortcuts.title]) {
      await s.getByRole('tab', { name: title }).click()
      await expect(s.getByRole('tabpanel')).toContainText(title)
      await axe(app, `Settings → ${title} (${scheme})`)
    }
    await app.keyboard.press('Escape')

    await list.focus()
    await app.keyboard.press('?')
    await expect(shortcuts).toBeVisible()
    await axe(app, `shortcuts dialog (${scheme})`)
    await app.keyboard.press('Escape')

    await app.getByTestId('open-shared').click()
    const openShared = app.getByRole('dialog', { name: en.dialogs.openSharedTitle })
    await expect(openShared.getByLabel(en.dialogs.openSharedAddress)).toBeFocused()
    await openShared.getByRole('button', { name: en.dialogs.open, exact: true }).click()
    await expect(openShared.getByRole('alert')).toBeVisible()
    await axe(app, `open-shared dialog (${scheme})`)
    await app.keyboard.press('Escape')
    await expect(openShared).toHaveCount(0)

    await app.getByTestId('outbox-link').click()
    const outbox = app.getByRole('dialog', { name: en.outbox.title })
    await expect(outbox).toContainText(en.outbox.empty)
    await axe(app, `outbox (${scheme})`)
    await app.keyboard.press('Escape')
    await expect(outbox).toHaveCount(0)
  }

  // The delete confirmation of a shared mailbox (R10): an alertdialog, Delete focused; Esc is Cancel.
  await openFolder(app, 'Contoso Support', 'inbox')
  await expect(list.locator('.row').first()).toBeVisible()
  // The row the Delete would take (the list may still be filling: its count is no measure).
  const chosen = await list.locator('.row').first().getAttribute('data-id')
  await list.locator('.row').first().click()
  for (const scheme of ['light', 'dark'] as const) {
    await app.emulateMedia({ colorScheme: scheme })
    await app.keyboard.press('Delete')
    const confirm = app.getByRole('alertdialog', { name: 'Delete for everyone in Contoso Support?' })
    await expect(confirm.getByRole('button', { name: en.dialogs.deleteConfirm })).toBeFocused()
    await axe(app, `delete confirmation (${scheme})`)
    await app.keyboard.press('Escape')
    await expect(confirm).toHaveCount(0)
  }
  // Cancelled: the row is still there.
  await expect(list.locator(`.row[data-id="${chosen}"]`)).toHaveCount(1)
})
