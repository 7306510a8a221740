import type { MessageSummary } from '../../../../shared/domain'
import { flagsTask, type FlagsTask } from './flags'
import { deleteTask, moveTask, type MoveTask } from './relocate'
import { discardDraftTask, draftTask, sendTask, type DiscardDraftTask, type DraftTask, type SendTask } from './outgoing'
import { teamTask, type TeamTask } from './team'
import { targetsTask, type TargetsTask } from './targets'
import type { Fresh, TaskKind, TaskStatus } from './types'

export type { FlagsTask } from './flags'
export type { MoveTask } from './relocate'
export type { SendTask, DraftTask, DiscardDraftTask } from './outgoing'
export type { TeamTask } from './team'
export type { TargetsTask } from './targets'
export type { Call, LocalCache, TaskStatus } from './types'

/** Every kind of task. A new kind is a module beside this one and a line here. */
export type Task = FlagsTask | MoveTask | SendTask | DraftTask | DiscardDraftTask | TeamTask | TargetsTask
export type NewTask = Task extends infer T ? T extends Task ? Fresh<T> : never : never

const KINDS: { [K in Task['kind']]: TaskKind<Extract<Task, { kind: K }>> } = {
  flags: flagsTask,
  move: moveTask,
  delete: deleteTask,
  send: sendTask,
  draft: draftTask,
  discardDraft: discardDraftTask,
  team: teamTask,
  targets: targetsTask,
}

/** The module of a task's kind. */
export const kindOf = <T extends Task>(task: T): TaskKind<T> => KINDS[task.kind] as unknown as TaskKind<T>

/** Still to be carried out: its effect is (or is about to be) shown but the server has not done it. */
export const isOpen = (t: { status: TaskStatus }) => t.status === 'queued' || t.status === 'applied'
export const isFinished = (t: { status: TaskStatus }) => t.status === 'done' || t.status === 'failed'

/**
 * The tasks that lie over a sync's answer for a folder: those still open, and those the server
 * carried out after the sync asked (its answer may predate them). In queue order.
 */
export function overlaying(tasks: Task[], folderId: string, syncStartedAt: number): Task[] {
  return tasks
    .filter((t) => kindOf(t).rows(t)?.folderId === folderId && (isOpen(t) || (t.status === 'done' && (t.finishedAt ?? 0) >= syncStartedAt)))
    .sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
}

/** A row as the person sees it: the server's row with each overlaying task that names its UID laid over it. */
export function overlayRow(tasks: Task[], row: MessageSummary): MessageSummary | null {
  let out: MessageSummary | null = row
  for (const t of tasks) {
    if (!out) return null
    const rows = kindOf(t).rows(t)
    if (rows && rows.folderId === row.folderId && rows.uids.includes(row.uid)) out = kindOf(t).overlay(t, out)
  }
  return out
}
