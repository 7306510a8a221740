import { isUnread } from '../mail/own-unread'
import { defineStore } from 'pinia'
import { computed, nextTick, ref, watch } from 'vue'
import type { NotificationTarget } from '../../../shared/api/contract'
import type { MessageSummary } from '../../../shared/domain'
import { mailboxOfFolder, uidOfMessage } from '../../../shared/ids'
import { inQuietHours, type QuietHours } from '../../../shared/rules/quiet-hours'
import { useApi } from '../api/use-api'
import { i18n, tr } from '../i18n'
import { useFoldersStore } from './folders'
import { useMessagesStore } from './messages'
import { useQueueStore } from './queue'
import { useSessionStore } from './session'
import { useOwnUnreadStore } from './own-unread'

export interface NotifySettings {
  /** Desktop notifications at all (the browser also needs its permission). */
  enabled: boolean
  /** Mailboxes whose new mail gives no notification and does not count in the badge. */
  muted: string[]
  /** No notifications between these times of day ("22:00" to "07:00" spans midnight). */
  quiet: QuietHours | null
}

const DEFAULTS: NotifySettings = { enabled: true, muted: [], quiet: null }
/**
 * Mail arriving less than this apart is one notification per mailbox (a burst: a mailing, a
 * colleague moving a conversation back), shown this long after the last of it, and never more
 * than GROUP_MAX_MS after the first.
 */
const GROUP_MS = 2000
const GROUP_MAX_MS = 6000

/**
 * New mail in an Inbox, own or shared, as a desktop notification naming the mailbox and the
 * sender: grouped per mailbox when several arrive at once; never during a folder's first sync,
 * never for mail the person sent or moved there themselves, never for a muted mailbox or in
 * quiet hours. Electron: main shows it (app.notify); the web host: the browser's Notification
 * API. Clicking opens the message. The window title (and Electron's badge) counts the unread
 * mail of the unmuted Inboxes.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const api = useApi()
  const session = useSessionStore()
  const folders = useFoldersStore()
  const messages = useMessagesStore()
  const queue = useQueueStore()
  const ownUnread = useOwnUnreadStore()

  const key = () => `tandem.notify.${session.session?.account.address ?? ''}`
  const settings = ref<NotifySettings>({ ...DEFAULTS })
  const load = () => {
    try { settings.value = { ...DEFAULTS, ...(JSON.parse(localStorage.getItem(key()) ?? '{}') as Partial<NotifySettings>) } } catch { settings.value = { ...DEFAULTS } }
  }
  const save = () => localStorage.setItem(key(), JSON.stringify(settings.value))
  watch(() => session.session?.account.address, load, { immediate: true })

  /** The browser's permission (web host); Electron's main window has it. */
  const permission = ref<NotificationPermission>(typeof Notification === 'undefined' ? 'denied' : Notification.permission)
  const host = computed(() => session.info?.host ?? 'web')

  function setEnabled(on: boolean): void {
    settings.value = { ...settings.value, enabled: on }
    save()
    if (on && host.value === 'web' && typeof Notification !== 'undefined' && Notification.permission === 'default') {
      void Notification.requestPermission().then((p) => { permission.value = p })
    }
  }
  const isMuted = (mailboxId: string) => settings.value.muted.includes(mailboxId)
  function setMuted(mailboxId: string, muted: boolean): void {
    const rest = settings.value.muted.filter((m) => m !== mailboxId)
    settings.value = { ...settings.value, muted: muted ? [...rest, mailboxId] : rest }
    save()
  }
  function setQuiet(quiet: NotifySettings['quiet']): void {
    settings.value = { ...settings.value, quiet }
    save()
  }

  /** Message-IDs of mail the person moved (or deleted, or undid) themselves: its return to an Inbox is no news. */
  const recentlyMoved = new Set<string>()
  watch(() => queue.tasks, (tasks) => {
    for (const t of tasks) if ('messageIds' in t) for (const id of t.messageIds) if (id) recentlyMoved.add(id)
  }, { immediate: true })

  function isOwn(m: MessageSummary): boolean {
    const me = session.session?.account.address.toLowerCase()
    const mailbox = session.session?.mailboxes.find((x) => x.id === m.mailboxId)
    const from = m.from[0]?.address.toLowerCase()
    // Sent by the person (or as this very mailbox, by a member), or moved here by them.
    return (!!from && (from === me || from === mailbox?.address.toLowerCase())) || (!!m.messageId && recentlyMoved.has(m.messageId))
  }

  const pending = new Map<string, { rows: MessageSummary[]; first: number; timer: ReturnType<typeof setTimeout> | null }>()

  /** New rows a sync brought for a folder, past what this device had seen of it. */
  messages.onArrivals((folderId, rows) => arrived(folderId, rows))
  function arrived(folderId: string, rows: MessageSummary[]): void {
    const folder = folders.byId(folderId)
    if (folder?.role !== 'inbox' || !rows.length) return
    const news = rows.filter((m) => isUnread(m) && !isOwn(m))
    if (!news.length) return
    const mailboxId = mailboxOfFolder(folderId)
    const now = Date.now()
    const group = pending.get(mailboxId) ?? { rows: [], first: now, timer: null }
    group.rows.push(...news)
    if (group.timer) clearTimeout(group.timer)
    group.timer = setTimeout(() => flush(mailboxId), Math.max(0, Math.min(GROUP_MS, group.first + GROUP_MAX_MS - now)))
    pending.set(mailboxId, group)
  }

  /** What was shown, newest last (the e2e tests read it; the person sees the system's). */
  const shown = ref<{ title: string; body: string; target: NotificationTarget }[]>([])

  function flush(mailboxId: string): void {
    const group = pending.get(mailboxId)
    pending.delete(mailboxId)
    if (!group) return
    const mailbox = session.session?.mailboxes.find((m) => m.id === mailboxId)
    // Checked when it would show: a mute or quiet hours set meanwhile count.
    if (!mailbox || !settings.value.enabled || isMuted(mailboxId) || inQuietHours(settings.value.quiet, new Date())) return
    const rows = [...group.rows].sort((a, b) => b.date - a.date)
    const newest = rows[0]!
    const sender = (m: MessageSummary) => m.from[0]?.name || m.from[0]?.address || tr('list.unknownSender')
    const n = rows.length === 1
      ? { title: tr('notify.one', { mailbox: mailbox.name, sender: sender(newest), subject: newest.subject || tr('list.noSubject') }), body: newest.snippet ?? '' }
      : { title: tr('notify.many', { mailbox: mailbox.name, count: rows.length }), body: tr('notify.manyBody', { senders: [...new Set(rows.map(sender))].slice(0, 5).join(', ') }) }
    const target = { folderId: newest.folderId, id: newest.id }
    void show({ ...n, target }, rows)
  }

  async function show(n: { title: string; body: string; target: NotificationTarget }, rows: MessageSummary[]): Promise<void> {
    if (host.value === 'electron') {
      // Main writes the words from what it reads on the server: the window only names the messages.
      const inbox = rows.filter((m) => m.folderId === n.target.folderId).map((m) => uidOfMessage(m.id)).slice(0, 50)
      const answer = await api.call('app.notify', { folderId: n.target.folderId, uids: inbox, locale: i18n.global.locale.value === 'nl' ? 'nl' : 'en' }).catch(() => ({ shown: false as const }))
      if (answer.shown) shown.value = [...shown.value.slice(-19), { title: answer.title ?? '', body: answer.body ?? '', target: n.target }]
      return
    }
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
    const note = new Notification(n.title, { body: n.body, tag: `tandem:${mailboxOfFolder(n.target.folderId)}` })
    note.onclick = () => { window.focus(); void openTarget(n.target); note.close() }
    shown.value = [...shown.value.slice(-19), n]
  }

  /** Opens the message a notification named: its folder, then the message, in the reader. */
  async function openTarget(target: NotificationTarget): Promise<void> {
    if (!folders.byId(target.folderId)) return
    folders.select(target.folderId)
    await nextTick()
    for (let i = 0; i < 50 && messages.listFolderId !== target.folderId; i++) await new Promise((r) => setTimeout(r, 50))
    for (let i = 0; i < 50 && !messages.visible.some((m) => m.id === target.id); i++) await new Promise((r) => setTimeout(r, 50))
    messages.focus(target.id)
  }
  api.on('app.notificationClicked', (target) => { void openTarget(target) })

  /** Unread mail of the unmuted Inboxes: the window title and the dock / taskbar badge. */
  const badge = computed(() => (session.session?.mailboxes ?? [])
    .filter((m) => !isMuted(m.id))
    .reduce((n, m) => { const inbox = folders.byMailbox[m.id]?.find((f) => f.role === 'inbox'); return n + (inbox ? ownUnread.unseenOf(inbox) ?? 0 : 0) }, 0))
  watch(badge, (count) => {
    document.title = count > 0 ? tr('notify.titleBadge', { count }) : 'Tandem'
    if (host.value === 'electron') void api.call('app.badge', { count }).catch(() => undefined)
  }, { immediate: true })

  /**
   * Each Inbox is synced once after sign-in, so that mail arriving later is news: a folder's
   * first sync on this device only fills the cache.
   */
  const primed = new Set<string>()
  watch(() => Object.keys(folders.byMailbox), () => {
    for (const list of Object.values(folders.byMailbox)) {
      const inbox = list.find((f) => f.role === 'inbox')
      if (inbox && !primed.has(inbox.id)) { primed.add(inbox.id); void messages.sync(inbox.id) }
    }
  })

  return { settings, permission, host, shown, badge, arrived, setEnabled, setMuted, isMuted, setQuiet, openTarget }
})
