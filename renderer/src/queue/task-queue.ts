import type { Table } from 'dexie'
import type { CallInput, CallName, CallOutput, SendRequest } from '../../../shared/api/contract'
import type { ApiError, ErrorCode } from '../../../shared/api/errors'
import { apiErrorOf } from '../api/failure'
import { oneAtATime } from './one-at-a-time'
import { plain } from '../cache/plain'

/**
 * The person's actions as durable tasks (architecture: "pending operations in Dexie,
 * replayed in order, each authorised again by main"). Plain TypeScript over a Dexie table, so
 * the same code runs in the renderer and in the tests that kill the service under it.
 *
 * - A task holds ids only (folder, UIDs, Message-IDs), except sends and drafts, which hold the
 *   message itself: the outbox.
 * - Tasks run in order per mailbox. One that fails because the server cannot be reached stops
 *   its mailbox's queue until the next kick (reconnection); the others go on.
 * - Every task is safe to run twice: flags are idempotent, a move finds what an earlier attempt
 *   moved by Message-ID, a send is recognised by its fixed Message-ID (journal + Sent folder in
 *   main). So a crash at any point — after the server acted, before the row was deleted — is
 *   replayed without doing anything twice.
 * - What can never succeed is not retried in a loop: triage on messages someone else moved
 *   away is dropped and reported; a send the rules refuse (R2, R3, R6…) is held in the outbox
 *   with the reason, for the person to change, confirm or cancel.
 */
interface TaskBase {
  /** Order of the queue (auto-increment). */
  seq?: number
  /** Stable id: the outbox id of a send (it fixes the Message-ID), a key for undo. */
  id: string
  mailboxId: string
  status: 'pending' | 'held'
  createdAt: number
  attempts: number
  /** Why it waits (offline) or is held (refused), as main said it. */
  error: ApiError | null
}

export interface FlagsTask extends TaskBase { kind: 'flags'; folderId: string; uids: number[]; add: string[]; remove: string[] }
export interface MoveTask extends TaskBase {
  kind: 'move' | 'delete'
  folderId: string
  uids: number[]
  /** Message-IDs in the order of uids: a replay recognises what an earlier attempt moved. */
  messageIds: (string | null)[]
  toFolderId: string | null
}
export interface SendTask extends TaskBase { kind: 'send'; request: SendRequest }
export interface DraftTask extends TaskBase { kind: 'draft'; request: SendRequest; key: string; n: number }
/** A discarded draft: every saved version of it (by key) leaves the mailbox's Drafts. */
export interface DiscardDraftTask extends TaskBase { kind: 'discardDraft'; key: string }
export type Task = FlagsTask | MoveTask | SendTask | DraftTask | DiscardDraftTask
export type NewTask = Task extends infer T ? T extends Task ? Omit<T, 'seq' | 'status' | 'createdAt' | 'attempts' | 'error'> : never : never

export type Call = <N extends CallName>(name: N, input: CallInput<N>) => Promise<CallOutput<N>>

export interface TaskHooks {
  /** Carried out; `gone` lists UIDs another member had moved or deleted (reported, not retried). */
  done?(task: Task, result: unknown, gone: number[]): void
  /** Could never succeed (e.g. no right to do it): removed, with the reason. */
  dropped?(task: Task, error: ApiError): void
  /** A send or draft the server or the rules refused: kept in the outbox with the reason. */
  held?(task: Task, error: ApiError): void
  /** The queue changed (count, statuses). */
  changed?(): void
}

/** Failures that another attempt later can get past: the network, the server, the session. */
const TRANSIENT = new Set<ErrorCode>(['network.unreachable', 'session.required', 'server.error'])
/** A surprise (a bug, an odd server answer) gets a few more attempts before it is given up with a notice. */
const SURPRISE_ATTEMPTS = 5
export const isTransient = (e: ApiError, attempts = 0) => TRANSIENT.has(e.code) || (e.code === 'internal' && attempts < SURPRISE_ATTEMPTS)

export class TaskQueue {
  private stopped = false
  private readonly drainOnce = oneAtATime(() => this.drain())
  /** The task being carried out now: it can no longer be cancelled, only undone. */
  private inFlight: string | null = null

  constructor(private readonly tasks: Table<Task, number>, private readonly call: Call, private readonly hooks: TaskHooks = {}) {}

  /** Stores a task (durably, before anything else happens) and starts the queue. */
  async add(task: NewTask): Promise<Task> {
    const row = plain({ ...task, status: 'pending', createdAt: Date.now(), attempts: 0, error: null }) as Task
    row.seq = await this.tasks.add(row)
    this.hooks.changed?.()
    void this.kick()
    return row
  }

  /** Runs what is pending; resolves when nothing more can be done now. */
  kick(): Promise<void> {
    return this.stopped ? Promise.resolve() : this.drainOnce()
  }

  /** Like a crash: nothing this queue still has in flight is recorded. */
  stop(): void { this.stopped = true }

  /**
   * Removes a task that has not run yet (undo before it reached the server, outbox cancel).
   * Null when it is gone already or being carried out right now (then wait for kick()).
   */
  async cancel(id: string): Promise<Task | null> {
    if (this.inFlight === id) return null
    const row = await this.tasks.where('id').equals(id).first()
    if (!row) return null
    await this.tasks.delete(row.seq!)
    this.hooks.changed?.()
    return row
  }

  /** Changes a held or pending task (edit a queued message, confirm a warning) and runs it again. */
  async update(id: string, changes: Partial<SendTask> | Partial<DraftTask>): Promise<void> {
    const row = await this.tasks.where('id').equals(id).first()
    if (!row) return
    await this.tasks.update(row.seq!, plain({ ...changes, status: 'pending', error: null }) as Partial<Task>)
    this.hooks.changed?.()
    void this.kick()
  }

  private async drain(): Promise<void> {
    // Mailboxes whose first task could not reach the server: the rest of them waits, in order.
    const waiting = new Set<string>()
    for (;;) {
      if (this.stopped) return
      const next = await this.tasks.orderBy('seq').filter((t) => t.status === 'pending' && !waiting.has(t.mailboxId)).first()
      if (!next) return
      if (!await this.runOne(next)) waiting.add(next.mailboxId)
    }
  }

  /** Runs one task; false when it must wait for the connection. */
  private async runOne(task: Task): Promise<boolean> {
    let result: unknown
    this.inFlight = task.id
    try {
      result = await this.execute(task).finally(() => { this.inFlight = null })
    } catch (e) {
      if (this.stopped) return false
      const error = apiErrorOf(e)
      if (isTransient(error, task.attempts)) {
        await this.tasks.update(task.seq!, { attempts: task.attempts + 1, error })
        this.hooks.changed?.()
        return false
      }
      if (task.kind === 'send' || task.kind === 'draft') {
        await this.tasks.update(task.seq!, { status: 'held', error })
        this.hooks.held?.(task, error)
      } else {
        await this.tasks.delete(task.seq!)
        this.hooks.dropped?.(task, error)
      }
      this.hooks.changed?.()
      return true
    }
    if (this.stopped) return false
    await this.tasks.delete(task.seq!)
    const gone = (result as { gone?: number[] } | undefined)?.gone ?? []
    this.hooks.done?.(task, result, gone)
    this.hooks.changed?.()
    return true
  }

  private execute(task: Task): Promise<unknown> {
    switch (task.kind) {
      case 'flags':
        return this.call('messages.setFlags', { folderId: task.folderId, uids: task.uids, add: task.add, remove: task.remove })
      case 'move':
        return this.call('messages.move', { folderId: task.folderId, uids: task.uids, toFolderId: task.toFolderId!, messageIds: task.messageIds })
      case 'delete':
        return this.call('messages.delete', { folderId: task.folderId, uids: task.uids, messageIds: task.messageIds })
      case 'send':
        return this.call('messages.send', { ...task.request, outboxId: task.id, queuedAt: task.request.queuedAt ?? task.createdAt })
      case 'draft':
        return this.call('drafts.save', { draft: stripOutbox(task.request), version: { key: task.key, n: task.n } })
      case 'discardDraft':
        return this.call('drafts.delete', { mailboxId: task.mailboxId, key: task.key })
    }
  }
}

function stripOutbox(r: SendRequest) {
  const { outboxId: _o, queuedAt: _q, resend: _r, answeredOk: _a, alreadySent: _s, replacesDrafts: _d, ...draft } = r
  return draft
}
