// `npm test`: lint and typecheck (the layers are rules), build, then unit, integration (real
// Dovecot and Postfix) and e2e (Playwright in Debian's Chromium through the web host). Ends with
// one line "N passed, N failed" over all three kinds of tests; a failed static check counts as a
// failure too, so a red lint can never hide behind green tests.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

const results = 'test-results'
rmSync(results, { recursive: true, force: true })
mkdirSync(results, { recursive: true })

function step(label, cmd, args) {
  console.log(`\n== ${label}: ${cmd} ${args.join(' ')}`)
  const started = Date.now()
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } })
  console.log(`== ${label}: ${r.status === 0 ? 'ok' : `failed (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return r.status === 0
}

const readJson = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null)
let passed = 0
let failed = 0
const problems = []
const failedNames = []

for (const [label, cmd, args] of [
  ['lint', 'npx', ['eslint', '.']],
  ['typecheck', 'npx', ['vue-tsc', '--noEmit', '-p', 'tsconfig.json']],
  ['build', 'npx', ['electron-vite', 'build']],
]) {
  if (!step(label, cmd, args)) { failed++; problems.push(label) }
}

const vitestOk = step('unit + integration', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${results}/vitest.json`])
const vitest = readJson(`${results}/vitest.json`)
if (vitest) {
  passed += vitest.numPassedTests
  failed += vitest.numFailedTests
  if (vitest.numFailedTests > 0) problems.push(`${vitest.numFailedTests} unit/integration`)
  // Named again at the end, so a log cut to its last lines still says which test failed and why.
  for (const file of vitest.testResults) {
    for (const t of file.assertionResults.filter((a) => a.status === 'failed')) {
      failedNames.push(`${file.name.replace(`${process.cwd()}/`, '')} › ${t.fullName}\n    ${(t.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 400)}`)
    }
  }
  // A file that failed to load has no tests to count: count it.
  const broken = vitest.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length
  if (broken > 0) { failed += broken; problems.push(`${broken} test file(s) that did not load`) }
  // Vitest fails a run whose tests all passed when errors went unhandled meanwhile (its JSON still
  // says success): those count as a failure too, named in its output above.
  if (!vitestOk && vitest.numFailedTests === 0 && broken === 0) { failed++; problems.push('vitest exited with an error (unhandled errors or rejections: see "Unhandled" above)') }
} else { failed++; problems.push('vitest wrote no results') }

if (existsSync('out/renderer/index.html')) {
  step('e2e', 'npx', ['playwright', 'test'])
  const e2e = readJson(`${results}/e2e.json`)
  if (e2e) {
    passed += e2e.stats.expected + e2e.stats.flaky
    failed += e2e.stats.unexpected
    if (e2e.stats.unexpected > 0) problems.push(`${e2e.stats.unexpected} e2e`)
    const walk = (suite, trail) => {
      for (const spec of suite.specs ?? []) {
        for (const t of spec.tests ?? []) {
          if (t.status === 'unexpected') {
            const error = t.results?.at(-1)?.error?.message ?? ''
            failedNames.push(`${spec.file} › ${[...trail, spec.title].join(' › ')}\n    ${error.split('\n')[0].slice(0, 400)}`)
          }
        }
      }
      for (const child of suite.suites ?? []) walk(child, [...trail, child.title])
    }
    for (const suite of e2e.suites ?? []) walk(suite, [])
    if (e2e.errors?.length) { failed += e2e.errors.length; problems.push('e2e run errors') }
  } else { failed++; problems.push('playwright wrote no results') }
} else { failed++; problems.push('e2e (renderer not built)') }

if (failedNames.length) console.log(`\nFailed tests:\n${failedNames.map((n) => `  ${n}`).join('\n')}`)
if (problems.length) console.log(`\nFailed: ${problems.join(', ')}`)
console.log(`\n${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
