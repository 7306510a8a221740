import { Bell, BellOff, CheckCheck, CloudOff, FolderOpen, HardDriveDownload, Inbox, Link, X } from 'lucide-vue-next'
import type { Folder, Mailbox } from '../../../../shared/domain'
import { tr } from '../../i18n'
import { useMessageActions } from '../../composables/use-message-actions'
import { folderLabel } from '../../mail/folder-label'
import { useFoldersStore } from '../../stores/folders'
import { useNoticesStore } from '../../stores/notices'
import { useNotificationsStore } from '../../stores/notifications'
import { useOfflineStore } from '../../stores/offline'
import { useSessionStore } from '../../stores/session'
import type { MenuItem } from '../common/menu-item'
import { useOwnUnreadStore } from '../../stores/own-unread'
import { isUnread } from '../../mail/own-unread'

const SEEN = '\\Seen'

/**
 * The right-click menus of the sidebar: a folder's (open, mark all read, keep offline) and a
 * mailbox's (open its Inbox, notifications, open another shared mailbox, remove one opened by
 * address). Each entry does what the same control elsewhere does, through the same stores.
 */
export function useSidebarMenus(opts: { openShared: () => void; removeShared: (m: Mailbox) => void }) {
  const folders = useFoldersStore()
  const session = useSessionStore()
  const offline = useOfflineStore()
  const notifications = useNotificationsStore()
  const notices = useNoticesStore()
  const actions = useMessageActions()
  const ownUnread = useOwnUnreadStore()

  /**
   * Every cached unread message of the folder marked read, as one durable task (as opening a
   * conversation does). In a shared mailbox, read for the person as one range from UID 1 (the
   * watermark: a few bytes however big the folder), and \Seen set where nobody had opened it.
   */
  async function markAllRead(f: Folder): Promise<void> {
    const db = session.db
    if (!db) return
    const rows = await db.summaries.folder(f.id)
    const unread = rows.filter(isUnread)
    if (await ownUnread.markAll(f.id)) {
      const unopened = rows.filter((m) => !m.flags.includes(SEEN))
      if (unopened.length && f.rights.seen) await actions.markRead(unopened)
    } else if (unread.length) await actions.markRead(unread)
    notices.show(tr('sidebar.markedAllRead', { count: unread.length, folder: folderLabel(f) }))
  }

  function folderItems(f: Folder): MenuItem[] {
    const kept = !!offline.windowOf(f)
    return [
      { id: 'open', label: tr('sidebar.open'), icon: FolderOpen, disabled: !f.selectable, run: () => folders.select(f.id) },
      { id: 'read', label: tr('sidebar.markAllRead'), icon: CheckCheck, disabled: !f.selectable || (!f.rights.seen && !ownUnread.isTracked(f.id)), run: () => { void markAllRead(f) } },
      { id: 'offline', label: tr(kept ? 'sidebar.stopOffline' : 'sidebar.keepOffline'), icon: kept ? CloudOff : HardDriveDownload, separatorBefore: true,
        disabled: !f.selectable, run: () => { void offline.setFolder(f, !kept) } },
    ]
  }

  function mailboxItems(m: Mailbox): MenuItem[] {
    const inbox = folders.byMailbox[m.id]?.find((f) => f.role === 'inbox')
    const muted = notifications.isMuted(m.id)
    const items: MenuItem[] = [
      { id: 'inbox', label: tr('sidebar.openInbox'), icon: Inbox, disabled: !inbox, run: () => { if (inbox) folders.select(inbox.id) } },
      { id: 'notify', label: tr(muted ? 'sidebar.unmute' : 'sidebar.mute'), icon: muted ? Bell : BellOff, run: () => notifications.setMuted(m.id, !muted) },
      { id: 'open-shared', label: tr('sidebar.openByAddress'), icon: Link, separatorBefore: true, run: opts.openShared },
    ]
    if (m.added) items.push({ id: 'remove', label: tr('sidebar.removeFromList'), icon: X, danger: true, run: () => opts.removeShared(m) })
    return items
  }

  return { folderItems, mailboxItems }
}
