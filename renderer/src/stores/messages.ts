import { defineStore } from 'pinia'
import { computed, nextTick, ref, shallowRef, triggerRef } from 'vue'
import type { ApiError } from '../../../shared/api/errors'
import { apiErrorOf } from '../api/failure'
import { htmlToText } from '../mail/text'
import type { MessageBody, MessageSummary } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { mergeNewest, messageId } from '../cache/summary-blocks'
import { unreadCount } from '../mail/per-list'
import { overlayPending } from '../queue/overlay-pending'
import { useFoldersStore } from './folders'
import { useQueueStore } from './queue'
import { useSearchStore } from './search'
import { useSessionStore } from './session'

/** Rows read before the first paint of a cached folder: more than a tall window shows. */
const FIRST_PAGE = 150
/** How often rows arriving from a running sync are merged into the list on screen. */
const SHOW_EVERY_MS = 250
/** A sync bringing at most this many new messages shows them as they come. */
const SMALL_SYNC = 1000

/**
 * The messages of the selected folder, read from the cache, and the sync that fills it.
 * Sync batches arrive as events and are written with bulkPut as they come, so fetching, the
 * IPC hop and IndexedDB writes overlap.
 */
export const useMessagesStore = defineStore('messages', () => {
  const api = useApi()
  const session = useSessionStore()
  const folders = useFoldersStore()
  const queue = useQueueStore()
  const search = useSearchStore()

  /** Newest first. shallowRef: 100 000 rows must not become deep reactive proxies. */
  const list = shallowRef<MessageSummary[]>([])
  const listFolderId = ref<string | null>(null)
  const selection = ref<Set<string>>(new Set())
  const focusedId = ref<string | null>(null)
  /**
   * Whether the person chose the focused message (click, keyboard, the next one after a triage
   * action) rather than the list focusing its first row by itself. Only a chosen message is
   * marked read after a moment: in a shared mailbox the read state is everyone's, and opening
   * the Inbox must not tell the other members that its newest message was dealt with.
   */
  const focusedByPerson = ref(false)
  const progress = ref<Record<string, { done: number; total: number } | undefined>>({})
  const syncErrors = ref<Record<string, ApiError | undefined>>({})
  const body = ref<MessageBody | null>(null)
  const bodyError = ref<ApiError | null>(null)

  /** Search results, when a search is showing: the list the keyboard and the reader work on. */
  const searchRows = shallowRef<MessageSummary[] | null>(null)
  const visible = computed(() => searchRows.value ?? list.value)
  const focused = computed(() => visible.value.find((m) => m.id === focusedId.value) ?? null)
  let writes: Promise<unknown> = Promise.resolve()
  const syncing = new Map<string, Promise<void>>()
  const again = new Set<string>()
  /** Ids written by the sync running for each folder (to drop the rest after a UIDVALIDITY reset). */
  const written = new Map<string, Set<string>>()
  /**
   * Ids changed here while a sync of their folder was on its way: the server's answer may predate
   * the change (its task can even have finished meanwhile), so that sync leaves them alone and one
   * more sync brings the server's word on them.
   */
  const changedHere = new Map<string, Set<string>>()

  // Search results from the open folder come from these rows, not from another read of the cache.
  let byId: { rows: MessageSummary[]; map: Map<string, MessageSummary> } | null = null
  search.useRowsInMemory((id) => {
    if (byId?.rows !== list.value) byId = { rows: list.value, map: new Map(list.value.map((m) => [m.id, m])) }
    return byId.map.get(id)
  })

  function wire(): void {
    api.on('sync.messages', ({ folderId, messages, done, total }) => {
      const db = session.db
      if (!db) return
      progress.value = { ...progress.value, [folderId]: { done, total } }
      const seen = written.get(folderId)
      if (seen) for (const m of messages) seen.add(m.id)
      writes = writes.then(() => db.summaries.put(messages))
      if (folderId === listFolderId.value) showSoon(messages, total)
    })
    api.on('folder.changed', ({ folderId }) => { void sync(folderId) })
    session.onMailboxesRemoved((ids) => {
      if (listFolderId.value && ids.some((id) => listFolderId.value!.startsWith(`${id}|`))) {
        list.value = []
        listFolderId.value = null
        body.value = null
      }
      for (const id of ids) folders.forget(id)
    })
  }

  /**
   * Rows a sync brought for the list on screen, shown a few times a second rather than per
   * batch (merging and re-rendering 100 000 rows a hundred times cost seconds).
   */
  let incoming: MessageSummary[] = []
  let showTimer: ReturnType<typeof setTimeout> | null = null
  function showSoon(rows: MessageSummary[], total: number): void {
    incoming.push(...rows)
    // New mail of a small sync, and the first rows of an empty folder, at once. During a big
    // sync a longer list costs more per merge and render: every 250 ms up to 25 000 rows, 1 s at 100 000.
    const wait = !list.value.length || total <= SMALL_SYNC ? 0 : Math.max(SHOW_EVERY_MS, list.value.length / 100)
    showTimer ??= setTimeout(showIncoming, wait)
  }
  function showIncoming(): void {
    if (showTimer) clearTimeout(showTimer)
    showTimer = null
    const rows = incoming.filter((m) => m.folderId === listFolderId.value)
    incoming = []
    if (rows.length) list.value = mergeNewest(list.value, rows)
    // A folder opened before its first rows arrived shows its newest message, as a cached one does.
    if (!focusedId.value && !searchRows.value && list.value[0]) focusFirst(list.value[0].id)
  }

  /** Shows a folder from the cache at once, then syncs it. */
  async function open(folderId: string): Promise<void> {
    const db = session.db
    if (!db) return
    listFolderId.value = folderId
    selection.value = new Set()
    // The newest screenful first, so the list paints at once; the rest right after (
    // reading 20 000 rows out of IndexedDB before the first paint cost a quarter second).
    const started = performance.now()
    incoming = []
    const first = await db.summaries.newest(folderId, FIRST_PAGE)
    if (listFolderId.value !== folderId) return
    list.value = first
    // User Timing for the benchmark (bench/run.ts reads it): cache read + render of the first rows.
    void nextTick(() => performance.measure('tandem:first-rows', { start: started, end: performance.now() }))
    focusFirst(first[0]?.id ?? null)
    if (first.length === FIRST_PAGE) {
      await new Promise((r) => requestAnimationFrame(() => r(null)))
      const rows = await db.summaries.folder(folderId)
      if (listFolderId.value !== folderId) return
      // Keep what a sync batch added meanwhile.
      list.value = mergeNewest(rows, list.value)
    }
    await sync(folderId)
  }

  /** One sync at a time per folder; a change during it schedules one more. */
  function sync(folderId: string): Promise<void> {
    const running = syncing.get(folderId)
    if (running) { again.add(folderId); return running }
    const p = runSync(folderId).finally(() => {
      syncing.delete(folderId)
      if (again.delete(folderId)) void sync(folderId)
    })
    syncing.set(folderId, p)
    return p
  }

  async function runSync(folderId: string): Promise<void> {
    const db = session.db
    if (!db) return
    const mine = new Set<string>()
    changedHere.set(folderId, mine)
    // The server gets our queued changes first, so the sync does not undo them on screen.
    await queue.flush()
    const mailboxId = folderId.slice(0, folderId.indexOf('|'))
    const syncStarted = performance.now()
    const state = await db.sync.get(folderId)
    // Only the number is sent (materialising 100 000 keys per sync cost half a second).
    const knownCount = await db.summaries.count(folderId)
    const fresh = new Set<string>()
    written.set(folderId, fresh)
    try {
      const res = await api.call('messages.sync', {
        folderId,
        since: state ? { uidValidity: state.uidValidity, uidNext: state.uidNext, highestModseq: state.highestModseq, count: state.count } : null,
        knownUids: knownCount,
      })
      await writes
      showIncoming()
      const changed = res.changed.filter((c) => !mine.has(messageId(folderId, c.uid)))
      if (changed.length < res.changed.length) again.add(folderId)
      let removed: string[] = []
      await db.transaction('rw', [...db.summaries.tables, db.sync, db.bodies, db.tasks], async () => {
        if (res.reset && state) {
          // UIDVALIDITY changed: everything cached before this sync is void.
          const stale = await db.summaries.clearFolder(folderId, fresh)
          await db.bodies.bulkDelete(stale)
        }
        if (changed.length) await db.summaries.update(new Map(changed.map((c) => [messageId(folderId, c.uid), { flags: c.flags }])))
        let gone: number[] = res.vanished ?? []
        if (res.present) {
          const present = new Set(res.present)
          gone = (await db.summaries.uids(folderId)).filter((uid) => !present.has(uid))
        }
        if (gone.length) {
          removed = gone.map((uid) => messageId(folderId, uid))
          await db.summaries.remove(removed)
          await db.bodies.bulkDelete(removed)
        }
        await db.sync.put({ folderId, mailboxId, ...res.state })
        await overlayPending(db, folderId)
      })
      syncErrors.value = { ...syncErrors.value, [folderId]: undefined }
      // User Timing for the benchmark: how long, and how many bytes came from the server.
      performance.measure('tandem:sync', { start: syncStarted, end: performance.now(), detail: { folderId, received: res.received, added: res.added, changed: changed.length } })
      // Where the focused row stood, so its neighbour can take its place if another member removed it.
      const focusedAt = listFolderId.value === folderId && focusedId.value ? list.value.findIndex((m) => m.id === focusedId.value) : -1
      if (listFolderId.value === folderId && (res.reset || queue.pending)) {
        // Start over from the cache (which holds what is still queued on top).
        list.value = await db.summaries.folder(folderId)
      } else if (listFolderId.value === folderId && (changed.length || removed.length)) {
        // Apply the changes to the rows in memory (re-reading 20 000 rows after every
        // incremental sync cost a third of a second).
        const flags = new Map(changed.map((c) => [messageId(folderId, c.uid), c.flags]))
        const gone = new Set(removed)
        list.value = list.value.filter((m) => !gone.has(m.id)).map((m) => (flags.has(m.id) ? { ...m, flags: flags.get(m.id)! } : m))
      }
      // Another member removed the message on screen: shown in its place, not marked read.
      if (listFolderId.value === folderId && focusedId.value && !list.value.some((m) => m.id === focusedId.value)) takePlaceOf(focusedAt, list.value, false)
      if (listFolderId.value === folderId) {
        folders.setCounts(folderId, unreadCount(list.value), list.value.length)
        void prefetch(folderId)
      }
    } catch (e) {
      syncErrors.value = { ...syncErrors.value, [folderId]: apiErrorOf(e) }
    } finally {
      written.delete(folderId)
      changedHere.delete(folderId)
      progress.value = { ...progress.value, [folderId]: undefined }
    }
  }


  /** Caches a body (for offline reading and search) and gives its row a snippet. */
  async function storeBody(m: MessageSummary, b: MessageBody): Promise<void> {
    const db = session.db
    if (!db) return
    // One conversion of the HTML serves both the search text and the snippet.
    const fromHtml = b.html ? htmlToText(b.html) : ''
    const searchText = `${b.text ?? ''} ${fromHtml}`.toLowerCase().slice(0, 200_000)
    await db.bodies.put({ ...b, id: m.id, mailboxId: m.mailboxId, searchText })
    search.addBody(m.id, searchText)
    const snippet = (b.text ?? fromHtml).replace(/^>.*$/gm, '').replace(/\s+/g, ' ').trim().slice(0, 160)
    await db.summaries.update(new Map([[m.id, { snippet }]]))
    if (list.value.some((x) => x.id === m.id)) {
      list.value = list.value.map((x) => (x.id === m.id ? { ...x, snippet } : x))
    }
  }

  /** Fetches the bodies of the newest messages in the background, one at a time. */
  async function prefetch(folderId: string, count = 25): Promise<void> {
    const db = session.db
    if (!db) return
    const wanted = list.value.filter((m) => m.folderId === folderId && m.snippet === undefined).slice(0, count)
    for (const m of wanted) {
      if (listFolderId.value !== folderId) return
      if (await db.bodies.get(m.id)) continue
      try {
        await storeBody(m, await api.call('messages.body', { folderId: m.folderId, uid: m.uid }))
      } catch {
        return
      }
    }
  }

  /** The body from the cache, else from the server (then cached for offline reading). */
  async function loadBody(id: string): Promise<void> {
    const db = session.db
    const m = visible.value.find((x) => x.id === id)
    if (!db || !m) return
    bodyError.value = null
    const cached = await db.bodies.get(id)
    if (cached) { if (focusedId.value === id) body.value = cached; return }
    if (focusedId.value === id) body.value = null
    try {
      const b = await api.call('messages.body', { folderId: m.folderId, uid: m.uid })
      await storeBody(m, b)
      if (focusedId.value === id) body.value = b
    } catch (e) {
      if (focusedId.value === id) bodyError.value = apiErrorOf(e)
    }
  }

  /** Focuses a row the person did not choose (a folder's newest, the first result): shown, not read. */
  function focusFirst(id: string | null): void {
    focusedId.value = id
    focusedByPerson.value = false
    if (id) void loadBody(id)
  }

  /**
   * The focused message went: the next one down (the one now at its place in `rows`) is focused
   * and its body shown, chosen by the person when they removed it (a triage action), else not.
   */
  function takePlaceOf(at: number, rows: MessageSummary[], byPerson: boolean): void {
    const next = rows[Math.min(Math.max(at, 0), rows.length - 1)]
    focusedId.value = next?.id ?? null
    focusedByPerson.value = byPerson && !!next
    if (next) void loadBody(next.id)
    else body.value = null
  }

  function focus(id: string | null, opts: { extend?: boolean; toggle?: boolean } = {}): void {
    if (!id) return
    if (opts.toggle) {
      const next = new Set(selection.value)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      selection.value = next
    } else if (opts.extend && focusedId.value) {
      const a = visible.value.findIndex((m) => m.id === focusedId.value)
      const b = visible.value.findIndex((m) => m.id === id)
      selection.value = new Set(visible.value.slice(Math.min(a, b), Math.max(a, b) + 1).map((m) => m.id))
    } else {
      selection.value = new Set()
    }
    focusedId.value = id
    focusedByPerson.value = true
    void loadBody(id)
  }

  function step(delta: number, extend = false): void {
    const rows = visible.value
    const at = rows.findIndex((m) => m.id === focusedId.value)
    const next = rows[Math.max(0, Math.min(rows.length - 1, at + delta))]
    if (next) focus(next.id, { extend })
  }

  /** The messages an action applies to: the selection, else the focused message. */
  const targets = computed<MessageSummary[]>(() => {
    if (selection.value.size) return visible.value.filter((m) => selection.value.has(m.id))
    return focused.value ? [focused.value] : []
  })

  /** Replaces rows in the list and the cache after a local change. */
  async function patch(updated: MessageSummary[]): Promise<void> {
    const byId = new Map(updated.map((m) => [m.id, m]))
    for (const m of updated) changedHere.get(m.folderId)?.add(m.id)
    list.value = list.value.map((m) => byId.get(m.id) ?? m)
    triggerRef(list)
    if (searchRows.value) searchRows.value = searchRows.value.map((m) => byId.get(m.id) ?? m)
    await session.db?.summaries.put(updated)
  }

  async function removeLocal(ids: string[]): Promise<MessageSummary[]> {
    const gone = new Set(ids)
    const removed = visible.value.filter((m) => gone.has(m.id))
    const at = visible.value.findIndex((m) => m.id === focusedId.value)
    list.value = list.value.filter((m) => !gone.has(m.id))
    if (searchRows.value) searchRows.value = searchRows.value.filter((m) => !gone.has(m.id))
    if (focusedId.value && gone.has(focusedId.value)) takePlaceOf(at, visible.value, focusedByPerson.value)
    selection.value = new Set()
    await session.db?.summaries.remove(ids)
    return removed
  }

  async function restoreLocal(rows: MessageSummary[]): Promise<void> {
    await session.db?.summaries.put(rows)
    if (rows[0]?.folderId === listFolderId.value) list.value = mergeNewest(list.value, rows)
  }

  /** Shows search results (null: the folder again); keepFocus when more rows of the same search arrive. */
  function showSearch(rows: MessageSummary[] | null, opts: { keepFocus?: boolean } = {}): void {
    searchRows.value = rows
    if (opts.keepFocus) return
    selection.value = new Set()
    if (rows && rows[0]) focusFirst(rows[0].id)
  }

  function reset(): void {
    searchRows.value = null
    list.value = []
    listFolderId.value = null
    selection.value = new Set()
    focusedId.value = null
    body.value = null
  }

  return {
    list, visible, searchRows, showSearch, listFolderId, selection, focusedId, focusedByPerson, focused, progress, syncErrors, body, bodyError, targets,
    wire, open, sync, loadBody, storeBody, focus, step, patch, removeLocal, restoreLocal, reset,
  }
})
