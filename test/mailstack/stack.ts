import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import nodemailer from 'nodemailer'
import {
  adminAccountOf, dovecotConfig, denyFile, denyImapFile, mastersFile, noSignInFile, oauth2Config, oauth2DelegateConfig, passwdFile, MAIL_GID, MAIL_UID, OAUTH_KEYS_DIR, PUBLIC_DIR, R8_REASON, R8_REASON_ENV,
  type DovecotOptions,
} from './dovecot-config'
import { writeAdminConfig, ADMIN_RIGHTS, auditPathOf, type StackAdmin } from './admin-config'
import type { OidcOptions, OidcStack } from './oidc'
import { ensureFolder, writeMessages, type SeedMessage } from './maildir'
import { directoryPathOf, publicPrefixOf, type Organisation, type OrgSharedMailbox } from './organisation'
import { outsideWorldMap, postfixMainCf, postfixMasterCf, senderLoginMap, sentCopyConfig, transportMap, virtualMailboxMap, type OutsideWorld } from './postfix-config'
import { freePorts, waitForPort } from './ports'

const run = promisify(execFile)

/** The Debian packages the stack needs; printed when one is missing. */
export const MAIL_STACK_PACKAGES = ['dovecot-imapd', 'dovecot-lmtpd', 'postfix'] as const

/** The METADATA entry a person's own display name may be read from (their own word about themselves). */
export const DIRECTORY_ENTRY = '/shared/vendor/tandem/mailbox'

/** A shared mailbox's directory entry: its address, name, members and grants (docs/admin.md). */
export function directoryEntry(shared: OrgSharedMailbox): { address: string; name: string; sendAs: string[]; sendOnBehalf: string[]; members: string[] } {
  return {
    address: shared.address,
    name: shared.name,
    members: shared.members.map((m) => m.address),
    sendAs: shared.members.filter((m) => m.sendAs).map((m) => m.address),
    sendOnBehalf: shared.members.filter((m) => m.sendOnBehalf).map((m) => m.address),
  }
}

/** Rights a member gets on each folder of a shared mailbox (Exchange's "Full Access"). */
export const MEMBER_RIGHTS = 'lrwstipekx'
/**
 * A directory entry as the administrator publishes it (docs/admin.md): a message with the
 * X-Tandem-Directory header and the entry as plain JSON, in the public namespace's directory
 * folder, where people can only read. `about`: the address (or domain) the entry is for.
 */
export function directoryMessage(about: string, entry: object): string {
  const domain = about.includes('@') ? about.split('@')[1] : about
  return [
    `From: Mail administrator <postmaster@${domain}>`,
    `Subject: Tandem directory entry for ${about}`, `Date: ${new Date().toUTCString()}`, 'X-Tandem-Directory: 1',
    'MIME-Version: 1.0', 'Content-Type: application/json; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', JSON.stringify(entry), '',
  ].join('\r\n')
}

/** Everyone's rights on the public directory folder: see it, read it, nothing more. */
export const DIRECTORY_RIGHTS = 'lr'
/** Members' rights on the team-state folder: look, read, seen, insert — an append-only log. */
export const TEAM_RIGHTS = 'lrsi'
/** The other members' rights on a member's own folder under it: look and read, never insert. */
export const TEAM_READ_RIGHTS = 'lr'

/**
 * A member's folder under the team folder, named as docs/admin.md says: the address in lower
 * case, every character but letters, digits, @, _, + and - as %XX (so no dot, no separator).
 */
export function memberFolder(address: string): string {
  return address.toLowerCase().replace(/[^a-z0-9@_+-]/g, (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''))
}

/** The dovecot-acl of one member's folder: that member appends, the others read. */
const memberFolderAcl = (shared: OrgSharedMailbox, owner: string): string =>
  shared.members.map((m) => `user=${m.address} ${m.address === owner ? TEAM_RIGHTS : TEAM_READ_RIGHTS}`).join('\n') + '\n'

export interface MailStack {
  org: Organisation
  host: '127.0.0.1'
  ports: { imap: number; submission: number; smtp: number; lmtp: number; auth: number; doveadm: number }
  dir: string
  /** The organisation's OpenID provider, when the stack was started with `oauth`. */
  oidc: OidcStack | null
  /**
   * Seeds messages into a mailbox's folder (own or shared) without going through IMAP: for
   * filling mailboxes before clients open them (a session that has the folder open may not see
   * files written in the same second).
   */
  seed(address: string, folder: string, messages: SeedMessage[]): Promise<number>
  /** Delivers one message to a mailbox's INBOX over LMTP, as Postfix does: live sessions see it. */
  deliver(address: string, raw: string | Buffer, from?: string): Promise<void>
  /** Runs doveadm against this stack as the mail user (e.g. `acl delete`, `quota get`). */
  doveadm(...args: string[]): Promise<string>
  /**
   * Publishes a directory entry (a shared mailbox's name, members and grants; a person's name;
   * the organisation's domains) in the public directory, as the administrator would.
   */
  publishDirectory(about: string, entry: object): Promise<string>
  /** Removes every directory entry about this address, as the administrator would. */
  withdrawDirectory(about: string): Promise<void>
  /** The public namespace's directory folder as people's sessions name it, or null without one. */
  directoryPath: string | null
  /** The IMAP sessions open on the server now, by login (`doveadm who`): what a connection limit counts. */
  imapSessions(): Promise<string[]>
  /**
   * What an administrator does: sets (or with null, removes) a member's rights on folders of a
   * shared mailbox (all of its folders when none is named), then rebuilds the shared dictionary.
   */
  setRights(shared: string, member: string, rights: string | null, folders?: string[]): Promise<void>
  /**
   * Stops Dovecot and Postfix, keeping every mailbox: the network is "down" until resume().
   * The running IMAP sessions are killed first, mid-command, as in a crash.
   */
  pause(): Promise<void>
  /** Starts them again on the same ports with the same mail. */
  resume(): Promise<void>
  /** Stops Postfix and Dovecot and removes the temporary directory. */
  stop(): Promise<void>
  /**
   * What the organisation's administrator holds for tandem-admin: its configuration file (the
   * doveadm HTTP API on loopback, the account store, Postfix's maps) and the API key.
   */
  admin: StackAdmin
}

export interface StartOptions extends Omit<DovecotOptions, 'oauth'> {
  /** Keep the temporary directory after stop (to read the logs). */
  keep?: boolean
  /** Start the organisation's OpenID provider too; IMAP and SMTP then take its tokens (XOAUTH2). */
  oauth?: OidcOptions | true
  /**
   * A mailbox outside the organisation that keeps all mail to addresses outside it (the demo's
   * "outside world": a reply to a customer is delivered there and can be read by signing in as
   * it). Off: such mail is refused, as the tests need.
   */
  outsideWorld?: OutsideWorld
}

/** Throws with the exact install command when Dovecot or Postfix is missing. */
export function checkMailStackPackages(): void {
  const missing = [['dovecot', '/usr/sbin/dovecot'], ['postfix', '/usr/sbin/postfix'], ['lmtp', '/usr/lib/dovecot/lmtp']]
    .filter(([, p]) => !existsSync(p!))
  if (missing.length > 0) {
    throw new Error(`The test mail stack needs Debian's Dovecot and Postfix (missing: ${missing.map(([n]) => n).join(', ')}).
Install them with:  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${MAIL_STACK_PACKAGES.join(' ')}`)
  }
  if (process.getuid?.() !== 0) {
    throw new Error('The test mail stack must run as root: the Postfix master needs it, Dovecot is started as nobody.')
  }
}

function asMailUser(cmd: string, args: string[]): [string, string[]] {
  return ['setpriv', [`--reuid=${MAIL_UID}`, `--regid=${MAIL_GID}`, '--clear-groups', cmd, ...args]]
}

async function writeOwned(path: string, content: string, mode = 0o640): Promise<void> {
  await writeFile(path, content, { mode })
  await chown(path, MAIL_UID, MAIL_GID)
}

/**
 * Starts Dovecot (IMAP, LMTP, auth for Postfix) and Postfix (SMTP and submission) on free
 * 127.0.0.1 ports, everything generated from the organisation under one temporary directory.
 */
export async function startMailStack(org: Organisation, opts: StartOptions = {}): Promise<MailStack> {
  // Ports are found free, then bound by Dovecot and Postfix a moment later: a stack starting
  // beside this one (test files run side by side) may take one in between. Then again, on others.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMailStackOnce(org, opts)
    } catch (e) {
      if (attempt >= 4 || !/address already in use/i.test(String((e as Error).message))) throw e
    }
  }
}

async function startMailStackOnce(org: Organisation, opts: StartOptions): Promise<MailStack> {
  checkMailStackPackages()
  const dir = await mkdtemp(join(tmpdir(), 'tandem-stack-'))
  await chmod(dir, 0o755)
  const [imap, lmtp, auth, smtp, submission, doveadmHttp] = await freePorts(6) as [number, number, number, number, number, number]
  const ports = { imap, lmtp, auth, smtp, submission, doveadm: doveadmHttp }
  const doveadmApiKey = randomBytes(24).toString('base64url')

  // Dovecot: its files belong to the mail user, as it runs unprivileged.
  const dv = join(dir, 'dovecot')
  const home = (address: string) => join(dv, 'home', address)
  for (const d of [dv, join(dv, 'run'), join(dv, 'state'), join(dv, 'home')]) {
    await mkdir(d, { recursive: true })
    await chown(d, MAIL_UID, MAIL_GID)
  }
  // Loaded only when wanted: oidc-provider is large, and warns about the Node version on load.
  // An organisation that signs in with tokens only always has its provider. The provider asks
  // the organisation's account store who may sign in: an account the administrator blocked (a
  // shared mailbox, a converted one: R8, R11) gets no tokens.
  const oauth = opts.oauth ?? (org.server.signIn === 'oauth' ? true : undefined)
  const noSignIn = join(dv, 'no-sign-in.passwd')
  const blocked = async (address: string) => (await readFile(noSignIn, 'utf8').catch(() => '')).split('\n').some((l) => l.split(':')[0]?.toLowerCase() === address.toLowerCase())
  const oidc = oauth ? await (await import('./oidc')).startOidcProvider(org, { ...(oauth === true ? {} : oauth), blocked }) : null
  const conf = join(dv, 'dovecot.conf')
  await writeOwned(conf, dovecotConfig(org, { root: dv, home }, ports, { ...opts, oauth: oidc ? { issuer: oidc.issuer } : undefined, doveadmApiKey }))
  if (oidc) {
    await writeOwned(join(dv, 'oauth2.conf.ext'), oauth2Config({ root: dv, home }, { issuer: oidc.issuer }))
    await writeOwned(join(dv, 'oauth2-delegate.conf.ext'), oauth2DelegateConfig({ root: dv, home }, { issuer: oidc.issuer }))
    // Tokens carry no azp: Dovecot looks under "default".
    const keyDir = join(dv, OAUTH_KEYS_DIR, 'default', oidc.signingKey.alg)
    await mkdir(keyDir, { recursive: true })
    for (const d of [join(dv, OAUTH_KEYS_DIR), join(dv, OAUTH_KEYS_DIR, 'default'), keyDir]) await chown(d, MAIL_UID, MAIL_GID)
    await writeOwned(join(keyDir, oidc.signingKey.kid), oidc.signingKey.publicPem)
  }
  await writeOwned(join(dv, 'users.passwd'), passwdFile(org, { root: dv, home }, opts.outsideWorld ? [opts.outsideWorld] : []))
  await writeOwned(join(dv, 'masters.passwd'), mastersFile(org))
  await writeOwned(join(dv, 'deny-smtp.passwd'), denyFile(org))
  await writeOwned(join(dv, 'deny-imap.passwd'), denyImapFile(org))
  await writeOwned(noSignIn, noSignInFile(org))
  await writeOwned(join(dv, 'dovecot.log'), '')

  const f = org.folders
  const folders = ['INBOX', f.sent, f.drafts, f.trash, f.junk, f.archive]
  for (const account of [...org.users, ...org.sharedMailboxes]) {
    await mkdir(home(account.address), { recursive: true })
    await chown(home(account.address), MAIL_UID, MAIL_GID)
    for (const folder of folders) await ensureFolder(join(home(account.address), 'Maildir'), folder)
  }
  const adminAccount = adminAccountOf(org)
  await mkdir(home(adminAccount), { recursive: true })
  await chown(home(adminAccount), MAIL_UID, MAIL_GID)
  // R1: membership is an ACL on every folder of the shared mailbox (vfile: a dovecot-acl file per
  // folder); `doveadm acl recalc` below builds the shared-mailbox dictionary from them.
  for (const shared of org.sharedMailboxes) {
    const acl = shared.members.map((m) => `user=${m.address} ${MEMBER_RIGHTS}`).join('\n') + '\n'
    for (const folder of folders) {
      const folderPath = await ensureFolder(join(home(shared.address), 'Maildir'), folder)
      await writeOwned(join(folderPath, 'dovecot-acl'), acl)
    }
    // The team-state folder (docs/admin.md): members append and read, never change or remove.
    if (f.team) {
      const team = await ensureFolder(join(home(shared.address), 'Maildir'), f.team)
      await writeOwned(join(team, 'dovecot-acl'), shared.members.map((m) => `user=${m.address} ${TEAM_RIGHTS}`).join('\n') + '\n')
      // Confirmed authors (docs/admin.md): a folder per member under it, only its member inserts.
      if (f.teamMembers) {
        for (const m of shared.members) {
          const own = await ensureFolder(join(home(shared.address), 'Maildir'), `${f.team}/${memberFolder(m.address)}`)
          await writeOwned(join(own, 'dovecot-acl'), memberFolderAcl(shared, m.address))
        }
      }
    }
  }

  // The directory lives where no person can write: a folder of the public namespace, which no
  // person owns, readable by every signed-in person and writable by nobody over IMAP (R2, R3).
  const directoryPath = directoryPathOf(org)
  const publicRoot = join(dv, PUBLIC_DIR)
  if (directoryPath !== null) {
    await mkdir(publicRoot, { recursive: true })
    await chown(publicRoot, MAIL_UID, MAIL_GID)
    const directory = await ensureFolder(publicRoot, org.folders.directory!)
    // People read; the administrator's account (tandem-admin, through doveadm) writes.
    await writeOwned(join(directory, 'dovecot-acl'), `authenticated ${DIRECTORY_RIGHTS}\nuser=${adminAccount} ${ADMIN_RIGHTS}\n`)
    // tandem-admin's audit: who changed what, when; nobody but the administrator's account sees it.
    const audit = await ensureFolder(publicRoot, auditPathOf(org)!.slice(publicPrefixOf(org)!.length))
    await writeOwned(join(audit, 'dovecot-acl'), `user=${adminAccount} ${ADMIN_RIGHTS}\n`)
  }

  let dovecotErr = ''
  let dovecotExit: Promise<void> = Promise.resolve()
  let dovecot: ChildProcess | null = null
  const startDovecot = () => {
    const [cmd, args] = asMailUser('/usr/sbin/dovecot', ['-F', '-c', conf])
    const child: ChildProcess = spawn(cmd, args, {
      env: { PATH: process.env.PATH, [R8_REASON_ENV]: R8_REASON },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    dovecotErr = ''
    child.stderr?.on('data', (d) => { dovecotErr += String(d) })
    dovecotExit = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    dovecot = child
  }
  const waitForDovecot = () => Promise.race([
    waitForPort(imap).then(() => waitForPort(lmtp)).then(() => waitForPort(auth)),
    dovecotExit.then(() => { throw new Error(`Dovecot exited at start:\n${dovecotErr}`) }),
  ])
  startDovecot()

  const doveadm = async (...a: string[]) => {
    const [c, ca] = asMailUser('/usr/bin/doveadm', ['-c', conf, ...a])
    const { stdout } = await run(c, ca, { env: { PATH: process.env.PATH } })
    return stdout
  }
  /** `doveadm save`: appends one message to a folder as the server's administrator (stdin). */
  const doveadmSave = (address: string, folder: string, raw: string, options: string[] = []) => new Promise<string>((resolve, reject) => {
    const [c, ca] = asMailUser('/usr/bin/doveadm', ['-c', conf, ...options, 'save', '-u', address, '-m', folder])
    const child = spawn(c, ca, { env: { PATH: process.env.PATH }, stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => { err += String(d) })
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve('') : reject(new Error(`doveadm save: exit ${code}: ${err}`))))
    child.stdin.end(raw)
  })
  /**
   * The administrator's own tool: `doveadm save` with the ACL plugin off for that one command
   * (on a real server, an administrator account with rights on the folder does the same).
   */
  const publishDirectory = async (about: string, entry: object) => {
    if (directoryPath === null) throw new Error(`${org.name}'s server has no public namespace for a directory`)
    return doveadmSave(org.users[0]!.address, directoryPath, directoryMessage(about, entry), ['-o', 'mail_plugins=quota'])
  }
  const withdrawDirectory = async (about: string) => {
    if (directoryPath === null) return
    await doveadm('-o', 'mail_plugins=quota', 'expunge', '-u', org.users[0]!.address, 'mailbox', directoryPath, 'header', 'Subject', `entry for ${about}`)
  }

  // Postfix: root-owned config; its master needs root and drops to the postfix user itself.
  const pf = join(dir, 'postfix')
  await makePostfixQueue(pf)
  await writeFile(join(pf, 'main.cf'), postfixMainCf(org, pf, ports, opts.outsideWorld ?? null))
  if (opts.outsideWorld) await writeFile(join(pf, 'outside_world'), outsideWorldMap(org, opts.outsideWorld))
  // The server's own Sent copies (server.sentCopy): a filer Postfix runs as the mail user.
  const filer = org.server.sentCopy ? { node: process.execPath, script: join(pf, 'sent-copy-filer.mjs'), config: join(pf, 'sent-copy.json') } : null
  if (filer) {
    await writeFile(filer.script, await readFile(new URL('./sent-copy-filer.mjs', import.meta.url), 'utf8'), { mode: 0o644 })
    await writeFile(filer.config, JSON.stringify(sentCopyConfig(org, conf)), { mode: 0o644 })
    await writeFile(join(pf, 'transport'), transportMap())
  }
  await writeFile(join(pf, 'master.cf'), postfixMasterCf(pf, ports, org.checksSenders, filer))
  await writeFile(join(pf, 'sender_logins'), senderLoginMap(org))
  await writeFile(join(pf, 'virtual_mailboxes'), virtualMailboxMap(org, opts.outsideWorld ? [opts.outsideWorld.address] : []))

  // The master directly (-w: return once it is ready): `postfix start` would spend a second
  // in `postfix check` on a queue we have just laid out ourselves.
  const startPostfix = async () => {
    const code = await exitCode('/usr/lib/postfix/sbin/master', ['-c', pf, '-w'])
    if (code !== 0) {
      const log = await readFile(join(pf, 'postfix.log'), 'utf8').catch(() => '')
      throw new Error(`Postfix did not start (exit ${code}):\n${log}`)
    }
    await waitForPort(smtp)
    await waitForPort(submission)
  }
  /** Stops both servers and waits until their ports are closed; the data stays. */
  const halt = async () => {
    // Every IMAP session dies at once, mid-command, as in a crash or a cut cable. (Dovecot's
    // master alone, on SIGTERM, keeps waiting for its connected clients for many seconds.)
    if (dovecot?.pid) await killImapSessions(dovecot.pid)
    dovecot?.kill('SIGTERM')
    await Promise.all([
      exitCode('/usr/sbin/postfix', ['-c', pf, 'stop']).then(() => waitForPidExit(join(pf, 'queue', 'pid', 'master.pid'))),
      Promise.race([dovecotExit, new Promise((r) => setTimeout(r, 5000))]),
    ])
  }

  let stopped = false
  let paused = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    if (!paused) await halt()
    await oidc?.stop()
    // A Dovecot child still serving a client may write index files for a moment after the
    // master exits: retry the removal (ENOTEMPTY/EBUSY) instead of failing the caller.
    if (!opts.keep) {
      await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
        .catch((e: Error) => console.warn(`mail stack: could not remove ${dir}: ${e.message}`))
    }
  }

  try {
    await waitForDovecot()
    await doveadm('acl', 'recalc', '-A')
    // The directory (names, members, grants) as the administrator publishes it, where no person
    // can write: the public namespace's directory folder. Tandem never writes it.
    if (directoryPath !== null) {
      for (const shared of org.sharedMailboxes) await publishDirectory(shared.address, directoryEntry(shared))
      for (const user of org.users) await publishDirectory(user.address, { address: user.address, name: user.name })
    }
    // A server without one: people's own names as they set them themselves (their own word, for
    // their own From), where the server has METADATA.
    else if (org.server.metadata) {
      for (const user of org.users) await doveadm('mailbox', 'metadata', 'set', '-u', user.address, 'INBOX', DIRECTORY_ENTRY, JSON.stringify({ name: user.name }))
    }
    await startPostfix()
  } catch (e) {
    await stop()
    throw e
  }

  return {
    org,
    host: '127.0.0.1',
    ports,
    dir,
    oidc,
    seed: (address, folder, messages) => writeMessages(join(home(address), 'Maildir'), folder, messages),
    async deliver(address, raw, from = 'sender@example.net') {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ports.lmtp, lmtp: true, secure: false, ignoreTLS: true })
      await transport.sendMail({ envelope: { from, to: [address] }, raw })
      transport.close()
    },
    doveadm,
    async imapSessions() {
      const out = await doveadm('who', '-1')
      return out.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === 'imap').map((f) => f[0]!)
    },
    async pause() {
      if (paused || stopped) return
      paused = true
      await halt()
    },
    async resume() {
      if (!paused || stopped) return
      startDovecot()
      await waitForDovecot()
      await startPostfix()
      paused = false
    },
    async setRights(shared, member, rights, only) {
      for (const folder of only ?? folders) {
        if (rights === null) await doveadm('acl', 'delete', '-u', shared, folder, `user=${member}`)
        else await doveadm('acl', 'set', '-u', shared, folder, `user=${member}`, ...rightNames(rights))
      }
      if (!only) {
        if (f.team && rights === null) await doveadm('acl', 'delete', '-u', shared, f.team, `user=${member}`)
        else if (f.team) await doveadm('acl', 'set', '-u', shared, f.team, `user=${member}`, ...rightNames(TEAM_RIGHTS))
        // The other members' folders: read, or nothing once no longer a member.
        const box = org.sharedMailboxes.find((s) => s.address === shared)
        if (f.team && f.teamMembers && box) {
          for (const m of box.members.filter((x) => x.address !== member)) {
            const folder = `${f.team}${org.layout.separator}${memberFolder(m.address)}`
            if (rights === null) await doveadm('acl', 'delete', '-u', shared, folder, `user=${member}`)
            else await doveadm('acl', 'set', '-u', shared, folder, `user=${member}`, ...rightNames(TEAM_READ_RIGHTS))
          }
        }
      }
      await doveadm('acl', 'recalc', '-A')
    },
    publishDirectory,
    withdrawDirectory,
    directoryPath,
    stop,
    admin: await writeAdminConfig(org, { dir, dovecot: dv, postfix: pf, home, doveadmPort: doveadmHttp, apiKey: doveadmApiKey }),
  }
}

const RIGHT_NAMES: Record<string, string> = { l: 'lookup', r: 'read', w: 'write', s: 'write-seen', t: 'write-deleted', i: 'insert', p: 'post', e: 'expunge', k: 'create', x: 'delete', a: 'admin' }
function rightNames(letters: string): string[] {
  return [...letters].map((c) => RIGHT_NAMES[c] ?? c)
}

/** The queue tree `postfix check` would create, with Postfix's owners and modes. */
async function makePostfixQueue(pf: string): Promise<void> {
  const q = join(pf, 'queue')
  await mkdir(join(q, 'pid'), { recursive: true })
  await mkdir(join(pf, 'data'), { recursive: true })
  const owned: [string, string, number][] = [
    ...['active', 'bounce', 'corrupt', 'defer', 'deferred', 'flush', 'hold', 'incoming', 'private', 'saved', 'trace']
      .map((d): [string, string, number] => [d, 'postfix:root', 0o700]),
    ['maildrop', 'postfix:postdrop', 0o730],
    ['public', 'postfix:postdrop', 0o710],
  ]
  for (const [d, , mode] of owned) {
    await mkdir(join(q, d))
    await chmod(join(q, d), mode)
  }
  await run('chown', ['postfix', join(pf, 'data')])
  for (const [d, owner] of owned) await run('chown', [owner, join(q, d)])
}

/**
 * Runs a command that daemonises and resolves with its exit code. stdio is not piped: the daemon
 * would inherit the pipes and execFile would wait until it closes them.
 */
function exitCode(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore' })
    child.once('error', () => resolve(-1))
    child.once('exit', (code) => resolve(code))
  })
}

async function waitForPidExit(pidFile: string, timeoutMs = 10_000): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim())
  if (!pid) return
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try { process.kill(pid, 0) } catch { return }
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** SIGKILLs the IMAP processes under a Dovecot master (started through setpriv: its grandchildren). */
async function killImapSessions(root: number): Promise<void> {
  const { readdir, readFile: read } = await import('node:fs/promises')
  const procs: { pid: number; ppid: number; comm: string }[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await read(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    if (!stat) continue
    // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    procs.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), comm })
  }
  const under = new Set([root])
  for (let grew = true; grew;) {
    grew = false
    for (const p of procs) if (!under.has(p.pid) && under.has(p.ppid)) { under.add(p.pid); grew = true }
  }
  for (const p of procs) {
    if (under.has(p.pid) && /^imap/.test(p.comm)) { try { process.kill(p.pid, 'SIGKILL') } catch { /* already gone */ } }
  }
}
