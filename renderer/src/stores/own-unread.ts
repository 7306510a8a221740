import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { Folder, MessageSummary } from '../../../shared/domain'
import { mailboxOfFolder } from '../../../shared/ids'
import { MAX_DELTA_NUMBERS, rangesOf, SNAPSHOT_EVERY, snapshotOver, subtractRanges, unionRanges } from '../../../shared/team/own-read'
import type { OwnReadRow } from '../cache/db'
import { useApi } from '../api/use-api'
import { i18n } from '../i18n'
import { clearOwnRanges, isOwnTracked, ownUnreadAmong, setOwnRanges } from '../mail/own-unread'
import { useSessionStore } from './session'
import { useFoldersStore } from './folders'

/** At most one append of read marks per mailbox this often (docs/team-state.md, "Each member's own unread"). */
export const OWN_READ_APPEND_MS = 30_000
/**
 * Folders whose unread stays the shared \Seen: mail there is not waiting to be worked (the
 * team's sent replies, drafts, what was deleted, junk, what is archived — done). Own unread is
 * the Inbox's and the mailbox's other folders'.
 */
const SEEN_ROLES: ReadonlySet<string> = new Set(['sent', 'drafts', 'trash', 'junk', 'archive'])
/** The folder counts follow changes at most this often. */
const RECOUNT_MS = 250

/**
 * Each member's own unread in their shared mailboxes (shared/team/own-read.ts). Reading marks
 * a message read for the person at once — in memory for the list (mail/own-unread.ts) and in
 * IndexedDB for the next start and for offline — and the marks reach the mailbox's team folder
 * at most once per half minute per mailbox, as a delta (a snapshot now and then), and when the
 * window hides. A device that has not read the person's state from the server (nor kept it)
 * shows the shared \Seen meanwhile.
 */
export const useOwnUnreadStore = defineStore('ownUnread', () => {
  const api = useApi()
  const session = useSessionStore()
  const folders = useFoldersStore()
  /** Whether a folder's unread is the person's own: a folder of a shared mailbox where mail waits to be worked. */
  const ownKind = (folderId: string) => { const f = folders.byId(folderId); return !!f && !SEEN_ROLES.has(f.role) }
  /** Unread-by-me counts of tracked folders, by folder id (the sidebar and the window title). */
  const counts = ref<Record<string, number>>({})
  /** Whether the person's state of a mailbox came from the server this session, by mailbox id. */
  const fromServer = ref<Record<string, boolean>>({})
  const rows = new Map<string, OwnReadRow>()
  const lastAppend = new Map<string, number>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const flushing = new Map<string, Promise<void>>()
  const loading = new Map<string, Promise<void>>()
  /** How many appends ended, by mailbox: a read of the server's state that overlapped one asks again. */
  const appended = new Map<string, number>()
  let recountIds = new Set<string>()
  let recountTimer: ReturnType<typeof setTimeout> | null = null
  let offCache: (() => void) | null = null
  /** The server's last answer per mailbox (its folders' states): a folder first synced after it is adopted from it. */
  const answered = new Map<string, Map<string, { uidValidity: number; read: number[]; deltas: number }>>()
  const adopting = new Set<string>()
  /** Shared mailboxes where the server held none of the person's marks at all when last asked: their first use of own unread. */
  const firstUse = new Set<string>()

  /**
   * The person's first use of own unread in a mailbox (the server holds none of their marks):
   * what the team had opened then counts as read for them too — as their Tandem showed it until
   * now — so a member who upgrades does not find every message of the shared Inbox bold again.
   * From then on, a colleague's open no longer reads it for them. Appended as their first snapshot.
   */
  async function seenOf(folderId: string): Promise<number[]> {
    const cached = await db()?.summaries.folder(folderId) ?? []
    return rangesOf(cached.filter((m) => m.flags.includes('\\Seen')).map((m) => m.uid))
  }

  const db = () => session.db
  const isShared = (mailboxId: string) => !!session.session?.mailboxes.some((m) => m.id === mailboxId && m.kind === 'shared')

  watch(() => session.db, (d) => {
    offCache?.()
    offCache = null
    rows.clear()
    answered.clear()
    clearOwnRanges()
    counts.value = {}
    fromServer.value = {}
    if (!d) return
    // A folder's count follows its cached rows: new mail is unread, a removed message counts no more.
    offCache = d.summaries.onChange((c) => {
      if ('added' in c) { recountSoon(c.added.map((m) => m.folderId)); adoptSoon(c.added.map((m) => m.folderId)) }
      else if ('changed' in c) recountSoon(c.changed.map((x) => x.after.folderId))
      else if ('removed' in c) recountSoon(c.removed.map((id) => id.slice(0, id.lastIndexOf('|'))))
      else recountSoon([...rows.keys()])
    })
  }, { immediate: true })

  function show(row: OwnReadRow): void {
    rows.set(row.folderId, row)
    setOwnRanges(row.folderId, row.read)
    recountSoon([row.folderId])
  }

  function recountSoon(folderIds: Iterable<string>): void {
    for (const f of folderIds) if (rows.has(f)) recountIds.add(f)
    if (!recountIds.size) return
    recountTimer ??= setTimeout(() => {
      recountTimer = null
      const ids = recountIds
      recountIds = new Set()
      void Promise.all([...ids].map(async (folderId) => {
        const uids = await db()?.summaries.uids(folderId) ?? []
        return [folderId, ownUnreadAmong(folderId, uids)] as const
      })).then((done) => {
        const next = { ...counts.value }
        for (const [f, n] of done) { if (n === null) delete next[f]; else next[f] = n }
        counts.value = next
      }).catch(() => undefined)
    }, RECOUNT_MS)
  }

  /** The folder's unread count for the person: their own in a tracked shared folder, else \Seen's. */
  function unseenOf(f: Folder): number | null {
    return counts.value[f.id] ?? f.unseen
  }

  /**
   * Folders of a mailbox whose state the server gave, first synced after that: their state is
   * the server's answer (or nothing read), once the folder's sync state (its UIDVALIDITY) is kept.
   */
  function adoptSoon(folderIds: string[]): void {
    for (const folderId of new Set(folderIds)) {
      const mailboxId = mailboxOfFolder(folderId)
      if (rows.has(folderId) || adopting.has(folderId) || !answered.has(mailboxId) || !ownKind(folderId)) continue
      adopting.add(folderId)
      void (async () => {
        try {
          // The sync state is written when the folder's first sync ends: until then, look again.
          for (let i = 0; i < 120 && !rows.has(folderId); i++) {
            const s = await db()?.sync.get(folderId)
            if (s) { await adopt(folderId, mailboxId, Number(s.uidValidity)); return }
            await new Promise((r) => setTimeout(r, 1000))
          }
        } finally {
          adopting.delete(folderId)
        }
      })()
    }
  }

  async function adopt(folderId: string, mailboxId: string, validity: number): Promise<void> {
    if (rows.has(folderId)) return
    const there = answered.get(mailboxId)?.get(folderId)
    const mine = there && there.uidValidity === validity ? there : null
    const seed = !mine && firstUse.has(mailboxId) ? await seenOf(folderId) : []
    if (rows.has(folderId)) return
    const row: OwnReadRow = { folderId, mailboxId, uidValidity: validity, read: mine?.read ?? seed, pendingRead: seed, pendingUnread: [], server: !!mine, deltas: mine?.deltas ?? 0 }
    show(row)
    await db()?.ownReads.put({ ...row })
  }

  /** The rows this device kept for a mailbox, shown at once (the state works offline). */
  async function fromCache(mailboxId: string): Promise<void> {
    const kept = await db()?.ownReads.where('mailboxId').equals(mailboxId).toArray() ?? []
    for (const row of kept) if (!rows.has(row.folderId) && ownKind(row.folderId)) show(row)
  }

  /**
   * The person's state of a shared mailbox from the server, with what this device has not
   * appended yet on top; every synced folder of the mailbox is then the person's own (empty
   * where they have no marks: nothing read yet). A folder renumbered (another UIDVALIDITY)
   * starts afresh.
   */
  function load(mailboxId: string): Promise<void> {
    if (!isShared(mailboxId)) return Promise.resolve()
    const running = loading.get(mailboxId)
    if (running) return running
    const p = (async () => {
      await fromCache(mailboxId)
      // An answer that began before an append ended may not hold it, while the append has taken
      // it out of what is pending: wait for a running append, and ask again if one ended meanwhile.
      let r
      for (let attempt = 0; ; attempt++) {
        await flushing.get(mailboxId)?.catch(() => undefined)
        const before = appended.get(mailboxId) ?? 0
        r = await api.call('read.state', { mailboxId })
        if ((appended.get(mailboxId) ?? 0) === before || attempt >= 2) break
      }
      const d = db()
      if (!d) return
      const server = new Map(r.folders.map((f) => [f.folderId, f]))
      answered.set(mailboxId, server)
      if (r.found) firstUse.delete(mailboxId)
      else firstUse.add(mailboxId)
      const synced = await d.sync.where('mailboxId').equals(mailboxId).toArray()
      const changed: OwnReadRow[] = []
      for (const s of synced) {
        if (!ownKind(s.folderId)) continue
        const local = rows.get(s.folderId)
        const validity = Number(s.uidValidity)
        const there = server.get(s.folderId)
        const mine = local && local.uidValidity === validity ? local : null
        const seed = !r.found && !mine && !there ? await seenOf(s.folderId) : []
        const pendingRead = mine?.pendingRead ?? seed
        const pendingUnread = mine?.pendingUnread ?? []
        const base = there && there.uidValidity === validity ? there.read : []
        const row: OwnReadRow = {
          folderId: s.folderId, mailboxId, uidValidity: validity,
          read: subtractRanges(unionRanges(base, pendingRead), pendingUnread),
          pendingRead, pendingUnread, server: !!there && there.uidValidity === validity, deltas: there?.deltas ?? 0,
        }
        show(row)
        changed.push(row)
      }
      await d.ownReads.bulkPut(changed.map((x) => ({ ...x })))
      fromServer.value = { ...fromServer.value, [mailboxId]: true }
      if (changed.some((x) => x.pendingRead.length || x.pendingUnread.length)) schedule(mailboxId)
    })().finally(() => loading.delete(mailboxId))
    loading.set(mailboxId, p)
    return p
  }

  /** Reads every shared mailbox's state (cache first, then the server), one after another. */
  async function loadAll(): Promise<void> {
    for (const m of session.session?.mailboxes ?? []) {
      if (m.kind !== 'shared') continue
      await load(m.id).catch((e: unknown) => console.warn(`tandem: own read state of ${m.id} not read:`, e instanceof Error ? e.message : e))
    }
  }

  /**
   * Marks messages read or unread for the person, where their folder's state is their own;
   * returns those that were not (the person's own mailbox, a folder not yet known: \Seen alone).
   */
  async function mark(ms: readonly MessageSummary[], read: boolean): Promise<MessageSummary[]> {
    const rest: MessageSummary[] = []
    const byFolder = new Map<string, number[]>()
    for (const m of ms) {
      if (!isOwnTracked(m.folderId) || !rows.has(m.folderId)) { rest.push(m); continue }
      byFolder.set(m.folderId, [...(byFolder.get(m.folderId) ?? []), m.uid])
    }
    for (const [folderId, uids] of byFolder) await change(folderId, rangesOf(uids), read)
    return rest
  }

  /** Every message of a tracked folder read for the person: one range from UID 1, the watermark. */
  async function markAll(folderId: string): Promise<boolean> {
    if (!rows.has(folderId)) return false
    const uids = await db()?.summaries.uids(folderId) ?? []
    if (uids.length) await change(folderId, [1, uids[uids.length - 1]!], true)
    return true
  }

  async function change(folderId: string, ranges: number[], read: boolean): Promise<void> {
    const row = rows.get(folderId)
    if (!row || !ranges.length) return
    const next: OwnReadRow = read
      ? { ...row, read: unionRanges(row.read, ranges), pendingRead: unionRanges(row.pendingRead, ranges), pendingUnread: subtractRanges(row.pendingUnread, ranges) }
      : { ...row, read: subtractRanges(row.read, ranges), pendingUnread: unionRanges(row.pendingUnread, ranges), pendingRead: subtractRanges(row.pendingRead, ranges) }
    show(next)
    await db()?.ownReads.put({ ...next })
    schedule(row.mailboxId)
  }

  /** An append soon: at once when none went in the last half minute, else when it has passed. */
  function schedule(mailboxId: string): void {
    if (timers.has(mailboxId)) return
    const wait = Math.max(0, (lastAppend.get(mailboxId) ?? 0) + OWN_READ_APPEND_MS - Date.now())
    timers.set(mailboxId, setTimeout(() => { timers.delete(mailboxId); void flush(mailboxId) }, wait))
  }

  /**
   * Appends what a mailbox's folders hold that the server does not: per folder a delta, or a
   * snapshot of the whole state (over the folder's messages: no gaps of moved mail) when the
   * server holds none of the person's marks there, or SNAPSHOT_EVERY deltas came since the last.
   * Offline or refused, it stays pending and is tried again.
   */
  function flush(mailboxId: string): Promise<void> {
    const running = flushing.get(mailboxId)
    if (running) return running
    const p = (async () => {
      const d = db()
      if (!d) return
      const waiting = [...rows.values()].filter((r) => r.mailboxId === mailboxId && (r.pendingRead.length || r.pendingUnread.length))
      if (!waiting.length) return
      lastAppend.set(mailboxId, Date.now())
      let failed = false
      for (const row of waiting) {
        const snapshot = !row.server || row.deltas >= SNAPSHOT_EVERY || row.pendingRead.length > MAX_DELTA_NUMBERS || row.pendingUnread.length > MAX_DELTA_NUMBERS
        const sentRead = row.pendingRead
        const sentUnread = row.pendingUnread
        const read = snapshot ? snapshotOver(row.read, await d.summaries.uids(row.folderId)) : sentRead
        try {
          await api.call('read.mark', {
            mailboxId, folderId: row.folderId, id: crypto.randomUUID(), at: Date.now(), uidValidity: row.uidValidity,
            kind: snapshot ? 'snapshot' : 'delta', read, unread: snapshot ? [] : sentUnread, locale: i18n.global.locale.value,
          })
        } catch (e) {
          failed = true
          console.warn(`tandem: read marks of ${row.folderId} not appended yet:`, e instanceof Error ? e.message : e)
          continue
        }
        // What was marked meanwhile stays pending for the next append.
        const now = rows.get(row.folderId) ?? row
        const done: OwnReadRow = {
          ...now, server: true, deltas: snapshot ? 0 : now.deltas + 1,
          pendingRead: subtractRanges(now.pendingRead, sentRead), pendingUnread: subtractRanges(now.pendingUnread, sentUnread),
        }
        rows.set(done.folderId, done)
        appended.set(mailboxId, (appended.get(mailboxId) ?? 0) + 1)
        await d.ownReads.put({ ...done })
      }
      if (failed) schedule(mailboxId)
    })().finally(() => flushing.delete(mailboxId))
    flushing.set(mailboxId, p)
    return p
  }

  /** Appends everything pending now (the window hides or closes; the connection is back). */
  function flushAll(): Promise<void> {
    const ids = new Set([...rows.values()].filter((r) => r.pendingRead.length || r.pendingUnread.length).map((r) => r.mailboxId))
    for (const id of ids) { const t = timers.get(id); if (t) { clearTimeout(t); timers.delete(id) } }
    return Promise.all([...ids].map((id) => flush(id))).then(() => undefined)
  }

  /** Whether anything of a mailbox waits for the server (for the window and the tests). */
  const pendingIn = (mailboxId: string) => [...rows.values()].some((r) => r.mailboxId === mailboxId && (r.pendingRead.length > 0 || r.pendingUnread.length > 0))

  return { counts, fromServer, unseenOf, load, loadAll, mark, markAll, flush, flushAll, pendingIn, isTracked: (folderId: string) => rows.has(folderId) && isOwnTracked(folderId), mailboxOf: mailboxOfFolder }
})
