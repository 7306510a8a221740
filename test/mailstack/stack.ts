import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import nodemailer from 'nodemailer'
import {
  dovecotConfig, denyFile, mastersFile, oauth2Config, passwdFile, MAIL_GID, MAIL_UID, OAUTH_KEYS_DIR, R8_REASON, R8_REASON_ENV,
  type DovecotOptions,
} from './dovecot-config'
import type { OidcOptions, OidcStack } from './oidc'
import { ensureFolder, writeMessages, type SeedMessage } from './maildir'
import type { Organisation, OrgSharedMailbox } from './organisation'
import { postfixMainCf, postfixMasterCf, senderLoginMap, virtualMailboxMap } from './postfix-config'
import { freePorts, waitForPort } from './ports'

const run = promisify(execFile)

/** The Debian packages the stack needs; printed when one is missing. */
export const MAIL_STACK_PACKAGES = ['dovecot-imapd', 'dovecot-lmtpd', 'postfix'] as const

/** The METADATA entry Tandem reads a shared mailbox's name and grants from. */
export const DIRECTORY_ENTRY = '/shared/vendor/tandem/mailbox'

export function directoryEntry(shared: OrgSharedMailbox): { name: string; sendAs: string[]; sendOnBehalf: string[]; members: string[] } {
  return {
    name: shared.name,
    members: shared.members.map((m) => m.address),
    sendAs: shared.members.filter((m) => m.sendAs).map((m) => m.address),
    sendOnBehalf: shared.members.filter((m) => m.sendOnBehalf).map((m) => m.address),
  }
}

/** Rights a member gets on each folder of a shared mailbox (Exchange's "Full Access"). */
export const MEMBER_RIGHTS = 'lrwstipekx'
/**
 * The directory entry as the administrator publishes it (docs/admin.md): a message with the
 * X-Tandem-Directory header and the entry as plain JSON, in a folder members can only read.
 */
export function directoryMessage(shared: string, entry: object): string {
  return [
    `From: Mail administrator <postmaster@${shared.split('@')[1]}>`, `To: <${shared}>`,
    `Subject: Tandem directory entry for ${shared}`, `Date: ${new Date().toUTCString()}`, 'X-Tandem-Directory: 1',
    'MIME-Version: 1.0', 'Content-Type: application/json; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', JSON.stringify(entry), '',
  ].join('\r\n')
}

/** Rights a member gets on the shared mailbox's directory folder: see it, read it, nothing more. */
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
  ports: { imap: number; submission: number; smtp: number; lmtp: number; auth: number }
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
  /** Publishes a shared mailbox's directory entry (name, grants) as its administrator would. */
  publishDirectory(shared: string, entry: object): Promise<string>
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
}

export interface StartOptions extends Omit<DovecotOptions, 'oauth'> {
  /** Keep the temporary directory after stop (to read the logs). */
  keep?: boolean
  /** Start the organisation's OpenID provider too; IMAP and SMTP then take its tokens (XOAUTH2). */
  oauth?: OidcOptions | true
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
  checkMailStackPackages()
  const dir = await mkdtemp(join(tmpdir(), 'tandem-stack-'))
  await chmod(dir, 0o755)
  const [imap, lmtp, auth, smtp, submission] = await freePorts(5) as [number, number, number, number, number]
  const ports = { imap, lmtp, auth, smtp, submission }

  // Dovecot: its files belong to the mail user, as it runs unprivileged.
  const dv = join(dir, 'dovecot')
  const home = (address: string) => join(dv, 'home', address)
  for (const d of [dv, join(dv, 'run'), join(dv, 'state'), join(dv, 'home')]) {
    await mkdir(d, { recursive: true })
    await chown(d, MAIL_UID, MAIL_GID)
  }
  // Loaded only when wanted: oidc-provider is large, and warns about the Node version on load.
  const oidc = opts.oauth ? await (await import('./oidc')).startOidcProvider(org, opts.oauth === true ? {} : opts.oauth) : null
  const conf = join(dv, 'dovecot.conf')
  await writeOwned(conf, dovecotConfig(org, { root: dv, home }, ports, { ...opts, oauth: oidc ? { issuer: oidc.issuer } : undefined }))
  if (oidc) {
    await writeOwned(join(dv, 'oauth2.conf.ext'), oauth2Config({ root: dv, home }, { issuer: oidc.issuer }))
    // Tokens carry no azp: Dovecot looks under "default".
    const keyDir = join(dv, OAUTH_KEYS_DIR, 'default', oidc.signingKey.alg)
    await mkdir(keyDir, { recursive: true })
    for (const d of [join(dv, OAUTH_KEYS_DIR), join(dv, OAUTH_KEYS_DIR, 'default'), keyDir]) await chown(d, MAIL_UID, MAIL_GID)
    await writeOwned(join(keyDir, oidc.signingKey.kid), oidc.signingKey.publicPem)
  }
  await writeOwned(join(dv, 'users.passwd'), passwdFile(org, { root: dv, home }))
  await writeOwned(join(dv, 'masters.passwd'), mastersFile(org))
  await writeOwned(join(dv, 'deny-smtp.passwd'), denyFile(org))
  await writeOwned(join(dv, 'deny-imap.passwd'), '')
  await writeOwned(join(dv, 'dovecot.log'), '')

  const f = org.folders
  const folders = ['INBOX', f.sent, f.drafts, f.trash, f.junk, f.archive]
  for (const account of [...org.users, ...org.sharedMailboxes]) {
    await mkdir(home(account.address), { recursive: true })
    await chown(home(account.address), MAIL_UID, MAIL_GID)
    for (const folder of folders) await ensureFolder(join(home(account.address), 'Maildir'), folder)
  }
  // R1: membership is an ACL on every folder of the shared mailbox (vfile: a dovecot-acl file per
  // folder); `doveadm acl recalc` below builds the shared-mailbox dictionary from them.
  for (const shared of org.sharedMailboxes) {
    const acl = shared.members.map((m) => `user=${m.address} ${MEMBER_RIGHTS}`).join('\n') + '\n'
    for (const folder of folders) {
      const folderPath = await ensureFolder(join(home(shared.address), 'Maildir'), folder)
      await writeOwned(join(folderPath, 'dovecot-acl'), acl)
    }
    // The directory entry's folder: members may look and read, never write (R2, R3).
    const directory = await ensureFolder(join(home(shared.address), 'Maildir'), f.directory)
    await writeOwned(join(directory, 'dovecot-acl'), shared.members.map((m) => `user=${m.address} ${DIRECTORY_RIGHTS}`).join('\n') + '\n')
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
  const doveadmSave = (address: string, folder: string, raw: string) => new Promise<string>((resolve, reject) => {
    const [c, ca] = asMailUser('/usr/bin/doveadm', ['-c', conf, 'save', '-u', address, '-m', folder])
    const child = spawn(c, ca, { env: { PATH: process.env.PATH }, stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => { err += String(d) })
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve('') : reject(new Error(`doveadm save: exit ${code}: ${err}`))))
    child.stdin.end(raw)
  })
  const publishDirectory = (shared: string, entry: object) => doveadmSave(shared, f.directory, directoryMessage(shared, entry))

  // Postfix: root-owned config; its master needs root and drops to the postfix user itself.
  const pf = join(dir, 'postfix')
  await makePostfixQueue(pf)
  await writeFile(join(pf, 'main.cf'), postfixMainCf(org, pf, ports))
  await writeFile(join(pf, 'master.cf'), postfixMasterCf(pf, ports))
  await writeFile(join(pf, 'sender_logins'), senderLoginMap(org))
  await writeFile(join(pf, 'virtual_mailboxes'), virtualMailboxMap(org))

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
    // The directory entry members read (display name and grants): set by the administrator,
    // as IMAP METADATA on a folder of the shared mailbox where members have no w right, so no
    // member can write a grant for themselves. Tandem never writes it.
    for (const shared of org.sharedMailboxes) await publishDirectory(shared.address, directoryEntry(shared))
    // People's display names, the same way (a directory would give them on a real server).
    for (const user of org.users) {
      await doveadm('mailbox', 'metadata', 'set', '-u', user.address, 'INBOX', DIRECTORY_ENTRY, JSON.stringify({ name: user.name }))
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
        if (rights === null) await doveadm('acl', 'delete', '-u', shared, f.directory, `user=${member}`)
        else await doveadm('acl', 'set', '-u', shared, f.directory, `user=${member}`, ...rightNames(DIRECTORY_RIGHTS))
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
    stop,
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
