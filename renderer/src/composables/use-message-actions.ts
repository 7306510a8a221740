import { ref } from 'vue'
import { ApiFailure } from '../../../shared/api/errors'
import type { Folder, MessageSummary } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { useFoldersStore } from '../stores/folders'
import { useMessagesStore } from '../stores/messages'
import { useNoticesStore } from '../stores/notices'
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
  const api = useApi()
  const messages = useMessagesStore()
  const folders = useFoldersStore()
  const session = useSessionStore()
  const notices = useNoticesStore()

  const fail = (e: unknown) => notices.show(e instanceof ApiFailure ? e.message : `That did not work: ${String(e)}`, { kind: 'error' })
  const folderOf = (m: MessageSummary) => folders.byId(m.folderId)
  const uidsOf = (ms: MessageSummary[]) => ms.map((m) => m.uid)

  async function setFlag(flag: string, on: boolean, targets = messages.targets): Promise<void> {
    const changing = targets.filter((m) => m.flags.includes(flag) !== on)
    if (!changing.length) return
    const folder = folderOf(changing[0]!)
    if (folder && !(flag === SEEN ? folder.rights.seen : folder.rights.write)) {
      notices.show(`You may not change that in ${folder.name}.`, { kind: 'error' })
      return
    }
    const before = changing.map((m) => ({ ...m }))
    await messages.patch(changing.map((m) => ({ ...m, flags: on ? [...m.flags, flag] : m.flags.filter((f) => f !== flag) })))
    if (flag === SEEN) folders.bumpUnseen(changing[0]!.folderId, on ? -changing.length : changing.length)
    try {
      await api.call('messages.setFlags', { folderId: changing[0]!.folderId, uids: uidsOf(changing), add: on ? [flag] : [], remove: on ? [] : [flag] })
    } catch (e) {
      await messages.patch(before)
      if (flag === SEEN) folders.bumpUnseen(changing[0]!.folderId, on ? changing.length : -changing.length)
      fail(e)
    }
  }

  const toggleRead = () => setFlag(SEEN, !messages.targets.every((m) => m.flags.includes(SEEN)))
  const toggleFlag = () => setFlag(FLAGGED, !messages.targets.every((m) => m.flags.includes(FLAGGED)))
  const markRead = (m: MessageSummary) => setFlag(SEEN, true, [m])

  /** Moves (or deletes, via the server's Deleted Items) with Undo for ten seconds. */
  async function relocate(kind: 'move' | 'delete', targets: MessageSummary[], to?: Folder): Promise<void> {
    if (!targets.length) return
    const from = folderOf(targets[0]!)
    if (!from) return
    const removed = await messages.removeLocal(targets.map((m) => m.id))
    try {
      const res = kind === 'delete'
        ? await api.call('messages.delete', { folderId: from.id, uids: uidsOf(targets) })
        : await api.call('messages.move', { folderId: from.id, uids: uidsOf(targets), toFolderId: to!.id })
      const dest = folders.byId(res.toFolderId)
      const moved = new Map(res.uidMap)
      const what = targets.length === 1 ? '1 message' : `${targets.length} messages`
      notices.show(`${kind === 'delete' ? 'Deleted' : 'Moved'} ${what}${dest ? ` to ${dest.name}` : ''}.`, {
        action: moved.size ? {
          label: 'Undo',
          run: async () => {
            try {
              await api.call('messages.move', { folderId: res.toFolderId, uids: [...moved.values()], toFolderId: from.id })
              notices.show(`Put ${what} back in ${from.role === 'inbox' ? 'Inbox' : from.name}.`)
              void messages.sync(from.id)
            } catch (e) { fail(e) }
          },
        } : undefined,
      })
    } catch (e) {
      await messages.restoreLocal(removed)
      fail(e)
    }
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
