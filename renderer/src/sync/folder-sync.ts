import type { ApiError } from '../../../shared/api/errors'
import type { MessageSummary } from '../../../shared/domain'
import { mailboxOfFolder, messageKey } from '../../../shared/ids'
import { apiErrorOf } from '../api/failure'
import type { TandemDb } from '../cache/db'
import { oneAtATime } from '../queue/one-at-a-time'
import { kindOf, overlaying, overlayRow } from '../queue/tasks'
import type { Call } from '../queue/tasks/types'

export interface SyncOutcome {
  folderId: string
  /** UIDVALIDITY changed: the folder's cache was rebuilt. */
  reset: boolean
  /** Rows removed because the server no longer has them. */
  removed: string[]
  /** Rows whose flags the server reported changed. */
  changed: number
  added: number
  received: number
}

export interface FolderSyncEvents {
  /** Awaited: the sync is over when whoever shows it has caught up. */
  synced?(outcome: SyncOutcome): void | Promise<void>
  failed?(folderId: string, error: ApiError): void
}

/**
 * The most rows batches joined into one write take (two of the service's batches, about eight
 * blocks): a write holds the summaries' tables, and each read of a folder being opened waits for
 * the write under way to end (joined up to 3 500, an open's reads waited behind one write after
 * another, and a folder opened during a first sync showed its rows a second late).
 */
const MAX_WRITE_ROWS = 2000

const sameFlags = (a: string[], b: string[]) => a.length === b.length && a.every((f) => b.includes(f))

/**
 * Brings a folder's cache to what the server holds, with the person's own changes that are not
 * on the server yet laid over it. Plain TypeScript over the cache, like the TaskQueue.
 *
 * - The new rows of a sync arrive as batches (`batch`, from the sync.messages events) and are
 *   written as they come, so fetching, the IPC hop and IndexedDB writes overlap.
 * - The answer (changed flags, vanished UIDs, a UIDVALIDITY reset) is written in one
 *   transaction, and in that same transaction every task that touches the folder and is still
 *   open — or was carried out after this sync asked, since the answer may predate it — is laid
 *   over the rows again (tasks/: each kind's overlay). So a flag set offline, or one that reached
 *   the server a moment after it answered, is never undone on screen.
 * - One sync per folder at a time; asking during one gets one more right after it.
 */
export class FolderSync {
  private readonly runs = new Map<string, () => Promise<void>>()
  /** Ids written by the sync running for each folder (to drop the rest after a UIDVALIDITY reset). */
  private readonly written = new Map<string, Set<string>>()
  /** The batches' writes, one after another. Never rejected: a failed write is kept per folder in `writeFailed`. */
  private writes: Promise<void> = Promise.resolve()
  /** Rows of batches that came while the last write ran: written together by the next one. */
  private pending: MessageSummary[] | null = null
  /** Per folder, the first write of its batches that failed since its sync began: that sync fails with it. */
  private readonly writeFailed = new Map<string, unknown>()
  /** Per folder syncing now: where the cache stood before (null: never synced on this device). */
  private readonly before = new Map<string, { uidValidity: string; uidNext: number } | null>()

  constructor(
    private readonly db: TandemDb,
    private readonly call: Call,
    /** Sends what is queued first, so the server has the person's changes before it answers. */
    private readonly flush: () => Promise<void>,
    private readonly events: FolderSyncEvents = {},
  ) {}

  /**
   * Which rows of a batch are mail that arrived since the folder last synced on this device:
   * none on its first sync (that is the mailbox's past, not news), only UIDs past the known
   * UIDNEXT of the same UIDVALIDITY after that.
   */
  arrivals(folderId: string, rows: MessageSummary[]): MessageSummary[] {
    const was = this.before.get(folderId)
    if (!was) return []
    return rows.filter((m) => m.uid >= was.uidNext)
  }

  /**
   * New rows of a running sync. Batches that arrive while the last write runs are written
   * together by the next one, in the order they came: a window that falls behind a big sync
   * catches up in fewer, larger transactions (each also tells the list, the counts and the
   * search index once), and one that keeps up writes each batch as it comes.
   */
  batch(folderId: string, rows: MessageSummary[]): void {
    const seen = this.written.get(folderId)
    // A sync's first batch (a never-synced folder's newest rows, the list may be waiting for them) is written on its own, joined by nothing.
    const first = !!seen && seen.size === 0
    if (seen) for (const m of rows) seen.add(m.id)
    if (!first && this.pending && this.pending.length + rows.length <= MAX_WRITE_ROWS) { for (const m of rows) this.pending.push(m); return }
    const pending = rows.slice()
    this.pending = first ? null : pending
    this.writes = this.writes.then(async () => {
      if (this.pending === pending) this.pending = null
      try {
        await this.db.summaries.put(pending)
      } catch (e) {
        for (const m of pending) if (!this.writeFailed.has(m.folderId)) this.writeFailed.set(m.folderId, e)
      }
    })
  }

  sync(folderId: string): Promise<void> {
    let run = this.runs.get(folderId)
    if (!run) {
      run = oneAtATime(() => this.run(folderId))
      this.runs.set(folderId, run)
    }
    return run()
  }

  private async run(folderId: string): Promise<void> {
    const db = this.db
    await this.flush()
    const mailboxId = mailboxOfFolder(folderId)
    const askedAt = Date.now()
    const started = performance.now()
    const state = await db.sync.get(folderId)
    this.before.set(folderId, state ? { uidValidity: state.uidValidity, uidNext: state.uidNext } : null)
    // Only the number is sent (materialising 100 000 keys per sync cost half a second).
    const knownCount = await db.summaries.count(folderId)
    const fresh = new Set<string>()
    this.written.set(folderId, fresh)
    this.writeFailed.delete(folderId)
    try {
      const res = await this.call('messages.sync', {
        folderId,
        since: state ? { uidValidity: state.uidValidity, uidNext: state.uidNext, highestModseq: state.highestModseq, count: state.count, flagsSeen: state.flagsSeen ?? null } : null,
        knownUids: knownCount,
      })
      await this.writes
      // A batch not stored: this sync did not bring the folder up to date (the next one asks again from the same state).
      if (this.writeFailed.has(folderId)) throw this.writeFailed.get(folderId)
      let removed: string[] = []
      await db.transaction('rw', [...db.summaries.tables, db.sync, db.bodies, db.tasks], async () => {
        if (res.reset && state) {
          // UIDVALIDITY changed: everything cached before this sync is void.
          const stale = await db.summaries.clearFolder(folderId, fresh)
          await db.bodies.bulkDelete(stale)
        }
        let gone: number[] = res.vanished ?? []
        if (res.present) {
          const present = new Set(res.present)
          gone = (await db.summaries.uids(folderId)).filter((uid) => !present.has(uid))
        }
        if (gone.length) {
          removed = gone.map((uid) => messageKey(folderId, uid))
          await db.summaries.remove(removed)
          await db.bodies.bulkDelete(removed)
        }
        // The server's flags, with the person's pending changes laid over them.
        const tasks = overlaying(await db.tasks.where('mailboxId').equals(mailboxId).toArray(), folderId, askedAt)
        const server = new Map(res.changed.map((c) => [messageKey(folderId, c.uid), c.flags]))
        const ids = new Set(server.keys())
        for (const t of tasks) for (const uid of kindOf(t).rows(t)!.uids) ids.add(messageKey(folderId, uid))
        await db.summaries.modify(ids, (row) => {
          const flags = server.get(row.id)
          return overlayRow(tasks, flags && !sameFlags(flags, row.flags) ? { ...row, flags } : row)
        })
        await db.sync.put({ folderId, mailboxId, ...res.state })
      })
      // User Timing for the benchmark: how long, and how many bytes came from the server.
      performance.measure('tandem:sync', { start: started, end: performance.now(), detail: { folderId, received: res.received, added: res.added, changed: res.changed.length } })
      await this.events.synced?.({ folderId, reset: res.reset, removed, changed: res.changed.length, added: res.added, received: res.received })
    } catch (e) {
      this.events.failed?.(folderId, apiErrorOf(e))
    } finally {
      // Batches of this sync still being written (the call failed before they were awaited) end
      // first: a write of theirs that fails must not fail the next sync.
      await this.writes
      this.written.delete(folderId)
      this.writeFailed.delete(folderId)
    }
  }
}
