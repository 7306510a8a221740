import { open, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { AdminConfig } from './config'
import { AdminError } from './errors'
import { listEntry, PasswdFile, unusablePassword, type PasswdEntry } from './passwd-file'

/** What an account of the store is: a person who signs in, a shared mailbox (never signs in), the administrator's. */
export type AccountKind = 'person' | 'shared' | 'admin'

/** A shared mailbox's licence as the account store records it (R5, R13, R14). */
export interface Licence { plan: string; archive: string; hold: boolean }

const QUOTA = 'userdb_quota_rule=*:bytes='
const PLAN = 'userdb_tandem_plan='
const ARCHIVE = 'userdb_tandem_archive='
const HOLD = 'userdb_tandem_hold='

/** A lock older than this was left by a run that died: taken over. */
const STALE_LOCK_MS = 10 * 60_000

/**
 * The organisation's account store where doveadm cannot act (Dovecot 2.3's doveadm has no
 * command that creates an account or blocks a sign-in): the passwd-file that is both userdb and
 * people's passdb, the list of accounts that never sign in (R8's passdb), the deny passdbs'
 * lists (SMTP AUTH through Postfix), and the master logins. One tandem-admin at a time holds it
 * (a lock file beside the passwd-file) from reading the state to the last write.
 */
export class AccountStore {
  private constructor(
    private readonly cfg: AdminConfig['accounts'],
    readonly passwd: PasswdFile,
    readonly noSignIn: PasswdFile,
    readonly deny: PasswdFile[],
    readonly masters: PasswdFile | null,
    private readonly adminAccount: string,
    private readonly lock: string,
  ) {}

  static async open(config: AdminConfig): Promise<AccountStore> {
    const cfg = config.accounts
    const lock = join(dirname(cfg.passwd), '.tandem-admin.lock')
    await takeLock(lock)
    try {
      return new AccountStore(
        cfg,
        await PasswdFile.read(cfg.passwd),
        await PasswdFile.read(cfg.noSignIn),
        await Promise.all(cfg.deny.map((p) => PasswdFile.read(p))),
        cfg.masters ? await PasswdFile.read(cfg.masters) : null,
        config.adminAccount,
        lock,
      )
    } catch (e) {
      await unlink(lock).catch(() => undefined)
      throw e
    }
  }

  async release(): Promise<void> {
    await unlink(this.lock).catch(() => undefined)
  }

  kind(address: string): AccountKind | null {
    if (address.toLowerCase() === this.adminAccount.toLowerCase()) return 'admin'
    if (!this.passwd.has(address)) return null
    return this.noSignIn.has(address) ? 'shared' : 'person'
  }

  /** The accounts of a kind, sorted. */
  accounts(kind: AccountKind): string[] {
    return this.passwd.entries().map((e) => e.user.toLowerCase()).filter((a) => this.kind(a) === kind).sort()
  }

  quota(address: string): number | null {
    const field = this.passwd.get(address)?.extra.find((x) => x.startsWith(QUOTA))
    return field ? Number(field.slice(QUOTA.length)) || null : null
  }

  licence(address: string): Licence {
    const extra = this.passwd.get(address)?.extra ?? []
    const field = (prefix: string) => extra.find((x) => x.startsWith(prefix))?.slice(prefix.length)
    return { plan: field(PLAN) ?? 'none', archive: field(ARCHIVE) ?? 'none', hold: field(HOLD) === 'yes' }
  }

  /** Adds an account that can never sign in (R8): no usable password, its home, its quota. */
  async addSharedAccount(address: string, quotaBytes: number): Promise<void> {
    this.passwd.set({
      user: address, password: unusablePassword(), uid: String(this.cfg.uid), gid: String(this.cfg.gid), gecos: '',
      home: this.cfg.home.replace('%a', address), shell: '', extra: [`${QUOTA}${quotaBytes}`],
    })
    await this.write(this.passwd)
  }

  /**
   * Whether every sign-in of the account is blocked: listed for R8's passdb and every deny
   * passdb, and no master login. (blockSignIn replaces the password before it lists the account,
   * so a listed account's password is one nobody knows, or was so from the start.)
   */
  signInBlocked(address: string): boolean {
    return [this.noSignIn, ...this.deny].every((list) => list.has(address)) && !this.masters?.has(address)
  }

  /** The full name the account store holds for an account (its passwd-file's GECOS field), or null. */
  fullName(address: string): string | null {
    return this.passwd.get(address)?.gecos.split(',')[0]?.trim() || null
  }

  /**
   * Blocks every sign-in of the account from now on (R8, R11): its password replaced by one
   * nobody knows (whatever scheme the old one had), listed for R8's passdb and every deny
   * passdb, and no longer a master login.
   */
  async blockSignIn(address: string): Promise<void> {
    const entry = this.passwd.get(address)
    if (entry) {
      this.passwd.set({ ...entry, password: unusablePassword() })
      await this.write(this.passwd)
    }
    for (const list of [this.noSignIn, ...this.deny]) {
      if (list.has(address)) continue
      list.set(listEntry(address))
      await this.write(list)
    }
    if (this.masters?.remove(address)) await this.write(this.masters)
  }

  /** Removes an account and its place in every list (its mail stays where it is). */
  async removeAccount(address: string): Promise<void> {
    for (const file of [this.passwd, this.noSignIn, ...this.deny, ...(this.masters ? [this.masters] : [])]) {
      if (file.remove(address)) await this.write(file)
    }
  }

  /** Sets the quota and the licence fields of an account (R5, R13, R14). */
  async setLicence(address: string, quotaBytes: number, licence: Licence): Promise<void> {
    const entry = this.passwd.get(address)!
    const extra = entry.extra.filter((x) => ![QUOTA, PLAN, ARCHIVE, HOLD].some((p) => x.startsWith(p)))
    extra.push(`${QUOTA}${quotaBytes}`)
    if (licence.plan !== 'none') extra.push(`${PLAN}${licence.plan}`, `${ARCHIVE}${licence.archive}`, `${HOLD}${licence.hold ? 'yes' : 'no'}`)
    this.passwd.set({ ...entry, extra } satisfies PasswdEntry)
    await this.write(this.passwd)
  }

  private write(file: PasswdFile): Promise<void> {
    return file.write({ uid: this.cfg.uid, gid: this.cfg.gid })
  }
}

async function takeLock(path: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600)
      await fh.writeFile(`${process.pid}\n`)
      await fh.close()
      return
    } catch (e) {
      const err = e as NodeJS.ErrnoException
      if (err.code !== 'EEXIST') throw new AdminError('storeUnwritable', { path, detail: err.code ?? err.message })
      const since = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0)
      if (since < STALE_LOCK_MS) throw new AdminError('storeLocked', { path })
      await unlink(path).catch(() => undefined)
    }
  }
  throw new AdminError('storeLocked', { path })
}
