import { describe, expect, it } from 'vitest'
import { runAdmin } from '../../../admin/run'

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const code = await runAdmin(argv, { env: { TANDEM_ADMIN_CONFIG: '/nonexistent/tandem-admin.json', ...env }, out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('the tandem-admin command line', () => {
  it('lists its commands', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    for (const c of ['shared create ADDRESS --name NAME', 'member add SHARED PERSON', 'grant SHARED PERSON send-as|send-on-behalf', 'convert PERSON --to-shared', 'licence SHARED', 'who-has SHARED', 'access PERSON']) {
      expect(help.out).toContain(`tandem-admin ${c}`)
    }
  })

  it('refuses what is not a command, before anything else', async () => {
    expect((await run(['frobnicate'])).code).toBe(2)
    const bad = await run(['grant', '--colour'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/^tandem-admin: That command line is not complete/)
  })

  it('reads nothing without the key: not even its configuration (R12)', async () => {
    const none = await run(['who-has', 'support@x.test'])
    expect(none.code).toBe(1)
    expect(none.err).toMatch(/No administrator's key was given, so nothing was read or changed: every command needs it \(R12\)/)
    expect(none.err).not.toMatch(/configuration/)
    const unreadable = await run(['who-has', 'support@x.test', '--key-file', '/nonexistent/key'])
    expect(unreadable.err).toMatch(/The key file \/nonexistent\/key could not be read \(ENOENT\), so nothing was read or changed \(R12\)/)
    const json = await run(['who-has', 'support@x.test', '--json'])
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { code: 'keyMissing', rule: 'R12' } })
  })

  it('speaks Dutch where the system does', async () => {
    const nl = await run(['access', 'alice@x.test'], { LANG: 'nl_NL.UTF-8' })
    expect(nl.err).toMatch(/Er is geen sleutel van de beheerder opgegeven.*\(R12\)/)
    const withKey = await run(['access', 'alice@x.test'], { LANG: 'nl_NL.UTF-8', TANDEM_ADMIN_KEY: 'k' })
    expect(withKey.err).toMatch(/De configuratie \/nonexistent\/tandem-admin\.json kon niet worden gelezen \(ENOENT\)/)
  })
})
