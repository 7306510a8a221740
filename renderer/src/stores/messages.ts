import { defineStore } from 'pinia'
import { isUnread, openedByTeam, ownReadVersion } from '../mail/own-unread'
import { useOwnUnreadStore } from './own-unread'
import { computed, nextTick, ref, shallowRef, watch } from 'vue'
import type { ApiError } from '../../../shared/api/errors'
import type { MessageSummary } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { mailboxOfFolder } from '../../../shared/ids'
import { mergeNewest, type CacheChange } from '../cache/summary-blocks'
import { useSelection } from '../composables/use-selection'
import type { SyncOutcome } from '../sync/folder-sync'
import { MailboxSession } from '../session/mailbox-session'
import { startUp } from '../session/start-up-gate'
import { ConversationView } from '../mail/conversation-view'
import { replaceRows } from '../mail/list-rows'
import { carryListCounts } from '../mail/per-list'
import type { ThreadingProgress } from '../sync/threading-refetch'
import { useBodiesStore } from './bodies'
import { useFoldersStore } from './folders'
import { useQueueStore } from './queue'
import { useSearchStore } from './search'
import { useSessionStore } from './session'
import { NO_TEAM_FILTER, useTeamStore, type TeamFilter } from './team'
import { keptWithoutSnoozed } from '../../../shared/team/snooze'

/** Rows read before the first paint of a cached folder: more than a tall window shows. */
const FIRST_PAGE = 150
/** How often rows arriving from a running sync are merged into the list on screen. */
const SHOW_EVERY_MS = 250
/** A sync bringing at most this many new messages shows them as they come. */
const SMALL_SYNC = 1000
const VIEW_KEY = 'tandem.list.view'
export type ListView = 'conversations' | 'messages'

/**
 * The list on screen: the selected folder's messages as the cache holds them (newest first), or
 * search results. The cache is the one place a message's state lives — what the server said,
 * with the person's pending tasks laid over it (queue/tasks) — and the list follows its changes.
 * The sync is FolderSync's, the bodies the bodies store's, focus and selection useSelection's.
 */
/** Which rows the read filter keeps (ListPane). */
export type ReadFilter = 'any' | 'unread' | 'unopened'

export const useMessagesStore = defineStore('messages', () => {
  const api = useApi()
  const session = useSessionStore()
  const folders = useFoldersStore()
  const queue = useQueueStore()
  const search = useSearchStore()
  const bodies = useBodiesStore()

  /** Newest first. shallowRef: 100 000 rows must not become deep reactive proxies. */
  const list = shallowRef<MessageSummary[]>([])
  const listFolderId = ref<string | null>(null)
  const progress = ref<Record<string, { done: number; total: number } | undefined>>({})
  const syncErrors = ref<Record<string, ApiError | undefined>>({})

  /** Search results, when a search is showing: the list the keyboard and the reader work on. */
  const searchRows = shallowRef<MessageSummary[] | null>(null)
  const team = useTeamStore()
  const ownUnread = useOwnUnreadStore()
  /** The team filter over a shared mailbox's list (who has it, status); none elsewhere. */
  const teamFilter = ref<TeamFilter>({ ...NO_TEAM_FILTER })
  /**
   * The read filter: every row, those unread for the person (their own in a shared mailbox:
   * mail/own-unread.ts), or those nobody on the team opened (no shared \Seen).
   */
  const readFilter = ref<ReadFilter>('any')
  /** The list shows a row per conversation (its newest message here), or every message. */
  const view = ref<ListView>(globalThis.localStorage?.getItem(VIEW_KEY) === 'messages' ? 'messages' : 'conversations')
  /** The open folder's conversations, newest first, each shown by its newest message there. */
  const conversationRows = shallowRef<MessageSummary[]>([])
  /** Bumped when the conversations behind the rows change (counts, the reader's timeline). */
  const conversationsVersion = ref(0)
  const groupedSearch = computed(() => (searchRows.value ? ConversationView.group(searchRows.value) : null))
  /**
   * Whether the rows are conversations. Drafts are always single: each is a thing of its own to
   * reopen (a conversation may hold one draft per member), as Outlook and Front list them.
   */
  const grouped = computed(() => view.value === 'conversations' && (searchRows.value !== null || folders.byId(listFolderId.value ?? '')?.role !== 'drafts'))
  const visible = computed(() => {
    const rows = teamVisible.value
    const r = readFilter.value
    if (r === 'any') return rows
    void ownReadVersion.value
    void conversationsVersion.value
    const convs = grouped.value && !searchRows.value ? conversations : null
    const of = (m: MessageSummary) => (convs ? convs.inFolder(m.conversationId) : [m])
    return r === 'unread' ? rows.filter((m) => of(m).some(isUnread)) : rows.filter((m) => of(m).some((x) => !openedByTeam(x)))
  })
  const openView = keptWithoutSnoozed<MessageSummary>()
  const teamVisible = computed(() => {
    const asConversations = grouped.value
    const rows = searchRows.value ? (asConversations ? groupedSearch.value! : searchRows.value) : asConversations ? conversationRows.value : list.value
    const f = teamFilter.value
    // A shared mailbox's Inbox is the team's Open view: snoozed conversations leave it (docs/team-state.md, "Snooze").
    const folder = searchRows.value ? null : folders.byId(listFolderId.value ?? '')
    const inInbox = folder?.role === 'inbox'
    if (f.who === 'all' && f.status === 'any') {
      // Nothing when nothing is snoozed, and kept until the rows or the set change.
      // As conversations, each snoozed one's row is found in the list (no look-up for each row).
      if (!inInbox) return rows
      const rowOf = asConversations ? conversations?.rowFinder(folder.id) ?? null : null
      return openView(rows, team.snoozedIn(folder.mailboxId), rowOf)
    }
    return rows.filter((m) => team.matches(m, f, inInbox))
  })
  const selection = useSelection(visible, (row) => { void bodies.show(row) })
  /**
   * What an action acts on: shown as conversations, every message of the focused (or selected)
   * conversations in the folder on screen — those cached now, which the person sees; a message
   * arriving afterwards has another UID and is never part of a task queued before it. Single
   * messages and search results: the rows themselves.
   */
  const actionTargets = computed<MessageSummary[]>(() => {
    void conversationsVersion.value
    const rows = selection.targets.value
    if (!grouped.value || searchRows.value || !conversations) return rows
    const out: MessageSummary[] = []
    for (const r of rows) {
      const all = conversations.inFolder(r.conversationId)
      out.push(...(all.some((m) => m.id === r.id) ? all : [r]))
    }
    return out
  })
  /** The conversation the focus is in: its row follows its newest message. */
  let focusedConversation: string | null = null
  watch(() => selection.focused.value, (m) => { if (m) focusedConversation = `${m.mailboxId}\n${m.conversationId}` })
  function showConversations(rows: MessageSummary[]): void {
    conversationRows.value = rows
    conversationsVersion.value++
    const id = selection.focusedId.value
    if (!id || !conversations || !grouped.value || searchRows.value || rows.some((m) => m.id === id)) return
    const rep = focusedConversation ? conversations.rowOf(focusedConversation.slice(focusedConversation.indexOf('\n') + 1)) : null
    if (rep) selection.retarget(id, rep.id)
  }

  // Search results from the open folder come from these rows, not from another read of the cache.
  let byId: { rows: MessageSummary[]; map: Map<string, MessageSummary> } | null = null
  search.useRowsInMemory((id) => {
    if (byId?.rows !== list.value) byId = { rows: list.value, map: new Map(list.value.map((m) => [m.id, m])) }
    return byId.map.get(id)
  })

  /** The person's mailbox session: syncs, events, conversations, counts (session/mailbox-session.ts). */
  let mailboxSession: MailboxSession | null = null
  let conversations: ConversationView | null = null
  team.useLegacyIds((mailboxId, conversationId) => conversations?.legacyIds(mailboxId, conversationId) ?? [])
  /** Summaries cached before they carried what threading needs, being completed (null: none left). */
  const threadingProgress = ref<ThreadingProgress | null>(null)
  watch(() => session.db, (db) => {
    mailboxSession?.stop()
    mailboxSession = db ? new MailboxSession({
      db,
      call: (name, input) => api.call(name, input),
      on: (name, listener) => api.on(name, listener),
      flush: () => queue.flush(),
      foldersOf: (mailboxId) => folders.byMailbox[mailboxId] ?? [],
      isShared: (mailboxId) => session.session?.mailboxes.some((m) => m.id === mailboxId && m.kind === 'shared') ?? false,
      openFolder: () => listFolderId.value,
      afterList: (fn) => startUp.after(fn),
      view: {
        cacheChanged: follow,
        searchFollow: (c) => search.follow(c),
        searchWarm: () => search.warm(),
        batch: (folderId, done, total, arrived) => {
          showProgress(folderId, { done, total })
          if (arrived.length) for (const l of arrivalListeners) l(folderId, arrived)
        },
        synced, failed,
        conversations: showConversations,
        // While a folder's first sync runs, the server's counts stand (the cache is still filling).
        counts: (folderId, unseen, total) => { if (!progress.value[folderId]) folders.setCounts(folderId, unseen, total) },
        threading: (p) => { threadingProgress.value = p },
        // The team folder changed: team records, or — where marks are kept there — a member's read marks (a second device of the person's).
        teamChanged: (mailboxId) => { void team.pull(mailboxId).catch(() => undefined); void ownUnread.load(mailboxId).catch(() => undefined) },
        online: (mailboxId) => {
          if (folders.errors[mailboxId]) void folders.load(mailboxId)
          void team.pull(mailboxId).catch(() => undefined)
          // Read marks kept while offline reach the server now (and the state of other devices comes back).
          void ownUnread.flush(mailboxId).then(() => ownUnread.load(mailboxId)).catch(() => undefined)
        },
      },
    }) : null
    startUp.reset()
    mailboxSession?.start()
    conversations = mailboxSession?.conversations ?? null
    conversationRows.value = []
    threadingProgress.value = null
  }, { immediate: true })

  /** The list, its conversations, the search results and the unread counts follow every change of the cache. */
  function follow(c: CacheChange): void {
    if ('added' in c) {
      const open = listFolderId.value
      const rows = c.added.filter((m) => m.folderId === open)
      if (rows.length) showSoon(rows, progress.value[open!]?.total ?? rows.length)
    } else if ('changed' in c) {
      const open = listFolderId.value
      const here = c.changed.filter((x) => x.after.folderId === open)
      if (here.length) {
        // Only the changed rows are set, and the unread counts carried by them: no pass over 100 000 rows per change.
        const was = list.value
        const r = replaceRows(was, here)
        carryListCounts(was, r.rows, r.gone, r.came)
        list.value = r.rows
      }
      if (searchRows.value) {
        const after = new Map<string, MessageSummary>()
        for (const { after: row } of c.changed) after.set(row.id, row)
        searchRows.value = searchRows.value.map((m) => after.get(m.id) ?? m)
      }
      // The session's conversations have the change: shown now (the reader and the focus follow).
      conversations?.flush()
    } else if ('removed' in c) {
      const gone = new Set(c.removed)
      const rows = visible.value
      const focusedAt = selection.focusedId.value && gone.has(selection.focusedId.value) ? rows.findIndex((m) => m.id === selection.focusedId.value) : -1
      const was = list.value
      const left: MessageSummary[] = []
      const next = was.filter((m) => (gone.has(m.id) ? (left.push(m), false) : true))
      if (left.length) {
        carryListCounts(was, next, left, [])
        list.value = next
      }
      if (searchRows.value) searchRows.value = searchRows.value.filter((m) => !gone.has(m.id))
      conversations?.flush()
      if (selection.selection.value.size) selection.selection.value = new Set([...selection.selection.value].filter((id) => !gone.has(id)))
      // Removed by someone else (the person's own removals moved the focus first): shown in its
      // place, not marked read — unless its conversation is still there, by an older message.
      if (focusedAt >= 0 && selection.focusedId.value && gone.has(selection.focusedId.value)) selection.takePlaceOf(focusedAt, visible.value, false)
    }
    // A mailbox purged (R1): what is shown of it goes with the next open. Rows added by a big
    // sync tell the rows and the reader at the list's pace, not once per batch (each told
    // every row on screen to draw itself again).
    if ('added' in c && c.added.length && (progress.value[c.added[0]!.folderId]?.total ?? 0) > SMALL_SYNC) conversationsSoon()
    else conversationsVersion.value++
  }

  /**
   * How far each folder's sync is, shown at once when it starts and for a small sync, and at the
   * list's pace during a big one (each change drew the list's header again, some twenty times a
   * second in a first sync).
   */
  const progressDue = new Map<string, { done: number; total: number }>()
  let progressTimer: ReturnType<typeof setTimeout> | null = null
  function showProgress(folderId: string, p: { done: number; total: number }): void {
    if (!progress.value[folderId] || p.total <= SMALL_SYNC) {
      progressDue.delete(folderId)
      progress.value = { ...progress.value, [folderId]: p }
      return
    }
    progressDue.set(folderId, p)
    progressTimer ??= setTimeout(() => {
      progressTimer = null
      if (progressDue.size) progress.value = { ...progress.value, ...Object.fromEntries(progressDue) }
      progressDue.clear()
    }, SHOW_EVERY_MS)
  }
  let conversationsTimer: ReturnType<typeof setTimeout> | null = null
  function conversationsSoon(): void {
    conversationsTimer ??= setTimeout(() => { conversationsTimer = null; conversationsVersion.value++ }, SHOW_EVERY_MS)
  }

  /** Mail that arrived since a folder last synced on this device (the notifications listen). */
  const arrivalListeners = new Set<(folderId: string, rows: MessageSummary[]) => void>()

  function wire(): void {
    session.onMailboxesRemoved((ids) => {
      if (listFolderId.value && ids.includes(mailboxOfFolder(listFolderId.value))) {
        list.value = []
        listFolderId.value = null
        selection.clear()
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
    if (rows.length) {
      const was = list.value
      const next = mergeNewest(was, rows)
      if (next !== was) {
        // The rows merged in are those not there before (a row there already stays): the unread counts are carried by them.
        const fresh = new Map(rows.map((m) => [m.id, m]))
        for (const m of was) fresh.delete(m.id)
        carryListCounts(was, next, [], [...fresh.values()])
        list.value = next
      }
    }
    // A folder opened before its first rows arrived shows its newest message, as a cached one does.
    if (!selection.focusedId.value && !searchRows.value && list.value[0]) selection.focusFirst(list.value[0].id)
  }

  /** Counts the opens: an open that another one followed stops reading the cache. */
  let opening = 0
  /** Shows a folder from the cache at once, then syncs it. */
  async function open(folderId: string): Promise<void> {
    const db = session.db
    if (!db) return
    // Another folder's rows never stand under this folder's name, not even for the moment the
    // cache read takes: an action in that moment would act on the wrong message.
    if (listFolderId.value !== folderId) {
      list.value = []
      selection.clear()
    }
    listFolderId.value = folderId
    const thisOpen = ++opening
    selection.selection.value = new Set()
    // The newest screenful first, so the list paints at once; the rest right after (
    // reading 20 000 rows out of IndexedDB before the first paint cost a quarter second).
    const started = performance.now()
    // Start-up work not on screen waits until this folder is (session/start-up-gate.ts).
    startUp.hold()
    incoming = []
    const first = await db.summaries.newest(folderId, FIRST_PAGE)
    if (listFolderId.value !== folderId) return
    list.value = first
    conversations?.close()
    conversationRows.value = ConversationView.group(first)
    // User Timing for the benchmark (bench/run.ts reads it): cache read + render of the first rows.
    void nextTick(() => performance.measure('tandem:first-rows', { start: started, end: performance.now() }))
    selection.focusFirst(first[0]?.id ?? null)
    if (first.length === FIRST_PAGE) {
      await new Promise((r) => requestAnimationFrame(() => r(null)))
      // Read in pages, and left as soon as another open began (the page's load opens the folder
      // selected before; the person may have gone on before its 100 000 rows are read).
      const rows = await db.summaries.folderWhile(folderId, () => opening === thisOpen)
      if (!rows || listFolderId.value !== folderId) return
      // Keep what a sync batch added meanwhile.
      list.value = mergeNewest(rows, list.value)
    }
    await showAsConversations(folderId)
    mailboxSession?.syncConversationFolders(mailboxOfFolder(folderId), folderId)
    // User Timing for the benchmark (bench/conversations.ts): open → every conversation grouped, rows ready.
    if (listFolderId.value === folderId) performance.measure('tandem:conversations', { start: started, end: performance.now() })
    // The folder is on screen in full: start-up work held back may run (session/start-up-gate.ts).
    startUp.open()
    await sync(folderId)
  }

  /** The open folder's conversations from its whole list (its mailbox's index built once, then kept). */
  async function showAsConversations(folderId: string): Promise<void> {
    const v = conversations
    if (!v) return
    const rows = await v.open(folderId, list.value)
    if (listFolderId.value !== folderId || v !== conversations) return
    showConversations(rows)
  }

  function sync(folderId: string): Promise<void> {
    return mailboxSession?.sync(folderId) ?? Promise.resolve()
  }

  async function synced(o: SyncOutcome): Promise<void> {
    syncErrors.value = { ...syncErrors.value, [o.folderId]: undefined }
    progressDue.delete(o.folderId)
    progress.value = { ...progress.value, [o.folderId]: undefined }
    if (listFolderId.value !== o.folderId) return
    showIncoming()
    if (o.reset && session.db) {
      // Start over from the cache.
      list.value = await session.db.summaries.folder(o.folderId)
      await showAsConversations(o.folderId)
      if (selection.focusedId.value && !list.value.some((m) => m.id === selection.focusedId.value)) selection.takePlaceOf(0, visible.value, false)
    }
    void bodies.prefetch(list.value, () => listFolderId.value === o.folderId)
  }

  function failed(folderId: string, error: ApiError): void {
    syncErrors.value = { ...syncErrors.value, [folderId]: error }
    progressDue.delete(folderId)
    progress.value = { ...progress.value, [folderId]: undefined }
  }

  /** Shows search results (null: the folder again); keepFocus when more rows of the same search arrive. */
  function showSearch(rows: MessageSummary[] | null, opts: { keepFocus?: boolean } = {}): void {
    searchRows.value = rows
    if (opts.keepFocus) return
    selection.selection.value = new Set()
    if (rows && rows[0]) selection.focusFirst(rows[0].id)
  }

  /** Conversations or single messages, kept on this device. */
  function setView(next: ListView): void {
    view.value = next
    globalThis.localStorage?.setItem(VIEW_KEY, next)
    selection.selection.value = new Set()
    // The focus stays on what was read: a conversation's newest message, or that message's conversation.
    const f = selection.focused.value
    if (!f && focusedConversation) {
      const rep = conversations?.rowOf(focusedConversation.slice(focusedConversation.indexOf('\n') + 1))
      if (rep) selection.focusFirst(rep.id)
    }
  }

  // Another mailbox: its own team, so the filter starts over.
  watch(() => (listFolderId.value ? mailboxOfFolder(listFolderId.value) : null), () => { teamFilter.value = { ...NO_TEAM_FILTER }; if (readFilter.value === 'unopened') readFilter.value = 'any' })

  return {
    list, visible, teamFilter, readFilter, searchRows, threadingProgress, view, setView,
    /** The rows are conversations (the view says so, and the folder is not Drafts). */
    grouped, conversationsVersion, conversationRows,
    /** What a conversation's row shows, in the folder on screen. */
    conversationInfo: (conversationId: string) => { void conversationsVersion.value; return conversations?.info(conversationId) ?? null },
    /** A conversation's messages in the folder on screen, oldest first (what an action on its row acts on). */
    inFolder: (conversationId: string) => { void conversationsVersion.value; return conversations?.inFolder(conversationId) ?? [] },
    /** A conversation's cached messages in its mailbox's Inbox, Sent, Archive and Drafts (and the open folder), oldest first. */
    conversationMessages: (mailboxId: string, conversationId: string) => { void conversationsVersion.value; return conversations?.messagesOf(mailboxId, conversationId) ?? [] }, showSearch, listFolderId, progress, syncErrors,
    selection: selection.selection, focusedId: selection.focusedId, focusedByPerson: selection.focusedByPerson, focused: selection.focused, targets: actionTargets,
    focus: selection.focus, step: selection.step, focusPast: selection.focusPast,
    wire, open, sync, onArrivals: (l: (folderId: string, rows: MessageSummary[]) => void) => { arrivalListeners.add(l) },
  }
})
