import type { Page } from '@playwright/test'
import AxeBuilder from '@axe-core/playwright'
import { parseOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { catalogues, flatten, type Locale } from '../../shared/i18n'
import { test, expect, launch, passwordOf } from './fixtures'

/**
 * The whole app walked in each language — sign-in, the three panes with the own and a shared
 * mailbox selected, compose, every dialog, the Outbox — on two organisations: Contoso in English
 * (its server's folders in Microsoft 365's English names) and a Dutch municipality whose Dovecot
 * names its folders its own way ("Prullenbak", "Verzonden") and says which is which by
 * SPECIAL-USE. Each screen: axe finds no serious or critical violation, and in Dutch no English
 * text of the catalogue shows anywhere a person reads or hears it.
 */

const WATERLAND = parseOrganisation({
  name: 'Gemeente Waterland',
  domains: ['waterland.test'],
  users: [
    { address: 'sanne@waterland.test', name: 'Sanne de Vries', password: 'sanne-pass-1' },
    { address: 'joost@waterland.test', name: 'Joost Bakker', password: 'joost-pass-1' },
  ],
  sharedMailboxes: [{
    address: 'balie@waterland.test', name: 'Klantenbalie',
    members: [{ address: 'sanne@waterland.test', sendOnBehalf: true }, { address: 'joost@waterland.test', sendAs: true }],
  }],
  folders: { sent: 'Verzonden', drafts: 'Concepten', trash: 'Prullenbak', junk: 'Ongewenst', archive: 'Archief', directory: 'Directory' },
  layout: { separator: '.', sharedPrefix: 'gedeeld.%%n.', masterSeparator: '!' },
})

function mail(from: string, to: string, subject: string, body: string, minutesAgo: number): { raw: string; date: Date } {
  const date = new Date(Date.now() - minutesAgo * 60_000)
  const raw = [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Date: ${date.toUTCString()}`,
    `Message-ID: <${subject.replace(/\W+/g, '.')}.${minutesAgo}@example.test>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', body, ''].join('\r\n')
  return { raw, date }
}

/**
 * English phrases of the catalogue that Dutch does not share: the literal text between a
 * message's parameters, three letters or more. Words Dutch uses too (Server, Offline, TLS) drop out.
 */
function englishPhrases(): string[] {
  const dutch = flatten(catalogues.nl).map(([, v]) => v).join('\n')
  const out = new Set<string>()
  for (const [, v] of flatten(catalogues.en)) {
    for (const part of v.split(/\{[^}]*\}|\|/)) {
      const phrase = part.replace(/^[\s—–·:;,.()"'…-]+|[\s—–·:;,.()"'…-]+$/g, '')
      if (/[A-Za-z]{3,}/.test(phrase) && !dutch.includes(phrase)) out.add(phrase)
    }
  }
  return [...out]
}

/** What a person reads or hears on the page: its text, and the names, titles and placeholders of its elements. */
async function readable(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.body.innerText, document.title]
    for (const el of document.querySelectorAll('*')) {
      for (const a of ['aria-label', 'title', 'placeholder', 'alt']) { const v = el.getAttribute(a); if (v) parts.push(v) }
      if (el instanceof HTMLOptionElement) parts.push(el.text)
    }
    return parts.join('\n')
  })
}

/** An open dialog: on a dialog's screen axe looks at it alone, the window behind it was checked on its own screen. */
const OPEN_DIALOG = '[role=dialog][data-state=open], [role=alertdialog][data-state=open]'

async function checkScreen(page: Page, locale: Locale, screen: string, scope?: string): Promise<void> {
  // Let notices and transitions settle before looking.
  await page.waitForTimeout(150)
  // The mail itself is in a sandboxed frame without scripts, where axe cannot run (and it is the
  // sender's markup, not Tandem's); the frame element, its title included, is checked.
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
  if (scope) builder = builder.include(scope)
  const results = await builder.options({ iframes: false }).setLegacyMode(true).analyze()
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`)
  expect.soft(serious, `axe on ${screen} (${locale})`).toEqual([])
  if (locale === 'nl') {
    const text = await readable(page)
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const found = englishPhrases().filter((p) => new RegExp(`(^|[^A-Za-z])${escape(p)}($|[^A-Za-z])`).test(text))
    expect.soft(found, `English text on ${screen}`).toEqual([])
  }
}

interface Walk {
  locale: Locale
  person: string
  shared: string
  own: { heading: string; inbox: string; folders: string[] }
  t: (typeof catalogues)[Locale]
}

async function walk(page: Page, stack: MailStack, w: Walk): Promise<void> {
  const { t } = w
  const sidebar = page.getByRole('navigation', { name: t.sidebar.mailboxes })
  await expect(page.getByRole('heading', { name: w.own.heading })).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('lang', w.locale)
  await checkScreen(page, w.locale, 'sign-in')

  // A wrong password is refused in the person's language.
  await page.getByLabel(t.signIn.address).fill(w.person)
  await page.getByLabel(t.signIn.password).fill('not-the-password')
  await page.getByLabel(t.signIn.password).press('Enter')
  await expect(page.getByRole('alert').first()).toBeVisible()
  await checkScreen(page, w.locale, 'sign-in refused')

  await page.getByLabel(t.signIn.address).fill(w.person)
  await page.getByLabel(t.signIn.password).fill(passwordOf(stack, w.person))
  await page.getByLabel(t.signIn.password).press('Enter')
  await expect(page.getByTestId('signed-in-as')).toHaveText(w.person)

  // Own mailbox: its folders by role first, in the language of the app (a folder of the
  // person's own that a test before made in this worker's stack comes after them).
  const own = sidebar.getByRole('region', { name: w.person })
  await expect.poll(async () => (await own.getByRole('treeitem').locator('.folder-name').allTextContents()).slice(0, w.own.folders.length)).toEqual(w.own.folders)
  await expect(page.locator('.pane-title')).toHaveText(w.own.inbox)
  await expect(page.getByRole('listbox', { name: t.list.label }).locator('.row').first()).toBeVisible()
  await page.getByRole('listbox', { name: t.list.label }).focus()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('complementary', { name: t.reader.pane }).locator('.subject')).not.toBeEmpty()
  await checkScreen(page, w.locale, 'three panes, own mailbox')

  // The shared mailbox: its Inbox, a message open.
  const shared = sidebar.getByRole('region', { name: w.shared })
  await shared.locator('button[data-role="inbox"]').click()
  await expect(page.locator('.list-head')).toContainText(w.shared)
  await page.getByRole('listbox', { name: t.list.label }).focus()
  await page.keyboard.press('j')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('complementary', { name: t.reader.pane }).locator('.subject')).not.toBeEmpty()
  await checkScreen(page, w.locale, 'three panes, shared mailbox')

  // Compose from the shared mailbox, with the keyboard.
  await page.getByRole('listbox', { name: t.list.label }).focus()
  await page.keyboard.press('r')
  const compose = page.getByRole('dialog', { name: t.compose.newMessage })
  await expect(compose).toBeVisible()
  await checkScreen(page, w.locale, 'compose', '[role=dialog]')
  await page.keyboard.press('Escape')
  await expect(compose).toHaveCount(0)

  // The dialogs: delete in a shared mailbox (R10), shortcuts, security, open a shared mailbox.
  await page.getByRole('listbox', { name: t.list.label }).focus()
  await page.keyboard.press('Delete')
  const confirm = page.getByRole('alertdialog')
  await expect(confirm).toBeVisible()
  await expect(confirm.getByRole('button', { name: t.dialogs.deleteConfirm })).toBeFocused()
  await checkScreen(page, w.locale, 'delete dialog', OPEN_DIALOG)
  await confirm.getByRole('button', { name: t.dialogs.cancel }).click()
  await expect(confirm).toHaveCount(0)

  await page.getByRole('listbox', { name: t.list.label }).focus()
  await page.keyboard.press('?')
  const shortcuts = page.getByRole('dialog', { name: t.dialogs.shortcutsTitle })
  await expect(shortcuts).toBeVisible()
  await checkScreen(page, w.locale, 'shortcuts dialog', OPEN_DIALOG)
  await shortcuts.getByRole('button', { name: t.dialogs.close }).click()
  // Focus goes back where it was.
  await expect(page.getByRole('listbox', { name: t.list.label })).toBeFocused()

  // Settings (Ctrl+,), each section.
  await page.getByRole('listbox', { name: t.list.label }).focus()
  await page.keyboard.press('Control+,')
  const settings = page.getByRole('dialog', { name: t.settings.title })
  await expect(settings).toBeVisible()
  for (const section of [t.settings.account, t.settings.notifications, t.settings.language, t.settings.appearance, t.settings.offline, t.settings.security, t.settings.shortcuts]) {
    await settings.getByRole('tab', { name: section.title }).click()
    await expect(settings.getByRole('tabpanel')).toContainText(section.title)
    await checkScreen(page, w.locale, `Settings → ${section.title}`, OPEN_DIALOG)
  }
  await settings.getByRole('button', { name: t.common.close }).click()
  await expect(settings).toHaveCount(0)
  await expect(page.getByRole('listbox', { name: t.list.label })).toBeFocused()

  await page.getByTestId('open-shared').click()
  const openShared = page.getByRole('dialog', { name: t.dialogs.openSharedTitle })
  await expect(openShared).toBeVisible()
  await openShared.getByRole('button', { name: t.dialogs.open, exact: true }).click()
  await expect(openShared.getByRole('alert')).toBeVisible()
  await checkScreen(page, w.locale, 'open-shared dialog', OPEN_DIALOG)
  await openShared.getByRole('button', { name: t.dialogs.cancel }).click()

  await sidebar.getByRole('button', { name: t.sidebar.outbox }).click()
  const outbox = page.getByRole('dialog', { name: t.outbox.title })
  await expect(outbox).toBeVisible()
  await checkScreen(page, w.locale, 'outbox', OPEN_DIALOG)
  await page.keyboard.press('Escape')
  await expect(outbox).toHaveCount(0)
}

test.describe('in English, on Contoso', () => {
  test('every screen passes axe', async ({ app, stack }) => {
    // A walk through every screen with an axe run on each, Settings' sections included (about a minute on an idle two-core machine).
    test.setTimeout(420_000)
    await walk(app, stack, {
      locale: 'en', person: 'bob@contoso.test', shared: 'Contoso Support', t: catalogues.en,
      own: { heading: 'Sign in to Tandem', inbox: 'Inbox', folders: ['Inbox', 'Drafts', 'Sent Items', 'Archive', 'Junk Email', 'Deleted Items'] },
    })
  })
})

test.describe('in Dutch (nl-NL), on a Dutch organisation', () => {
  test.use({ locale: 'nl-NL' })
  let waterland: MailStack
  test.beforeAll(async () => {
    waterland = await startMailStack(WATERLAND)
    await waterland.seed('sanne@waterland.test', 'INBOX', [
      mail('Joost Bakker <joost@waterland.test>', 'sanne@waterland.test', 'Rooster voor december', 'Hoi Sanne, hierbij het rooster.', 30),
    ])
    await waterland.seed('balie@waterland.test', 'INBOX', [
      mail('Fatima El Amrani <fatima@example.test>', 'balie@waterland.test', 'Vraag over mijn paspoort', 'Goedemiddag, wanneer kan ik mijn paspoort ophalen?', 20),
      mail('Pieter Jansen <pieter@example.test>', 'balie@waterland.test', 'Afspraak verzetten', 'Kan mijn afspraak van dinsdag naar donderdag?', 10),
    ])
  })
  test.afterAll(async () => { await waterland?.stop() })

  test('the whole app speaks Dutch and passes axe', async ({ page }) => {
    test.setTimeout(420_000)
    await launch(page, waterland, async (app) => {
      await walk(app, waterland, {
        locale: 'nl', person: 'sanne@waterland.test', shared: 'Klantenbalie', t: catalogues.nl,
        own: { heading: 'Aanmelden bij Tandem', inbox: 'Postvak IN', folders: ['Postvak IN', 'Concepten', 'Verzonden items', 'Archief', 'Ongewenste e-mail', 'Verwijderde items'] },
      })
      // The choice of language is the person's (Settings → Language), and it is kept.
      const language = async (t: (typeof catalogues)['en'], option: string) => {
        await app.keyboard.press('Control+,')
        const settings = app.getByRole('dialog', { name: t.settings.title })
        await settings.getByRole('tab', { name: t.settings.language.title }).click()
        await settings.getByTestId('language').click()
        await app.getByRole('option', { name: option, exact: true }).click()
        await app.keyboard.press('Escape')
        await expect(settings).toHaveCount(0)
      }
      await language(catalogues.nl, 'English')
      await expect(app.locator('.pane-title')).toHaveText('Inbox')
      await app.reload()
      await expect(app.locator('.pane-title')).toHaveText('Inbox')
      await language(catalogues.en, 'System (Nederlands)')
      await expect(app.locator('.pane-title')).toHaveText('Postvak IN')
    })
  })
})
