import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import type { ApiError } from '../../../shared/api/errors'
import { BusinessCalendar } from '../../../shared/rules/business-time'
import { hoursOf, type ResponseTargetsSettings } from '../../../shared/rules/response-targets'
import type { StoredTeamRecord } from '../../../shared/team/records'
import {
  emptyFigures, eventOf, figuresOf, laidOver, reportOf, waitMark, withDone, type FigureEvent, type ReportFigures, type ReportTargets, type ResponseFigures, type WaitMark,
} from '../../../shared/team/response-figures'
import type { CacheChange } from '../cache/summary-blocks'
import { bucketOf, type ResponseBucketRow, type ResponseTargetsRow, type TandemDb } from '../cache/db'
import { pack, unpack } from '../cache/packed'
import { useApi } from '../api/use-api'
import { apiErrorOf } from '../api/failure'
import { isOpen, type TargetsTask } from '../queue/tasks'
import { i18n } from '../i18n'
import { useFoldersStore } from './folders'
import { useQueueStore } from './queue'
import { useSessionStore } from './session'
import { useTeamStore } from './team'

/** A mailbox's targets as the window shows them: the server's (or the cache's), or the person's change not yet appended. */
export interface ShownTargets { targets: (ResponseTargetsSettings & { by: string; at: number; confirmed?: boolean }) | null; changes: ResponseTargetsRow['changes']; pending: boolean; problem: ApiError | null; readAt: number }

/** The folders whose messages never count as a customer's: not mail the team works. */
const NOT_COUNTED = new Set(['drafts', 'trash', 'junk'])
/**
 * Figures are written to IndexedDB, packed a bucket a record (cache/db.ts ResponseBucketRow), once
 * changes have been quiet this long, and at least this often while they keep coming (a first sync
 * of 100 000 messages changes every bucket for seconds on end). Written a conversation a record,
 * a first sync of 20 000 spent about half a second of the window's time in IndexedDB's puts alone.
 */
const WRITE_QUIET_MS = 1000
const WRITE_AT_LEAST_MS = 10_000
/** Messages worked into figures at a time when a mailbox's figures are first built from the cache. */
const BUILD_SLICE = 2000
/** The targets are read again at most this often when the team folder changes. */
const REREAD_MS = 60_000

/**
 * Response times (docs/team-state.md, "Response times"): each shared mailbox's targets (read
 * from its team folder, cached for offline, changed as a durable task) and each conversation's
 * response figures, kept up as the folder sync stores summaries and the team's records are
 * folded — the list's wait marks and the Report read them, never the messages.
 */
export const useResponseTimesStore = defineStore('responseTimes', () => {
  const api = useApi()
  const session = useSessionStore()
  const queue = useQueueStore()
  const folders = useFoldersStore()
  const team = useTeamStore()

  const read = ref<Record<string, { row: ResponseTargetsRow | null; problem: ApiError | null }>>({})
  /** The Report is on screen. */
  const reportOpen = ref(false)
  /** The clock the marks count to, moved on the minute: a mark changes once a minute at most. */
  const now = ref(Date.now())
  let tick: ReturnType<typeof setTimeout> | null = null
  const nextMinute = () => { tick = setTimeout(() => { now.value = Date.now(); nextMinute() }, 60_000 - (Date.now() % 60_000) + 50) }
  nextMinute()
  onScopeDispose(() => { if (tick) clearTimeout(tick) })

  const sharedIds = computed(() => (session.session?.mailboxes ?? []).filter((m) => m.kind === 'shared').map((m) => m.id))
  const targetTasks = computed(() => queue.tasks.filter((t): t is TargetsTask => t.kind === 'targets' && isOpen(t)))

  /** A mailbox's targets now: the newest change not yet appended, else what was read. */
  function shown(mailboxId: string): ShownTargets {
    const r = read.value[mailboxId]
    const mine = targetTasks.value.filter((t) => t.mailboxId === mailboxId).at(-1)
    const base = { changes: r?.row?.changes ?? [], problem: r?.problem ?? null, readAt: r?.row?.readAt ?? 0 }
    if (mine) return { ...base, targets: { ...mine.targets, by: team.me, at: mine.at, confirmed: true }, pending: true }
    return { ...base, targets: r?.row?.targets ?? null, pending: false }
  }

  /** Each shared mailbox's calendar and targets in ms; none where no target is set. */
  const calendars = computed(() => {
    const out = new Map<string, ReportTargets>()
    for (const id of sharedIds.value) {
      const t = shown(id).targets
      if (!t) continue
      out.set(id, { calendar: new BusinessCalendar(hoursOf(t)), first: t.firstReply === null ? null : t.firstReply * 60_000, next: t.nextReply === null ? null : t.nextReply * 60_000 })
    }
    return out
  })

  /** A shared mailbox's targets: the cache's at once, then the server's (kept for next time and offline). */
  async function load(mailboxId: string): Promise<void> {
    const db = session.db
    if (!db) return
    if (!read.value[mailboxId]) {
      const row = (await db.responseTargets.get(mailboxId)) ?? null
      if (!read.value[mailboxId]) read.value = { ...read.value, [mailboxId]: { row, problem: null } }
    }
    try {
      const r = await api.call('targets.get', { mailboxId })
      const row: ResponseTargetsRow = { ...r, mailboxId, readAt: Date.now() }
      read.value = { ...read.value, [mailboxId]: { row, problem: null } }
      await db.responseTargets.put(row)
    } catch (e) {
      read.value = { ...read.value, [mailboxId]: { row: read.value[mailboxId]?.row ?? null, problem: apiErrorOf(e) } }
    }
  }
  let lastRead = 0
  async function loadAll(): Promise<void> {
    lastRead = Date.now()
    for (const id of sharedIds.value) await load(id)
  }

  /**
   * Saves a mailbox's targets for the team: a durable task (appended now, or when the mailbox can
   * be reached again). 'waiting' when it is queued for later.
   */
  async function save(mailboxId: string, targets: ResponseTargetsSettings): Promise<'done' | 'waiting' | ApiError> {
    const outcome = await queue.addAndWait({ kind: 'targets', id: crypto.randomUUID(), mailboxId, targets, at: Date.now(), locale: i18n.global.locale.value === 'nl' ? 'nl' : 'en' })
    if (outcome.kind === 'waiting') return 'waiting'
    if (outcome.kind === 'held') return outcome.error
    await load(mailboxId)
    return 'done'
  }

  // ---- Figures, per conversation ----

  /**
   * The shared mailboxes whose Sent this device has synced at least once: until then every
   * answered conversation would look unanswered, so no mark is shown (a first start, a new member).
   */
  const sentReady = ref(new Set<string>())
  let checkingSent = false
  async function checkSent(): Promise<void> {
    const db = session.db
    if (!db || checkingSent) return
    checkingSent = true
    try {
      const ready = new Set(sentReady.value)
      for (const id of sharedIds.value) {
        if (ready.has(id)) continue
        const sent = (folders.byMailbox[id] ?? []).find((f) => f.role === 'sent')
        // A mailbox without a Sent folder has no team replies to wait for.
        if ((folders.byMailbox[id]?.length && !sent) || (sent && (await db.sync.get(sent.id)))) ready.add(id)
      }
      if (session.db === db && ready.size !== sentReady.value.size) sentReady.value = ready
    } finally { checkingSent = false }
  }

  /** By mailbox, by conversation. Plain maps; `figuresVersion` says when they changed. */
  let figures = new Map<string, Map<string, ResponseFigures>>()
  const figuresVersion = shallowRef(0)
  /** Per mailbox, the buckets changed since the last write. */
  const dirty = new Map<string, Set<string>>()
  let writeTimer: ReturnType<typeof setTimeout> | null = null
  /** When the first change not yet written came, and the last. */
  let dirtySince = 0
  let lastChange = 0

  function put(f: ResponseFigures): void {
    let m = figures.get(f.mailboxId)
    if (!m) { m = new Map(); figures.set(f.mailboxId, m) }
    m.set(f.conv, f)
    let buckets = dirty.get(f.mailboxId)
    if (!buckets) { buckets = new Set(); dirty.set(f.mailboxId, buckets) }
    buckets.add(bucketOf(f.conv))
    lastChange = Date.now()
    if (!dirtySince) dirtySince = lastChange
    // One timer, looked at when it fires (a timer set again per conversation cost a first sync tens of milliseconds).
    writeTimer ??= setTimeout(writeWhenQuiet, WRITE_QUIET_MS)
  }
  function writeWhenQuiet(): void {
    writeTimer = null
    const now = Date.now()
    const wait = Math.min(lastChange + WRITE_QUIET_MS, dirtySince + WRITE_AT_LEAST_MS) - now
    if (wait > 0) writeTimer = setTimeout(writeWhenQuiet, wait)
    else void flush()
  }
  /** The cache the figures in memory belong to. */
  let figuresDb: TandemDb | null = null
  /**
   * Per shared mailbox, its stored figures read into memory (once per session). A bucket is
   * written whole from memory, so a mailbox's buckets are written only once its stored ones are
   * in: written before, a bucket would hold only the conversations touched meanwhile.
   */
  const loaded = new Map<string, Promise<void>>()
  const loadedDone = new Set<string>()
  function ensureLoaded(db: TandemDb, mailboxId: string): Promise<void> {
    let p = loaded.get(mailboxId)
    if (!p) {
      p = (async () => {
        const rows = await db.responseBuckets.where('mailboxId').equals(mailboxId).toArray()
        if (figuresDb !== db) return
        let m = figures.get(mailboxId)
        if (!m) { m = new Map(); figures.set(mailboxId, m) }
        for (const row of rows) {
          for (const stored of unpack<ResponseFigures[]>(row.figures)) {
            const mem = m.get(stored.conv)
            // Worked out meanwhile from new messages and records: laid over what was stored.
            m.set(stored.conv, mem ? laidOver(stored, mem) : stored)
          }
        }
        loadedDone.add(mailboxId)
        figuresVersion.value++
        if (dirty.has(mailboxId)) writeTimer ??= setTimeout(writeWhenQuiet, WRITE_QUIET_MS)
      })()
      loaded.set(mailboxId, p)
    }
    return p
  }
  /** Writes the changed buckets, each with every figure it holds now (packed before the first await: the figures may change hands after). */
  async function flush(): Promise<void> {
    if (writeTimer) clearTimeout(writeTimer)
    writeTimer = null
    dirtySince = 0
    const db = figuresDb
    if (!db || !dirty.size) { dirty.clear(); return }
    const rows: ResponseBucketRow[] = []
    for (const [mailboxId, buckets] of dirty) {
      // Not read in yet: stays to be written after (ensureLoaded).
      if (!loadedDone.has(mailboxId)) continue
      const byBucket = new Map<string, ResponseFigures[]>([...buckets].map((b) => [b, []]))
      for (const [conv, f] of figures.get(mailboxId) ?? []) byBucket.get(bucketOf(conv))?.push(f)
      for (const [bucket, list] of byBucket) rows.push({ mailboxId, bucket, figures: pack(list) })
      dirty.delete(mailboxId)
    }
    if (!rows.length) return
    await db.responseBuckets.bulkPut(rows).catch((e: unknown) => console.warn('tandem: response figures not stored:', e))
  }
  // A window closed within a write's wait still writes what it has.
  if (typeof window !== 'undefined') {
    const onHide = () => { void flush() }
    window.addEventListener('pagehide', onHide)
    onScopeDispose(() => { window.removeEventListener('pagehide', onHide); if (writeTimer) clearTimeout(writeTimer) })
  }

  /** How a message of a shared mailbox counts (shared/team/response-figures.ts), with the rules worked out once per pass. */
  function classifier(mailboxId: string): (m: MessageSummary) => FigureEvent | null {
    const list = folders.byMailbox[mailboxId] ?? []
    const sent = list.find((f) => f.role === 'sent')?.id ?? null
    const skip = new Set(list.filter((f) => NOT_COUNTED.has(f.role)).map((f) => f.id))
    const isCustomer = team.customerOf(mailboxId)
    const mailbox = session.session?.mailboxes.find((m) => m.id === mailboxId)
    const teamSet = new Set([mailbox?.address ?? '', ...(mailbox?.members ?? []), ...team.membersOf(mailboxId)].map((a) => a.toLowerCase()).filter(Boolean))
    return (m) => (skip.has(m.folderId) ? null : eventOf(m, sent, isCustomer, (a) => teamSet.has(a.toLowerCase())))
  }

  /** Adds what these messages tell to their conversations' figures. */
  function take(messages: readonly MessageSummary[]): void {
    const shared = new Set(sharedIds.value)
    // By mailbox, then by conversation: no key string made per message.
    const byMailbox = new Map<string, { classify: (m: MessageSummary) => FigureEvent | null; byConv: Map<string, FigureEvent[]> }>()
    for (const m of messages) {
      let x = byMailbox.get(m.mailboxId)
      if (!x) {
        if (!shared.has(m.mailboxId)) continue
        x = { classify: classifier(m.mailboxId), byConv: new Map() }
        byMailbox.set(m.mailboxId, x)
      }
      const e = x.classify(m)
      if (!e) continue
      const events = x.byConv.get(m.conversationId)
      if (events) events.push(e)
      else x.byConv.set(m.conversationId, [e])
    }
    let changed = false
    for (const [mailboxId, { byConv }] of byMailbox) {
      const kept = figures.get(mailboxId)
      for (const [conv, events] of byConv) {
        const before = kept?.get(conv)
        if (!before) { put(figuresOf(emptyFigures(mailboxId, conv), events)); changed = true; continue }
        const known = new Set(before.events.map((e) => e.key))
        const fresh = events.filter((e) => !known.has(e.key))
        if (fresh.length) { put(figuresOf(before, [...before.events, ...fresh])); changed = true }
      }
    }
    if (changed) figuresVersion.value++
  }

  function onCacheChange(c: CacheChange): void {
    if (sentReady.value.size < sharedIds.value.length) void checkSent()
    if ('added' in c) take(c.added)
    // A move (archive) is the same message: only where it went may change how it counts.
    else if ('changed' in c) take(c.changed.filter((x) => x.before.folderId !== x.after.folderId).map((x) => x.after))
    // Removed messages stay in the figures: what the team answered stays answered (history).
  }

  /** Done records as the team's fold reads them (TeamSync.onRecords): when and by whom. */
  function foldRecords(mailboxId: string, records: readonly StoredTeamRecord[]): void {
    let changed = false
    for (const r of records) {
      if (r.action.kind !== 'status' || r.action.status !== 'done') continue
      const before = figures.get(mailboxId)?.get(r.conv) ?? emptyFigures(mailboxId, r.conv)
      const after = withDone(before, { at: r.at, by: r.by, uid: r.uid })
      if (after !== before) { put(after); changed = true }
    }
    if (changed) figuresVersion.value++
  }

  /** A mailbox's figures from its whole cache, once per device (after that the sync keeps them). */
  async function build(db: TandemDb, mailboxId: string): Promise<void> {
    await ensureLoaded(db, mailboxId)
    if (session.db !== db || await db.figuresBuilt.get(mailboxId)) return
    const list = folders.byMailbox[mailboxId]
    if (!list?.length) return
    const all: MessageSummary[] = []
    for (const f of list) if (!NOT_COUNTED.has(f.role)) all.push(...(await db.summaries.folder(f.id)))
    // In slices, giving the window a turn between them: 100 000 messages took seconds in one go.
    for (let i = 0; i < all.length; i += BUILD_SLICE) {
      if (session.db !== db) return
      take(all.slice(i, i + BUILD_SLICE))
      await new Promise((r) => setTimeout(r, 0))
    }
    if (session.db !== db) return
    await flush()
    await db.figuresBuilt.put({ mailboxId, at: Date.now() })
  }

  // A mailbox the person is no longer a member of (R1): its figures go from memory too, and
  // whatever a write under way put back after the cache was purged goes again.
  session.onMailboxesRemoved((ids) => {
    for (const id of ids) { figures.delete(id); dirty.delete(id); loaded.delete(id); loadedDone.delete(id) }
    const db = figuresDb
    if (db) void db.responseBuckets.where('mailboxId').anyOf(ids).delete().catch(() => undefined)
    figuresVersion.value++
  })

  let stop: (() => void) | null = null
  watch(() => session.db, async (db) => {
    stop?.()
    stop = null
    // What the last person's window worked out and did not write yet goes to their cache.
    void flush()
    figuresDb = db
    figures = new Map()
    dirty.clear()
    loaded.clear()
    loadedDone.clear()
    figuresVersion.value++
    read.value = {}
    sentReady.value = new Set()
    if (!db) return
    void checkSent()
    stop = db.summaries.onChange(onCacheChange)
    for (const id of sharedIds.value) await ensureLoaded(db, id)
    if (session.db !== db) return
    void loadAll()
  }, { immediate: true })
  // Built once the mailbox's folders are known (their roles say which is Sent).
  watch(() => sharedIds.value.map((id) => `${id}:${folders.byMailbox[id]?.length ?? 0}`).join(','), () => {
    const db = session.db
    if (db) for (const id of sharedIds.value) void build(db, id)
    void checkSent()
  }, { immediate: true })
  // The team folder changed (a member may have changed the targets): read again, at most once a minute.
  watch(() => team.version, () => { if (Date.now() - lastRead > REREAD_MS) void loadAll() })
  onScopeDispose(() => stop?.())

  /** The wait mark of a row of a shared mailbox's Inbox (null: none to show). */
  function markOf(m: MessageSummary): WaitMark | null {
    void figuresVersion.value
    const t = calendars.value.get(m.mailboxId)
    if (!t || !sentReady.value.has(m.mailboxId)) return null
    const f = figures.get(m.mailboxId)?.get(m.conversationId) ?? null
    return waitMark(f, team.brief(m)?.status, team.snoozed(m), t, now.value)
  }

  /** A report over [start, end) for one mailbox or all shared ones, from the kept figures. */
  function report(start: number, end: number, mailboxId: string | null, dayOf: (t: number) => string): ReportFigures {
    void figuresVersion.value
    const none: ReportTargets = { calendar: new BusinessCalendar({ timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, days: Array(7).fill({ start: 0, end: 1440 }), holidays: [] }), first: null, next: null }
    const ids = mailboxId ? [mailboxId] : sharedIds.value
    function* all(): Generator<ResponseFigures> { for (const id of ids) yield* figures.get(id)?.values() ?? [] }
    return reportOf(all(), start, end, (id) => calendars.value.get(id) ?? none, dayOf)
  }

  return { reportOpen, hasShared: () => sharedIds.value.length > 0, shown, load, loadAll, save, calendars, markOf, report, foldRecords, take, now, figuresVersion, flush }
})
