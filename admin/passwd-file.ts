import { chmod, chown, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { randomBytes, createHash } from 'node:crypto'
import { dirname, basename, join } from 'node:path'
import { AdminError } from './errors'

/**
 * One Dovecot passwd-file (`user:password:uid:gid:gecos:home:shell:extra fields`), read and
 * written whole. Lines it does not manage (comments, blank lines) are kept as they were. Writes
 * go to a temporary file in the same folder, with the original's owner and mode, then replace it
 * (rename): Dovecot, which reads the file again when it changes, never sees half of one.
 */
export interface PasswdEntry {
  user: string
  password: string
  uid: string
  gid: string
  gecos: string
  home: string
  shell: string
  /** Extra fields (`userdb_quota_rule=*:bytes=…`), space separated in the file. */
  extra: string[]
}

type Line = { entry: PasswdEntry } | { text: string }

export class PasswdFile {
  private constructor(readonly path: string, private lines: Line[], private readonly existed: boolean) {}

  /** Reads the file; a file that does not exist yet is empty. */
  static async read(path: string): Promise<PasswdFile> {
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null
      throw new AdminError('storeUnwritable', { path, detail: e.code ?? e.message })
    })
    const lines: Line[] = (text ?? '').split('\n').filter((l, i, all) => !(i === all.length - 1 && l === '')).map((l) => {
      if (l.trim() === '' || l.trimStart().startsWith('#')) return { text: l }
      const parts = l.split(':')
      const [user = '', password = '', uid = '', gid = '', gecos = '', home = '', shell = ''] = parts
      const extra = parts.slice(7).join(':').trim()
      return { entry: { user, password, uid, gid, gecos, home, shell, extra: extra ? extra.split(/\s+/) : [] } }
    })
    return new PasswdFile(path, lines, text !== null)
  }

  entries(): PasswdEntry[] {
    return this.lines.flatMap((l) => ('entry' in l ? [l.entry] : []))
  }

  get(user: string): PasswdEntry | undefined {
    const u = user.toLowerCase()
    return this.entries().find((e) => e.user.toLowerCase() === u)
  }

  has(user: string): boolean {
    return this.get(user) !== undefined
  }

  /** Adds the entry, or replaces the one for the same user where it was. */
  set(entry: PasswdEntry): void {
    const u = entry.user.toLowerCase()
    const i = this.lines.findIndex((l) => 'entry' in l && l.entry.user.toLowerCase() === u)
    if (i >= 0) this.lines[i] = { entry }
    else this.lines.push({ entry })
  }

  /** Removes the user's entry; whether there was one. */
  remove(user: string): boolean {
    const u = user.toLowerCase()
    const before = this.lines.length
    this.lines = this.lines.filter((l) => !('entry' in l && l.entry.user.toLowerCase() === u))
    return this.lines.length !== before
  }

  render(): string {
    const lines = this.lines.map((l) => {
      if ('text' in l) return l.text
      const e = l.entry
      return [e.user, e.password, e.uid, e.gid, e.gecos, e.home, e.shell, e.extra.join(' ')].join(':')
    })
    return lines.length ? lines.join('\n') + '\n' : ''
  }

  /** Replaces the file on disk with this content (same owner and mode; a new file: the owner given). */
  async write(owner: { uid: number; gid: number; mode?: number }): Promise<void> {
    const before = this.existed ? await stat(this.path).catch(() => null) : null
    const tmp = join(dirname(this.path), `.${basename(this.path)}.tandem-admin-${randomBytes(4).toString('hex')}`)
    try {
      const fh = await open(tmp, 'wx', before?.mode ?? owner.mode ?? 0o640)
      try {
        await fh.writeFile(this.render(), 'utf8')
        await fh.sync()
      } finally {
        await fh.close()
      }
      await chown(tmp, before?.uid ?? owner.uid, before?.gid ?? owner.gid)
      await chmod(tmp, (before?.mode ?? owner.mode ?? 0o640) & 0o7777)
      await rename(tmp, this.path)
    } catch (e) {
      await unlink(tmp).catch(() => undefined)
      const err = e as NodeJS.ErrnoException
      throw new AdminError('storeUnwritable', { path: this.path, detail: err.code ?? err.message })
    }
  }
}

/**
 * A password nobody knows, for an account that must never sign in (R8: "its password is
 * system-generated and unknown"): the salted SHA-512 of 32 random bytes that are then forgotten.
 * The passdbs in front refuse such an account anyway; this one is a second lock.
 */
export function unusablePassword(): string {
  const salt = randomBytes(16)
  const digest = createHash('sha512').update(Buffer.concat([randomBytes(32), salt])).digest()
  return `{SSHA512}${Buffer.concat([digest, salt]).toString('base64')}`
}

/** A passdb list line (deny, no sign-in): the address and nothing else. */
export function listEntry(user: string): PasswdEntry {
  return { user, password: '', uid: '', gid: '', gecos: '', home: '', shell: '', extra: [] }
}
