// `npx tsx bench/sync-idle.ts [--size 100000] [--shapes condstore,exchange] [--idle-s 300] [--settle-s 240]`: what
// a mailbox costs while the person only reads — on the wire and in the service's CPU — and how
// soon another member's flag change and new mail are seen, on both server shapes: Dovecot with
// CONDSTORE (Contoso) and the Exchange-shaped one without (Northwind). Prints figures; never
// fails on time.
//
// The window is a stand-in (bench/sync-idle-service.ts) that asks what the real one asks: a sync
// on every folder.changed, and the team folder read once at sign-in and then on every
// team.changed from main's watcher, as the team store does (it no longer reads every 3 s; its
// read when the window comes back is left out). Each idle figure comes with the load average.
//
// Time is compressed for the scans: the service's scan clock is moved on by the harness (a
// window scan's worth, a full scan's worth) instead of waiting 50 s or 55 min, and each scan's
// cost is measured apart from the polls. The hourly average per minute of the real schedule is
// then computed from those measured costs: polls + (60 / 50 s) window scans + 1 / 55 full scans.
import { fork, type ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'
import { loadOrganisation, delegateLoginTemplate } from '../test/mailstack/organisation'
import { startMailStack, type MailStack } from '../test/mailstack/stack'
import { memberSession, passwordOf } from '../test/mailstack/sessions'
import { startWireTap, type WireTap } from '../test/mailstack/wire-tap'
import { projectRoot } from '../electron/web/web-app'
import { DEFAULT_FLAG_SCAN } from '../electron/service/operations/flag-scan'
import { benchMessages } from './fixtures'
import { cpuMs } from './proc'

const { values } = parseArgs({ options: {
  size: { type: 'string', default: '100000' },
  shapes: { type: 'string', default: 'condstore,exchange' },
  /** Five minutes: the team folder's quiet step (15 s) and INBOX's look beside IDLE (30 s) come round ten times or more. */
  'idle-s': { type: 'string', default: '300' },
  /**
   * How long after the initial sync the idle minutes start. V8's memory reducer shrinks the heap
   * the initial sync grew, about 100 s after its last full collection and again about 107 s
   * later (measured with --trace-gc: ~0.3 s and ~70 ms of CPU at 100 000): a cost of the sync,
   * not of a mailbox at rest. At 150 s the second collection fell inside the idle minutes.
   */
  'settle-s': { type: 'string', default: '240' },
  scans: { type: 'string', default: '5' },
  changes: { type: 'string', default: '5' },
  /** Another checkout (e.g. `git archive main | tar -x -C DIR`, node_modules linked): its service, same harness; scans only if it has them. */
  base: { type: 'string' },
} })
const BASE = values.base
/** Whether the service measured has flag scans without CONDSTORE (a base from before them has not: no scans measured there). */
const SCANNED = !BASE || existsSync(join(BASE, 'electron', 'service', 'operations', 'flag-scan.ts'))
const SIZE = Number(values.size)
const IDLE_S = Number(values['idle-s'])
const SETTLE_S = Number(values['settle-s'])
const SCANS = Number(values.scans)
const CHANGES = Number(values.changes)
/** The watcher's poll (mail-service default): how long a due scan may wait for its turn. */
const POLL_MS = 3000
const { windowMs: WINDOW_MS, fullMs: FULL_MS, window: WINDOW } = DEFAULT_FLAG_SCAN

/** The machine's load average (1, 5, 15 min) now: the two cores are shared, so every figure says what else ran. */
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const step = (what: string) => process.stderr.write(`bench: ${what}\n`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor(s.length / 2)]! : NaN }
const range = (xs: number[], digits = 0) => xs.length ? `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : '—'

interface Shape { name: string; org: string; person: string; shared: string; other: string }
const SHAPES: Record<string, Shape> = {
  condstore: { name: 'Dovecot with CONDSTORE (Contoso)', org: 'contoso.json', person: 'bob@contoso.test', shared: 'support@contoso.test', other: 'alice@contoso.test' },
  exchange: { name: 'Exchange-shaped, no CONDSTORE (Northwind)', org: 'northwind-exchange.json', person: 'maria@northwind.test', shared: 'orders@northwind.test', other: 'tom@northwind.test' },
}

interface Service { child: ChildProcess; messages: { kind: string; [k: string]: unknown }[]; ready: { folderId: string; initialMs: number; count: number } }

async function startService(stack: MailStack, tap: WireTap, shape: Shape): Promise<Service> {
  const root = BASE ?? projectRoot
  const bundle = join(projectRoot, 'out', 'bench-sync-idle', BASE ? 'base.mjs' : 'service.mjs')
  if (BASE) copyFileSync(join(projectRoot, 'bench', 'sync-idle-service.ts'), join(BASE, 'bench', 'sync-idle-service.ts'))
  await build({ entryPoints: [join(root, 'bench', 'sync-idle-service.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'error' })
  const oauth = stack.org.server.signIn === 'oauth'
  const server = {
    imap: { host: stack.host, port: tap.port, security: 'none' as const },
    smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const },
    delegateLogin: delegateLoginTemplate(stack.org),
    ...(oauth ? { oauth: { issuer: stack.oidc!.issuer, clientId: stack.oidc!.clientId, scopes: stack.oidc!.scopes } } : {}),
  }
  // The real schedule's clock: the harness moves it on to make a scan due.
  const start = { address: shape.person, password: passwordOf(stack, shape.person), shared: shape.shared, server, oauth, windowMs: WINDOW_MS, fullMs: FULL_MS }
    // BENCH_CPU_PROF=DIR: a V8 CPU profile of the service's whole run (BENCH_PROFILE: of the idle minutes alone).
  // BENCH_NODE_ARGS: more flags for the service's Node (e.g. --trace-gc: what its collector does at rest).
  const execArgv = [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)]
  const child = fork(bundle, [JSON.stringify(start)], { cwd: projectRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
  const messages: Service['messages'] = []
  child.on('message', (m: { kind: string }) => { messages.push(m); if (m.kind === 'error') step(`service: ${String((m as { message?: string }).message)}`) })
  const ready = await until(messages, (m) => m.kind === 'ready', 600_000) as unknown as Service['ready']
  return { child, messages, ready }
}

async function until(messages: Service['messages'], test: (m: Service['messages'][number]) => boolean, timeoutMs: number, from = 0): Promise<Service['messages'][number]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = messages.slice(from).find(test)
    if (found) return found
    if (Date.now() > deadline) throw new Error('the service did not report in time')
    await sleep(20)
  }
}

/** Octets on the wire and the service's CPU, from now. */
function meter(tap: WireTap, pid: number) {
  const t = performance.now(); const b = tap.sent + tap.received; const c = cpuMs(pid)
  return () => ({ ms: performance.now() - t, bytes: tap.sent + tap.received - b, cpu: cpuMs(pid) - c })
}

async function measureShape(key: string): Promise<string[]> {
  const shape = SHAPES[key]!
  const out: string[] = []
  step(`${shape.name}: starting the stack, seeding ${SIZE}`)
  const stack = await startMailStack(await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', shape.org)))
  try {
    await stack.seed(shape.shared, 'INBOX', benchMessages(SIZE, shape.shared))
    execFileSync('sync')
    const tap = await startWireTap(stack.host, stack.ports.imap, { keepCommands: true })
    const svc = await startService(stack, tap, shape)
    const pid = svc.child.pid!
    const send = (m: object) => svc.child.send(m)
    step(`${shape.name}: initial sync of ${svc.ready.count} in ${svc.ready.initialMs.toFixed(0)} ms; settling ${SETTLE_S} s`)
    await sleep(SETTLE_S * 1000)

    // Idle: IDLE, the watcher's polls (the team folder's among them), the team folder read on
    // team.changed as the window does — and no scan (the scan clock is held).
    step(`${shape.name}: idle for ${IDLE_S} s`)
    const commandsBefore = tap.commands.length
    const changesBefore = svc.messages.length
    send({ kind: 'team-changes' })
    const teamBefore = (await until(svc.messages, (m) => m.kind === 'team-changes', 10_000, changesBefore)).n as number
    // The scan clock stands still meanwhile: no window scan falls due in these minutes, so the
    // idle figure is the polls' alone and the scans, measured apart below, are not counted twice.
    send({ kind: 'clock-hold' })
    const idle = meter(tap, pid)
    send({ kind: 'profile-start' })
    await sleep(IDLE_S * 1000)
    const base = idle()
    send({ kind: 'profile-stop' })
    send({ kind: 'clock-release' })
    const changesAfter = svc.messages.length
    send({ kind: 'team-changes' })
    const teamReads = ((await until(svc.messages, (m) => m.kind === 'team-changes', 10_000, changesAfter)).n as number) - teamBefore
    // What the idle minutes sent, by command (stderr): the polls, the team folder's, IDLE.
    const kinds = new Map<string, number>()
    for (const c of tap.commands.slice(commandsBefore)) { const k = c.split(' ').slice(1, 3).join(' ').replace(/[0-9:,]+/g, 'N').slice(0, 40); kinds.set(k, (kinds.get(k) ?? 0) + 1) }
    step(`${shape.name}: commands while idle: ${[...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join(', ')}; team.changed ×${teamReads}`)
    const perMin = (x: number) => (x * 60_000) / base.ms
    const baseBytes = perMin(base.bytes)
    const baseCpu = perMin(base.cpu)
    out.push(`| ${shape.name} | idle: IDLE, the watcher's polls, the team folder read on team.changed (×${teamReads}; the person's own Inbox synced too, as the window does; measured ${IDLE_S} s from ${SETTLE_S} s after the initial sync, load ${loadAverage()}) | ${(baseBytes / 1024).toFixed(1)} KB/min | ${baseCpu.toFixed(1)} ms/min |`)
    const scanCost = async (advance: number, waitMs: number) => {
      const bytes: number[] = []; const cpu: number[] = []
      for (let i = 0; i < SCANS; i++) {
        const m = meter(tap, pid)
        send({ kind: 'advance', ms: advance })
        await sleep(waitMs)
        const r = m()
        // The polls' share of the interval is taken out: what is left is the scan's.
        bytes.push(Math.max(0, r.bytes - (baseBytes * r.ms) / 60_000)); cpu.push(Math.max(0, r.cpu - (baseCpu * r.ms) / 60_000))
      }
      return { bytes, cpu }
    }
    let scans = { bytes: 0, cpu: 0 }
    if (key === 'exchange' && SCANNED) {
      step(`${shape.name}: ${SCANS} window scans, ${SCANS} full scans (the scan clock moved on)`)
      const w = await scanCost(WINDOW_MS, 5000)
      const f = await scanCost(FULL_MS, 15_000)
      out.push(`| | one window scan (newest ${WINDOW}), ${SCANS} runs | ${range(w.bytes.map((b) => b / 1024), 1)} KB | ${range(w.cpu)} ms |`)
      out.push(`| | one full scan (${SIZE}), ${SCANS} runs | ${range(f.bytes.map((b) => b / 1024), 0)} KB | ${range(f.cpu)} ms |`)
      scans = {
        bytes: (60_000 / WINDOW_MS) * median(w.bytes) + (60_000 / FULL_MS) * median(f.bytes),
        cpu: (60_000 / WINDOW_MS) * median(w.cpu) + (60_000 / FULL_MS) * median(f.cpu),
      }
      out.push(`| | the scans' share per minute, by the real schedule (computed: ${60_000 / WINDOW_MS} window + 1/${FULL_MS / 60_000} full scans a minute) | ${(scans.bytes / 1024).toFixed(1)} KB/min | ${scans.cpu.toFixed(1)} ms/min |`)
    }
    out.push(`| | **per minute, averaged over an hour** (computed) | **${((baseBytes + scans.bytes) / 1024).toFixed(1)} KB/min** | **${(baseCpu + scans.cpu).toFixed(1)} ms/min** |`)

    // Another member's flag changes and new mail, as an independent session makes them.
    step(`${shape.name}: ${CHANGES} flag changes and ${CHANGES} new messages by another member`)
    const other = await memberSession(stack, shape.other, shape.shared)
    const window: number[] = []; const outside: number[] = []; const arrivals: number[] = []
    try {
      await other.mailboxOpen('INBOX')
      const top = other.mailbox ? other.mailbox.uidNext - 1 : SIZE
      const seen = async (uid: number, since: number, kind: 'changed' | 'rows') => {
        const m = await until(svc.messages, (x) => x.kind === kind && (kind === 'changed' ? (x.changed as { uid: number }[]).some((c) => c.uid === uid) : (x.uids as number[]).includes(uid)), 120_000, since)
        return m.at as number
      }
      for (let i = 0; i < CHANGES; i++) {
        // Among the newest: IDLE (or the poll's NOOP) says a flag changed, the sync scans the window (or asks CONDSTORE).
        const uid = top - 10 - i * 7
        const from = svc.messages.length
        const t = Date.now()
        await other.messageFlagsAdd(String(uid), ['\\Flagged'], { uid: true })
        window.push((await seen(uid, from, 'changed')) - t)
        // Far below the window: with CONDSTORE at once; without, at the full scan (its clock moved on).
        const old = 1 + i * 997
        const from2 = svc.messages.length
        const t2 = Date.now()
        await other.messageFlagsAdd(String(old), ['\\Flagged'], { uid: true })
        if (key === 'exchange' && SCANNED) { await sleep(2000); const t3 = Date.now(); send({ kind: 'advance', ms: FULL_MS }); await seen(old, from2, 'changed'); outside.push(Date.now() - t3) } else outside.push((await seen(old, from2, 'changed')) - t2)
        await sleep(1000)
        // New mail: from the server having it (APPEND answered) to the service handing it over.
        const from3 = svc.messages.length
        const appended = await other.append('INBOX', `From: late@example.net\r\nTo: ${shape.shared}\r\nSubject: late ${i}\r\nMessage-ID: <late-${i}-${Date.now()}@example.net>\r\n\r\nHello\r\n`)
        const t4 = Date.now()
        if (appended && appended.uid) arrivals.push((await seen(appended.uid, from3, 'rows')) - t4)
        await sleep(1000)
      }
    } finally {
      await other.logout().catch(() => undefined)
    }
    out.push(`| | flag change among the newest ${WINDOW} → handed over (the server's IDLE/NOOP news, ${CHANGES} runs) | ${range(window)} ms | |`)
    if (key === 'exchange' && SCANNED) {
      out.push(`| | flag change far below the window → handed over, from the full scan falling due (${CHANGES} runs) | ${range(outside)} ms | |`)
      out.push(`| | … so, by the real schedule, at most (computed: ${WINDOW_MS / 1000} s window / ${FULL_MS / 60_000} min full + ${POLL_MS / 1000} s poll + the scan and sync) | newest ${WINDOW}: ${((WINDOW_MS + POLL_MS + median(outside)) / 1000).toFixed(1)} s; anywhere: ${((FULL_MS + POLL_MS + median(outside)) / 60_000).toFixed(1)} min | |`)
    } else {
      out.push(`| | flag change far below (CONDSTORE, ${CHANGES} runs) | ${range(outside)} ms | |`)
    }
    out.push(`| | new mail: APPEND answered → handed over (${CHANGES} runs) | ${range(arrivals)} ms | |`)
    out.push(`| | (initial sync of ${svc.ready.count}, for reference) | ${svc.ready.initialMs.toFixed(0)} ms | |`)
    send({ kind: 'stop' })
    await new Promise((r) => svc.child.once('exit', r))
    await tap.close()
  } finally {
    await stack.stop()
  }
  return out
}

async function main(): Promise<void> {
  const lines = ['| server | figure | wire | service CPU |', '|---|---|---|---|']
  for (const key of values.shapes.split(',').map((s) => s.trim()).filter(Boolean)) lines.push(...await measureShape(key))
  process.stdout.write(`${lines.join('\n')}\n`)
  process.exit(0)
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
