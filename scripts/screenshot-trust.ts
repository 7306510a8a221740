// Screenshots of the screens the trust work changed, light and dark, 1440×900 and 1024×768,
// English and Dutch: the servers found for an address (with the outside-domain warning), the
// browser that came back as another person, the banner while main asks, main's own confirmation
// page, a mailbox's old-Directory warning with the Send As claim, and the certificates' trust state.
// Usage: npx tsx scripts/screenshot-trust.ts [out-dir]
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { chromium, type BrowserContext, type Page } from '@playwright/test'
import { smallOrganisation } from '../test/mailstack/organisation'
import { directoryMessage, startMailStack } from '../test/mailstack/stack'
import { passwordOf } from '../test/mailstack/sessions'
import { makeCa } from '../test/fixtures/smime'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { CHROMIUM_ARGS } from '../playwright.config'

/** Chooses an option of one of the sign-in screen's selects (drawn by Tandem, not the browser). */
async function pick(page: Page, testid: string, label: string): Promise<void> {
  await page.getByTestId(testid).click()
  await page.getByRole('option', { name: label, exact: true }).click()
}

const ORG = smallOrganisation('Woodgrove', 'woodgrove.test', {
  people: { lena: 'Lena Lindqvist', omar: 'Omar Osei' },
  shared: [
    { local: 'reception', name: 'Woodgrove Reception', members: [{ local: 'lena', sendAs: true }] },
    { local: 'helpdesk', name: 'Woodgrove Helpdesk', members: [{ local: 'lena' }] },
  ],
})

async function main(): Promise<void> {
  const out = process.argv[2] ?? join(projectRoot, 'test-results', 'screenshots-trust')
  await mkdir(out, { recursive: true })
  const stack = await startMailStack(ORG, { oauth: true })
  // Helpdesk: no entry in the directory, and an old Directory folder (members: look and read).
  await stack.withdrawDirectory('helpdesk@woodgrove.test')
  await stack.doveadm('mailbox', 'create', '-u', 'helpdesk@woodgrove.test', 'Directory')
  await stack.doveadm('acl', 'set', '-u', 'helpdesk@woodgrove.test', 'Directory', 'user=lena@woodgrove.test', 'lookup', 'read')
  await stack.seed('helpdesk@woodgrove.test', 'Directory', [{ raw: directoryMessage('helpdesk@woodgrove.test', { address: 'helpdesk@woodgrove.test', name: 'Woodgrove Helpdesk' }) }])
  await stack.doveadm('acl', 'recalc', '-A')
  // An autoconfig answer for northwind.test naming servers elsewhere.
  const autoconfig = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/xml' }).end(
    '<clientConfig><emailProvider><incomingServer type="imap"><hostname>imap.mailhost-eu.example</hostname><port>993</port><socketType>SSL</socketType></incomingServer>'
    + '<outgoingServer type="smtp"><hostname>smtp.mailhost-eu.example</hostname><port>587</port><socketType>STARTTLS</socketType></outgoingServer></emailProvider></clientConfig>'))
  await new Promise<void>((r) => autoconfig.listen(0, '127.0.0.1', () => r()))
  const acUrl = `http://127.0.0.1:${(autoconfig.address() as AddressInfo).port}/config-v1.1.xml`
  const ca = makeCa()
  const certs = join(tmpdir(), `tandem-shot-certs-${process.pid}`)
  await mkdir(certs, { recursive: true })
  await writeFile(join(certs, 'omar.pem'), ca.issue('omar@woodgrove.test', 'Omar Osei').certPem)
  await writeFile(join(certs, 'ines.pem'), makeCa().issue('ines@northwind.test', 'Ines Ibarra').certPem)
  await writeFile(join(certs, 'omar-new.pem'), makeCa().issue('omar@woodgrove.test', 'Omar Osei').certPem)

  const server = {
    imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const },
    smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const },
    delegateLogin: '{shared}*{user}',
    oauth: { issuer: stack.oidc!.issuer, clientId: stack.oidc!.clientId, scopes: stack.oidc!.scopes },
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    for (const locale of ['en-GB', 'nl-NL'] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const viewport of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }]) {
          const tag = `${locale.slice(0, 2)}-${colorScheme}-${viewport.width}`
          if (process.env.SHOT_ONLY && process.env.SHOT_ONLY !== tag) continue
          const shot = (page: Page, name: string) => page.screenshot({ path: join(out, `${name}-${tag}.png`) })
          const web = await startWebApp({ suggestedServer: null, log: (line) => { if (process.env.SHOT_LOG) console.error(line) }, autoconfig: { urls: () => [acUrl] }, trustAnchors: [ca.certPem] })
          const context = await browser.newContext({ locale, colorScheme, viewport, deviceScaleFactor: 1 })
          try {
            await screens(context, web.url, shot, server, certs)
          } finally {
            await context.close()
            await web.stop()
          }
          console.log(`wrote ${tag}`)
        }
      }
    }
  } finally {
    await browser.close()
    autoconfig.close()
    await stack.stop()
  }

  /** The organisation's settings typed into the form (a person would get them from their administrator). */
  async function fillSettings(page: Page, settings: typeof server): Promise<void> {
    const details = page.locator('form details').first()
    if (!(await details.getAttribute('open').then((v) => v !== null))) await page.locator('form summary').first().click()
    await page.locator('#imap-host').fill(settings.imap.host)
    await page.locator('#imap-port').fill(String(settings.imap.port))
    await pick(page, 'imap-security', 'None (this computer only)')
    await page.locator('#imap-port').fill(String(settings.imap.port))
    await page.locator('#smtp-host').fill(settings.smtp.host)
    await pick(page, 'smtp-security', 'None (this computer only)')
    await page.locator('#smtp-port').fill(String(settings.smtp.port))
    await pick(page, 'delegate-login', 'Dovecot master user (shared*me)')
    await pick(page, 'sign-in-method', 'Organisation sign-in (OAuth2)')
    await page.locator('#oauth-issuer').fill(settings.oauth.issuer)
    await page.locator('#oauth-client').fill(settings.oauth.clientId)
    await page.locator('#oauth-scopes').fill(settings.oauth.scopes.join(' '))
  }

  async function screens(context: BrowserContext, url: string, shot: (p: Page, n: string) => Promise<unknown>, settings: typeof server, certDir: string): Promise<void> {
    const page = await context.newPage()
    page.on('pageerror', (e) => console.error('pageerror:', e.message))
    await page.goto(url)
    const address = page.locator('#address')
    // 1. The servers an autoconfig answer names, before anything is sent to them.
    await address.fill('ines@northwind.test')
    await page.getByTestId('servers-warning').waitFor()
    await shot(page, 'sign-in-servers')
    // 2. Organisation sign-in as lena, confirmed on main's own page; then the browser still signed in as her.
    await fillSettings(page, settings)
    await address.fill('lena@woodgrove.test')
    const [tab] = await Promise.all([context.waitForEvent('page'), page.getByTestId('provider-sign-in').click()])
    await tab.locator('input[name=login]').fill('lena@woodgrove.test')
    await tab.locator('input[name=password]').fill(passwordOf(stack, 'lena@woodgrove.test'))
    await tab.locator('button[type=submit]').click()
    await page.getByTestId('confirm-waiting').waitFor()
    await shot(page, 'confirm-waiting-sign-in')
    const [confirm] = await Promise.all([context.waitForEvent('page'), page.getByTestId('confirm-waiting').locator('a').click()])
    await confirm.setViewportSize(await page.viewportSize() ?? { width: 1440, height: 900 })
    await confirm.locator('.question').waitFor()
    await shot(confirm, 'confirm-page-hosts')
    await confirm.locator('button[value=accept]').click()
    await confirm.close()
    await tab.close()
    await page.getByTestId('signed-in-as').waitFor()
    await page.locator('.topbar button.quiet').last().click()
    await fillSettings(page, settings)
    await page.locator('#address').fill('omar@woodgrove.test')
    const [silent] = await Promise.all([context.waitForEvent('page'), page.getByTestId('provider-sign-in').click()])
    await page.getByTestId('sign-in-as-typed').waitFor()
    await silent.close()
    await shot(page, 'sign-in-other-person')
    // 3. Signed in with a password: the helpdesk's old Directory warning, and a Send As claim asked on main's page.
    await pick(page, 'sign-in-method', 'Password')
    await page.locator('#address').fill('lena@woodgrove.test')
    await page.locator('#password').fill(passwordOf(stack, 'lena@woodgrove.test'))
    await page.locator('#password').press('Enter')
    await page.getByTestId('signed-in-as').waitFor()
    await page.getByTestId('mailbox-warning').waitFor()
    await page.locator('details.claims summary').click()
    await page.locator('details.claims input[type=checkbox]').first().check()
    await page.getByTestId('confirm-waiting').waitFor()
    await shot(page, 'sidebar-warning-claim')
    const [claimPage] = await Promise.all([context.waitForEvent('page'), page.getByTestId('confirm-waiting').locator('a').click()])
    await claimPage.locator('.question').waitFor()
    await claimPage.locator('button[value=refuse]').click()
    await claimPage.close()
    // 4. Certificates and their trust state, with a change waiting.
    await page.locator('.topbar button.quiet').nth(0).click()
    const dialog = page.getByRole('dialog')
    const input = dialog.locator('input[type=file]').nth(1)
    for (const f of ['omar.pem', 'ines.pem', 'omar-new.pem']) { await input.setInputFiles(join(certDir, f)); await page.waitForTimeout(400) }
    await dialog.getByTestId('cert-change').waitFor()
    await shot(page, 'security-trust')
  }
}

void main()
