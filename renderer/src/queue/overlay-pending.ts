import type { MessageSummary } from '../../../shared/domain'
import type { TandemDb } from '../cache/db'
import { messageId } from '../cache/summary-blocks'

/**
 * What is still queued for a folder stays applied over what the server said: called
 * inside a sync's transaction after the server's answer is written, so a change made offline
 * (a flag, a move, a delete) is not undone on screen before it reaches the server.
 */
export async function overlayPending(db: TandemDb, folderId: string): Promise<void> {
  for (const t of await db.tasks.where('mailboxId').equals(folderId.slice(0, folderId.indexOf('|'))).toArray()) {
    if (t.kind === 'flags' && t.folderId === folderId) {
      const rows = (await db.summaries.get(t.uids.map((u) => messageId(folderId, u)))).filter((m): m is MessageSummary => !!m)
      await db.summaries.update(new Map(rows.map((m) => [m.id, { flags: [...m.flags.filter((f) => !t.remove.includes(f) && !t.add.includes(f)), ...t.add] }])))
    } else if ((t.kind === 'move' || t.kind === 'delete') && t.folderId === folderId) {
      await db.summaries.remove(t.uids.map((u) => messageId(folderId, u)))
    }
  }
}
