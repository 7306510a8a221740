import type { TeamAction, TeamStatus } from '../../../../shared/team/records'
import type { MessageRef } from '../../../../shared/api/contract'
import type { Locale } from '../../../../shared/i18n'
import type { Fresh, TaskBase, TaskKind } from './types'

/**
 * A team action on a conversation of a shared mailbox (docs/team-state.md): one record appended
 * to its team folder. The task's id is the record's id, fixed when the person acted.
 */
export interface TeamTask extends TaskBase {
  kind: 'team'
  /** The conversation as this device computed it (its own actions are laid over its state until the server has them). */
  conversationId: string
  /** A message of the conversation: the service reads its headers and records the conversation it computes. */
  about: MessageRef
  action: TeamAction
  /** When the person acted (their clock): the record says so, however late it is appended. */
  at: number
  locale: Locale
  /** What the action replaced, for Undo: the assignee or status the person saw. */
  before?: { assignee?: string | null; status?: TeamStatus; snooze?: { until: number | null; onReply: boolean; after: number } | null }
}

/** Claims, status changes and snoozes are undone by the record that puts back what was; notes by deleting them. */
function undoing(t: TeamTask): TeamAction | null {
  const a = t.action
  if (a.kind === 'assign' && t.before && 'assignee' in t.before) return { kind: 'assign', to: t.before.assignee ?? null, expect: a.to }
  if (a.kind === 'status' && t.before?.status) return { kind: 'status', status: t.before.status }
  if (a.kind === 'note') return { kind: 'noteDelete', note: a.note }
  if (a.kind === 'noteDelete') return { kind: 'noteRestore', note: a.note }
  if (a.kind === 'noteRestore') return { kind: 'noteDelete', note: a.note }
  // A snooze is undone by the snooze that held before (or an unsnooze); an unsnooze by the snooze it lifted.
  if ((a.kind === 'snooze' || a.kind === 'unsnooze') && t.before && 'snooze' in t.before) {
    const was = t.before.snooze
    // A snooze whose time has passed meanwhile would be refused (and hide nothing): it is over, so none.
    const over = !!was && was.until !== null && was.until <= Date.now()
    return was && !over ? { kind: 'snooze', until: was.until, onReply: was.onReply, after: was.after } : { kind: 'unsnooze' }
  }
  return null
}

export const teamTask: TaskKind<TeamTask> = {
  // Changes no cached message: the team store lays open team tasks over the folded state.
  rows: () => null,
  overlay: (_t, row) => row,
  revert: async () => undefined,
  run: (t, call) => call('team.record', { mailboxId: t.mailboxId, id: t.id, about: t.about, at: t.at, action: t.action, locale: t.locale }),
  inverse: (t): Fresh<TeamTask> | null => {
    const action = undoing(t)
    return action ? { kind: 'team', id: crypto.randomUUID(), mailboxId: t.mailboxId, conversationId: t.conversationId, about: t.about, action, at: Date.now(), locale: t.locale } : null
  },
  refused: 'drop',
  afterCrash: "The record's id is its Message-ID: main finds a record already appended and does not append it again, and the fold counts an id once.",
}
