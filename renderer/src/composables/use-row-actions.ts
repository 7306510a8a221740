import { Archive, Flag, FlagOff, Forward, Mail, MailOpen, Reply, ReplyAll, Trash2, UserCheck } from 'lucide-vue-next'
import type { Component } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import type { MenuItem } from '../components/common/menu-item'
import { tr } from '../i18n'
import { useFoldersStore } from '../stores/folders'
import { useMessagesStore } from '../stores/messages'
import { useSessionStore } from '../stores/session'
import { useTeamStore } from '../stores/team'
import { useMessageActions } from './use-message-actions'
import { useWrite } from './use-write'

/** The keys the shortcuts (use-shortcuts.ts) give these actions, as the menus and tooltips show them. */
export const KEYS = { reply: 'R', replyAll: 'A', forward: 'F', archive: 'E', delete: '#', read: 'U', flag: 'S', claim: 'M' } as const

export interface RowAction { id: string; label: string; icon: Component; shortcut: string; disabled: boolean; run: () => void }

/**
 * One row's actions — its hover and keyboard quick actions and its right-click menu — the same
 * actions as the reader's toolbar, through the same tasks and the same Undo (use-message-actions).
 * They act on the row (its conversation's messages here), or on the selection it is part of.
 */
export function useRowActions() {
  const actions = useMessageActions()
  const messages = useMessagesStore()
  const folders = useFoldersStore()
  const session = useSessionStore()
  const team = useTeamStore()
  const writer = useWrite()

  /** Archive, Delete, Read/Unread, Flag: what a row offers on hover. */
  function quick(row: MessageSummary): RowAction[] {
    const targets = actions.targetsOf(row)
    const folder = folders.byId(row.folderId)
    const read = targets.every((m) => m.flags.includes('\\Seen'))
    const flagged = targets.every((m) => m.flags.includes('\\Flagged'))
    return [
      { id: 'archive', label: tr('list.archive'), icon: Archive, shortcut: KEYS.archive, disabled: folder?.role === 'archive', run: () => void actions.archive(actions.targetsOf(row)) },
      { id: 'delete', label: tr('list.delete'), icon: Trash2, shortcut: KEYS.delete, disabled: !folder?.rights.delete, run: () => void actions.remove(actions.targetsOf(row)) },
      { id: 'read', label: read ? tr('list.markUnread') : tr('list.markRead'), icon: read ? Mail : MailOpen, shortcut: KEYS.read, disabled: !folder?.rights.seen, run: () => void actions.toggleRead(actions.targetsOf(row)) },
      { id: 'flag', label: flagged ? tr('list.unflag') : tr('list.flag'), icon: flagged ? FlagOff : Flag, shortcut: KEYS.flag, disabled: !folder?.rights.write, run: () => void actions.toggleFlag(actions.targetsOf(row)) },
    ]
  }

  /** The right-click menu: answering (which reads the row), then the row's quick actions, then the team's. */
  function menu(row: MessageSummary): MenuItem[] {
    const write = (mode: 'reply' | 'replyAll' | 'forward') => () => { if (messages.focusedId !== row.id) messages.focus(row.id); void writer.write(mode) }
    const shared = session.session?.mailboxes.some((m) => m.id === row.mailboxId && m.kind === 'shared')
    const items: MenuItem[] = [
      { id: 'reply', label: tr('list.reply'), icon: Reply, shortcut: KEYS.reply, run: write('reply') },
      { id: 'replyAll', label: tr('list.replyAll'), icon: ReplyAll, shortcut: KEYS.replyAll, run: write('replyAll') },
      { id: 'forward', label: tr('list.forward'), icon: Forward, shortcut: KEYS.forward, run: write('forward') },
      ...quick(row).map((a, i) => ({ ...a, separatorBefore: i === 0, danger: a.id === 'delete' })),
    ]
    if (shared && team.stateOf(row)?.assignee !== team.me) items.push({ id: 'claim', label: tr('team.claim'), icon: UserCheck, shortcut: KEYS.claim, separatorBefore: true, run: () => void team.claim(row) })
    return items
  }

  return { quick, menu }
}
