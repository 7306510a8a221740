// The service of bench/sync-idle.ts, in a process of its own (bundled, as Electron's main runs
// it): one member signed in, one shared mailbox open, and a stand-in for the window that asks
// what the real one asks while the person reads — a sync of a folder on every folder.changed
// (one at a time, one more when asked meanwhile; no IndexedDB here) and a read of the team
// folder once at sign-in and then on every team.changed, as renderer/src/stores/team.ts does
// (it no longer polls; its reads when the window comes back, at most every 15 s, are left out:
// nobody comes back to this window). It reports to the harness over IPC and moves (or holds) its
// scan clock when told.
import { randomUUID } from 'node:crypto'
import { MailService } from '../electron/service/mail-service'
import { MemorySecretStore } from '../electron/service/storage/secret-store'
import { MemoryStateStore } from '../electron/service/storage/state-store'
import type { FolderSyncState, ServerSettings } from '../shared/domain'
import { events as contractEvents } from '../shared/api/contract'
import type { TeamCursor } from '../electron/service/operations/team'
import { signInOnPage } from '../test/mailstack/oidc-browser'

interface Start { address: string; password: string; shared: string; server: ServerSettings; oauth: boolean; windowMs: number; fullMs: number }

const send = (m: object) => process.send!(m)
let offset = 0
/** The scan clock while the harness holds it (idle minutes measured without scans), else null. */
let held: number | null = null
const start = JSON.parse(process.argv[2]!) as Start

async function main(): Promise<void> {
  const synced = new Map<string, { since: FolderSyncState | null; known: number }>()
  const running = new Map<string, Promise<void>>()
  const again = new Set<string>()
  let teamChanges = 0
  let readTeam: () => Promise<void> = async () => undefined
  const service = new MailService({
    confirm: async () => true,
    secrets: new MemorySecretStore(),
    state: new MemoryStateStore(),
    host: 'web',
    version: 'bench',
    flagScan: { window: 1000, windowMs: start.windowMs, fullMs: start.fullMs },
    now: () => held ?? Date.now() + offset,
    log: () => undefined,
    emit: (name, payload) => {
      if (name === 'sync.messages') {
        const p = contractEvents['sync.messages'].parse(payload)
        const s = synced.get(p.folderId)
        if (s) s.known += p.messages.length
        if (s?.since) send({ kind: 'rows', folderId: p.folderId, uids: p.messages.map((m) => m.uid), at: Date.now() })
      }
      if (name === 'folder.changed') void sync((payload as { folderId: string }).folderId)
      if (name === 'team.changed') { teamChanges++; void readTeam() }
    },
  })
  await service.start()

  async function sync(folderId: string): Promise<void> {
    if (!synced.has(folderId)) return
    if (running.has(folderId)) { again.add(folderId); return }
    const run = (async () => {
      const s = synced.get(folderId)!
      const r = await service.syncMessages({ folderId, since: s.since, knownUids: s.known })
      if (r.present) s.known = r.present.length
      else s.known -= r.vanished?.length ?? 0
      s.since = r.state
      if (r.changed.length) send({ kind: 'changed', folderId, changed: r.changed, at: Date.now() })
    })().catch((e: unknown) => { send({ kind: 'error', message: (e as Error).message }) })
    running.set(folderId, run)
    await run
    running.delete(folderId)
    if (again.delete(folderId)) await sync(folderId)
  }

  if (start.oauth) {
    const { flowId, url } = await service.oauthBegin(start.server, start.address)
    const finished = service.oauthFinish(flowId)
    const back = await signInOnPage(url, start.address, start.password)
    await (await fetch(back)).text()
    await finished
    await service.addSharedMailbox(start.shared)
  } else {
    await service.signIn({ address: start.address, password: start.password, server: start.server })
  }
  const mailboxId = `shared:${start.shared}`
  const folders = await service.listFolders(mailboxId)
  const inbox = folders.find((f) => f.role === 'inbox')!
  synced.set(inbox.id, { since: null, known: 0 })
  const t0 = performance.now()
  await sync(inbox.id)
  const initialMs = performance.now() - t0
  // The person's own Inbox too, as the window syncs it at sign-in: its connections then live as
  // in the app (IDLE, the poll's look now and then). Left unsynced, its working connection sat
  // silent until the socket timeout and connected again inside the idle minutes.
  const own = (await service.listFolders(`own:${start.address}`)).find((f) => f.role === 'inbox')
  if (own) { synced.set(own.id, { since: null, known: 0 }); await sync(own.id) }
  // A team folder with something in it, as a team working the mailbox has.
  await service.teamRecord({ mailboxId, id: randomUUID(), about: { folderId: inbox.id, uid: 1, messageId: null }, at: Date.now(), action: { kind: 'assign', to: start.address, expect: null }, locale: 'en' })
  let cursor: TeamCursor | null = null
  let reading: Promise<void> | null = null
  let readAgain = false
  // As the window's team store (TeamSync.pull): one read at a time, one more when told meanwhile.
  readTeam = async () => {
    if (reading) { readAgain = true; return reading }
    reading = (async () => {
      do {
        readAgain = false
        for (;;) {
          const page = await service.teamRead(mailboxId, cursor)
          cursor = page.cursor ?? cursor
          if (!page.more) break
        }
      } while (readAgain)
    })().catch(() => undefined).finally(() => { reading = null })
    return reading
  }
  // The window's first read at sign-in: from then on main watches the team folder (team.changed).
  await readTeam()

  // BENCH_PROFILE=DIR: a CPU profile of the idle minutes alone (the harness says when).
  const inspector = process.env.BENCH_PROFILE ? new (await import('node:inspector')).Session() : null
  const post = (method: string) => new Promise<unknown>((resolve, reject) => inspector!.post(method, (e, r) => (e ? reject(e) : resolve(r))))
  process.on('message', (m: { kind: string; ms?: number }) => {
    if (m.kind === 'advance') { offset += m.ms!; send({ kind: 'advanced' }) }
    // Held, the clock goes on afterwards from where it stood: no scan fell due meanwhile.
    if (m.kind === 'clock-hold') held = Date.now() + offset
    if (m.kind === 'clock-release' && held !== null) { offset = held - Date.now(); held = null }
    if (m.kind === 'team-changes') send({ kind: 'team-changes', n: teamChanges })
    if (m.kind === 'profile-start' && inspector) { inspector.connect(); void post('Profiler.enable').then(() => post('Profiler.start')) }
    if (m.kind === 'profile-stop' && inspector) {
      void post('Profiler.stop').then(async (r) => {
        const { writeFileSync } = await import('node:fs')
        writeFileSync(`${process.env.BENCH_PROFILE}/idle-${process.pid}.cpuprofile`, JSON.stringify((r as { profile: unknown }).profile))
      })
    }
    if (m.kind === 'stop') void service.stop().finally(() => process.exit(0))
  })
  send({ kind: 'ready', folderId: inbox.id, initialMs, count: synced.get(inbox.id)!.known })
}

main().catch((e: unknown) => { send({ kind: 'error', message: (e as Error).stack ?? String(e) }); process.exit(1) })
