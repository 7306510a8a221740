import type { Table } from 'dexie'
import type { ApiError, ErrorCode } from '../../../shared/api/errors'
import { messageKey } from '../../../shared/ids'
import { apiErrorOf } from '../api/failure'
import { plain } from '../cache/plain'
import { oneAtATime } from './one-at-a-time'
import { isFinished, isOpen, kindOf, type NewTask, type Task } from './tasks'
import type { Call, LocalCache } from './tasks/types'

export type { Task, NewTask, FlagsTask, MoveTask, SendTask, DraftTask, DiscardDraftTask } from './tasks'
export type { Call } from './tasks/types'

/**
 * The person's actions as durable tasks (architecture: "pending operations in Dexie,
 * replayed in order, each authorised again by main"). Plain TypeScript over Dexie, so the same
 * code runs in the renderer and in the tests that kill the service under it. What a kind of
 * task does is its module's (tasks/); the lifecycle is here:
 *
 *   add ─▶ queued ─(local effect)─▶ applied ─(main did it)─▶ done ─(a minute)─▶ gone
 *                                     │  ▲ offline: waits, in order per mailbox
 *                                     │  └─ transient failure
 *                                     ├─(refused, send/draft)─▶ held ─(person edits/confirms)─▶ applied
 *                                     └─(refused, triage)─▶ failed, local effect taken back
 *
 * - A task is stored before anything else happens; a crash before its local effect is applied
 *   leaves it queued, and the next start applies it (effects are idempotent).
 * - Tasks run in order per mailbox. One that fails because the server cannot be reached stops
 *   its mailbox's queue until the next kick (reconnection); the others go on.
 * - Every task is safe to run twice (each module says why), so a crash at any point — after the
 *   server acted, before the row was marked done — is replayed without doing anything twice.
 */
export interface TaskHooks {
  /** Carried out; `gone` lists UIDs another member had moved or deleted (reported, not retried). */
  done?(task: Task, result: unknown, gone: number[]): void
  /** Could never succeed (e.g. no right to do it): its effect taken back, with the reason. */
  dropped?(task: Task, error: ApiError): void
  /** A send or draft the server or the rules refused: kept in the outbox with the reason. */
  held?(task: Task, error: ApiError): void
  /** The queue changed (count, statuses). */
  changed?(): void
}

/** What the queue keeps its tasks in, and the cache their local effects go to. */
export interface TaskStore extends LocalCache {
  tasks: Table<Task, number>
}

export type UndoOutcome = 'cancelled' | 'reversed' | 'impossible'

/**
 * Failures that another attempt later can get past: the network, the server, the session — also
 * an organisation sign-in that ended: the task waits until the person has signed in again.
 */
const TRANSIENT = new Set<ErrorCode>(['network.unreachable', 'session.required', 'server.error', 'auth.expired'])
/** A surprise (a bug, an odd server answer) gets a few more attempts before it is given up with a notice. */
const SURPRISE_ATTEMPTS = 5
export const isTransient = (e: ApiError, attempts = 0) => TRANSIENT.has(e.code) || (e.code === 'internal' && attempts < SURPRISE_ATTEMPTS)

/** Not yet carried out, or held for the person: it can still be cancelled or changed. */
const changeable = (t: Task) => isOpen(t) || t.status === 'held'

/** How long a finished task is kept: Undo is offered for seconds, a sync asked before it lasts seconds. */
export const FINISHED_KEPT_MS = 60_000

export class TaskQueue {
  private stopped = false
  private readonly drainOnce = oneAtATime(() => this.drain())
  /** The task being carried out now: it can no longer be cancelled, only undone. */
  private inFlight: string | null = null

  constructor(private readonly store: TaskStore, private readonly call: Call, private readonly hooks: TaskHooks = {}) {}

  private get tasks(): Table<Task, number> {
    return this.store.tasks
  }

  /** Stores a task (durably, before anything else happens), shows its effect, and starts the queue. */
  async add(task: NewTask): Promise<Task> {
    const row = plain({ ...task, status: 'queued', createdAt: Date.now(), attempts: 0, error: null }) as Task
    row.seq = await this.tasks.add(row)
    await this.apply(row)
    this.hooks.changed?.()
    void this.kick()
    return row
  }

  /** Its local effect, then marked applied (a crash in between: the next start does it again). */
  private async apply(task: Task): Promise<void> {
    const kind = kindOf(task)
    const rows = kind.rows(task)
    if (rows) await this.store.summaries.modify(rows.uids.map((u) => messageKey(rows.folderId, u)), (row) => kind.overlay(task, row))
    await kind.applyMore?.(task, this.store)
    await this.tasks.update(task.seq!, { status: 'applied' })
    task.status = 'applied'
  }

  /** Runs what is pending; resolves when nothing more can be done now. */
  kick(): Promise<void> {
    return this.stopped ? Promise.resolve() : this.drainOnce()
  }

  /** Like a crash: nothing this queue still has in flight is recorded. */
  stop(): void { this.stopped = true }

  /**
   * Removes a task that has not run yet (undo before it reached the server, outbox cancel) and
   * takes its local effect back. Null when it is finished or being carried out right now.
   */
  async cancel(id: string): Promise<Task | null> {
    if (this.inFlight === id) return null
    const row = await this.tasks.where('id').equals(id).first()
    // Picked up by the queue while this read: it may be on the server already (see runOne).
    if (this.inFlight === id || !row || !changeable(row)) return null
    await this.tasks.delete(row.seq!)
    await kindOf(row).revert(row, this.store)
    this.hooks.changed?.()
    return row
  }

  /**
   * Undoes a task: taken back if it has not run, else reversed by its kind's inverse once it is
   * done (queued like any action, so it works offline too).
   */
  async undo(id: string): Promise<UndoOutcome> {
    if (await this.cancel(id)) return 'cancelled'
    await this.kick()
    const row = await this.tasks.where('id').equals(id).first()
    // Refused meanwhile: its effect was taken back already.
    if (row?.status === 'failed') return 'cancelled'
    // It was being carried out and could not reach the server (or was held): it waits again, so
    // it can still be taken back before it runs.
    if (row && changeable(row) && await this.cancel(id)) return 'cancelled'
    const inverse = row?.status === 'done' ? kindOf(row).inverse(row, row.result) : null
    if (!inverse) return 'impossible'
    await this.add(inverse as NewTask)
    return 'reversed'
  }

  /** Changes a held or pending task (edit a queued message, confirm a warning) and runs it again. */
  async update(id: string, changes: Partial<Task>): Promise<void> {
    const row = await this.tasks.where('id').equals(id).first()
    if (this.inFlight === id || !row || !changeable(row)) return
    await this.tasks.update(row.seq!, plain({ ...changes, status: 'applied', error: null }) as Partial<Task>)
    this.hooks.changed?.()
    void this.kick()
  }

  private async drain(): Promise<void> {
    await this.prune()
    // A crash after storing, before showing: shown now, then run like the rest.
    for (const t of await this.tasks.filter((x) => x.status === 'queued').toArray()) {
      if (this.stopped) return
      await this.apply(t)
    }
    // Mailboxes whose first task could not reach the server: the rest of them waits, in order.
    const waiting = new Set<string>()
    for (;;) {
      if (this.stopped) return
      const next = await this.tasks.orderBy('seq').filter((t) => t.status === 'applied' && !waiting.has(t.mailboxId)).first()
      if (!next) return
      if (!await this.runOne(next)) waiting.add(next.mailboxId)
    }
  }

  /** Finished tasks past their minute. */
  private async prune(): Promise<void> {
    const before = Date.now() - FINISHED_KEPT_MS
    const n = await this.tasks.filter((t) => isFinished(t) && (t.finishedAt ?? 0) < before).delete()
    if (n) this.hooks.changed?.()
  }

  /** Runs one task; false when it must wait for the connection. */
  private async runOne(picked: Task): Promise<boolean> {
    // Claimed first, then read again: a cancel or change that began before the claim has been
    // written by now (IndexedDB keeps their order), and one after it sees the claim and stops.
    // Without the second read an undo racing the pick-up took the task back on screen while
    // main carried it out anyway.
    this.inFlight = picked.id
    const task = await this.tasks.get(picked.seq!)
    if (!task || task.status !== 'applied' || task.id !== picked.id) { this.inFlight = null; return true }
    const kind = kindOf(task)
    let result: unknown
    try {
      result = await kind.run(task, this.call).finally(() => { this.inFlight = null })
    } catch (e) {
      if (this.stopped) return false
      const error = apiErrorOf(e)
      if (isTransient(error, task.attempts)) {
        // Only surprises count against the task: waiting for the network is not a failed attempt
        // (a folder sync that flushes the queue while the server is away must not use them up).
        const attempts = error.code === 'internal' || error.code === 'server.error' ? task.attempts + 1 : task.attempts
        await this.tasks.update(task.seq!, { attempts, error })
        this.hooks.changed?.()
        return false
      }
      if (kind.refused === 'hold') {
        await this.tasks.update(task.seq!, { status: 'held', error })
        this.hooks.held?.(task, error)
      } else {
        await this.tasks.update(task.seq!, { status: 'failed', error, finishedAt: Date.now() })
        await kind.revert(task, this.store)
        this.hooks.dropped?.(task, error)
      }
      this.hooks.changed?.()
      return true
    }
    if (this.stopped) return false
    await this.tasks.update(task.seq!, plain({ status: 'done', finishedAt: Date.now(), result: result ?? null, error: null }) as Partial<Task>)
    const gone = (result as { gone?: number[] } | undefined)?.gone ?? []
    this.hooks.done?.(task, result, gone)
    this.hooks.changed?.()
    return true
  }
}
