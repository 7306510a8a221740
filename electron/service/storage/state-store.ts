import type { Logger } from '../logger'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Small, non-secret state the service keeps between launches (e.g. shared mailboxes seen). */
export interface StateStore {
  read<T>(key: string): Promise<T | undefined>
  write<T>(key: string, value: T): Promise<void>
}

export class MemoryStateStore implements StateStore {
  private readonly values = new Map<string, unknown>()
  async read<T>(key: string) { return this.values.get(key) as T | undefined }
  async write<T>(key: string, value: T) { this.values.set(key, structuredClone(value)) }
}

/** One JSON file, replaced atomically and synced to disk on each write (writes one after the other). */
export class FileStateStore implements StateStore {
  private cache: Record<string, unknown> | undefined
  private writing: Promise<void> = Promise.resolve()
  constructor(private readonly file: string, private readonly log?: Logger) {}

  private async load(): Promise<Record<string, unknown>> {
    if (!this.cache) {
      try {
        this.cache = JSON.parse(await readFile(this.file, 'utf8')) as Record<string, unknown>
      } catch (e) {
        // No file yet is a first start; an unreadable one loses the outbox journal, and says so.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log?.('error', `${this.file} could not be read (${(e as Error).message}); starting from nothing`)
        this.cache = {}
      }
    }
    return this.cache
  }

  async read<T>(key: string) { return (await this.load())[key] as T | undefined }

  write<T>(key: string, value: T): Promise<void> {
    const next = this.writing.then(async () => {
      const all = await this.load()
      if (value === undefined) delete all[key]
      else all[key] = value
      await mkdir(dirname(this.file), { recursive: true })
      const tmp = `${this.file}.${process.pid}.tmp`
      // On the disk before it counts, not only in the page cache: the outbox journal's mark
      // must outlast a power cut, not just a crash of the process.
      const handle = await open(tmp, 'w', 0o600)
      try {
        await handle.writeFile(JSON.stringify(all, null, 2))
        await handle.sync()
      } finally { await handle.close() }
      await rename(tmp, this.file)
      const dir = await open(dirname(this.file), 'r').catch(() => null)
      await dir?.sync().catch(() => undefined)
      await dir?.close()
    })
    this.writing = next.catch(() => undefined)
    return next
  }
}
