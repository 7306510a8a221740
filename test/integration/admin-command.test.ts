import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import nodemailer from 'nodemailer'
import { ImapFlow } from 'imapflow'
import { ApiFailure } from '../../shared/api/errors'
import { MemorySecretStore } from '../../electron/service/storage/secret-store'
import { myRights } from '../../electron/service/imap/raw'
import { loadOrganisation, parseOrganisation, type Organisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { R8_REASON } from '../mailstack/dovecot-config'
import { signInOnPage } from '../mailstack/oidc-browser'
import { CONTOSO, eventually, imapSession, newService, oauthServerSettings, oauthSignIn, passwordOf, serverSettings, streamedMessages, type TestService } from './helpers'
import { admin, adminConfigWith, serverSnapshot } from './admin-cli'
import { memberFolder } from '../../admin/context'

/**
 * tandem-admin against real Dovecot (its doveadm HTTP API on loopback) and Postfix, on two
 * generated organisations: Contoso (owners by address, "/") and Tailspin (owners by bare user
 * name under "Other Users.", "." separator, other folder names). Members' Tandem follows at its
 * next mailbox refresh, called here instead of waiting for the 60 s timer.
 */
const tailspin: Organisation = parseOrganisation({
  name: 'Tailspin',
  domains: ['tailspin.test'],
  users: [
    { address: 'ann@tailspin.test', name: 'Ann Avery', password: 'ann-pass-1' },
    { address: 'ben@tailspin.test', name: 'Ben Brook', password: 'ben-pass-1' },
    { address: 'cal@tailspin.test', name: 'Cal Cross', password: 'cal-pass-1' },
    { address: 'dan@tailspin.test', name: 'Dan Drake', password: 'dan-pass-1' },
  ],
  sharedMailboxes: [{ address: 'helpdesk@tailspin.test', name: 'Tailspin Helpdesk', members: [{ address: 'ann@tailspin.test', sendAs: true }, { address: 'ben@tailspin.test', sendOnBehalf: true }] }],
  folders: { sent: 'Sent', drafts: 'Drafts', trash: 'Trash', junk: 'Spam', archive: 'Archives', directory: 'Directory', team: 'Tandem Team' },
  layout: { separator: '.', sharedPrefix: 'Other Users.%%n.', masterSeparator: '*' },
})

interface Cast { shared: string; member: string; onBehalf: string; other: string; leaver: string; domain: string }
const orgs: [string, () => Promise<Organisation>, Cast][] = [
  ['Contoso', () => loadOrganisation(CONTOSO), { shared: 'support', member: 'alice', onBehalf: 'bob', other: 'carol', leaver: 'dave', domain: 'contoso.test' }],
  ['Tailspin', async () => tailspin, { shared: 'helpdesk', member: 'ann', onBehalf: 'ben', other: 'cal', leaver: 'dan', domain: 'tailspin.test' }],
]

async function failure(p: Promise<unknown>): Promise<ApiFailure> {
  const e = await p.then(() => null, (err: unknown) => err)
  expect(e).toBeInstanceOf(ApiFailure)
  return e as ApiFailure
}

describe.each(orgs)('tandem-admin on %s', (_name, load, cast) => {
  let stack: MailStack
  const services: TestService[] = []
  const at = (local: string) => `${local}@${cast.domain}`
  const shared = at(cast.shared)
  const billing = at('billing')

  beforeAll(async () => { stack = await startMailStack(await load(), { oauth: true }) })
  afterAll(async () => {
    await Promise.all(services.map((s) => s.service.stop()))
    await stack?.stop()
  })

  async function signedIn(local: string, t?: TestService): Promise<TestService> {
    const s = t ?? await newService()
    await s.service.signIn({ address: at(local), password: passwordOf(stack, at(local)), server: serverSettings(stack) })
    services.push(s)
    return s
  }

  const smtpAs = (local: string) => nodemailer.createTransport({
    host: stack.host, port: stack.ports.submission, secure: false, ignoreTLS: true, auth: { user: at(local), pass: passwordOf(stack, at(local)) },
  })

  it('refuses every command without the administrator\'s key, or with a wrong one, and changes nothing (R12)', async () => {
    const before = await serverSnapshot(stack)
    const none = await admin(stack, ['shared', 'create', billing, '--name', 'Billing'], { key: null })
    expect(none.code).toBe(1)
    expect(none.err).toMatch(/No administrator's key was given, so nothing was read or changed: every command needs it \(R12\)/)
    expect(none.err).toMatch(/nothing was read or changed/)
    const wrong = await admin(stack, ['member', 'add', shared, at(cast.other)], { key: 'not-the-key' })
    expect(wrong.code).toBe(1)
    expect(wrong.err).toMatch(/did not accept the administrator's key \(R12\)/)
    // The details line: the rule and what the server said.
    expect(wrong.err).toMatch(/^Details: R12 · HTTP 401/m)
    expect(await serverSnapshot(stack)).toBe(before)
  })

  it('the installed command (npm run admin) refuses without the key too', async () => {
    const run = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn('npm', ['run', '--silent', 'admin', '--', 'who-has', shared, '--config', stack.admin.config], {
        cwd: new URL('../..', import.meta.url).pathname, env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C' }, stdio: ['ignore', 'ignore', 'pipe'],
      })
      let err = ''
      child.stderr.on('data', (d) => { err += String(d) })
      child.once('exit', (code) => resolve({ code, err }))
    })
    expect(run.code).toBe(1)
    expect(run.err).toContain('(R12)')
  })

  it('says what it would change with --dry-run, and changes nothing', async () => {
    const before = await serverSnapshot(stack)
    const dry = await admin(stack, ['shared', 'create', billing, '--name', `${_name} Billing`, '--dry-run', '--json'])
    expect(dry.code).toBe(0)
    const answer = dry.json<{ dryRun: boolean; changes: { key: string; text: string }[] }>()
    expect(answer.dryRun).toBe(true)
    expect(answer.changes.map((c) => c.key)).toEqual(expect.arrayContaining(['admin.change.account', 'admin.change.teamFolder', 'admin.change.directory', 'admin.change.delivery']))
    expect(await serverSnapshot(stack)).toBe(before)
  })

  it('shared create: a mailbox that never signs in (R8); a member added sees it at the next refresh, with Full Access on folders made later (R1)', async () => {
    const other = await signedIn(cast.other)
    expect(other.service.current()!.mailboxes.some((m) => m.address === billing)).toBe(false)

    const created = await admin(stack, ['shared', 'create', billing, '--name', `${_name} Billing`])
    expect(created.err).toBe('')
    expect(created.code).toBe(0)
    expect(created.out).toMatch(/^Done: shared create/m)
    expect(created.out).toMatch(/Recorded in the audit/)
    expect((await admin(stack, ['member', 'add', billing, at(cast.other)])).code).toBe(0)
    expect((await admin(stack, ['member', 'add', billing, at(cast.onBehalf)])).code).toBe(0)

    const session = await other.service.refreshMailboxes()
    expect(session.mailboxes.find((m) => m.address === billing)).toMatchObject({ id: `shared:${billing}`, kind: 'shared', name: `${_name} Billing` })
    const roles = (await other.service.listFolders(`shared:${billing}`)).map((f) => f.role)
    expect(roles).toEqual(expect.arrayContaining(['inbox', 'sent', 'drafts', 'trash', 'junk', 'archive']))

    // R8: the server refuses it whatever the password, with the reason; Tandem names R8.
    const refused = await imapSession(stack, billing, 'anything').then(() => null, (e: { authenticationFailed?: boolean; response?: string }) => e)
    expect(refused?.authenticationFailed).toBe(true)
    expect(refused?.response).toContain('(R8)')
    const smtp = nodemailer.createTransport({ host: stack.host, port: stack.ports.submission, secure: false, ignoreTLS: true, auth: { user: billing, pass: 'anything' } })
    expect(await smtp.verify().then(() => null, (e: { responseCode?: number }) => e.responseCode)).toBe(535)
    const fresh = await newService()
    const e = await failure(fresh.service.signIn({ address: billing, password: 'anything', server: serverSettings(stack) }))
    expect(e.error).toMatchObject({ code: 'auth.sharedMailbox', rule: 'R8' })
    await fresh.service.stop()

    // The team folder: members add to it, nothing more; a folder made later gives every member Full Access.
    const sep = stack.org.layout.separator
    const own = await imapSession(stack, at(cast.other), passwordOf(stack, at(cast.other)))
    const root = stack.org.layout.sharedPrefix!.replace('%%u', billing).replace('%%n', 'billing')
    expect(await myRights(own, `${root}Tandem Team`)).toBe('lrsi')
    await own.mailboxCreate(`${root}Projects`)
    await own.logout()
    const second = await imapSession(stack, at(cast.onBehalf), passwordOf(stack, at(cast.onBehalf)))
    expect(await myRights(second, `${root}Projects`)).toMatch(/^lrwstipekx/)
    await second.logout()
    expect(sep).toBeTruthy()
  })

  it('with per-member author folders: each member appends only to their own, the others read it (confirmed authors)', async () => {
    const config = await adminConfigWith(stack, 'authors', (c) => { c.folders.teamMemberFolders = true })
    const added = await admin(stack, ['member', 'add', billing, at(cast.member)], { config })
    expect(added.err).toBe('')
    const sep = stack.org.layout.separator
    const root = stack.org.layout.sharedPrefix!.replace('%%u', billing).replace('%%n', 'billing')
    const folder = (local: string) => `${root}Tandem Team${sep}${memberFolder(at(local))}`
    const newcomer = await imapSession(stack, at(cast.member), passwordOf(stack, at(cast.member)))
    expect(await myRights(newcomer, folder(cast.member))).toBe('lrsi')
    // Members from before author folders got theirs too; the newcomer reads them, and may add to none.
    expect(await myRights(newcomer, folder(cast.other))).toBe('lr')
    expect(await myRights(newcomer, folder(cast.onBehalf))).toBe('lr')
    await newcomer.logout()
    const earlier = await imapSession(stack, at(cast.other), passwordOf(stack, at(cast.other)))
    expect(await myRights(earlier, folder(cast.member))).toBe('lr')
    expect(await myRights(earlier, folder(cast.other))).toBe('lrsi')
    await earlier.logout()
    // Leaving ends their rights everywhere; their folder (what they wrote) stays for the others to read.
    expect((await admin(stack, ['member', 'remove', billing, at(cast.member)], { config })).code).toBe(0)
    const after = await imapSession(stack, at(cast.other), passwordOf(stack, at(cast.other)))
    expect(await myRights(after, folder(cast.member))).toBe('lr')
    await after.logout()
  })

  it('grant Send As: the From picker offers it and Postfix accepts; revoke: gone, the mailbox stays, Postfix refuses with 553 (R2)', async () => {
    const member = await signedIn(cast.onBehalf)
    const sendAs = `sendAs:${shared}`
    expect(member.service.identities().map((i) => i.id)).not.toContain(sendAs)

    expect((await admin(stack, ['grant', shared, at(cast.onBehalf), 'send-as'])).code).toBe(0)
    await member.service.refreshMailboxes()
    expect(member.service.identities().map((i) => i.id)).toContain(sendAs)
    const subject = `Granted send-as ${Date.now()}`
    await member.service.send({
      identityId: sendAs, to: [{ name: '', address: at(cast.other) }], cc: [], bcc: [], subject, text: 'Sent as the shared mailbox',
      html: null, inReplyTo: null, references: [], encrypt: false, attachments: [],
    })
    const inbox = await imapSession(stack, at(cast.other), passwordOf(stack, at(cast.other)))
    await eventually(async () => {
      await inbox.mailboxOpen('INBOX')
      return (await inbox.search({ subject }, { uid: true }) || []).length === 1
    }, 'the Send As message delivered')
    await inbox.logout()

    expect((await admin(stack, ['revoke', shared, at(cast.onBehalf), 'send-as'])).code).toBe(0)
    const session = await member.service.refreshMailboxes()
    expect(member.service.identities().map((i) => i.id)).not.toContain(sendAs)
    // Only the identity goes: the membership (and the mailbox's cache) stays.
    expect(session.mailboxes.map((m) => m.address)).toContain(shared)
    const refused = await smtpAs(cast.onBehalf).sendMail({ envelope: { from: shared, to: [at(cast.other)] }, raw: `From: ${shared}\r\nSubject: after revoke\r\n\r\nx\r\n` })
      .then(() => null, (e: { responseCode?: number; response?: string }) => e)
    expect(refused?.responseCode).toBe(553)
    expect(refused?.response).toMatch(/not owned by user/)
  })

  it('grants On Behalf only to a member, published for Tandem (R3)', async () => {
    const notMember = await admin(stack, ['grant', shared, at(cast.other), 'send-on-behalf'])
    expect(notMember.code).toBe(1)
    expect(notMember.err).toMatch(/is not a member of/)
    expect(notMember.err).toMatch(/^Details: R3/m)
    const member = await signedIn(cast.member)
    expect(member.service.identities().map((i) => i.id)).not.toContain(`onBehalf:${shared}`)
    expect((await admin(stack, ['grant', shared, at(cast.member), 'send-on-behalf'])).code).toBe(0)
    await member.service.refreshMailboxes()
    expect(member.service.identities().map((i) => i.id)).toContain(`onBehalf:${shared}`)
  })

  it('refuses an external member, grant or conversion member with R7, and changes nothing', async () => {
    const before = await serverSnapshot(stack)
    const outsider = 'eve@gmail.example'
    for (const args of [['member', 'add', shared, outsider], ['grant', shared, outsider, 'send-as'], ['convert', at(cast.leaver), '--to-shared', '--members', `${at(cast.member)},${outsider}`]]) {
      const r = await admin(stack, [...args, '--json'])
      expect(r.code).toBe(1)
      expect(r.json<{ ok: boolean; error: { rule: string; message: string } }>()).toMatchObject({ ok: false, error: { rule: 'R7' } })
      expect(r.json<{ error: { message: string } }>().error.message).toMatch(/outside the domains of .*Nothing was changed/)
    }
    expect(await serverSnapshot(stack)).toBe(before)
  })

  it(`convert: the person's password and OAuth sign-in refused with R8's wording, open sessions ended, members see the mail (R11)`, async () => {
    const leaver = at(cast.leaver)
    await stack.seed(leaver, 'INBOX', [1, 2, 3].map((n) => ({ raw: `From: Customer <c${n}@example.net>\r\nTo: ${leaver}\r\nSubject: Kept ${n}\r\nMessage-ID: <kept-${n}-${cast.leaver}@example.net>\r\n\r\nBody ${n}\r\n` })))
    const byPassword = await signedIn(cast.leaver)
    const secrets = new MemorySecretStore()
    const byToken = await newService(undefined, 500, { secrets })
    services.push(byToken)
    await oauthSignIn(byToken, stack, leaver)
    const refreshToken = await secrets.get(`oauth:${leaver}`)
    expect(refreshToken).toBeTruthy()
    const raw = await imapSession(stack, leaver, passwordOf(stack, leaver))
    let closed = false
    raw.on('close', () => { closed = true })
    await raw.mailboxOpen('INBOX')
    const member = await signedIn(cast.member)

    const converted = await admin(stack, ['convert', leaver, '--to-shared', '--members', at(cast.member)])
    expect(converted.err).toBe('')
    expect(converted.code).toBe(0)

    // Open sessions ended; Tandem's own reconnect (password, then token) is refused, with R8.
    await eventually(() => closed, 'the independent session closed by the server')
    const refusedState = (t: TestService) => t.events.some((e) => e.name === 'connection.state'
      && (e.payload as { mailboxId: string; state: string; detail?: { key?: string } }).mailboxId === `own:${leaver}`
      && (e.payload as { detail?: { key?: string } }).detail?.key === 'errors.auth.shared')
    await eventually(() => refusedState(byPassword), 'the password session refused with R8', 15_000)
    await eventually(() => refusedState(byToken), 'the token session refused with R8', 15_000)

    // A new sign-in, by password: refused, naming R8.
    const again = await newService()
    const e = await failure(again.service.signIn({ address: leaver, password: passwordOf(stack, leaver), server: serverSettings(stack) }))
    expect(e.error).toMatchObject({ code: 'auth.sharedMailbox', rule: 'R8' })
    expect(e.message).toMatch(/is a shared mailbox, and shared mailboxes cannot sign in\..*\(Rule R8\)$/)
    // ... by the organisation's sign-in: its provider refuses, in R8's words, and refreshes no token.
    const { flowId, url } = await again.service.oauthBegin(oauthServerSettings(stack), leaver)
    const page = await signInOnPage(url, leaver, passwordOf(stack, leaver)).then(() => '', (x: Error) => x.message)
    again.service.oauthCancel(flowId)
    expect(page).toContain(R8_REASON.replace(/'/g, '&#39;').slice(0, 40))
    await again.service.stop()
    const refresh = await fetch(`${stack.oidc!.issuer}/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: stack.oidc!.clientId }),
    })
    expect(refresh.status).toBe(400)
    expect((await refresh.json() as { error: string }).error).toBe('invalid_grant')
    // SMTP AUTH too.
    expect(await smtpAs(cast.leaver).verify().then(() => null, (x: { responseCode?: number }) => x.responseCode)).toBe(535)

    // Members see it as a shared mailbox, with every message it had.
    const session = await member.service.refreshMailboxes()
    const box = session.mailboxes.find((m) => m.address === leaver)
    expect(box).toMatchObject({ kind: 'shared', name: stack.org.users.find((u) => u.address === leaver)!.name })
    const inbox = (await member.service.listFolders(box!.id)).find((f) => f.role === 'inbox')!
    const from = member.events.length
    await member.service.syncMessages({ folderId: inbox.id, since: null, knownUids: 0 })
    expect(streamedMessages(member.events, from).map((m) => m.subject).sort()).toEqual(['Kept 1', 'Kept 2', 'Kept 3'])
  })

  it('licence raises the quota members see (R5); member remove takes the mailbox out of their Tandem (R1); reports and audit say who has what', async () => {
    const other = await signedIn(cast.other)
    const before = other.service.current()!.mailboxes.find((m) => m.address === billing)!
    expect(before.quota?.limit).toBe(50 * 1024 * 1024)
    const plan = await admin(stack, ['licence', billing, '--plan', 'plan2'])
    expect(plan.code).toBe(0)
    const raised = await other.service.refreshMailboxes()
    expect(raised.mailboxes.find((m) => m.address === billing)!.quota?.limit).toBe(100 * 1024 * 1024)

    const who = (await admin(stack, ['who-has', billing, '--json'])).json<{ report: { licence: object; members: { address: string; full: boolean }[] } }>().report
    expect(who.licence).toEqual({ plan: 'plan2', archive: 'auto-expanding', hold: true })
    expect(who.members.map((m) => [m.address, m.full])).toEqual([[at(cast.onBehalf), true], [at(cast.other), true]].sort())

    expect((await admin(stack, ['member', 'remove', billing, at(cast.other)])).code).toBe(0)
    const from = other.events.length
    const after = await other.service.refreshMailboxes()
    expect(after.mailboxes.some((m) => m.address === billing)).toBe(false)
    // The renderer purges the mailbox's cache when session.changed drops it (R1).
    expect(other.events.slice(from).some((e) => e.name === 'session.changed')).toBe(true)

    const access = (await admin(stack, ['access', at(cast.other), '--json'])).json<{ report: { mailboxes: { address: string }[] } }>().report
    expect(access.mailboxes.map((m) => m.address)).not.toContain(billing)
    const audit = (await admin(stack, ['audit', '--json'])).json<{ report: { records: { command: string[]; by: { user: string }; changes: string[] }[] } }>().report.records
    expect(audit[0]!.command).toEqual(['member', 'remove', billing, at(cast.other)])
    expect(audit[0]!.by.user).toBeTruthy()
    expect(audit.some((r) => r.command[0] === 'licence' && r.changes.some((c) => /plan2/.test(c)))).toBe(true)
  })

  it('shared remove: nobody has it any more and Postfix no longer delivers to it', async () => {
    expect((await admin(stack, ['shared', 'remove', billing])).code).toBe(0)
    const member = await signedIn(cast.onBehalf)
    expect(member.service.current()!.mailboxes.some((m) => m.address === billing)).toBe(false)
    const refused = await smtpAs(cast.member).sendMail({ envelope: { from: at(cast.member), to: [billing] }, raw: 'Subject: to a removed mailbox\r\n\r\nx\r\n' })
      .then(() => null, (e: { responseCode?: number }) => e.responseCode)
    expect(refused).toBe(550)
    const client = new ImapFlow({ host: stack.host, port: stack.ports.imap, secure: false, doSTARTTLS: false, auth: { user: billing, pass: 'x' }, logger: false })
    client.on('error', () => undefined)
    expect(await client.connect().then(() => 'in', () => 'refused')).toBe('refused')
  })

  it('stops part way with what was done and what to do, and audits it', async () => {
    const config = await adminConfigWith(stack, 'broken-postfix', (c) => { c.postfix.postfixCommand = '/bin/false' })
    const r = await admin(stack, ['revoke', shared, at(cast.member), 'send-as'], { config })
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^tandem-admin: Postfix did not carry out "\/bin\/false -c .* reload"\. Its reply is below; once that is fixed, run .* yourself: the maps are written already\./m)
    expect(r.err).toMatch(/^Stopped after 2 of 3 changes; these were made:/m)
    expect(r.err).toMatch(/^It stopped at: Reload Postfix so it uses its new maps \(that change may be partly made\)\. Once the cause is put right, run the same command again/m)
    expect(r.err).toMatch(/Recorded in the audit/)
    const [record] = (await admin(stack, ['audit', '--limit', '1', '--json'])).json<{ report: { records: { command: string[]; changes: string[]; error?: string }[] } }>().report.records
    expect(record!.command).toEqual(['revoke', shared, at(cast.member), 'send-as'])
    expect(record!.changes).toHaveLength(2)
    expect(record!.error).toMatch(/^Reload Postfix so it uses its new maps: Postfix did not carry out/)
    // The map is written; granting again puts it back as it was.
    expect((await admin(stack, ['grant', shared, at(cast.member), 'send-as'])).code).toBe(0)
  })
})
