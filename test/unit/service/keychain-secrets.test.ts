import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { KeychainSecrets, type OsEncryption } from '../../../electron/service/storage/keychain-secrets'

/** Stands in for Electron's safeStorage: reversible, and tells whether it ever ran. */
function os(opts: { available?: boolean; backend?: string; broken?: boolean } = {}): OsEncryption & { used: number } {
  const o = {
    used: 0,
    isEncryptionAvailable: () => opts.available ?? true,
    encryptString: (s: string) => { o.used++; return Buffer.from(`enc:${s}`) },
    decryptString: (b: Buffer) => { o.used++; if (opts.broken) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.'); return b.toString().slice(4) },
    ...(opts.backend ? { getSelectedStorageBackend: () => opts.backend! } : {}),
  }
  return o
}

let dir = ''
afterEach(async () => { if (dir) await rm(dir, { recursive: true, force: true }) })
const file = async () => { dir = await mkdtemp(join(tmpdir(), 'tandem-secrets-')); return join(dir, 'secrets.json') }

describe('passwords in the OS keychain', () => {
  it('keeps them encrypted on disk where a real keychain exists', async () => {
    const f = await file()
    const s = new KeychainSecrets(f, os({ backend: 'gnome_libsecret' }), 'linux')
    await s.set('imap:a', 'pw')
    expect(s.persistent).toBe(true)
    expect(await readFile(f, 'utf8')).not.toContain('"pw"')
    expect(await new KeychainSecrets(f, os({ backend: 'gnome_libsecret' }), 'linux').get('imap:a')).toBe('pw')
  })

  it.each([
    ['no keychain at all', { available: false }, 'darwin'],
    ["Linux's basic_text backend (a key anyone can read in Chromium's source)", { backend: 'basic_text' }, 'linux'],
  ])('with %s keeps them for this launch only, writing nothing', async (_what, opts, platform) => {
    const f = await file()
    const o = os(opts)
    const s = new KeychainSecrets(f, o, platform)
    await s.set('imap:a', 'pw')
    expect(s.persistent).toBe(false)
    expect(await s.get('imap:a')).toBe('pw')
    await expect(readFile(f, 'utf8')).rejects.toThrow()
    expect(o.used).toBe(0)
  })

  it('a secret that no longer decrypts reads as absent and is dropped: the person signs in again', async () => {
    const f = await file()
    await writeFile(f, JSON.stringify({ 'imap:a': Buffer.from('garbage').toString('base64'), 'imap:b': 'x' }))
    const s = new KeychainSecrets(f, os({ broken: true }), 'win32')
    expect(await s.get('imap:a')).toBeUndefined()
    expect(Object.keys(JSON.parse(await readFile(f, 'utf8')))).toEqual(['imap:b'])
  })
})
