import type { MessageSummary } from '../../../../shared/domain'
import { messageKey } from '../../../../shared/ids'
import type { Fresh, TaskBase, TaskKind } from './types'

export interface FlagsTask extends TaskBase { kind: 'flags'; folderId: string; uids: number[]; add: string[]; remove: string[] }

/** The row's flags with the task's added and removed (the same row when nothing changes). */
function withFlags(row: MessageSummary, add: string[], remove: string[]): MessageSummary {
  const flags = [...row.flags.filter((f) => !remove.includes(f) && !add.includes(f)), ...add]
  const same = flags.length === row.flags.length && flags.every((f) => row.flags.includes(f))
  return same ? row : { ...row, flags }
}

const reversed = (t: FlagsTask): Fresh<FlagsTask> => ({
  kind: 'flags', id: crypto.randomUUID(), mailboxId: t.mailboxId, folderId: t.folderId, uids: t.uids, add: t.remove, remove: t.add,
})

/** Read, unread, flagged, unflagged: on the person's own rows at once, then on the server. */
export const flagsTask: TaskKind<FlagsTask> = {
  rows: (t) => ({ folderId: t.folderId, uids: t.uids }),
  overlay: (t, row) => withFlags(row, t.add, t.remove),
  revert: (t, cache) => cache.summaries.modify(t.uids.map((u) => messageKey(t.folderId, u)), (row) => withFlags(row, t.remove, t.add)),
  run: (t, call) => call('messages.setFlags', { folderId: t.folderId, uids: t.uids, add: t.add, remove: t.remove }),
  // The actions queue only the rows that change, so the reverse puts exactly those back.
  inverse: (t) => reversed(t),
  refused: 'drop',
  afterCrash: 'Setting or clearing a flag twice is doing it once (STORE +FLAGS/-FLAGS).',
}
