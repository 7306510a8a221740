import { execFile } from 'node:child_process'
import { chmod, chown, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import type { AdminConfig } from './config'
import { AdminError } from './errors'

const run = promisify(execFile)

/** Map types Postfix reads from a file built by postmap; texthash reads the text itself. */
const INDEXED = new Set(['hash', 'btree', 'lmdb', 'cdb', 'dbm', 'sdbm'])

/**
 * One of Postfix's lookup tables, as its source text (`key value` lines; the sender login map's
 * values are logins separated by commas). Lines tandem-admin does not change stay as they were.
 */
export class PostfixMap {
  private constructor(readonly spec: string, readonly type: string, readonly path: string, private lines: string[]) {}

  static async read(spec: string): Promise<PostfixMap> {
    const at = spec.indexOf(':')
    const type = spec.slice(0, at)
    const path = spec.slice(at + 1)
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return ''
      throw new AdminError('storeUnwritable', { path, detail: e.code ?? e.message })
    })
    return new PostfixMap(spec, type, path, text.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === '')))
  }

  private index(key: string): number {
    const k = key.toLowerCase()
    return this.lines.findIndex((l) => !/^\s*(#|$)/.test(l) && l.trim().split(/\s+/)[0]!.toLowerCase() === k)
  }

  /** The values for a key (split at commas and spaces), or null when the map has no such key. */
  get(key: string): string[] | null {
    const i = this.index(key)
    if (i < 0) return null
    return this.lines[i]!.trim().split(/\s+/).slice(1).join(' ').split(/[\s,]+/).filter(Boolean)
  }

  set(key: string, values: string[]): void {
    const line = `${key} ${values.join(',')}`
    const i = this.index(key)
    if (i >= 0) this.lines[i] = line
    else this.lines.push(line)
  }

  remove(key: string): boolean {
    const i = this.index(key)
    if (i < 0) return false
    this.lines.splice(i, 1)
    return true
  }

  /** Writes the source (same owner and mode), then builds the indexed file where the type needs one. */
  async write(cfg: AdminConfig['postfix']): Promise<void> {
    const before = await stat(this.path).catch(() => null)
    const tmp = join(dirname(this.path), `.${basename(this.path)}.tandem-admin-${randomBytes(4).toString('hex')}`)
    try {
      const fh = await open(tmp, 'wx', before?.mode ?? 0o644)
      try {
        await fh.writeFile(this.lines.length ? this.lines.join('\n') + '\n' : '', 'utf8')
        await fh.sync()
      } finally {
        await fh.close()
      }
      if (before) {
        await chown(tmp, before.uid, before.gid)
        await chmod(tmp, before.mode & 0o7777)
      }
      await rename(tmp, this.path)
    } catch (e) {
      await unlink(tmp).catch(() => undefined)
      const err = e as NodeJS.ErrnoException
      throw new AdminError('storeUnwritable', { path: this.path, detail: err.code ?? err.message })
    }
    if (INDEXED.has(this.type)) await postfixCommand(cfg.postmapCommand, ['-c', cfg.configDir, this.spec])
  }
}

/**
 * Makes Postfix read its maps again (`postfix reload`): new smtpd processes use the new maps; a
 * client connected before keeps the old ones until it disconnects.
 */
export function reloadPostfix(cfg: AdminConfig['postfix']): Promise<void> {
  return postfixCommand(cfg.postfixCommand, ['-c', cfg.configDir, 'reload'])
}

async function postfixCommand(cmd: string, args: string[]): Promise<void> {
  try {
    await run(cmd, args, { timeout: 60_000 })
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string }
    throw new AdminError('postfixFailed', { command: `${cmd} ${args.join(' ')}` }, { reply: (err.stderr || err.message).trim().split('\n').slice(-2).join(' ') })
  }
}
