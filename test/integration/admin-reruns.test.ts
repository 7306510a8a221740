import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { myRights } from '../../electron/service/imap/raw'
import { smallOrganisation, type Organisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { imapSession, newService, passwordOf, serverSettings, type TestService } from './helpers'
import { admin, adminConfigWith, serverSnapshot } from './admin-cli'

/**
 * What an administrator expects of running tandem-admin again: a run that stopped part way is
 * finished by the same command, a run with nothing to do changes nothing, and rights someone
 * changed by hand are put right. Against real Dovecot and Postfix on two generated
 * organisations ("/" with owners by address; "." with owners by bare name).
 */
const run = promisify(execFile)
const people = { ann: 'Ann Avery', ben: 'Ben Brook', cat: 'Cat Cole', dan: 'Dan Drake' }
const orgs: [string, Organisation][] = [
  ['Fabrikam', smallOrganisation('Fabrikam', 'fabrikam.test', { people, shared: [{ local: 'desk', name: 'Fabrikam Desk', members: [{ local: 'ann' }] }] })],
  ['Northwind', smallOrganisation('Northwind', 'northwind.test', {
    people, shared: [{ local: 'desk', name: 'Northwind Desk', members: [{ local: 'ann' }] }],
    layout: { separator: '.', sharedPrefix: 'Other Users.%%n.', masterSeparator: '*' },
  })],
]

describe.each(orgs)('tandem-admin run again on %s', (name, org) => {
  let stack: MailStack
  const services: TestService[] = []
  const domain = org.domains[0]!
  const at = (local: string) => `${local}@${domain}`
  const orders = at('orders')
  /** A folder of a shared mailbox as its members see it in their own session. */
  const seen = (shared: string, folder: string) => stack.org.layout.sharedPrefix!.replace('%%u', shared).replace('%%n', shared.split('@')[0]!) + folder
  const directoryAbout = async (address: string) =>
    (await stack.doveadm('-o', 'mail_plugins=quota', 'search', '-u', stack.admin.account, 'mailbox', stack.directoryPath!, 'header', 'Subject', `entry for ${address}`)).trim().split('\n').filter(Boolean).length

  beforeAll(async () => { stack = await startMailStack(org) })
  afterAll(async () => {
    await Promise.all(services.map((s) => s.service.stop()))
    await stack?.stop()
  })

  it('a run stopped part way is finished by the same command; run once more, it changes nothing', async () => {
    // The directory folder misnamed: the run stops when it publishes the entry, after the account and its folders.
    const broken = await adminConfigWith(stack, 'misnamed-directory', (c) => { c.directory = `${c.directory}-misnamed` })
    const stopped = await admin(stack, ['shared', 'create', orders, '--name', `${name} Orders`], { config: broken })
    expect(stopped.code).toBe(1)
    expect(stopped.err).toMatch(/^Stopped after \d+ of \d+ changes/m)
    expect(stopped.err).toMatch(/run the same command again: it makes only what is still missing/)
    expect(await directoryAbout(orders)).toBe(0)

    const finished = await admin(stack, ['shared', 'create', orders, '--name', `${name} Orders`, '--json'])
    expect(finished.code).toBe(0)
    const keys = finished.json<{ changes: { key: string }[] }>().changes.map((c) => c.key)
    // Only what was missing: no second account, no folders again.
    expect(keys).toEqual(expect.arrayContaining(['admin.change.directory', 'admin.change.delivery', 'admin.change.postfixReload']))
    expect(keys).not.toContain('admin.change.account')
    expect(keys).not.toContain('admin.change.folders')
    expect(await directoryAbout(orders)).toBe(1)

    const before = await serverSnapshot(stack)
    const again = await admin(stack, ['shared', 'create', orders, '--name', `${name} Orders`])
    expect(again.out).toBe(`Nothing to change: shared create ${orders} --name "${name} Orders" is already so.`)
    expect(await serverSnapshot(stack)).toBe(before)

    // A member sees it, by the name of the finished run.
    expect((await admin(stack, ['member', 'add', orders, at('ben')])).code).toBe(0)
    const ben = await newService()
    services.push(ben)
    await ben.service.signIn({ address: at('ben'), password: passwordOf(stack, at('ben')), server: serverSettings(stack) })
    expect(ben.service.current()!.mailboxes.find((m) => m.address === orders)).toMatchObject({ kind: 'shared', name: `${name} Orders` })
  })

  it('member add puts missing or wrong rights right (R1), and changes nothing when they are right', async () => {
    const desk = at('desk')
    const before = await serverSnapshot(stack)
    expect((await admin(stack, ['member', 'add', desk, at('ann')])).out).toMatch(/^Nothing to change/)
    expect(await serverSnapshot(stack)).toBe(before)

    // Behind the command's back: Ann may only read a folder, and may make folders in the team folder.
    const sent = stack.org.folders.sent
    await stack.doveadm('acl', 'set', '-u', desk, sent, `user=${at('ann')}`, 'lookup', 'read')
    await stack.doveadm('acl', 'set', '-u', desk, 'Tandem Team', `user=${at('ann')}`, 'lookup', 'read', 'write-seen', 'insert', 'create')
    const ann = await imapSession(stack, at('ann'), passwordOf(stack, at('ann')))
    expect(await myRights(ann, seen(desk, sent))).toBe('lr')
    expect(await myRights(ann, seen(desk, 'Tandem Team'))).toContain('k')

    const repaired = await admin(stack, ['member', 'add', desk, at('ann')])
    expect(repaired.code).toBe(0)
    expect(repaired.out).toMatch(/Give .* Full Access to every folder/)
    expect(await myRights(ann, seen(desk, sent))).toMatch(/^lrwstipekx/)
    expect(await myRights(ann, seen(desk, 'Tandem Team'))).toBe('lrsi')
    await ann.logout()
  })

  it('convert again adds members and keeps those it had; a member of nothing removed has nothing to change (R11)', async () => {
    const dan = at('dan')
    expect((await admin(stack, ['convert', dan, '--to-shared', '--members', at('ann')])).code).toBe(0)
    const more = await admin(stack, ['convert', dan, '--to-shared', '--members', at('cat'), '--json'])
    expect(more.code).toBe(0)
    expect(more.json<{ changes: { key: string }[] }>().changes.map((c) => c.key)).toEqual(['admin.change.access', 'admin.change.directory'])
    const who = (await admin(stack, ['who-has', dan, '--json'])).json<{ report: { members: { address: string; full: boolean }[]; drift: unknown[] } }>().report
    expect(who.members.map((m) => [m.address, m.full])).toEqual([[at('ann'), true], [at('cat'), true]])
    expect(who.drift).toEqual([])
    expect((await admin(stack, ['member', 'remove', dan, at('ben')])).out).toMatch(/^Nothing to change/)
  })

  it('shared remove twice: the second has nothing to change, and no directory entry about it is left', async () => {
    // Several entries about it (each change publishes one; superseded ones are removed).
    expect((await admin(stack, ['grant', orders, at('ben'), 'send-on-behalf'])).code).toBe(0)
    expect(await directoryAbout(orders)).toBe(1)
    expect((await admin(stack, ['shared', 'remove', orders])).code).toBe(0)
    expect(await directoryAbout(orders)).toBe(0)
    const before = await serverSnapshot(stack)
    expect((await admin(stack, ['shared', 'remove', orders])).out).toBe(`Nothing to change: shared remove ${orders} is already so.`)
    expect(await serverSnapshot(stack)).toBe(before)
    // A person's address is not a shared mailbox, and says so.
    const person = await admin(stack, ['shared', 'remove', at('cat')])
    expect(person.code).toBe(1)
    expect(person.err).toMatch(/is not a shared mailbox of this organisation\..*Nothing was changed\.$/m)
  })

  it('the audit records the command line with its options, and says the changes in the reader\'s language', async () => {
    expect((await admin(stack, ['licence', at('desk'), '--plan', 'plan2'])).code).toBe(0)
    const [record] = (await admin(stack, ['audit', '--limit', '1', '--json'])).json<{ report: { records: { command: string[] }[] } }>().report.records
    expect(record!.command).toEqual(['licence', at('desk'), '--plan', 'plan2'])
    const out: string[] = []
    const { runAdmin } = await import('../../admin/run')
    await runAdmin(['audit', '--limit', '1'], { env: { TANDEM_ADMIN_CONFIG: stack.admin.config, TANDEM_ADMIN_KEY: stack.admin.key, LANG: 'nl_NL.UTF-8' }, out: (l) => out.push(l), err: (l) => out.push(l) })
    expect(out[0]).toMatch(new RegExp(`voerde licence ${at('desk')} --plan plan2 uit$`))
    expect(out[1]).toBe(`  • Abonnement plan2 vastleggen voor ${at('desk')}: quotum 100 MB, een automatisch uitbreidend archief en bewaring voor juridische doeleinden (R5, R13, R14)`)
  })

  it('the bin entry of package.json is the command, in the checkout and as npm pack ships it (the bundle alone, no node_modules)', async () => {
    const root = new URL('../..', import.meta.url).pathname
    const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as { name: string; version: string; bin: Record<string, string> }
    const bin = pkg.bin['tandem-admin']!
    const runBin = (path: string) => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [path, 'who-has', at('desk'), '--json', '--config', stack.admin.config], {
        cwd: '/', env: { PATH: process.env.PATH, TANDEM_ADMIN_KEY: stack.admin.key }, stdio: ['ignore', 'pipe', 'inherit'],
      })
      let out = ''
      child.stdout.on('data', (d) => { out += String(d) })
      child.once('exit', (code) => resolve({ code, out }))
    })
    const answer = { ok: true, report: { address: at('desk'), name: `${name} Desk` } }
    const checkout = await runBin(`${root}${bin}`)
    expect(checkout.code).toBe(0)
    expect(JSON.parse(checkout.out)).toMatchObject(answer)

    // What an install gets: the package npm pack makes (its prepack builds the bundle), unpacked where nothing else is.
    const dir = await mkdtemp(join(tmpdir(), 'tandem-admin-pack-'))
    try {
      await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root })
      await run('tar', ['-xzf', join(dir, `${pkg.name}-${pkg.version}.tgz`), '-C', dir])
      const installed = await runBin(join(dir, 'package', bin))
      expect(installed.code).toBe(0)
      expect(JSON.parse(installed.out)).toMatchObject(answer)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
