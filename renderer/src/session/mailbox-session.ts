import type { ApiError } from '../../../shared/api/errors'
import type { EventName, EventPayload } from '../../../shared/api/contract'
import type { Folder, MessageSummary } from '../../../shared/domain'
import { mailboxOfFolder } from '../../../shared/ids'
import type { TandemDb } from '../cache/db'
import type { CacheChange } from '../cache/summary-blocks'
import { CONVERSATION_ROLES, ConversationView } from '../mail/conversation-view'
import type { Call } from '../queue/tasks/types'
import { FolderSync, type SyncOutcome } from '../sync/folder-sync'
import { ThreadingRefetch, type ThreadingProgress } from '../sync/threading-refetch'

/** What the signed-in person's session shows: the stores on screen implement it. */
export interface MailboxSessionView {
  /** A change of the cache, after the session's own followers (conversations, counts) have it. */
  cacheChanged(change: CacheChange): void
  /** A sync's batch arrived (its progress); `arrived`: mail new since the folder's last sync here. */
  batch(folderId: string, done: number, total: number, arrived: MessageSummary[]): void
  synced(outcome: SyncOutcome): void | Promise<void>
  failed(folderId: string, error: ApiError): void
  /** The rows of the folder on screen as conversations changed. */
  conversations(rows: MessageSummary[]): void
  /** A folder's message and unread counts, as the cache keeps them. */
  counts(folderId: string, unseen: number, total: number): void
  threading(progress: ThreadingProgress | null): void
  /** The search index follows the cache; `warm` builds it in the background after the start. */
  searchFollow(change: CacheChange): void
  searchWarm(): void
  /** Another member (or client) changed a shared mailbox's team folder: read it. */
  teamChanged(mailboxId: string): void
  /** A mailbox is back online: its folders and state catch up. */
  online(mailboxId: string): void
}

export interface MailboxSessionDeps {
  db: TandemDb
  call: Call
  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void
  /** Sends what is queued first, so the server has the person's changes before a sync answers. */
  flush(): Promise<void>
  foldersOf(mailboxId: string): Folder[]
  isShared(mailboxId: string): boolean
  /** The folder on screen, if any (it syncs again when its mailbox comes back). */
  openFolder(): string | null
  /** Runs start-up work that is not on screen once the list is (session/start-up-gate.ts); at once without. */
  afterList?(fn: () => void): void
  view: MailboxSessionView
}

/** The counts follow the cache at most this often (a big sync writes hundreds of blocks). */
const COUNTS_EVERY_MS = 200
/** Summaries of before are completed this long after the start, once the first folder is on screen. */
const REFETCH_AFTER_MS = 3000
/** The search index is built this long after the start, so that the first search does not pay for it. */
const SEARCH_WARM_AFTER_MS = 3000

/**
 * The renderer's coordination for the signed-in person, in one place with a lifecycle: which
 * folders sync and when (the server's notices, a mailbox back online), the events from main,
 * the conversations behind the list (ConversationView), the unread counts (kept by the cache:
 * SummaryBlocks' tallies), the background completion of summaries of before, and the team
 * folders main watches. The stores hold what is on screen and call in here; nothing happens at
 * import time and `stop()` leaves nothing behind.
 */
export class MailboxSession {
  readonly folderSync: FolderSync
  readonly conversations: ConversationView
  readonly refetch: ThreadingRefetch
  private readonly off: (() => void)[] = []
  private timers: ReturnType<typeof setTimeout>[] = []
  private counted = new Set<string>()
  private countTimer: ReturnType<typeof setTimeout> | null = null
  private running = false

  constructor(private readonly deps: MailboxSessionDeps) {
    const v = deps.view
    this.folderSync = new FolderSync(deps.db, deps.call, deps.flush, { synced: (o) => { this.countSoon([o.folderId]); return v.synced(o) }, failed: (f, e) => v.failed(f, e) })
    this.conversations = new ConversationView({
      folderRows: (folderId) => deps.db.summaries.folder(folderId),
      foldersOf: deps.foldersOf,
      keepsLegacy: deps.isShared,
      rows: (rows) => v.conversations(rows),
    })
    this.refetch = new ThreadingRefetch(deps.db, deps.call, (p) => v.threading(p))
  }

  /** Starts listening: main's events, the cache's changes; the background completion soon after. */
  start(): void {
    if (this.running) return
    this.running = true
    const { deps } = this
    const v = deps.view
    this.off.push(deps.db.summaries.onChange((c) => this.follow(c)))
    this.off.push(deps.on('sync.messages', ({ folderId, messages, done, total }) => {
      this.folderSync.batch(folderId, messages)
      v.batch(folderId, done, total, this.folderSync.arrivals(folderId, messages))
    }))
    this.off.push(deps.on('folder.changed', ({ folderId }) => { void this.sync(folderId) }))
    this.off.push(deps.on('team.changed', ({ mailboxId }) => v.teamChanged(mailboxId)))
    this.off.push(deps.on('connection.state', (s) => {
      if (s.state !== 'online') return
      v.online(s.mailboxId)
      const open = deps.openFolder()
      if (open && mailboxOfFolder(open) === s.mailboxId) void this.sync(open)
      void this.refetch.run()
    }))
    // Not before the list is on screen either: both read every cached summary (IndexedDB and the main thread).
    const afterList = deps.afterList ?? ((fn: () => void) => fn())
    this.timers.push(setTimeout(() => afterList(() => { if (this.running) void this.refetch.run() }), REFETCH_AFTER_MS))
    this.timers.push(setTimeout(() => afterList(() => { if (this.running) v.searchWarm() }), SEARCH_WARM_AFTER_MS))
  }

  /** Stops listening and drops its timers (signed out, or another person's cache). */
  stop(): void {
    this.running = false
    for (const off of this.off.splice(0)) off()
    for (const t of this.timers.splice(0)) clearTimeout(t)
    if (this.countTimer) clearTimeout(this.countTimer)
    this.countTimer = null
    this.conversations.close()
  }

  /**
   * A folder of a mailbox is on screen: its other conversation folders (Sent, Archive, Drafts,
   * Inbox) sync in the background, once per session, one after another — the timeline shows
   * the team's replies, what was filed and drafts, and main keeps watching them from then on.
   */
  syncConversationFolders(mailboxId: string, except: string): void {
    const todo = this.deps.foldersOf(mailboxId).filter((f) => CONVERSATION_ROLES.includes(f.role) && f.selectable && f.id !== except && !this.synced.has(f.id))
    for (const f of todo) this.synced.add(f.id)
    this.background = this.background.then(async () => {
      for (const f of todo) if (this.running) await this.sync(f.id).catch(() => undefined)
    })
  }
  private readonly synced = new Set<string>()
  private background: Promise<void> = Promise.resolve()

  /** Brings a folder's cache to the server's word (one sync per folder at a time). */
  sync(folderId: string): Promise<void> {
    return this.folderSync.sync(folderId)
  }

  private follow(c: CacheChange): void {
    this.conversations.apply(c)
    this.deps.view.searchFollow(c)
    if ('added' in c) this.countSoon(c.added.map((m) => m.folderId))
    else if ('changed' in c) this.countSoon(c.changed.map((x) => x.after.folderId))
    else if ('removed' in c) this.countSoon(c.removed.map((id) => id.slice(0, id.lastIndexOf('|'))))
    this.deps.view.cacheChanged(c)
  }

  /** The unread and message counts of these folders, from the cache's tallies, shortly. */
  private countSoon(folderIds: string[]): void {
    for (const f of folderIds) this.counted.add(f)
    this.countTimer ??= setTimeout(() => {
      this.countTimer = null
      const ids = [...this.counted]
      this.counted = new Set()
      void this.deps.db.summaries.tallyOf(ids).then((tallies) => {
        tallies.forEach((t, i) => { if (t && this.running) this.deps.view.counts(ids[i]!, t.unseen, t.count) })
      }).catch(() => undefined)
    }, COUNTS_EVERY_MS)
  }
}
