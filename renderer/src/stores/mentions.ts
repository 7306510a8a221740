import { defineStore } from 'pinia'
import { computed, nextTick, ref, shallowRef, watch } from 'vue'
import { emptyTeamState } from '../../../shared/team/fold'
import { foldMentions, insideOf, type Mention } from '../../../shared/team/mentions'
import type { StoredTeamRecord } from '../../../shared/team/records'
import { inQuietHours } from '../../../shared/rules/quiet-hours'
import type { MentionRow, TandemDb } from '../cache/db'
import { plain } from '../cache/plain'
import { tr } from '../i18n'
import { useFoldersStore } from './folders'
import { useMessagesStore } from './messages'
import { useNoticesStore } from './notices'
import { useNotificationsStore } from './notifications'
import { useSessionStore } from './session'
import { NO_TEAM_FILTER, useTeamStore } from './team'

/** The most mentions kept per mailbox (the newest): a colleague who writes thousands of them fills nothing more. */
export const MAX_KEPT_MENTIONS = 500

/**
 * The person's mentions across their shared mailboxes (docs/team-state.md, "Mentions"): found in
 * the team records every pull folds (sync/team-sync.ts), kept in IndexedDB with whether the
 * person read them on this device, notified when they are news. A device's first read of a team
 * folder (even an empty or missing one: `primed`), or a fold made anew, lists what it finds but
 * notifies nothing (no flood). The author is
 * never told of their own mention; only the named member is. Read state is the device's: a
 * mention is something to look at once, and keeping it here costs the server nothing.
 */
export const useMentionsStore = defineStore('mentions', () => {
  const session = useSessionStore()
  const folders = useFoldersStore()
  const notices = useNoticesStore()
  const rows = shallowRef<MentionRow[]>([])
  const open = ref(false)
  /** Each mailbox's mentions by note id, as folded so far (loaded from the cache first). */
  const kept = new Map<string, Map<string, Mention>>()
  /** Mailboxes whose team folder this device has read before (IndexedDB): only then is a mention news. */
  const primedIds = new Set<string>()
  let ready: Promise<void> = Promise.resolve()
  let db: TandemDb | null = null

  watch(() => session.db, (next) => {
    db = next
    rows.value = []
    kept.clear()
    primedIds.clear()
    ready = next ? Promise.all([next.mentions.toArray(), next.mentionReads.toArray()]).then(([all, reads]) => {
      if (db !== next) return
      for (const r of all) byMailbox(r.mailboxId).set(r.note, r)
      for (const r of reads) primedIds.add(r.mailboxId)
      rows.value = all
    }).catch((e: unknown) => console.warn('tandem: mentions not read from the cache:', e)) : Promise.resolve()
  }, { immediate: true })

  function byMailbox(mailboxId: string): Map<string, Mention> {
    let m = kept.get(mailboxId)
    if (!m) kept.set(mailboxId, (m = new Map()))
    return m
  }

  /**
   * Inside the organisation, as the window knows it (R7: the team store's domainsOf). The service
   * refuses to write anything else; a record that names another domain is someone's own word and
   * stays plain text.
   */
  const insideFor = (mailboxId: string): ((address: string) => boolean) => insideOf(useTeamStore().domainsOf(mailboxId))

  /** A page of one mailbox's team records a pull folded: the person's mentions in it, kept, and notified when news. */
  async function fold(mailboxId: string, records: StoredTeamRecord[], newAbove: number | null): Promise<void> {
    await ready
    const here = db
    const me = session.session?.account.address
    if (!here || !me) return
    const map = byMailbox(mailboxId)
    const { added, changed } = foldMentions(map, mailboxId, records, me, insideFor(mailboxId))
    if (!added.length && !changed.length) return
    const read = new Map(rows.value.map((r) => [`${r.mailboxId}\n${r.note}`, r.read]))
    const put: MentionRow[] = [...added, ...changed].map((m) => ({ ...m, read: read.get(`${m.mailboxId}\n${m.note}`) ?? 0 }))
    // The newest MAX_KEPT_MENTIONS of the mailbox stay; older ones go (from memory and the cache).
    const dropped = [...map.values()].sort((a, b) => b.uid - a.uid).slice(MAX_KEPT_MENTIONS)
    for (const m of dropped) map.delete(m.note)
    const gone = new Set(dropped.map((m) => m.note))
    await here.transaction('rw', here.mentions, async () => {
      await here.mentions.bulkPut(put.filter((m) => !gone.has(m.note)).map(plain))
      if (gone.size) await here.mentions.bulkDelete([...gone].map((note) => [mailboxId, note] as [string, string]))
    }).catch((e: unknown) => console.warn('tandem: mentions not stored:', e))
    if (db !== here) return
    const byKey = new Map(rows.value.map((r) => [`${r.mailboxId}\n${r.note}`, r]))
    for (const r of put) byKey.set(`${r.mailboxId}\n${r.note}`, r)
    for (const note of gone) byKey.delete(`${mailboxId}\n${note}`)
    rows.value = [...byKey.values()]
    // The device's first read of the folder lists what is there and tells nothing (no flood).
    const news = newAbove === null || !primedIds.has(mailboxId) ? [] : added.filter((m) => m.uid > newAbove && !m.deleted && !gone.has(m.note))
    if (news.length) notify(mailboxId, news)
  }

  /** A pull of the mailbox's team folder finished (something there or not): from now on, what a pull finds is news. */
  async function primed(mailboxId: string): Promise<void> {
    await ready
    const here = db
    if (!here || primedIds.has(mailboxId)) return
    primedIds.add(mailboxId)
    await here.mentionReads.put({ mailboxId }).catch((e: unknown) => console.warn('tandem: mentions not marked read here:', e))
  }

  /**
   * Newest first, across the person's shared mailboxes — those they are a member of now (R1: a
   * mailbox they left is purged from the cache; until then its mentions are not shown).
   */
  const list = computed(() => {
    const member = new Set((session.session?.mailboxes ?? []).map((m) => m.id))
    return rows.value.filter((r) => member.has(r.mailboxId)).sort((a, b) => b.at - a.at || b.uid - a.uid)
  })
  /** Not read on this device, and not deleted. */
  const unread = computed(() => list.value.filter((r) => !r.read && !r.deleted).length)

  /** A desktop notification per pull and mailbox (several mentions at once: one, counted). */
  function notify(mailboxId: string, news: Mention[]): void {
    const notifications = useNotificationsStore()
    const s = notifications.settings
    if (!s.enabled || notifications.isMuted(mailboxId) || inQuietHours(s.quiet, new Date())) return
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
    const mailbox = session.session?.mailboxes.find((m) => m.id === mailboxId)?.name ?? mailboxId
    const newest = [...news].sort((a, b) => b.uid - a.uid)[0]!
    // Who wrote it, as the Mentions view says it: "(unconfirmed)" unless the server confirms the author.
    const note = { id: newest.note, uid: newest.uid, rid: newest.rid, by: newest.by, at: newest.at, text: '', deleted: null }
    const confirmed = useTeamStore().authorship({ mailboxId }, { ...emptyTeamState(''), notes: [note] }).confirmed(newest.rid)
    const who = confirmed ? newest.by : tr('team.claimed', { who: newest.by })
    const title = news.length === 1 ? tr('mentions.notify', { who, mailbox }) : tr('mentions.notifyMany', { count: news.length, mailbox })
    // The renderer's Notification in both hosts: main lets Tandem's own window show them.
    const n = new Notification(title, { body: newest.text.slice(0, 200), tag: `tandem:mention:${mailboxId}` })
    n.onclick = () => { window.focus(); void openMention(newest); n.close() }
  }

  /** Marks mentions read on this device. */
  async function markRead(list: Mention[]): Promise<void> {
    const here = db
    if (!here || !list.length) return
    const keys = new Set(list.map((m) => `${m.mailboxId}\n${m.note}`))
    rows.value = rows.value.map((r) => (keys.has(`${r.mailboxId}\n${r.note}`) ? { ...r, read: 1 as const } : r))
    await here.mentions.bulkPut(rows.value.filter((r) => keys.has(`${r.mailboxId}\n${r.note}`)).map(plain)).catch((e: unknown) => console.warn('tandem: mention not marked read:', e))
  }

  /**
   * Opens the conversation a mention is in, with its note in view: a message of it the device
   * has (its mailbox's conversation index, else its Inbox once listed), then the note scrolled to.
   */
  async function openMention(m: Mention): Promise<void> {
    open.value = false
    void markRead([m])
    const messages = useMessagesStore()
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))
    let found = messages.conversationMessages(m.mailboxId, m.conv)
    if (!found.length) {
      const inbox = folders.byMailbox[m.mailboxId]?.find((f) => f.role === 'inbox')
      if (inbox) {
        folders.select(inbox.id)
        for (let i = 0; i < 100 && !found.length; i++) {
          await wait(50)
          found = messages.conversationMessages(m.mailboxId, m.conv)
          if (!found.length) found = messages.visible.filter((r) => r.mailboxId === m.mailboxId && r.conversationId === m.conv)
        }
      }
    }
    const target = found[found.length - 1]
    if (!target) { notices.show(tr('mentions.notFound'), { kind: 'error' }); return }
    if (folders.selectedId !== target.folderId) folders.select(target.folderId)
    await nextTick()
    for (let i = 0; i < 100 && messages.listFolderId !== target.folderId; i++) await wait(50)
    // A team filter on screen may hide it, and a snoozed conversation is out of the Inbox's
    // default view: the list shows everyone's, or the Snoozed view when it is snoozed.
    if (messages.listFolderId === target.folderId) {
      messages.teamFilter = { ...NO_TEAM_FILTER, status: useTeamStore().snoozed({ mailboxId: m.mailboxId, conversationId: m.conv }) ? 'snoozed' : 'any' }
    }
    const row = () => messages.visible.find((r) => r.id === target.id) ?? messages.visible.find((r) => r.mailboxId === m.mailboxId && r.conversationId === m.conv)
    for (let i = 0; i < 100 && !row(); i++) await wait(50)
    if (!row()) { notices.show(tr('mentions.notFound'), { kind: 'error' }); return }
    messages.focus(row()!.id)
    for (let i = 0; i < 100; i++) {
      const el = document.querySelector(`[data-note-id="${CSS.escape(m.note)}"]`)
      if (el) { el.scrollIntoView({ block: 'center' }); el.classList.add('flash'); return }
      await wait(50)
    }
  }

  return { rows, list, unread, open, fold, primed, markRead, openMention, insideFor }
})
