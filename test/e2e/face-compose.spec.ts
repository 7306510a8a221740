import AxeBuilder from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import PostalMime from 'postal-mime'
import type { ImapFlow } from 'imapflow'
import { expect, imapSession, openFolder, passwordOf, signIn, test } from './fixtures'

/**
 * The composer on TipTap: links through the link form, pasted HTML cleaned, the signature as a
 * block (end of new mail, above the quote of a reply), rich or plain text kept per person, the
 * window at small sizes, and axe in light and dark. What arrived is read with an independent IMAP session and parsed.
 */

/** The newest message with this subject in a folder, parsed (html and text as they arrived). */
async function arrived(c: ImapFlow, folder: string, subject: string): Promise<{ html: string; text: string } | null> {
  await c.mailboxOpen(folder)
  const uids = (await c.search({ subject }, { uid: true })) || []
  if (!uids.length) return null
  const m = await c.fetchOne(String(uids.at(-1)), { source: true }, { uid: true })
  if (!m || !m.source) return null
  const mail = await PostalMime.parse(m.source)
  return { html: mail.html ?? '', text: mail.text ?? '' }
}

/** Axe on the composer (or the signatures dialog) with colour contrast on: no violation of any impact, no contrast left undecided. */
async function axe(page: Page, what: string, scope: string): Promise<void> {
  await page.waitForTimeout(150)
  const r = await new AxeBuilder({ page }).include(scope).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).options({ iframes: false }).analyze()
  expect(r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), `axe on ${what}`).toEqual([])
  expect(r.incomplete.filter((v) => v.id === 'color-contrast').flatMap((v) => v.nodes.map((n) => `${n.target.join(' ')}: ${n.any.map((a) => a.message).join('; ')}`)), `contrast undecided on ${what}`).toEqual([])
}

/** Pastes HTML into the editor as the clipboard would hand it over. */
async function pasteHtml(editor: Locator, html: string): Promise<void> {
  await editor.evaluate((el, h) => {
    const data = new DataTransfer()
    data.setData('text/html', h)
    data.setData('text/plain', h.replace(/<[^>]+>/g, ''))
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, html)
}

test('links, pasted HTML, signature blocks in new mail and replies, rich text per person, small windows and axe', async ({ app, stack }) => {
  test.setTimeout(420_000)
  await signIn(app, stack, 'bob@contoso.test')
  await openFolder(app, 'bob@contoso.test', 'inbox')
  await app.keyboard.press('c')
  const dialog = app.getByRole('dialog', { name: 'New message' })
  await expect(dialog.getByRole('checkbox', { name: 'Rich text' })).not.toBeChecked()
  await dialog.getByRole('checkbox', { name: 'Rich text' }).check()
  const editor = dialog.getByTestId('compose-body')

  // A signature set from the composer (Signatures…) goes into this message as its own block.
  await dialog.getByRole('button', { name: 'Signatures…' }).click()
  const sigs = app.getByTestId('signatures-dialog')
  await sigs.getByTestId('signature-editor').click()
  await app.keyboard.type('Bob Baker, Contoso Support')
  await sigs.getByRole('button', { name: 'Save' }).click()
  await expect(sigs.getByRole('status')).toHaveText('Saved.')

  await axe(app, 'the signatures section, light', '[data-testid=signatures-dialog]')
  await app.emulateMedia({ colorScheme: 'dark' })
  await axe(app, 'the signatures section, dark', '[data-testid=signatures-dialog]')
  await app.emulateMedia({ colorScheme: 'light' })
  await app.keyboard.press('Escape')
  await expect(sigs).toHaveCount(0)
  await expect(dialog).toBeVisible()
  await expect(editor.locator('div[data-signature]')).toHaveText('Bob Baker, Contoso Support')

  await dialog.getByLabel('To', { exact: true }).fill('dave@contoso.test')
  await dialog.getByLabel('Subject').fill('Docs and a paste')
  await editor.locator('p').first().click()
  await app.keyboard.type('See the docs')
  // Select "docs", then the link form: a javascript: address is refused with a message, an https one is taken.
  for (let i = 0; i < 4; i++) await app.keyboard.press('Shift+ArrowLeft')
  await dialog.getByRole('button', { name: 'Link' }).click()
  const form = dialog.getByTestId('link-form')
  await form.getByLabel('Link address').fill('javascript:alert(1)')
  await form.getByRole('button', { name: 'Apply' }).click()
  await expect(form.getByRole('alert')).toContainText('https://')
  await form.getByLabel('Link address').fill('https://example.org/docs')
  await form.getByLabel('Link address').press('Enter')
  await expect(form).toHaveCount(0)
  await expect(editor.locator('a[href="https://example.org/docs"]')).toHaveText('docs')
  // Ctrl+K opens it on the link; Esc closes the form only, not the composer. (The text has the
  // focus again once the form is gone: the keys below go there.)
  await expect(editor).toBeFocused()
  await app.keyboard.press('ArrowLeft')
  await app.keyboard.press('ArrowRight')
  await app.keyboard.press('Control+k')
  await expect(form.getByLabel('Link address')).toHaveValue('https://example.org/docs')
  await axe(app, 'the composer with the link form, light', '.compose')
  await app.emulateMedia({ colorScheme: 'dark' })
  await axe(app, 'the composer with the link form, dark', '.compose')
  await app.emulateMedia({ colorScheme: 'light' })
  await app.keyboard.press('Escape')
  await expect(form).toHaveCount(0)
  await expect(dialog).toBeVisible()

  await app.keyboard.press('End')
  await app.keyboard.press('Enter')
  await pasteHtml(editor, '<p>Pasted <b>bold</b> <img src="x" onerror="alert(1)"><a href="javascript:alert(2)">bad link</a><script>alert(3)</script> <a href="https://example.net/ok" onclick="alert(4)">good link</a> end</p>')
  await expect(editor).toContainText('Pasted bold')
  await expect(editor.locator('a')).toHaveCount(2)
  await dialog.getByRole('button', { name: 'Send' }).click()
  await expect(dialog).toHaveCount(0)

  const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
  try {
    const got = await expect.poll(() => arrived(dave, 'INBOX', 'Docs and a paste'), { timeout: 15_000 }).not.toBeNull().then(() => arrived(dave, 'INBOX', 'Docs and a paste'))
    const m = got!
    expect(m.html).toMatch(/<a [^>]*href="https:\/\/example\.org\/docs"[^>]*>docs<\/a>/)
    expect(m.html).toMatch(/<a [^>]*href="https:\/\/example\.net\/ok"[^>]*>good link<\/a>/)
    expect(m.html).toContain('<strong>bold</strong>')
    for (const bad of ['<script', 'onerror', 'onclick', 'javascript:', '<img']) expect(m.html.toLowerCase()).not.toContain(bad)
    expect(m.html).toMatch(/<div [^>]*data-signature[^>]*><p>Bob Baker, Contoso Support<\/p><\/div>/)
    // The plain-text alternative: the link's address, the signature after RFC 3676's "-- " line.
    expect(m.text).toContain('See the docs <https://example.org/docs>')
    expect(m.text).toMatch(/\n-- \nBob Baker, Contoso Support/)
  } finally {
    await dave.logout()
  }

  // A reply: the signature above the quoted text, as Outlook puts it.
  await app.getByRole('listbox', { name: 'Message list' }).locator('.row').first().click()
  await app.keyboard.press('r')
  await expect(dialog.getByRole('checkbox', { name: 'Rich text' })).toBeChecked()
  const order = await editor.evaluate((el) => [...el.children].map((c) => (c.matches('div[data-signature]') ? 'signature' : c.tagName === 'BLOCKQUOTE' ? 'quote' : 'p')))
  expect(order.indexOf('signature')).toBeGreaterThan(-1)
  expect(order.indexOf('signature')).toBeLessThan(order.indexOf('quote'))
  await dialog.getByLabel('To', { exact: true }).fill('dave@contoso.test')
  await dialog.getByLabel('Subject').fill('Reply with a signature')
  await editor.locator('p').first().click()
  await app.keyboard.type('Thanks, done.')
  // At 1024×768 and at 640×400 the Send button is in view, and the composer fits the window.
  for (const [width, height] of [[1024, 768], [640, 400]] as const) {
    await app.setViewportSize({ width, height })
    await expect(dialog.getByRole('button', { name: 'Send' })).toBeInViewport({ ratio: 1 })
    // The composer fits the window and does not scroll sideways itself (the shell's own width is its area's test).
    expect(await dialog.evaluate((el) => { const r = el.getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth && el.scrollWidth <= el.clientWidth })).toBe(true)
  }
  await app.setViewportSize({ width: 1280, height: 800 })
  await axe(app, 'a reply with its quote and signature, light', '.compose')
  await app.emulateMedia({ colorScheme: 'dark' })
  await axe(app, 'a reply with its quote and signature, dark', '.compose')
  await app.emulateMedia({ colorScheme: 'light' })
  await dialog.getByRole('button', { name: 'Send' }).click()
  await expect(dialog).toHaveCount(0)
  const dave2 = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
  try {
    await expect.poll(async () => {
      const m = await arrived(dave2, 'INBOX', 'Reply with a signature')
      if (!m) return null
      const sig = m.html.indexOf('Bob Baker, Contoso Support')
      return { signed: sig > 0, aboveQuote: sig < m.html.indexOf('<blockquote'), quoted: m.html.includes('<blockquote'), textAbove: m.text.indexOf('-- \nBob Baker') < m.text.indexOf('\n> ') && m.text.includes('\n> ') }
    }, { timeout: 15_000 }).toEqual({ signed: true, aboveQuote: true, quoted: true, textAbove: true })
  } finally {
    await dave2.logout()
  }

  // Rich or plain is each person's: Alice, next on this device, starts with her own (plain), and Bob's stays his.
  await app.getByTestId('account-menu').click()
  await app.getByRole('menuitem', { name: 'Sign out' }).click()
  await signIn(app, stack, 'alice@contoso.test')
  await app.getByRole('button', { name: 'New message' }).click()
  await expect(dialog.getByRole('checkbox', { name: 'Rich text' })).not.toBeChecked()
  await expect(dialog.getByRole('textbox', { name: 'Message text' })).toHaveJSProperty('tagName', 'TEXTAREA')
  await dialog.getByRole('button', { name: 'Close' }).click()
  await app.getByTestId('account-menu').click()
  await app.getByRole('menuitem', { name: 'Sign out' }).click()
  await signIn(app, stack, 'bob@contoso.test')
  await app.getByRole('button', { name: 'New message' }).click()
  await expect(dialog.getByRole('checkbox', { name: 'Rich text' })).toBeChecked()
})
