import { ESLint } from 'eslint'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The layers the lint holds (eslint.config.js), checked on code written for the purpose: a rule
 * that silently stopped applying would let shared/ reach for Node again.
 */
const root = join(import.meta.dirname, '..', '..', '..')
const eslint = new ESLint({ cwd: root })
const problems = async (path: string, code: string) =>
  (await eslint.lintText(code, { filePath: join(root, path) }))[0]!.messages.map((m) => `${m.ruleId}: ${m.message}`)

// ESLint loads its configuration and parsers on the first call: seconds on a loaded machine.
describe('lint layers', { timeout: 60_000 }, () => {
  it('refuses Node and DOM globals in shared/, not only imports', async () => {
    expect(await problems('shared/rules/probe.ts', "export const b64 = Buffer.from('x').toString('base64')\n")).toEqual([expect.stringMatching(/^no-restricted-globals: .*Buffer.*no Node globals/)])
    expect(await problems('shared/rules/probe.ts', 'export const env = process.env.HOME\n')).toEqual([expect.stringMatching(/^no-restricted-globals: .*process/)])
    expect(await problems('shared/rules/probe.ts', 'export const key = localStorage.getItem("k")\n')).toEqual([expect.stringMatching(/^no-restricted-globals: .*localStorage.*no DOM globals/)])
    expect(await problems('shared/rules/probe.ts', "export const r = fetch('https://example.net')\n")).toEqual([expect.stringMatching(/^no-restricted-globals: .*network/)])
    expect(await problems('shared/rules/probe.ts', "import { readFileSync } from 'node:fs'\nexport const f = readFileSync\n")).toEqual([expect.stringMatching(/^no-restricted-imports:/)])
  })

  it('allows what both sides have in shared/, and Node globals in the service', async () => {
    expect(await problems('shared/rules/probe.ts', "export const b64 = btoa(String.fromCharCode(...new TextEncoder().encode('x')))\n")).toEqual([])
    expect(await problems('electron/service/probe.ts', "export const b64 = Buffer.from('x').toString('base64')\n")).toEqual([])
  })
})
