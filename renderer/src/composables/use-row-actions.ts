import { isUnread } from '../mail/own-unread'
import { AlarmClock, Archive, CheckCheck, Flag, FlagOff, Forward, Mail, MailOpen, Reply, ReplyAll, Trash2, UserCheck } from 'lucide-vue-next'
import type { MessageSummary } from '../../../shared/domain'
import type { MenuItem } from '../components/common/menu-item'
import { tr } from '../i18n'
import { useFoldersStore } from '../stores/folders'
import { useMessagesStore } from '../stores/messages'
import { useSessionStore } from '../stores/session'
import { useTeamStore } from '../stores/team'
import { useUiStore } from '../stores/ui'
import { useMessageActions } from './use-message-actions'
import { useWrite } from './use-write'

/** The keys the shortcuts (use-shortcuts.ts) give these actions, as the menus and tooltips show them. */
export const KEYS = { reply: 'R', replyAll: 'A', forward: 'F', archive: 'E', delete: '#', read: 'U', flag: 'S', claim: 'M', snooze: 'B' } as const

/** Every action on messages, each once; `claim` and `done` only where a team shares the mailbox and they apply. */
export interface ActionItems {
  reply: MenuItem; replyAll: MenuItem; forward: MenuItem
  archive: MenuItem; delete: MenuItem; read: MenuItem; flag: MenuItem
  claim: MenuItem | null; done: MenuItem | null
  /** Snooze the conversation for the team (shared mailboxes only). */
  snooze: MenuItem | null
}

/**
 * The actions on messages — a row's hover and keyboard quick actions, its right-click menu and
 * the reader's toolbar — built in one place, through the same tasks and the same Undo
 * (use-message-actions). They act on what `of` returns when run (a row's conversation, the
 * selection, the focused conversation); answering answers `answer`'s message.
 */
export function useRowActions() {
  const actions = useMessageActions()
  const messages = useMessagesStore()
  const folders = useFoldersStore()
  const session = useSessionStore()
  const team = useTeamStore()
  const writer = useWrite()
  const ui = useUiStore()

  function items(of: () => MessageSummary[], answer: () => MessageSummary | null): ActionItems {
    const targets = of()
    const first = targets[0] ?? null
    const folder = first ? folders.byId(first.folderId) : null
    const read = targets.length > 0 && !targets.some(isUnread)
    const flagged = targets.length > 0 && targets.every((m) => m.flags.includes('\\Flagged'))
    const focused = answer()
    const write = (mode: 'reply' | 'replyAll' | 'forward') => () => {
      const m = answer()
      if (!m) return
      if (messages.focusedId !== m.id) messages.focus(m.id)
      void writer.write(mode)
    }
    const shared = !!focused && !!session.session?.mailboxes.some((m) => m.id === focused.mailboxId && m.kind === 'shared')
    const state = shared ? team.stateOf(focused) : null
    return {
      reply: { id: 'reply', label: tr('list.reply'), icon: Reply, shortcut: KEYS.reply, disabled: !focused, run: write('reply') },
      replyAll: { id: 'replyAll', label: tr('list.replyAll'), icon: ReplyAll, shortcut: KEYS.replyAll, disabled: !focused, run: write('replyAll') },
      forward: { id: 'forward', label: tr('list.forward'), icon: Forward, shortcut: KEYS.forward, disabled: !focused, run: write('forward') },
      archive: { id: 'archive', label: tr('list.archive'), icon: Archive, shortcut: KEYS.archive, disabled: !first || folder?.role === 'archive', run: () => void actions.archive(of()) },
      delete: { id: 'delete', label: tr('list.delete'), icon: Trash2, shortcut: KEYS.delete, danger: true, disabled: !first || !folder?.rights.delete, run: () => void actions.remove(of()) },
      read: { id: 'read', label: read ? tr('list.markUnread') : tr('list.markRead'), icon: read ? Mail : MailOpen, shortcut: KEYS.read, disabled: !first || !folder?.rights.seen, run: () => void actions.toggleRead(of()) },
      flag: { id: 'flag', label: flagged ? tr('list.unflag') : tr('list.flag'), icon: flagged ? FlagOff : Flag, shortcut: KEYS.flag, disabled: !first || !folder?.rights.write, run: () => void actions.toggleFlag(of()) },
      claim: shared && state?.assignee !== team.me ? { id: 'claim', label: tr('team.claim'), icon: UserCheck, shortcut: KEYS.claim, run: () => void team.claim(focused) } : null,
      snooze: shared ? { id: 'snooze', label: tr('team.snooze.action'), icon: AlarmClock, shortcut: KEYS.snooze, run: () => ui.openSnooze(of()) } : null,
      done: shared && state?.status !== 'done' ? { id: 'done', label: tr('team.doneArchive'), icon: CheckCheck, run: () => void actions.doneAndArchive(of()) } : null,
    }
  }

  /** A row's items: its conversation's messages in this folder, or the selection it is part of. */
  const ofRow = (row: MessageSummary) => items(() => actions.targetsOf(row), () => row)

  /** Archive, Delete, Read/Unread, Flag: what a row offers on hover. */
  function quick(row: MessageSummary): MenuItem[] {
    const i = ofRow(row)
    return [i.archive, i.delete, i.read, i.flag]
  }

  /** The right-click menu: answering (which reads the row), then the row's quick actions, then the team's. */
  function menu(row: MessageSummary): MenuItem[] {
    const i = ofRow(row)
    const team = [i.claim, i.snooze, i.done].filter((x): x is MenuItem => !!x)
    return [
      i.reply, i.replyAll, i.forward,
      ...[i.archive, i.delete, i.read, i.flag].map((a, n) => ({ ...a, separatorBefore: n === 0 })),
      ...team.map((a, n) => ({ ...a, separatorBefore: n === 0 })),
    ]
  }

  return { items, quick, menu }
}
