import { describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { listEntry, PasswdFile, unusablePassword } from '../../../admin/passwd-file'
import { PostfixMap } from '../../../admin/postfix-maps'
import { adminConfigSchema, formatSize, parseSize } from '../../../admin/config'
import { AccountStore } from '../../../admin/account-store'
import { addressArg, memberFolder } from '../../../admin/context'
import { Doveadm, isLoopback } from '../../../admin/doveadm'
import { AdminError } from '../../../admin/errors'

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tandem-admin-unit-'))
}

describe("the account store's passwd-files", () => {
  it('keeps lines it does not manage, replaces one entry in place and writes with the old mode', async () => {
    const dir = await scratch()
    const path = join(dir, 'users.passwd')
    const text = '# people\nalice@x.test:{PLAIN}a:65534:65534::/h/alice::userdb_quota_rule=*:bytes=100\n\nbob@x.test:{PLAIN}b:65534:65534::/h/bob::\n'
    await writeFile(path, text, { mode: 0o640 })
    const file = await PasswdFile.read(path)
    expect(file.render()).toBe(text)
    expect(file.get('ALICE@x.test')?.extra).toEqual(['userdb_quota_rule=*:bytes=100'])
    file.set({ ...file.get('alice@x.test')!, password: '{PLAIN}changed' })
    file.set(listEntry('carol@x.test'))
    expect(file.remove('bob@x.test')).toBe(true)
    expect(file.remove('nobody@x.test')).toBe(false)
    await file.write({ uid: process.getuid!(), gid: process.getgid!() })
    expect(await readFile(path, 'utf8')).toBe('# people\nalice@x.test:{PLAIN}changed:65534:65534::/h/alice::userdb_quota_rule=*:bytes=100\n\ncarol@x.test:::::::\n')
    expect((await stat(path)).mode & 0o777).toBe(0o640)
    await rm(dir, { recursive: true })
  })

  it('gives an account that must not sign in a password nobody knows, different every time (R8)', () => {
    const a = unusablePassword()
    expect(a).toMatch(/^\{SSHA512\}[A-Za-z0-9+/]{100,}={0,2}$/)
    expect(unusablePassword()).not.toBe(a)
  })
})

describe('the account store', () => {
  it('is held by one tandem-admin at a time, and tells shared mailboxes, people and the administrator apart', async () => {
    const dir = await scratch()
    await writeFile(join(dir, 'users.passwd'), 'alice@x.test:{PLAIN}a:1:1::/h::\ndesk@x.test:{SSHA512}x:1:1::/h::\nadmin@x.test:{SSHA512}y:1:1::/h::\n')
    await writeFile(join(dir, 'no-sign-in.passwd'), 'desk@x.test:::::::\n')
    const config = adminConfigSchema.parse({
      organisation: 'X', domains: ['x.test'], doveadm: { url: 'http://127.0.0.1:1/doveadm/v1' }, adminAccount: 'admin@x.test', separator: '/',
      folders: {}, directory: 'Public/Directory', audit: 'Public/Audit',
      accounts: { passwd: join(dir, 'users.passwd'), noSignIn: join(dir, 'no-sign-in.passwd'), deny: [join(dir, 'deny-smtp.passwd')], home: '/h/%a', uid: 1, gid: 1 },
      postfix: { configDir: dir, senderLogins: `texthash:${dir}/s`, virtualMailboxes: `texthash:${dir}/v` },
    })
    const store = await AccountStore.open(config)
    await expect(AccountStore.open(config)).rejects.toMatchObject({ code: 'storeLocked' })
    expect([store.kind('ALICE@x.test'), store.kind('desk@x.test'), store.kind('admin@x.test'), store.kind('nobody@x.test')]).toEqual(['person', 'shared', 'admin', null])
    await store.blockSignIn('alice@x.test')
    expect(store.kind('alice@x.test')).toBe('shared')
    expect(await readFile(join(dir, 'deny-smtp.passwd'), 'utf8')).toBe('alice@x.test:::::::\n')
    expect((await readFile(join(dir, 'users.passwd'), 'utf8')).split('\n')[0]).toMatch(/^alice@x\.test:\{SSHA512\}/)
    await store.release()
    const again = await AccountStore.open(config)
    await again.release()
    await rm(dir, { recursive: true })
  })
})

describe("Postfix's maps", () => {
  it('reads and changes one key, keeping comments and the rest', async () => {
    const dir = await scratch()
    const path = join(dir, 'sender_logins')
    await writeFile(path, '# senders\nsupport@x.test support@x.test,alice@x.test\nbob@x.test bob@x.test\n')
    const map = await PostfixMap.read(`texthash:${path}`)
    expect(map.get('SUPPORT@x.test')).toEqual(['support@x.test', 'alice@x.test'])
    expect(map.get('nobody@x.test')).toBeNull()
    map.set('support@x.test', ['support@x.test'])
    map.set('desk@x.test', ['desk@x.test', 'bob@x.test'])
    expect(map.remove('bob@x.test')).toBe(true)
    await map.write({ configDir: dir, senderLogins: `texthash:${path}`, virtualMailboxes: `texthash:${path}`, postfixCommand: '/bin/false', postmapCommand: '/bin/false' })
    expect(await readFile(path, 'utf8')).toBe('# senders\nsupport@x.test support@x.test\ndesk@x.test desk@x.test,bob@x.test\n')
    await rm(dir, { recursive: true })
  })
})

describe("Postfix's indexed maps", () => {
  it('builds the lookup file with postmap after writing a hash: map, and fails in words when it cannot', async () => {
    const dir = await scratch()
    await writeFile(join(dir, 'main.cf'), '')
    const path = join(dir, 'sender_logins')
    await writeFile(path, 'bob@x.test bob@x.test\n')
    const cfg = { configDir: dir, senderLogins: `hash:${path}`, virtualMailboxes: `hash:${path}`, postfixCommand: '/usr/sbin/postfix', postmapCommand: '/usr/sbin/postmap' }
    const map = await PostfixMap.read(`hash:${path}`)
    map.set('desk@x.test', ['desk@x.test', 'bob@x.test'])
    await map.write(cfg)
    const { stdout } = await promisify(execFile)('/usr/sbin/postmap', ['-c', dir, '-q', 'desk@x.test', `hash:${path}`])
    expect(stdout.trim()).toBe('desk@x.test,bob@x.test')
    await expect(map.write({ ...cfg, postmapCommand: join(dir, 'no-such-postmap') })).rejects.toMatchObject({ code: 'postfixFailed' })
    await rm(dir, { recursive: true })
  })
})

describe('sizes, names and where the key may go', () => {
  it('reads and writes sizes as administrators write them (R5)', () => {
    expect(parseSize('50GB')).toBe(50 * 1024 ** 3)
    expect(parseSize('20 mb')).toBe(20 * 1024 ** 2)
    expect(parseSize(1024)).toBe(1024)
    expect(parseSize('lots')).toBeNull()
    expect(parseSize('0GB')).toBeNull()
    expect(formatSize(100 * 1024 ** 3)).toBe('100 GB')
    expect(formatSize(52428800)).toBe('50 MB')
  })

  it('takes only plain addresses: nothing that could break a passwd-file line or a Postfix map', () => {
    expect(addressArg(' Alice@Contoso.TEST ', 'person')).toBe('alice@contoso.test')
    for (const bad of ['alice', 'a:b@x.test', 'a b@x.test', 'a@x.test\nb@x.test', 'a,b@x.test', 'a@x', '<a@x.test>', 'a@x.test:::::::']) {
      expect(() => addressArg(bad, 'person'), bad).toThrow(AdminError)
    }
  })

  it("names a member's author folder without a separator or a dot", () => {
    expect(memberFolder('Alice.Archer@Contoso.test')).toBe('alice%2Earcher@contoso%2Etest')
    expect(memberFolder('o/r@x.test')).toBe('o%2Fr@x%2Etest')
  })

  it("sends the administrator's key only to this computer or over HTTPS (R12)", () => {
    expect(isLoopback('127.0.0.1')).toBe(true)
    expect(isLoopback('[::1]')).toBe(true)
    expect(isLoopback('localhost')).toBe(true)
    expect(isLoopback('10.0.0.1')).toBe(false)
    expect(() => new Doveadm('http://mail.example.org:8080/doveadm/v1', 'k')).toThrow(AdminError)
    expect(() => new Doveadm('https://mail.example.org:8080/doveadm/v1', 'k')).not.toThrow()
    expect(() => new Doveadm('http://127.0.0.1:8080/doveadm/v1', 'k')).not.toThrow()
  })
})
