import { ref } from 'vue'
import type { Folder, MessageSummary } from '../../../shared/domain'
import { folderLabel } from '../mail/folder-label'
import { useFoldersStore } from '../stores/folders'
import { useMessagesStore } from '../stores/messages'
import { useNoticesStore } from '../stores/notices'
import { useQueueStore } from '../stores/queue'
import { useSessionStore } from '../stores/session'

const SEEN = '\\Seen'
const FLAGGED = '\\Flagged'

/** A pending deletion in a shared mailboxes waiting for the person's confirmation (R10). */
export const pendingDelete = ref<{ mailboxName: string; count: number; confirm: () => void; cancel: () => void } | null>(null)

/**
 * Triage: each action updates the list and the cache at once, then is carried out on the
 * server; a refusal puts things back and says why. Moves and deletes can be undone.
 */
export function useMessageActions() {
  const messages = useMessagesStore()
  const folders = useFoldersStore()
  const session = useSessionStore()
  const notices = useNoticesStore()

  const queue = useQueueStore()
  const folderOf = (m: MessageSummary) => folders.byId(m.folderId)
  const uidsOf = (ms: MessageSummary[]) => ms.map((m) => m.uid)

  /**
   * Flags change in the list and the cache at once; the change is a durable task that reaches
   * the server now or, offline, when the connection is back.
   */
  async function setFlag(flag: string, on: boolean, targets = messages.targets): Promise<void> {
    const changing = targets.filter((m) => m.flags.includes(flag) !== on)
    if (!changing.length) return
    const folder = folderOf(changing[0]!)
    if (folder && !(flag === SEEN ? folder.rights.seen : folder.rights.write)) {
      notices.show(`You may not change that in ${folder.name}.`, { kind: 'error' })
      return
    }
    // The list changes and the task is stored in the same tick: a sync starting any time after
    // the person sees the change finds the task queued, and sends it before asking the server
    // (otherwise its older answer would put the old flags back on screen).
    const stored = messages.patch(changing.map((m) => ({ ...m, flags: on ? [...m.flags, flag] : m.flags.filter((f) => f !== flag) })))
    const queued = queue.add({
      kind: 'flags', id: crypto.randomUUID(), mailboxId: changing[0]!.mailboxId, folderId: changing[0]!.folderId,
      uids: uidsOf(changing), add: on ? [flag] : [], remove: on ? [] : [flag],
    })
    if (flag === SEEN) folders.bumpUnseen(changing[0]!.folderId, on ? -changing.length : changing.length)
    await Promise.all([stored, queued])
  }

  const toggleRead = () => setFlag(SEEN, !messages.targets.every((m) => m.flags.includes(SEEN)))
  const toggleFlag = () => setFlag(FLAGGED, !messages.targets.every((m) => m.flags.includes(FLAGGED)))
  const markRead = (m: MessageSummary) => setFlag(SEEN, true, [m])

  /**
   * Moves (or deletes, via the server's Deleted Items) at once in the list, as a queued task,
   * with Undo for ten seconds: before the task ran, Undo just takes it back; after, it queues
   * the move back.
   */
  async function relocate(kind: 'move' | 'delete', targets: MessageSummary[], to?: Folder): Promise<void> {
    if (!targets.length) return
    const from = folderOf(targets[0]!)
    if (!from) return
    const dest = kind === 'delete' ? (folders.byMailbox[from.mailboxId] ?? []).find((f) => f.role === 'trash') ?? null : to ?? null
    const removed = await messages.removeLocal(targets.map((m) => m.id))
    const task = await queue.add({
      kind, id: crypto.randomUUID(), mailboxId: from.mailboxId, folderId: from.id, uids: uidsOf(targets),
      messageIds: targets.map((m) => m.messageId ?? null), toFolderId: kind === 'move' ? to!.id : null,
    })
    const what = targets.length === 1 ? '1 message' : `${targets.length} messages`
    notices.show(`${kind === 'delete' ? 'Deleted' : 'Moved'} ${what}${dest ? ` to ${dest.name}` : ''}.`, {
      action: { label: 'Undo', run: () => undo(task.id, from, removed) },
    })
  }

  async function undo(taskId: string, from: Folder, removed: MessageSummary[]): Promise<void> {
    const back = `Put ${removed.length === 1 ? '1 message' : `${removed.length} messages`} back in ${folderLabel(from)}.`
    if (await queue.cancel(taskId)) {
      // It never reached the server: nothing to reverse there.
      await messages.restoreLocal(removed)
      notices.show(back)
      return
    }
    await queue.flush()
    const res = queue.resultOf(taskId) as { toFolderId: string; uidMap: [number, number][] } | undefined
    if (!res || !res.uidMap.length) { notices.show('That can no longer be undone here: find the messages in the folder they went to.', { kind: 'error' }); return }
    const byOld = new Map(removed.map((m) => [m.uid, m]))
    await queue.add({
      kind: 'move', id: crypto.randomUUID(), mailboxId: from.mailboxId, folderId: res.toFolderId,
      uids: res.uidMap.map(([, now]) => now), messageIds: res.uidMap.map(([old]) => byOld.get(old)?.messageId ?? null), toFolderId: from.id,
    })
    await messages.restoreLocal(removed)
    notices.show(back)
    await queue.flush()
    void messages.sync(from.id)
  }

  function archive(): Promise<void> {
    const targets = messages.targets
    const first = targets[0]
    if (!first) return Promise.resolve()
    const to = (folders.byMailbox[first.mailboxId] ?? []).find((f) => f.role === 'archive')
    if (!to) { notices.show('This mailbox has no Archive folder.', { kind: 'error' }); return Promise.resolve() }
    if (to.id === first.folderId) return Promise.resolve()
    return relocate('move', targets, to)
  }

  function moveTo(to: Folder, targets = messages.targets): Promise<void> {
    if (!targets.length || targets[0]!.folderId === to.id) return Promise.resolve()
    return relocate('move', targets, to)
  }

  /** R10: deleting in a shared mailbox affects every member; say so before doing it. */
  function remove(): Promise<void> {
    const targets = messages.targets
    const first = targets[0]
    if (!first) return Promise.resolve()
    const folder = folderOf(first)
    if (folder && !folder.rights.delete) {
      notices.show(`You may not delete in ${folder.name}.`, { kind: 'error' })
      return Promise.resolve()
    }
    const mailbox = session.session?.mailboxes.find((m) => m.id === first.mailboxId)
    if (mailbox?.kind !== 'shared') return relocate('delete', targets)
    return new Promise((resolve) => {
      pendingDelete.value = {
        mailboxName: mailbox.name,
        count: targets.length,
        confirm: () => { pendingDelete.value = null; void relocate('delete', targets).then(resolve) },
        cancel: () => { pendingDelete.value = null; resolve() },
      }
    })
  }

  return { toggleRead, toggleFlag, markRead, archive, moveTo, remove }
}
