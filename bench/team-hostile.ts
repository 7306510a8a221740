// `npx tsx bench/team-hostile.ts [--runs N] [--old DIR]`: the service reading a team folder that a
// hostile member filled (docs/team-state.md, "Bounded work"), in a process of its own: its
// event-loop delay (p99, max) and memory (RSS and heap, peak over the start) while a new device
// reads everything there and checks the batches it started from. `--old DIR`: the same harness
// against another checkout of Tandem (its node_modules in place), for a before/after. Prints
// figures; never fails on time. `--profile DIR`: a CPU profile of the first run's service.
import { randomUUID } from 'node:crypto'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import MailComposer from 'nodemailer/lib/mail-composer'
import { smallOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { projectRoot } from '../electron/web/web-app'
import { recordMessage, TEAM_FOLDER } from '../electron/service/operations/team'
import { batchHeaderValue } from '../shared/team/batches'
import { type TeamRecord } from '../shared/team/records'
import { conversationIdFromRoot } from '../shared/conversation'
import { gzipBomb as makeGzipBomb } from '../test/fixtures/gzip-bomb'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, old: { type: 'string' }, profile: { type: 'string' } } })
const RUNS = Number(values.runs)
const step = (what: string) => process.stderr.write(`bench: ${what}\n`)

const org = smallOrganisation('Adatum', 'adatum.test', {
  people: { ana: 'Ana Alves', ben: 'Ben Berg' },
  shared: [{ local: 'helpdesk', name: 'Adatum Helpdesk', members: [{ local: 'ana' }, { local: 'ben' }] }],
})
for (const s of org.sharedMailboxes) s.quotaMB = 2000
const ANA = 'ana@adatum.test'
const BEN = 'ben@adatum.test'
const SHARED = 'helpdesk@adatum.test'

/** A gzip bomb of batch rows as ana (test/fixtures/gzip-bomb.ts). */
const gzipBomb = (mb: number, conv: string) => makeGzipBomb(mb, conv, ANA)

async function main(): Promise<void> {
  const stack = await startMailStack(org)
  try {
    // What a member with any IMAP client can append: 5 000 notes of 10 000 characters on one
    // conversation, 20 messages of 2 MB with a record header of junk, 200 of 150 KB that pass
    // for records whose header a server dropped, then a gzip bomb that claims to copy all of it.
    step('building the hostile folder')
    const conv = conversationIdFromRoot('m:<flood@example.net>')
    const text = 'x'.repeat(10_000)
    const seed: { raw: Buffer; date: Date }[] = []
    for (let i = 0; i < 5000; i++) {
      const r: TeamRecord = { v: 1, id: randomUUID(), conv, at: Date.now(), by: i % 2 ? BEN : ANA, action: { kind: 'note', note: randomUUID(), text } }
      seed.push({ raw: await recordMessage(r, 'Someone', 'note', 'note'), date: new Date() })
    }
    for (let i = 0; i < 20; i++) seed.push({ raw: Buffer.from(`From: x@example.net\r\nX-Tandem-Record: ${'A'.repeat(2 * 1024 * 1024)}\r\n\r\njunk\r\n`), date: new Date() })
    for (let i = 0; i < 200; i++) seed.push({ raw: Buffer.from(`From: x@example.net\r\nMessage-ID: <${randomUUID()}@team.tandem.invalid>\r\n\r\n${'y'.repeat(150 * 1024)}\r\n`), date: new Date() })
    await stack.seed(SHARED, TEAM_FOLDER, seed)
    const bomb = await gzipBomb(128, conv)
    const c = await imapSession(stack, `${SHARED}*${BEN}`, passwordOf(stack, BEN))
    const box = await c.mailboxOpen(TEAM_FOLDER)
    const raw = await new MailComposer({
      from: { name: 'Ben Berg', address: BEN }, subject: 'batch', messageId: `<batch-${randomUUID()}@team.tandem.invalid>`,
      headers: { 'X-Tandem-Team': '1', 'X-Tandem-Batch': batchHeaderValue({ from: 1, upto: box.uidNext - 1, records: 5000 }) },
      text: 'records', attachments: [{ filename: 'tandem-team-records.json.gz', content: bomb, contentType: 'application/gzip' }],
    }).compile().build()
    await c.append(TEAM_FOLDER, raw, ['\\Seen'])
    await c.logout()
    step(`folder: ${box.exists + 1} messages, the bomb ${Math.round(bomb.length / 1024)} KB (128 MB unzipped)`)

    const root = values.old ?? projectRoot
    const bundle = join(projectRoot, 'out', 'bench-service', `hostile-reader${values.old ? '-old' : ''}.mjs`)
    // The reader compiled against that checkout's service.
    await build({ stdin: { contents: (await import('node:fs')).readFileSync(join(projectRoot, 'bench', 'hostile-reader.ts'), 'utf8').replaceAll('../electron/', `${root}/electron/`), resolveDir: join(projectRoot, 'bench'), loader: 'ts' },
      bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'error', nodePaths: [join(root, 'node_modules')] })
    const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' }, delegateLogin: '{shared}*{user}' }
    const results: Record<string, number | string | null>[] = []
    for (let run = 0; run < RUNS; run++) {
      step(`run ${run + 1} of ${RUNS}`)
      const child = spawn(process.execPath, ['--expose-gc', ...(values.profile && run === 0 ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []), bundle, JSON.stringify(server), ANA, passwordOf(stack, ANA), `shared:${SHARED}`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (d) => { out += String(d) })
      await once(child, 'exit')
      const line = out.trim().split('\n').at(-1) ?? '{}'
      results.push(JSON.parse(line) as Record<string, number | string | null>)
      step(line)
    }
    const median = (k: string) => [...results.map((r) => Number(r[k]))].sort((a, b) => a - b)[Math.floor(results.length / 2)]
    const range = (k: string) => `${Math.min(...results.map((r) => Number(r[k])))}–${Math.max(...results.map((r) => Number(r[k])))}`
    console.log(`| figure (${values.old ? `old: ${values.old}` : 'this checkout'}, ${RUNS} runs) | median | range |`)
    console.log('|---|---|---|')
    console.log(`| read everything and check the batches | ${median('ms')} ms | ${range('ms')} |`)
    console.log(`| service event-loop delay, p99 | ${median('loopP99')} ms | ${range('loopP99')} |`)
    console.log(`| service event-loop delay, max | ${median('loopMax')} ms | ${range('loopMax')} |`)
    console.log(`| service RSS above its start, at most | ${median('rssDelta')} MB | ${range('rssDelta')} |`)
    console.log(`| service heap + buffers above its start, at most | ${median('heapDelta')} MB | ${range('heapDelta')} |`)
    console.log(`| pages read; records; skipped; batches started from; found false | ${results[0]!.pages}; ${results[0]!.records}; ${results[0]!.skipped}; ${results[0]!.batches}; ${results[0]!.bad} | |`)
    if (results.some((r) => r.error)) console.log(`| errors | ${[...new Set(results.map((r) => r.error).filter(Boolean))].join('; ')} | |`)
  } finally {
    await stack.stop()
  }
}

void main()
