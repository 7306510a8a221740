import { describe, expect, it } from 'vitest'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
    expect(bad.err).toBe('tandem-admin: That command line is not right: there is no option --colour. Nothing was changed. Run tandem-admin --help for the commands.')
  })

  it('checks the whole command line before it looks for the key, and says how the command is written (every word from the catalogue)', async () => {
    const cases: [string[], RegExp][] = [
      [['member', 'add', 'desk@x.test'], /not right: it lacks PERSON\. Nothing was changed\. It is written: tandem-admin member add SHARED PERSON$/],
      [['member', 'add', 'desk@x.test', 'bob@x.test', 'carol@x.test'], /not right: carol@x\.test: more than the command takes\./],
      [['grant', 'desk@x.test', 'bob@x.test', 'send-as', '--plan', 'plan2'], /not right: --plan does not go with this command\. Nothing was changed\. It is written: tandem-admin grant SHARED PERSON send-as\|send-on-behalf/],
      [['licence', 'desk@x.test'], /not right: it needs --plan none\|plan1\|plan1\+archive\|plan2\./],
      [['convert', 'dave@x.test', '--members', 'a@x.test'], /not right: it needs --to-shared\./],
      [['shared', 'create', 'desk@x.test', '--name'], /not right: --name needs a value\./],
      [['audit', '--json=yes'], /not right: --json takes no value\./],
    ]
    for (const [argv, said] of cases) {
      const r = await run(argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err, argv.join(' ')).toMatch(said)
    }
    const nl = await run(['member', 'add', 'desk@x.test'], { LANG: 'nl_NL.UTF-8' })
    expect(nl.err).toBe('tandem-admin: Die opdrachtregel klopt niet: ze mist PERSON. Er is niets veranderd. Zo schrijft u haar: tandem-admin member add SHARED PERSON')
    const json = await run(['licence', 'desk@x.test', '--json'])
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { code: 'usageOf' }, changes: [] })
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

  it('says where its configuration is wrong, with what the parser said in the details line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-admin-config-'))
    const bad = join(dir, 'bad.json')
    await writeFile(bad, JSON.stringify({ organisation: 'X', domains: ['not a domain'] }))
    const invalid = await run(['who-has', 'desk@x.test', '--config', bad], { TANDEM_ADMIN_KEY: 'k' })
    expect(invalid.code).toBe(1)
    expect(invalid.err).toMatch(new RegExp(`^tandem-admin: The configuration ${bad} is not valid at "domains\\.0" \\(what is wrong is below\\)\\. Correct it as docs/admin\\.md describes\\. Nothing was changed\\.$`, 'm'))
    expect(invalid.err).toMatch(/^Details: a domain$/m)
    await writeFile(bad, '{ "organisation": ')
    const notJson = await run(['who-has', 'desk@x.test', '--config', bad], { TANDEM_ADMIN_KEY: 'k', LANG: 'nl_NL.UTF-8' })
    expect(notJson.err).toMatch(/^tandem-admin: De configuratie .* is geen JSON \(waar staat hieronder\)/m)
    expect(notJson.err).toMatch(/^Details: /m)
    await rm(dir, { recursive: true })
  })

  it('speaks Dutch where the system does', async () => {
    const nl = await run(['access', 'alice@x.test'], { LANG: 'nl_NL.UTF-8' })
    expect(nl.err).toMatch(/Er is geen sleutel van de beheerder opgegeven.*\(R12\)/)
    const withKey = await run(['access', 'alice@x.test'], { LANG: 'nl_NL.UTF-8', TANDEM_ADMIN_KEY: 'k' })
    expect(withKey.err).toMatch(/De configuratie \/nonexistent\/tandem-admin\.json kon niet worden gelezen \(ENOENT\)/)
  })
})
