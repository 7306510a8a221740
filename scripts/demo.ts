// `npm run demo`: the Contoso organisation on a real Dovecot + Postfix, seeded with realistic
// mail, and Tandem opened on it: in Electron where its binary is installed, else the web host.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { loadOrganisation } from '../test/mailstack/organisation'
import { MAIL_STACK_PACKAGES, checkMailStackPackages, startMailStack } from '../test/mailstack/stack'
import { personalInbox, supportInbox } from '../test/mailstack/demo-mail'
import { projectRoot, startWebApp } from '../electron/web/web-app'

function ensurePackages(): void {
  try {
    checkMailStackPackages()
  } catch (e) {
    if (process.getuid?.() !== 0) {
      console.error(String((e as Error).message))
      process.exit(1)
    }
    console.log(`Installing ${MAIL_STACK_PACKAGES.join(' ')} from Debian (needed once)…`)
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    const ok = spawnSync('apt-get', ['update'], { stdio: 'inherit', env }).status === 0
      && spawnSync('apt-get', ['install', '-y', ...MAIL_STACK_PACKAGES], { stdio: 'inherit', env }).status === 0
    if (!ok) process.exit(1)
    checkMailStackPackages()
  }
}

function electronBinary(): string | null {
  const p = join(projectRoot, 'node_modules', 'electron', 'dist', process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron')
  return existsSync(p) ? p : null
}

async function main(): Promise<void> {
  ensurePackages()
  if (!existsSync(join(projectRoot, 'out', 'renderer', 'index.html')) || process.env.TANDEM_REBUILD) {
    console.log('Building Tandem…')
    if (spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit', cwd: projectRoot }).status !== 0) process.exit(1)
  }
  const org = await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))
  // With the organisation's own OpenID provider: each person can sign in on its page (OAuth2) or with a password.
  // Mail to customers (anyone outside Contoso) is kept in one local mailbox, so a reply to them goes
  // and can be read there: nothing leaves this machine.
  const world = { address: 'world@outside.example', name: 'The outside world', password: 'outside-pass-1' }
  const stack = await startMailStack(org, { oauth: true, outsideWorld: world })
  const stopAll: (() => Promise<void>)[] = [() => stack.stop()]
  // Once, whatever number of signals arrive: a second run would exit before Postfix has stopped.
  let stopping: Promise<void> | null = null
  const stop = () => (stopping ??= (async () => {
    for (const s of [...stopAll].reverse()) await s().catch(() => undefined)
    process.exit(0)
  })())
  process.on('SIGINT', () => { void stop() })
  process.on('SIGTERM', () => { void stop() })

  const t0 = Date.now()
  const support = await supportInbox(400, 'Contoso Support <support@contoso.test>')
  await stack.seed('support@contoso.test', 'INBOX', support)
  await stack.seed('reception@contoso.test', 'INBOX', await supportInbox(60, 'Reception Desk <reception@contoso.test>', 19))
  const people = org.users.map((u) => ({ name: u.name, address: u.address }))
  for (const [k, u] of org.users.entries()) {
    await stack.seed(u.address, 'INBOX', await personalInbox(u.address, people.filter((p) => p.address !== u.address), 25, 100 + k))
  }
  console.log(`Seeded ${support.length} messages into Contoso Support and more into each mailbox in ${Date.now() - t0} ms.`)

  const server = {
    imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const },
    smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const },
    // Contoso's server opens shared mailboxes with Dovecot master-user logins (shared*member).
    delegateLogin: `{shared}${stack.org.layout.masterSeparator}{user}`,
    oauth: { issuer: stack.oidc!.issuer, clientId: stack.oidc!.clientId, scopes: stack.oidc!.scopes },
  }
  console.log(`\nContoso's mail server: IMAP 127.0.0.1:${stack.ports.imap}, SMTP submission 127.0.0.1:${stack.ports.submission} (loopback only).`)
  console.log(`Contoso's sign-in provider (OpenID Connect): ${stack.oidc!.issuer} — "Sign in with" opens its page; "Use a password instead" works too.`)
  console.log('Sign in as:')
  for (const u of org.users) {
    const shared = org.sharedMailboxes.filter((s) => s.members.some((m) => m.address === u.address)).map((s) => s.name)
    console.log(`  ${u.address.padEnd(22)} password ${u.password.padEnd(14)} ${shared.length ? `member of ${shared.join(', ')}` : 'no shared mailboxes'}`)
  }
  console.log('  (support@contoso.test and reception@contoso.test are shared mailboxes: signing in as them is refused, R8.)')
  console.log(`Mail to anyone outside Contoso (the customers) is kept in "${world.name}": sign in as ${world.address}, password ${world.password}, to read it.`)
  // The administrator's side (docs/admin.md): carol becomes a member of support; her Tandem shows it at its next refresh (a minute).
  console.log('\nAs the administrator, try (more: npm run admin -- --help):')
  console.log(`  TANDEM_ADMIN_KEY=${stack.admin.key} npm run admin -- --config ${stack.admin.config} member add support@contoso.test carol@contoso.test`)

  const electron = electronBinary()
  if (electron) {
    const child = spawn(electron, [join(projectRoot, 'out', 'main', 'main.js')], {
      stdio: 'inherit', env: { ...process.env, TANDEM_SUGGESTED_SERVER: JSON.stringify(server) },
    })
    child.on('exit', () => { void stop() })
    console.log('\nTandem is open in Electron. Close its window or press Ctrl+C to stop the demo.')
    return
  }
  const web = await startWebApp({ suggestedServer: server, port: Number(process.env.TANDEM_PORT ?? 5193) })
    .catch(() => startWebApp({ suggestedServer: server, port: 0 }))
  stopAll.push(() => web.stop())
  console.log('\nThe Electron binary is not installed here, so Tandem runs in the web host. Open:')
  console.log(`\n  ${web.url}\n`)
  console.log('Ctrl+C stops Tandem and the mail server.')
}

void main().catch((e) => { console.error(e); process.exit(1) })
