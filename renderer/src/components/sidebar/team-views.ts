import { computed, onBeforeUnmount, ref, watch } from 'vue'
import type { MessageSummary } from '../../../../shared/domain'
import type { CacheChange } from '../../cache/summary-blocks'
import { parseMessageKey } from '../../../../shared/ids'
import { newestCustomerArrivals } from '../../../../shared/team/snooze'
import { useFoldersStore } from '../../stores/folders'
import { useMessagesStore } from '../../stores/messages'
import { useSearchStore } from '../../stores/search'
import { useSessionStore } from '../../stores/session'
import { useTeamStore, type ConversationRef, type TeamFilter } from '../../stores/team'
import { IN_VIEW, ViewTally, type InboxRow, type TeamView, type ViewCounts } from './view-tally'

export type { TeamView, ViewCounts } from './view-tally'
export const TEAM_VIEWS: readonly TeamView[] = ['unassigned', 'mine', 'waiting', 'snoozed']
export const filterOf = (view: TeamView): TeamFilter => (view === 'waiting' || view === 'snoozed' ? { who: 'all', status: view } : { who: view, status: 'any' })

/** Cache changes during a big sync come a few times a second: the counts follow at most this often. */
const RECOUNT_MS = 400

/**
 * Counts of the counted views and what choosing one does. A view counts what the list shows
 * after choosing it: the Inbox's rows (conversations, or messages in the single-message view)
 * that pass the same team filter (team.matches' rules, in one pass for the three views). The
 * Inbox rows come from the cache — read once per Inbox, then kept up to date from its changes —
 * so a mailbox not on screen is counted too, without a second sync.
 */
export function useTeamViews() {
  const session = useSessionStore()
  const folders = useFoldersStore()
  const messages = useMessagesStore()
  const search = useSearchStore()
  const team = useTeamStore()

  /** Each shared mailbox's Inbox folder id. */
  const inboxes = computed(() => {
    const out = new Map<string, string>()
    for (const m of session.session?.mailboxes ?? []) {
      if (m.kind !== 'shared') continue
      const inbox = folders.byMailbox[m.id]?.find((f) => f.role === 'inbox')
      if (inbox) out.set(m.id, inbox.id)
    }
    return out
  })

  /** Per Inbox folder id: its cached messages by conversation, and their counts (view-tally.ts). Plain: counted on `tick`. */
  let rows = new Map<string, ViewTally>()
  const tick = ref(0)
  let timer: ReturnType<typeof setTimeout> | null = null
  const recount = () => { timer ??= setTimeout(() => { timer = null; tick.value++ }, RECOUNT_MS) }

  async function read(folderId: string): Promise<void> {
    const db = session.db
    if (!db) return
    const list = await db.summaries.folder(folderId)
    if (session.db !== db || !inboxesHave(folderId)) return
    const tally = new ViewTally()
    for (const m of list) tally.put(m.uid, refOf(m))
    rows.set(folderId, tally)
    tick.value++
  }
  const inboxesHave = (folderId: string) => [...inboxes.value.values()].includes(folderId)
  // With who sent it and when the server got it: a customer's reply wakes a snooze (team.customerOf).
  const refOf = (m: MessageSummary): InboxRow => ({ mailboxId: m.mailboxId, conversationId: m.conversationId, from: m.from[0]?.address, date: m.date })
  const sameRef = (r: InboxRow | undefined, m: MessageSummary) => !!r && r.conversationId === m.conversationId && r.from === m.from[0]?.address && r.date === m.date

  function apply(c: CacheChange): void {
    let touched = false
    if ('reset' in c) {
      rows = new Map()
      for (const id of inboxes.value.values()) void read(id)
      return
    }
    if ('added' in c) {
      for (const m of c.added) { const kept = rows.get(m.folderId); if (kept) { kept.put(m.uid, refOf(m)); touched = true } }
    } else if ('changed' in c) {
      for (const { before, after } of c.changed) {
        if (before.folderId !== after.folderId && rows.get(before.folderId)?.remove(before.uid)) touched = true
        const kept = rows.get(after.folderId)
        // A flag change leaves what is counted as it was: nothing to count again.
        if (kept && !sameRef(kept.get(after.uid), after)) { kept.put(after.uid, refOf(after)); touched = true }
      }
    } else {
      for (const id of c.removed) { const { folderId, uid } = parseMessageKey(id); if (rows.get(folderId)?.remove(uid)) touched = true }
    }
    if (touched) recount()
  }

  let stopListening: (() => void) | null = null
  watch(() => session.db, (db) => {
    stopListening?.()
    stopListening = db ? db.summaries.onChange(apply) : null
    rows = new Map()
    tick.value++
  }, { immediate: true })
  watch(() => [...inboxes.value.values()].join('\n'), () => {
    for (const id of inboxes.value.values()) if (!rows.has(id)) void read(id)
  }, { immediate: true })
  onBeforeUnmount(() => { stopListening?.(); if (timer) clearTimeout(timer) })

  /**
   * Each shared Inbox's newest arrival from a customer, per conversation, for the team store's
   * snoozes "until the customer replies" (whose mail is the team's own is the store's rule).
   */
  watch([tick, () => session.session, () => [...inboxes.value.keys()].map((m) => team.replyWatched(m))], () => {
    for (const [mailboxId, inboxId] of inboxes.value) {
      // Only the rows of conversations a reply would wake: none snoozed so, no pass at all.
      const watched = team.replyWatched(mailboxId)
      const tally = rows.get(inboxId)
      const kept = tally ? [...watched].flatMap((c) => tally.rowsOf(c)) : []
      team.setArrivals(mailboxId, newestCustomerArrivals(kept, team.customerOf(mailboxId)))
    }
  })

  /**
   * Each shared mailbox's counts: snoozed conversations count only under Snoozed (they left the
   * Inbox's views). Kept per change (view-tally.ts): a change of the cache counts again only the
   * conversations it touched; a change of the team state, the snoozes or the person, all of them.
   */
  const counts = computed(() => {
    void tick.value
    const out = new Map<string, ViewCounts>()
    const asConversations = messages.view === 'conversations'
    const me = team.me
    const epoch = team.briefEpoch
    for (const [mailboxId, inboxId] of inboxes.value) {
      const snoozed = team.snoozedIn(mailboxId)
      const classify = (r: ConversationRef): number => {
        if (snoozed.has(r.conversationId)) return IN_VIEW.snoozed
        const b = team.brief(r)
        if (!b) return 0
        return (b.assignee === null ? IN_VIEW.unassigned : b.assignee === me ? IN_VIEW.mine : 0) | (b.status === 'waiting' ? IN_VIEW.waiting : 0)
      }
      out.set(mailboxId, rows.get(inboxId)?.counts([epoch, snoozed, me], classify, asConversations) ?? { unassigned: 0, mine: 0, waiting: 0, snoozed: 0 })
    }
    return out
  })

  /** A view asked for before its Inbox was open: set once the list shows that folder (after its mailbox's filter reset). */
  let pending: { folderId: string; filter: TeamFilter } | null = null
  watch(() => messages.listFolderId, (id) => {
    if (!pending || id !== pending.folderId) return
    messages.teamFilter = { ...pending.filter }
    pending = null
  }, { flush: 'post' })

  /** Opens the mailbox's Inbox with the view's team filter. */
  function choose(mailboxId: string, view: TeamView): void {
    const inboxId = inboxes.value.get(mailboxId)
    if (!inboxId) return
    if (search.query || messages.searchRows) { search.clear(); messages.showSearch(null) }
    const filter = filterOf(view)
    if (messages.listFolderId === inboxId && folders.selectedId === inboxId) { messages.teamFilter = { ...filter }; return }
    pending = { folderId: inboxId, filter }
    folders.select(inboxId)
  }

  /** The view on screen in this mailbox, if any. */
  function current(mailboxId: string): TeamView | null {
    if (messages.searchRows || messages.listFolderId !== inboxes.value.get(mailboxId)) return null
    const f = messages.teamFilter
    return TEAM_VIEWS.find((v) => { const g = filterOf(v); return g.who === f.who && g.status === f.status }) ?? null
  }

  return { counts, choose, current, inboxOf: (mailboxId: string) => inboxes.value.get(mailboxId) ?? null }
}
