import type { Logger } from '../logger'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { SecretStore } from './secret-store'

/** What Tandem needs of Electron's safeStorage (injected, so this file stays Electron-free). */
export interface OsEncryption {
  isEncryptionAvailable(): boolean
  encryptString(plain: string): Buffer
  decryptString(encrypted: Buffer): string
  /** Linux only: which backend Chromium chose ('basic_text' means a hard-coded key). */
  getSelectedStorageBackend?(): string
}

/**
 * Passwords encrypted with the OS keychain, in one file. Where there is no real keychain (none
 * at all, or Linux's basic_text backend, which encrypts with a key written in Chromium's
 * source), nothing is written to disk: secrets are kept in memory for this launch only, and
 * `persistent` says so, so the person can be told. A secret that no longer decrypts (keychain
 * reset, profile copied from another machine) reads as absent and is dropped: the person signs
 * in again instead of the app failing to start.
 */
export class KeychainSecrets implements SecretStore {
  private readonly session = new Map<string, string>()
  readonly persistent: boolean

  constructor(private readonly file: string, private readonly os: OsEncryption, platform: string = process.platform, private readonly log?: Logger) {
    this.persistent = KeychainSecrets.secure(os, platform)
  }

  /** Whether the OS gives a real keychain: available, and on Linux not the basic_text backend. */
  static secure(os: OsEncryption, platform: string): boolean {
    if (!os.isEncryptionAvailable()) return false
    if (platform !== 'linux' || !os.getSelectedStorageBackend) return true
    return !['basic_text', 'unknown'].includes(os.getSelectedStorageBackend())
  }

  private async all(): Promise<Record<string, string>> {
    try { return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, string> } catch { return {} }
  }

  private async save(all: Record<string, string>): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true })
    const tmp = `${this.file}.tmp`
    await writeFile(tmp, JSON.stringify(all), { mode: 0o600 })
    await rename(tmp, this.file)
  }

  async get(key: string): Promise<string | undefined> {
    if (this.session.has(key)) return this.session.get(key)
    if (!this.persistent) return undefined
    const all = await this.all()
    const stored = all[key]
    if (!stored) return undefined
    try {
      return this.os.decryptString(Buffer.from(stored, 'base64'))
    } catch (e) {
      // The OS keychain no longer opens it (another user, a reset keyring): asked for again at sign-in.
      this.log?.('warn', `a stored secret could not be decrypted and was dropped (${(e as Error).message})`)
      delete all[key]
      await this.save(all).catch(() => undefined)
      return undefined
    }
  }

  async set(key: string, secret: string): Promise<void> {
    if (!this.persistent) { this.session.set(key, secret); return }
    const all = await this.all()
    all[key] = this.os.encryptString(secret).toString('base64')
    await this.save(all)
  }

  async delete(key: string): Promise<void> {
    this.session.delete(key)
    const all = await this.all()
    if (!(key in all)) return
    delete all[key]
    await this.save(all)
  }
}
