import type { MessageSummary } from '../../../../shared/domain'
import type { Call, Fresh, LocalCache, TaskBase, TaskKind } from './types'

export interface MoveTask extends TaskBase {
  kind: 'move' | 'delete'
  folderId: string
  uids: number[]
  /** Message-IDs in the order of uids: a replay recognises what an earlier attempt moved. */
  messageIds: (string | null)[]
  toFolderId: string | null
  /** The rows as the person saw them before: put back when it is cancelled or refused. */
  before?: MessageSummary[]
  /** Rows it shows in the folder they go to at once (a move back, by Undo, brings them home). */
  arrive?: MessageSummary[]
}

interface MoveResult { toFolderId: string; uidMap: [number, number][] }

/** Moves and deletes share everything but the call: a delete is a move to Deleted Items (R10). */
function relocation(kind: 'move' | 'delete', run: (t: MoveTask, call: Call) => Promise<unknown>): TaskKind<MoveTask> {
  return {
    rows: (t) => ({ folderId: t.folderId, uids: t.uids }),
    overlay: () => null,
    applyMore: async (t: MoveTask, cache: LocalCache) => { if (t.arrive?.length) await cache.summaries.put(t.arrive) },
    revert: async (t, cache) => {
      if (t.arrive?.length) await cache.summaries.remove(t.arrive.map((m) => m.id))
      if (t.before?.length) await cache.summaries.put(t.before)
    },
    run,
    // Back from where they went, under the UIDs they got there, to the folder they came from.
    inverse: (t, result): Fresh<MoveTask> | null => {
      const r = result as MoveResult | undefined
      if (!r?.uidMap?.length) return null
      const old = new Map(t.uids.map((u, i) => [u, t.messageIds[i] ?? null]))
      const movedBack = new Set(r.uidMap.map(([u]) => u))
      return {
        kind: 'move', id: crypto.randomUUID(), mailboxId: t.mailboxId, folderId: r.toFolderId,
        uids: r.uidMap.map(([, now]) => now), messageIds: r.uidMap.map(([u]) => old.get(u) ?? null), toFolderId: t.folderId,
        arrive: (t.before ?? []).filter((m) => movedBack.has(m.uid)),
      }
    },
    refused: 'drop',
    afterCrash: kind === 'delete'
      ? 'A message already in Deleted Items is found there by its Message-ID and not moved again.'
      : 'A message already in the destination is found there by its Message-ID and not moved again.',
  }
}

export const moveTask = relocation('move', (t, call) => call('messages.move', { folderId: t.folderId, uids: t.uids, toFolderId: t.toFolderId!, messageIds: t.messageIds }))
export const deleteTask = relocation('delete', (t, call) => call('messages.delete', { folderId: t.folderId, uids: t.uids, messageIds: t.messageIds }))
