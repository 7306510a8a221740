import type { CallInput, CallName, CallOutput } from '../../../../shared/api/contract'
import type { ApiError } from '../../../../shared/api/errors'
import type { MessageSummary } from '../../../../shared/domain'
import type { RowChange } from '../../cache/summary-blocks'

/**
 * Where a task stands. Stored with it, so a restart knows:
 * - queued: stored, its local effect maybe not yet applied (a crash right after storing);
 * - applied: shown on this device, waiting for the server (offline, or next in line);
 * - done: the server did it; kept a minute with its result (Undo, and syncs answered before it);
 * - failed: it could never succeed (no right, messages gone); its local effect was taken back;
 * - held: a send or draft the rules or the server refused, kept in the Outbox for the person.
 */
export type TaskStatus = 'queued' | 'applied' | 'done' | 'failed' | 'held'

export interface TaskBase {
  /** Order of the queue (auto-increment). */
  seq?: number
  /** Stable id: the outbox id of a send (it fixes the Message-ID), a key for undo. */
  id: string
  mailboxId: string
  status: TaskStatus
  createdAt: number
  attempts: number
  /** Why it waits (offline), failed or is held (refused), as main said it. */
  error: ApiError | null
  /** When it became done or failed. */
  finishedAt?: number
  /** What main answered (a move's new UIDs), for Undo. */
  result?: unknown
}

export type Call = <N extends CallName>(name: N, input: CallInput<N>) => Promise<CallOutput<N>>

/** The part of the cache a task's local effect touches. */
export interface LocalCache {
  summaries: {
    modify(ids: Iterable<string>, change: RowChange): Promise<void>
    put(rows: MessageSummary[]): Promise<void>
    remove(ids: string[]): Promise<MessageSummary[]>
  }
}

/** A task as stored, minus what the queue fills in. */
export type Fresh<T extends TaskBase> = Omit<T, 'seq' | 'status' | 'createdAt' | 'attempts' | 'error' | 'finishedAt' | 'result'>

/**
 * One kind of action, all in one place: what it changes on this device, the call it makes, how
 * it lies over a sync's answer while pending, how it is undone, what becomes of a refusal, and
 * why running it twice (a crash after the server acted) does nothing twice.
 */
export interface TaskKind<T extends TaskBase & { kind: string }> {
  /** The cached rows it changes (one folder's UIDs), or null when it changes none. */
  rows(task: T): { folderId: string; uids: number[] } | null
  /**
   * A row of that folder as the person sees it while the task is pending: the server's row with
   * the task laid over it, or null when the task takes it away. Pure; also its local effect.
   */
  overlay(task: T, row: MessageSummary): MessageSummary | null
  /** Anything else it shows locally besides its rows (rows a move back brings). */
  applyMore?(task: T, cache: LocalCache): Promise<void>
  /** Takes its local effect back (cancelled before it ran, or refused). */
  revert(task: T, cache: LocalCache): Promise<void>
  /** The call to main. */
  run(task: T, call: Call): Promise<unknown>
  /** The task that undoes it once done, from its result; null when it cannot be undone. */
  inverse(task: T, result: unknown): Fresh<T> | Fresh<TaskBase & { kind: string }> | null
  /** A refusal: held in the Outbox for the person, or dropped (and its local effect taken back). */
  refused: 'hold' | 'drop'
  /** How a replay after a crash (the server acted, the row was not yet marked done) is recognised. */
  afterCrash: string
}
