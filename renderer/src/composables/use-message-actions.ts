import { ref } from 'vue'
import type { Folder, MessageSummary } from '../../../shared/domain'
import { deleteDestination, deleteNeedsConfirmation } from '../../../shared/rules/deletion'
import { folderLabel } from '../mail/folder-label'
import { useFoldersStore } from '../stores/folders'
import { useMessagesStore } from '../stores/messages'
import { useNoticesStore } from '../stores/notices'
import { useQueueStore } from '../stores/queue'
import { useSessionStore } from '../stores/session'
import { useTeamStore, wakeWords } from '../stores/team'
import { useOwnUnreadStore } from '../stores/own-unread'
import { isUnread } from '../mail/own-unread'
import { tr } from '../i18n'

const SEEN = '\\Seen'
const FLAGGED = '\\Flagged'
const UNDO_MS = 10_000

/** A pending deletion in a shared mailboxes waiting for the person's confirmation (R10). */
export const pendingDelete = ref<{ mailboxName: string; count: number; confirm: () => void; cancel: () => void } | null>(null)

/** The last action the person can still undo (the z key), while its notice shows. */
const lastUndo = ref<{ run: () => Promise<void>; until: number } | null>(null)
/**
 * Actions still being stored: z waits for them, so "e then z" at typing speed undoes the move
 * and not whatever came before it (the read mark of opening the message).
 */
let storing: Promise<unknown> = Promise.resolve()
function stored(action: () => Promise<void>): Promise<void> {
  const work = action()
  storing = Promise.all([storing, work.catch(() => undefined)])
  return work
}

/**
 * Triage. Each action is a task (queue/tasks): stored first, shown at once, carried out on the
 * server now or when the connection is back; a refusal takes it back and says why. Every action
 * can be undone for ten seconds, from its notice or with z.
 */
export function useMessageActions() {
  const messages = useMessagesStore()
  const folders = useFoldersStore()
  const session = useSessionStore()
  const team = useTeamStore()
  const notices = useNoticesStore()
  const queue = useQueueStore()
  const ownUnread = useOwnUnreadStore()
  const folderOf = (m: MessageSummary) => folders.byId(m.folderId)

  /** Shows what was done, with Undo (the notice's button, or z). */
  function offerUndo(text: string, taskId: string | null, undone: string, opts: { quiet?: boolean; resync?: string; also?: string[]; alsoRun?: () => Promise<void> } = {}): void {
    const run = async () => {
      lastUndo.value = null
      // What was done with it (Done and archive: the status; the person's own read marks) is undone with it.
      for (const id of opts.also ?? []) await queue.undo(id)
      await opts.alsoRun?.()
      const outcome = taskId === null ? 'reversed' : await queue.undo(taskId)
      if (outcome === 'impossible') { notices.show(tr('actions.cannotUndo'), { kind: 'error' }); return }
      notices.show(undone)
      // Moved back on the server: they have new UIDs there, which the next sync brings.
      if (outcome === 'reversed' && opts.resync) { const folderId = opts.resync; void queue.flush().then(() => messages.sync(folderId)) }
    }
    lastUndo.value = { run, until: Date.now() + UNDO_MS }
    if (!opts.quiet) notices.show(text, { action: { label: tr('actions.undo'), run: () => { void run() } }, ms: UNDO_MS })
  }

  /** Flags change in the cache (and so on screen) at once, as a durable task. */
  const setFlag = (flag: string, on: boolean, targets = messages.targets, opts: { quiet?: boolean } = {}): Promise<void> => stored(async () => {
    if (flag === SEEN) return setRead(on, targets, opts)
    const changing = targets.filter((m) => m.flags.includes(flag) !== on)
    if (!changing.length) return
    const folder = folderOf(changing[0]!)
    if (folder && !folder.rights.write) {
      notices.show(tr('actions.notAllowedChange', { folder: folderLabel(folder) }), { kind: 'error' })
      return
    }
    const task = await queue.add({
      kind: 'flags', id: crypto.randomUUID(), mailboxId: changing[0]!.mailboxId, folderId: changing[0]!.folderId,
      uids: changing.map((m) => m.uid), add: on ? [flag] : [], remove: on ? [] : [flag],
    })
    const word = (set: boolean) => (set ? 'Flagged' : 'Unflagged')
    const count = changing.length
    offerUndo(tr(`actions.marked${word(on)}`, { count }), task.id, tr(`actions.undone${word(!on)}`, { count }), opts)
  })

  /**
   * Read or unread for the person (docs/team-state.md, "Each member's own unread"). In a shared
   * mailbox it is their own mark; reading also sets the shared \Seen ("someone on the team
   * opened it"), as opening always did, while "mark unread" is theirs alone and leaves \Seen
   * to the team. Elsewhere \Seen is the read state, as ever. One Undo takes back both.
   */
  async function setRead(on: boolean, targets: MessageSummary[], opts: { quiet?: boolean }): Promise<void> {
    const mine = targets.filter((m) => isUnread(m) === on)
    const seenChanging = on ? targets.filter((m) => !m.flags.includes(SEEN)) : targets.filter((m) => m.flags.includes(SEEN))
    const own = await ownUnread.mark(mine, on)
    const ownDone = mine.filter((m) => !own.includes(m))
    // \Seen: set by reading anywhere; taken away by "mark unread" only where read is \Seen itself.
    const seenTargets = on ? seenChanging : seenChanging.filter((m) => !ownUnread.isTracked(m.folderId))
    const folder = seenTargets[0] ? folderOf(seenTargets[0]) : null
    let taskId: string | null = null
    if (seenTargets.length && folder && !folder.rights.seen) {
      if (!ownDone.length) { notices.show(tr('actions.notAllowedChange', { folder: folderLabel(folder) }), { kind: 'error' }); return }
    } else if (seenTargets.length) {
      taskId = (await queue.add({
        kind: 'flags', id: crypto.randomUUID(), mailboxId: seenTargets[0]!.mailboxId, folderId: seenTargets[0]!.folderId,
        uids: seenTargets.map((m) => m.uid), add: on ? [SEEN] : [], remove: on ? [] : [SEEN],
      })).id
    }
    const count = new Set([...ownDone, ...seenTargets].map((m) => m.id)).size
    if (!count) return
    const word = (set: boolean) => (set ? 'Read' : 'Unread')
    const undoOwn = async () => { if (ownDone.length) await ownUnread.mark(ownDone, !on) }
    offerUndo(tr(`actions.marked${word(on)}`, { count }), taskId, tr(`actions.undone${word(!on)}`, { count }), { ...opts, alsoRun: undoOwn })
  }

  /** `targets`: what a row's own actions (hover, right-click) act on; else the focus or selection. */
  const toggleRead = (targets = messages.targets) => setFlag(SEEN, targets.some(isUnread), targets)
  const toggleFlag = (targets = messages.targets) => setFlag(FLAGGED, !targets.every((m) => m.flags.includes(FLAGGED)), targets)
  /** Opening a conversation reads its unread messages there: no notice, but z still takes it back. */
  const markRead = (ms: MessageSummary[]) => setFlag(SEEN, true, ms, { quiet: true })

  /** Moves (or deletes, via the server's Deleted Items) at once on screen, as a queued task. */
  const relocate = (kind: 'move' | 'delete', targets: MessageSummary[], to: Folder, also?: { taskIds: string[]; done: string; undone: string }): Promise<void> => stored(async () => {
    const from = folderOf(targets[0]!)
    if (!from) return
    messages.focusPast(targets.map((m) => m.id))
    const task = await queue.add({
      kind, id: crypto.randomUUID(), mailboxId: from.mailboxId, folderId: from.id, uids: targets.map((m) => m.uid),
      messageIds: targets.map((m) => m.messageId ?? null), toFolderId: kind === 'move' ? to.id : null, before: targets,
    })
    const count = targets.length
    if (also) offerUndo(also.done, task.id, also.undone, { resync: from.id, also: also.taskIds })
    else offerUndo(tr(kind === 'delete' ? 'actions.deleted' : 'actions.moved', { count, folder: folderLabel(to) }), task.id, tr('actions.putBack', { count, folder: folderLabel(from) }), { resync: from.id })
  })

  function archive(targets = messages.targets): Promise<void> {
    const first = targets[0]
    if (!first) return Promise.resolve()
    const to = (folders.byMailbox[first.mailboxId] ?? []).find((f) => f.role === 'archive')
    if (!to) { notices.show(tr('actions.noArchive'), { kind: 'error' }); return Promise.resolve() }
    if (to.id === first.folderId) return Promise.resolve()
    return relocate('move', targets, to)
  }

  /**
   * Done, and out of the Inbox: the conversation's status is recorded first (the team sees why
   * it went), then its messages here that the person sees now are archived, as one move. One
   * Undo takes back both.
   */
  async function doneAndArchive(targets = messages.targets): Promise<void> {
    const first = targets[0]
    if (!first) return
    const to = (folders.byMailbox[first.mailboxId] ?? []).find((f) => f.role === 'archive')
    // Every conversation among the targets is done (a selection may hold several), one record each.
    const oneEach = [...new Map(targets.map((m) => [m.conversationId, m])).values()]
    const statusTasks: string[] = []
    for (const m of oneEach) statusTasks.push(await team.setStatus(m, 'done'))
    if (!to) { notices.show(tr('actions.noArchive'), { kind: 'error' }); return }
    if (to.id === first.folderId) return
    const from = folderOf(first)
    const count = targets.length
    await relocate('move', targets, to, {
      taskIds: statusTasks, done: tr('actions.doneArchived', { count, folder: folderLabel(to) }),
      undone: tr('actions.undoneDoneArchived', { count, folder: from ? folderLabel(from) : '' }),
    })
  }

  function moveTo(to: Folder, targets = messages.targets): Promise<void> {
    if (!targets.length || targets[0]!.folderId === to.id) return Promise.resolve()
    return relocate('move', targets, to)
  }

  /** R10: a delete goes to Deleted Items; in a shared mailbox the person confirms first. */
  function remove(targets = messages.targets): Promise<void> {
    const first = targets[0]
    if (!first) return Promise.resolve()
    const folder = folderOf(first)
    const mailbox = session.session?.mailboxes.find((m) => m.id === first.mailboxId)
    if (!folder || !mailbox) return Promise.resolve()
    if (!folder.rights.delete) {
      notices.show(tr('actions.notAllowedDelete', { folder: folderLabel(folder) }), { kind: 'error' })
      return Promise.resolve()
    }
    const verdict = deleteDestination(mailbox, folders.byMailbox[mailbox.id] ?? [], folder.id)
    if (!verdict.ok) { notices.showError(verdict.error); return Promise.resolve() }
    const to = verdict.to as Folder
    // In a shared mailbox the team sees who deleted what (R10): recorded with the delete.
    const gone = () => relocate('delete', targets, to).then(() => team.deleted(targets))
    if (!deleteNeedsConfirmation(mailbox)) return gone()
    return new Promise((resolve) => {
      pendingDelete.value = {
        mailboxName: mailbox.name,
        count: targets.length,
        confirm: () => { pendingDelete.value = null; void gone().then(resolve) },
        cancel: () => { pendingDelete.value = null; resolve() },
      }
    })
  }

  /**
   * Snoozes the conversations of these messages for the team (docs/team-state.md, "Snooze"), one
   * record each (a selection may hold several), with one Undo for all. `after`, per conversation:
   * the newest server arrival the person has of it here — the rows chosen and the conversation's
   * messages in the folder on screen — so that a customer message already in is not taken for a
   * reply when `onReply`. False when the time has passed (nothing recorded).
   */
  async function snooze(targets: MessageSummary[], until: number | null, onReply: boolean): Promise<boolean> {
    const key = (m: MessageSummary) => `${m.mailboxId}|${m.conversationId}`
    const oneEach = [...new Map(targets.map((m) => [key(m), m])).values()]
    if (!oneEach.length || (until !== null && until <= Date.now())) return false
    const taskIds: string[] = []
    for (const m of oneEach) {
      const known = [...targets, ...messages.inFolder(m.conversationId)].filter((x) => key(x) === key(m))
      const id = team.snooze(m, until, onReply, Math.max(0, ...known.map((x) => x.date)))
      if (!id) break
      taskIds.push(await stored(() => id.then(() => undefined)).then(() => id))
    }
    const last = taskIds.pop()
    if (!last) return false
    offerUndo(until === null ? tr('team.snooze.snoozedReply') : tr('team.snooze.snoozed', { until: wakeWords(until) }), last, tr('team.snooze.undone'), { also: taskIds })
    return true
  }

  /** Brings a snoozed conversation back for the team now, with Undo. */
  async function unsnooze(m: MessageSummary): Promise<void> {
    const id = await team.unsnooze(m)
    offerUndo(tr('team.snooze.unsnoozed'), id, tr('team.snooze.unsnoozeUndone'))
  }

  /** Undoes the last action, while its ten seconds last. */
  async function undoLast(): Promise<void> {
    await storing
    const last = lastUndo.value
    if (!last || Date.now() > last.until) return
    await last.run()
  }

  /**
   * What an action on one row acts on (its hover actions, its right-click menu): a conversation's
   * messages in the folder on screen that the person sees now, or the message alone — as the
   * focused row's actions do (the messages store's targets).
   */
  function targetsOf(row: MessageSummary): MessageSummary[] {
    if (messages.targets.some((m) => m.id === row.id)) return messages.targets
    if (!messages.grouped || messages.searchRows) return [row]
    const all = messages.inFolder(row.conversationId)
    return all.some((m) => m.id === row.id) ? all : [row]
  }

  return { toggleRead, toggleFlag, markRead, archive, doneAndArchive, moveTo, remove, undoLast, targetsOf, snooze, unsnooze }
}
