import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import { applyTeamRecord, emptyTeamState, type ConversationTeamState, type TeamBrief } from '../../../shared/team/fold'
import { mergeTeamBriefs, mergeTeamStates } from '../../../shared/team/carry-over'
import type { TeamAction, TeamStatus } from '../../../shared/team/records'
import { useApi } from '../api/use-api'
import { apiErrorOf } from '../api/failure'
import { isOpen } from '../queue/tasks'
import type { TeamTask } from '../queue/tasks/team'
import { TeamSync } from '../sync/team-sync'
import { bucketOf } from '../cache/db'
import type { MailboxTeam } from '../sync/team-cache'
import type { MessageRef } from '../../../shared/api/contract'
import { assignable } from '../../../shared/team/authors'
import { MAX_HISTORY, MAX_NOTES } from '../../../shared/team/fold'
import { fromOutside, isSnoozed, nextWake, snoozeWake, type SnoozeWake, type TeamSnooze } from '../../../shared/team/snooze'
import { domainOf } from '../../../shared/rules/organisation'
import { date, dateTime, i18n, time, tr } from '../i18n'
import { useNoticesStore } from './notices'
import { useMentionsStore } from './mentions'
import { useResponseTimesStore } from './response-times'
import { useQueueStore } from './queue'
import { useSessionStore } from './session'

/** A conversation as the team state knows it: its mailbox and id (any message of it, or a Conversation). */
export type ConversationRef = Pick<MessageSummary, 'mailboxId' | 'conversationId'>

/** The list's team filter: everyone's, nobody's, the person's or one member's; and a status, any, or the snoozed ones. */
export interface TeamFilter { who: 'all' | 'unassigned' | 'mine' | string; status: 'any' | TeamStatus | 'snoozed' }
export const NO_TEAM_FILTER: TeamFilter = { who: 'all', status: 'any' }

const EMPTY: ReadonlySet<string> = new Set()
/** The brief of a conversation no record speaks of: one object for all of them (the list may ask 75 000). */
const OPEN_BRIEF: TeamBrief = { assignee: null, status: 'open' }

/**
 * A wake time in the person's words: "today 18:00", "tomorrow 9:00", "Monday 9:00" within the
 * week, else the date and time (their locale and time zone).
 */
export function wakeWords(at: number, now = Date.now()): string {
  const d = new Date(at)
  const t = time(d)
  const day = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime()
  const days = Math.round((day(d) - day(new Date(now))) / 86_400_000)
  if (days === 0) return tr('team.snooze.today', { time: t })
  if (days === 1) return tr('team.snooze.tomorrowAt', { time: t })
  if (days > 1 && days < 7) return tr('team.snooze.weekdayAt', { day: date(d, { weekday: 'long' }), time: t })
  return dateTime(d)
}

/** A "writing a reply" mark lasts this long unless renewed (a crashed composer does not say it forever). */
export const WRITING_MS = 60_000
/** The most records one team.authors asks about: all a conversation keeps. */
const MAX_ASKED = MAX_NOTES * 2 + MAX_HISTORY

/**
 * The team state of the person's shared mailboxes (docs/team-state.md): folded from their team
 * folders (sync/team-sync.ts), cached, with the person's own team actions — durable tasks —
 * laid over it until the server has them. Every action here is a task, so it works offline.
 */
export const useTeamStore = defineStore('team', () => {
  const api = useApi()
  const session = useSessionStore()
  const queue = useQueueStore()
  const notices = useNoticesStore()
  /** Bumped whenever a fold changed: what reads state depends on it. */
  const version = ref(0)
  /**
   * Bumped only when briefs may have changed (a fold shown, a new session, the legacy-id lookup):
   * not when a conversation's notes are loaded or authors checked — opening a conversation in
   * the reader did that, and every brief and the sidebar's counts were worked out again.
   */
  const briefVersion = ref(0)
  /** Each shared mailbox's team state on this device (sync/team-cache.ts), once its first pull is done. */
  const teams = shallowRef(new Map<string, MailboxTeam>())
  let sync: TeamSync | null = null
  /** When each mailbox's first pull in this window began: how long the person waited is measured. */
  const waitingSince = new Map<string, number>()
  /** A read of every shared mailbox's team folder is under way (pullAll): the next poll does not start another. */
  let pulling = false

  const me = computed(() => session.session?.account.address ?? '')
  const sharedIds = computed(() => (session.session?.mailboxes ?? []).filter((m) => m.kind === 'shared').map((m) => m.id))

  /** A mailbox's team state changed (or is here for the first time): shown. */
  function shown(team: MailboxTeam): void {
    const first = !teams.value.has(team.mailboxId)
    teams.value.set(team.mailboxId, team)
    version.value++
    briefVersion.value++
    const started = waitingSince.get(team.mailboxId)
    // How long the person waited for a mailbox's team state in this window (bench/team-state.ts).
    if (first && started !== undefined) performance.measure('tandem:team-load', { start: started, end: performance.now(), detail: { mailboxId: team.mailboxId, conversations: team.briefs.size } })
  }

  /** What this device kept of a mailbox's team state, shown at once — offline too; what is new follows. */
  async function showKept(mailboxId: string): Promise<void> {
    const s = sync
    if (!s || teams.value.has(mailboxId)) return
    if (!waitingSince.has(mailboxId)) waitingSince.set(mailboxId, performance.now())
    const kept = await s.team(mailboxId)
    if (kept.cached && s === sync && !teams.value.has(mailboxId)) shown(kept)
  }

  async function pull(mailboxId: string): Promise<void> {
    if (!sync) return
    const s = sync
    await showKept(mailboxId)
    await s.pull(mailboxId)
    // Read once on this device: mentions found by later reads are news (stores/mentions.ts).
    await useMentionsStore().primed(mailboxId)
    // A pull that found nothing new says nothing: what the cache held is shown.
    if (s === sync && !teams.value.has(mailboxId)) shown(await s.team(mailboxId))
  }

  async function pullAll(): Promise<void> {
    if (pulling) return
    pulling = true
    try {
      await Promise.all(sharedIds.value.map((id) => showKept(id).catch(() => undefined)))
      // Offline or refused: tried again at the next read; the console says why, for whoever looks.
      for (const id of sharedIds.value) await pull(id).catch((e: unknown) => console.warn(`tandem: team state of ${id} not read:`, e instanceof Error ? e.message : apiErrorOf(e).code))
    } finally { pulling = false }
  }
  // What members append is read when main's watcher says the team folder changed (the mailbox
  // session's team.changed), when a mailbox is back online and when the window comes back.

  // Declared after everything it calls: `immediate` runs it now, while the store is being set up
  // (a signed-in window's first read of team state starts here, not at the next poll).
  watch(() => session.db, (db) => {
    sync = db
      ? new TeamSync(db, (name, input) => api.call(name, input),
        (_mailboxId, bad) => {
          // Only who the server confirms appended a false batch is named (docs/team-state.md, "Authors").
          const named = [...new Set(bad.filter((b) => b.confirmed).map((b) => b.by))]
          notices.show(named.length ? tr('team.batchDistrusted', { by: named.join(', ') }) : tr('team.batchDistrustedUnnamed'), { kind: 'error' })
        },
        () => (i18n.global.locale.value === 'nl' ? 'nl' : 'en'),
        (team) => shown(team))
      : null
    // The person's mentions are found in the records each pull folds (stores/mentions.ts); Done records feed the response figures.
    if (sync) sync.onRecords = async (mailboxId, records, newAbove) => { useResponseTimesStore().foldRecords(mailboxId, records); await useMentionsStore().fold(mailboxId, records, newAbove) }
    teams.value = new Map()
    waitingSince.clear()
    version.value++
    briefVersion.value++
    if (db) void pullAll()
  }, { immediate: true })

  const teamTasks = computed(() => queue.tasks.filter((t): t is TeamTask => t.kind === 'team' && isOpen(t)))

  /**
   * The ids of before that a conversation's messages had (shared/team/carry-over.ts), from
   * whoever knows its messages (the conversation index of the mailbox on screen).
   */
  let legacyIdsOf: (mailboxId: string, conversationId: string) => string[] = () => []
  function useLegacyIds(lookup: typeof legacyIdsOf): void { legacyIdsOf = lookup; version.value++; briefVersion.value++ }

  /** A conversation's ids in the fold: today's, and those of before its messages had, where records name them. */
  function idsOf(team: MailboxTeam | undefined, c: ConversationRef): string[] {
    return team?.legacy ? [c.conversationId, ...legacyIdsOf(c.mailboxId, c.conversationId)] : [c.conversationId]
  }

  /**
   * A conversation's state as the person sees it: the server's (with what records of before said
   * of its messages), with their own pending actions laid over it. Its notes and history come
   * with its buckets of the cache, loaded on first look.
   */
  function stateOf(c: ConversationRef): ConversationTeamState | null {
    void version.value
    if (!sharedIds.value.includes(c.mailboxId)) return null
    const team = teams.value.get(c.mailboxId)
    const ids = idsOf(team, c)
    if (team && ids.some((id) => !team.isLoaded(id))) void team.load(ids.map(bucketOf)).then(() => { version.value++ }, (e: unknown) => console.warn('tandem: team state not read from the cache:', e))
    const loaded = !!team && ids.every((id) => team.isLoaded(id))
    const base = loaded ? mergeTeamStates(c.conversationId, ids.map((id) => team.stateNow(id))) : undefined
    const b = base ? null : mergeTeamBriefs(ids.map((id) => team?.briefs.get(id)))
    const pending = teamTasks.value.filter((t) => t.mailboxId === c.mailboxId && t.conversationId === c.conversationId)
    const s: ConversationTeamState = base ? structuredClone({ ...base, history: [] })
      : { ...emptyTeamState(c.conversationId), ...(b ? { assignee: b.assignee, status: b.status, writing: { ...b.writing }, snooze: b.snooze ?? null } : {}) }
    layOver(s, pending)
    s.history = base?.history ?? []
    return s
  }

  /** The person's pending actions on a copy of a conversation's state, as the fold will apply them. */
  function layOver(s: ConversationTeamState, pending: TeamTask[]): void {
    for (const t of pending) applyTeamRecord(s, { v: 1, id: t.id, conv: s.conversationId, at: t.at, by: me.value, action: t.action, uid: Number.MAX_SAFE_INTEGER })
  }

  /**
   * A new object whenever what `brief` answers may change (the folded state, the person's
   * pending team tasks, which mailboxes are shared): reading it makes a computed follow briefs.
   */
  const briefEpoch = computed(() => ({ v: briefVersion.value, tasks: teamTasks.value, shared: sharedIds.value }))
  /**
   * Briefs worked out since the epoch last changed, per mailbox and conversation (a row drawn
   * again while scrolling, and the sidebar's counts, look each up once). Not for mailboxes with
   * records of before: their brief depends on the conversation's messages (legacy ids).
   */
  const keptBriefs = new Map<string, Map<string, TeamBrief | null>>()
  let keptEpoch: object | null = null

  /** Who has a conversation, its status and who is writing, cheaply (the list filters 100 000 rows by it); null outside shared mailboxes. */
  function brief(c: ConversationRef): TeamBrief | null {
    const epoch = briefEpoch.value
    if (epoch !== keptEpoch) { keptBriefs.clear(); keptEpoch = epoch }
    let kept = keptBriefs.get(c.mailboxId)
    if (kept?.has(c.conversationId)) return kept.get(c.conversationId)!
    const b = briefNow(c)
    if (teams.value.get(c.mailboxId)?.legacy) return b
    if (!kept) keptBriefs.set(c.mailboxId, (kept = new Map()))
    kept.set(c.conversationId, b)
    return b
  }

  function briefNow(c: ConversationRef): TeamBrief | null {
    if (!sharedIds.value.includes(c.mailboxId)) return null
    const team = teams.value.get(c.mailboxId)
    const base = team?.legacy ? mergeTeamBriefs(idsOf(team, c).map((id) => team.briefs.get(id))) : team?.briefs.get(c.conversationId)
    const pending = teamTasks.value.filter((t) => t.mailboxId === c.mailboxId && t.conversationId === c.conversationId)
    if (!pending.length) return base ?? OPEN_BRIEF
    // Only who has it, the status and the snooze: no copy of the notes and history for each row filtered.
    const s = { ...emptyTeamState(c.conversationId), assignee: base?.assignee ?? null, status: base?.status ?? 'open', snooze: base?.snooze ?? null }
    layOver(s, pending)
    return { assignee: s.assignee, status: s.status, ...(base?.writing ? { writing: base.writing } : {}), ...(s.snooze ? { snooze: s.snooze } : {}) }
  }

  // ── Snooze (docs/team-state.md, "Snooze") ──────────────────────────────────────────────────
  /**
   * This device's clock as snoozes see it: moved on by a timer at the next wake time, and when
   * the window comes back (a laptop that slept past a wake time shows it at once). No record
   * wakes a snooze: every member's device does it by its own clock.
   */
  const clock = ref(Date.now())
  const tickClock = () => { clock.value = Date.now() }
  /**
   * Per shared mailbox, per conversation: the newest server arrival (INTERNALDATE) in its Inbox of
   * a message from outside the organisation (whoever reads that mailbox's Inbox says: the
   * sidebar's team views keep every shared Inbox's rows). A snooze "until the customer replies"
   * wakes when one arrived after it.
   */
  const arrivals = shallowRef(new Map<string, Map<string, number>>())
  function setArrivals(mailboxId: string, byConversation: Map<string, number>): void {
    if (!byConversation.size && !arrivals.value.get(mailboxId)?.size) return
    const next = new Map(arrivals.value)
    next.set(mailboxId, byConversation)
    arrivals.value = next
  }
  /**
   * Per shared mailbox, the conversations whose snooze a customer's reply would wake: only their
   * Inbox rows are looked at for arrivals, so a mailbox without such snoozes costs nothing.
   */
  const replyWatchedNow = computed(() => {
    void version.value
    const out = new Map<string, Set<string>>()
    for (const mailboxId of sharedIds.value) {
      const set = new Set<string>()
      for (const [conversationId, b] of teams.value.get(mailboxId)?.briefs ?? []) if (b.snooze?.onReply) set.add(conversationId)
      for (const t of teamTasks.value) if (t.mailboxId === mailboxId && t.action.kind === 'snooze' && t.action.onReply) set.add(t.conversationId)
      out.set(mailboxId, set)
    }
    return out
  })
  const replyWatched = (mailboxId: string): ReadonlySet<string> => replyWatchedNow.value.get(mailboxId) ?? EMPTY
  const arrivalOf = (c: ConversationRef) => arrivals.value.get(c.mailboxId)?.get(c.conversationId) ?? 0
  /**
   * Whether a sender is a customer of this mailbox: outside the organisation's domains (the
   * directory's, the person's own, the mailbox's) and not one of its members. The domains and
   * members are worked out once, for a pass over many rows.
   */
  function customerOf(mailboxId: string): (from: string | undefined) => boolean {
    const mailbox = session.session?.mailboxes.find((m) => m.id === mailboxId)
    const domains = domainsOf(mailboxId)
    const members = [...(mailbox?.members ?? []), ...membersOf(mailboxId)]
    return (from) => fromOutside(from, domains, members)
  }
  /**
   * The organisation's domains as the window knows them (R7): the directory's (main keeps it),
   * the person's own and the mailbox's. Who is a customer (snooze) and whom a note may mention.
   */
  function domainsOf(mailboxId: string): string[] {
    const s = session.session
    const mailbox = s?.mailboxes.find((m) => m.id === mailboxId)
    return [...new Set([...(s?.domains ?? []), domainOf(me.value), ...(mailbox ? [domainOf(mailbox.address)] : [])])].filter(Boolean)
  }
  /**
   * The conversations snoozed now, per shared mailbox: the list hides them from the Inbox and
   * the Snoozed view shows them; one pass over the briefs whenever the state, the clock or an
   * arrival changes — what opening a folder then pays is a Set lookup per row. Also when the
   * next snooze wakes (the timer below).
   */
  const snoozedNow = computed(() => {
    void version.value
    const now = clock.value
    const sets = new Map<string, Set<string>>()
    let next: number | null = null
    const pendingOf = new Map<string, TeamTask[]>()
    for (const t of teamTasks.value) if (t.action.kind === 'snooze' || t.action.kind === 'unsnooze') pendingOf.set(t.mailboxId, [...(pendingOf.get(t.mailboxId) ?? []), t])
    for (const mailboxId of sharedIds.value) {
      const set = new Set<string>()
      const team = teams.value.get(mailboxId)
      const look = (c: ConversationRef, z: TeamSnooze | null | undefined) => {
        if (!z) return
        if (isSnoozed(z, now, arrivalOf(c))) set.add(c.conversationId)
        const w = nextWake([z], now)
        if (w !== null && (next === null || w < next)) next = w
      }
      if (team) for (const [conversationId, b] of team.briefs) if (b.snooze) look({ mailboxId, conversationId }, b.snooze)
      for (const t of pendingOf.get(mailboxId) ?? []) { set.delete(t.conversationId); look(t, brief(t)?.snooze) }
      sets.set(mailboxId, set)
    }
    return { sets, next }
  })
  // One timer, for the next wake, on the minute after it: snoozes a colleague wrote a moment apart
  // cost one look a minute, not one each. Timers longer than 2^31-1 ms fire at once, so a long
  // wait is cut in pieces, each arming the next.
  let wakeTimer: ReturnType<typeof setTimeout> | null = null
  const arm = (at: number | null) => {
    if (wakeTimer) clearTimeout(wakeTimer)
    wakeTimer = null
    if (at === null) return
    const due = Math.ceil(at / 60_000) * 60_000
    wakeTimer = setTimeout(() => { wakeTimer = null; if (Date.now() < due) arm(at); else tickClock() }, Math.min(Math.max(0, due - Date.now()) + 50, 2 ** 31 - 1))
  }
  watch(() => snoozedNow.value.next, arm, { immediate: true })
  if (typeof window !== 'undefined') {
    const back = () => { if (document.visibilityState !== 'hidden') tickClock() }
    window.addEventListener('focus', tickClock)
    window.addEventListener('online', tickClock)
    document.addEventListener('visibilitychange', back)
    onScopeDispose(() => { window.removeEventListener('focus', tickClock); window.removeEventListener('online', tickClock); document.removeEventListener('visibilitychange', back); if (wakeTimer) clearTimeout(wakeTimer) })
  }
  /** Whether a conversation is snoozed now. */
  const snoozed = (c: ConversationRef): boolean => snoozedNow.value.sets.get(c.mailboxId)?.has(c.conversationId) ?? false
  /** The snoozed conversations of a mailbox now (the list hides them from its Inbox in one pass). */
  const snoozedIn = (mailboxId: string): ReadonlySet<string> => snoozedNow.value.sets.get(mailboxId) ?? EMPTY
  /** A conversation's snooze as it stands, and whether and why it woke (by this device's clock and mail). */
  function snoozeOf(c: ConversationRef): { snooze: TeamSnooze; woke: SnoozeWake | null } | null {
    void snoozedNow.value
    const z = brief(c)?.snooze
    return z ? { snooze: z, woke: snoozeWake(z, clock.value, arrivalOf(c)) } : null
  }

  /** Whether a row passes the list's team filter: by who has it, by status, and snoozed or not (`inInbox`: the Inbox hides snoozed ones). */
  function matches(m: ConversationRef, f: TeamFilter, inInbox = true): boolean {
    const b = brief(m)
    if (!b) return true
    if (f.status === 'snoozed') { if (!snoozed(m)) return false } else if (inInbox && snoozed(m)) return false
    if (f.status !== 'any' && f.status !== 'snoozed' && b.status !== f.status) return false
    if (f.who === 'all') return true
    if (f.who === 'unassigned') return b.assignee === null
    return b.assignee === (f.who === 'mine' ? me.value : f.who)
  }

  /**
   * Whom to assign to in a mailbox (shared/team/authors.ts): the directory's members, those with a
   * folder of their own, the person, and — where authors are only claimed — who wrote records,
   * inside the organisation; never an address a record only assigns to. Worked out once per change.
   */
  const membersMemo = new Map<string, { version: number; members: string[] }>()
  function membersOf(mailboxId: string): string[] {
    const v = version.value
    const hit = membersMemo.get(mailboxId)
    if (hit && hit.version === v) return hit.members
    const mailbox = session.session?.mailboxes.find((m) => m.id === mailboxId)
    const setup = authorSetups.get(mailboxId)
    if (!setup) void askAuthors(mailboxId, [])
    const members = assignable({
      me: me.value, listed: mailbox?.members ?? [], members: setup?.members ?? [], mode: setup?.mode ?? null,
      authors: teams.value.get(mailboxId)?.authors ?? [], mailbox: mailbox?.address ?? '',
    })
    membersMemo.set(mailboxId, { version: v, members })
    return members
  }

  /** How each mailbox's authors can be told (team.authors), and which records' authors the server confirmed, by record id. */
  const authorSetups = new Map<string, { mode: 'confirmed' | 'claimed'; members: string[] }>()
  const confirmed = new Map<string, Map<string, boolean>>()
  const asking = new Set<string>()

  /** Asks the service about these records' authors (and the mailbox's setup); what it says is kept for this window. */
  async function askAuthors(mailboxId: string, records: { uid: number; id: string; by: string }[]): Promise<void> {
    const key = `${mailboxId}\n${records.map((r) => r.id).join(',')}`
    if (asking.has(key)) return
    asking.add(key)
    try {
      const answer = await api.call('team.authors', { mailboxId, records: records.slice(0, MAX_ASKED) })
      authorSetups.set(mailboxId, { mode: answer.mode, members: answer.members })
      const known = confirmed.get(mailboxId) ?? new Map<string, boolean>()
      const yes = new Set(answer.confirmed)
      for (const r of records.slice(0, MAX_ASKED)) known.set(r.id, yes.has(r.id))
      confirmed.set(mailboxId, known)
      version.value++
      asking.delete(key)
    } catch (e) {
      // Offline: authors stay unconfirmed on screen; asked again a little later.
      console.warn('tandem: team authors not checked:', apiErrorOf(e).code)
      setTimeout(() => asking.delete(key), 30_000)
    }
  }

  /**
   * Whose name a conversation's notes and history may show as fact: `confirmed(rid)` is true only
   * for a record the server confirms its author wrote (team-authors.ts); everything else is shown
   * as claimed. Asks about records not yet known (once), so the panel updates when it answers.
   */
  function authorship(m: Pick<MessageSummary, 'mailboxId'>, s: ConversationTeamState | null): { mode: 'confirmed' | 'claimed' | null; confirmed: (rid: string | undefined) => boolean } {
    void version.value
    const known = confirmed.get(m.mailboxId)
    if (s) {
      const records: { uid: number; id: string; by: string }[] = []
      const add = (uid: number | undefined, id: string | undefined, by: string) => { if (uid && uid < Number.MAX_SAFE_INTEGER && id && !known?.has(id)) records.push({ uid, id, by }) }
      for (const e of s.history) add(e.uid, e.id, e.by)
      for (const n of s.notes) { add(n.uid, n.rid, n.by); if (n.deleted) add(n.deleted.uid, n.deleted.rid, n.deleted.by) }
      const unique = [...new Map(records.map((r) => [r.id, r])).values()]
      if (unique.length || !authorSetups.has(m.mailboxId)) void askAuthors(m.mailboxId, unique)
    }
    return { mode: authorSetups.get(m.mailboxId)?.mode ?? null, confirmed: (rid) => !!rid && known?.get(rid) === true }
  }

  /** A message of the conversation as the service finds it again (it computes the conversation from its headers). */
  const aboutOf = (m: MessageSummary): MessageRef => ({ folderId: m.folderId, uid: m.uid, messageId: m.messageId })

  /** Records an action as a durable task; says whether it was refused (held) rather than done or queued. */
  async function record(m: MessageSummary, action: TeamAction, before?: TeamTask['before']): Promise<{ id: TeamTask['id']; refused: boolean }> {
    const id = crypto.randomUUID()
    const outcome = await queue.addAndWait({ kind: 'team', id, mailboxId: m.mailboxId, conversationId: m.conversationId, about: aboutOf(m), action, at: Date.now(), locale: i18n.global.locale.value, ...(before ? { before } : {}) })
    if (outcome.kind === 'done') await pull(m.mailboxId).catch(() => undefined)
    else if (outcome.kind === 'waiting') notices.show(tr('team.waiting'))
    // Refused: the queue has taken it back and said why.
    return { id, refused: outcome.kind === 'held' }
  }
  const act = (m: MessageSummary, action: TeamAction, before?: TeamTask['before']): Promise<TeamTask['id']> => record(m, action, before).then((r) => r.id)

  /** "Assign to me": a claim, counted only if nobody took it meanwhile; if someone did, the person is told who. */
  async function claim(m: MessageSummary): Promise<void> {
    const s = stateOf(m)
    if (!s || s.assignee === me.value) return
    const id = await act(m, { kind: 'assign', to: me.value, expect: s.assignee }, { assignee: s.assignee })
    const lost = stateOf(m)?.history.find((e) => e.id === id && e.outcome === 'lost')
    if (lost) notices.show(tr('team.lost', { who: lost.holder ?? tr('team.nobody') }), { kind: 'error', ms: 10_000 })
  }

  const assign = (m: MessageSummary, to: string | null) => act(m, { kind: 'assign', to }, { assignee: stateOf(m)?.assignee ?? null })
  const setStatus = (m: MessageSummary, status: TeamStatus) => act(m, { kind: 'status', status }, { status: stateOf(m)?.status ?? 'open' })
  /**
   * Snoozes a conversation for the team until `until` (UTC ms; null: until a reply) and/or until
   * the customer replies. `after`: the server's arrival time of its newest message the person has.
   */
  function snooze(m: MessageSummary, until: number | null, onReply: boolean, after: number): Promise<string> | null {
    if (until !== null && until <= Date.now()) return null
    const was = brief(m)?.snooze
    const before = was && isSnoozed(was, Date.now(), arrivalOf(m)) ? { snooze: { until: was.until, onReply: was.onReply, after: was.after } } : { snooze: null }
    return act(m, { kind: 'snooze', until, onReply, after }, before)
  }
  const unsnooze = (m: MessageSummary) => act(m, { kind: 'unsnooze' }, { snooze: snoozeOf(m)?.snooze ?? null })
  /** Adds an internal note; false when the service refused it (the caller keeps its text). */
  const addNote = (m: MessageSummary, text: string) => record(m, { kind: 'note', note: crypto.randomUUID(), text }).then((r) => !r.refused)
  const deleteNote = (m: MessageSummary, note: string) => act(m, { kind: 'noteDelete', note })
  const restoreNote = (m: MessageSummary, note: string) => act(m, { kind: 'noteRestore', note })

  /**
   * R10: deleting in a shared mailbox cannot be prevented, so the team sees who did it: one
   * record per conversation, naming the messages (by Message-ID) that went to Deleted Items.
   */
  async function deleted(rows: MessageSummary[]): Promise<void> {
    const byConv = new Map<string, MessageSummary[]>()
    for (const m of rows) {
      if (!sharedIds.value.includes(m.mailboxId)) continue
      const k = `${m.mailboxId}\n${m.conversationId}`
      byConv.set(k, [...(byConv.get(k) ?? []), m])
    }
    for (const ms of byConv.values()) {
      const ids = ms.map((m) => m.messageId).filter((x): x is string => !!x).slice(0, 50)
      if (!ids.length) continue
      await queue.add({ kind: 'team', id: crypto.randomUUID(), mailboxId: ms[0]!.mailboxId, conversationId: ms[0]!.conversationId, about: aboutOf(ms[0]!), action: { kind: 'deleted', messageIds: ids, count: ms.length }, at: Date.now(), locale: i18n.global.locale.value })
    }
  }

  /** Says to the others that the person is writing a reply (renewed by the composer), or stopped. */
  async function writing(m: MessageSummary, on: boolean): Promise<void> {
    if (!sharedIds.value.includes(m.mailboxId)) return
    // Not a task: a mark that is stale a minute later is not worth replaying after a restart.
    await api.call('team.record', { mailboxId: m.mailboxId, id: crypto.randomUUID(), about: aboutOf(m), at: Date.now(), action: { kind: 'writing', until: on ? Date.now() + WRITING_MS : 0 }, locale: i18n.global.locale.value })
      .catch((e: unknown) => console.warn('tandem: writing mark not recorded', apiErrorOf(e).code))
  }

  /** Others writing a reply in this conversation now (their marks not expired). */
  function writers(m: ConversationRef, now = Date.now()): string[] {
    const b = brief(m)
    return Object.entries(b?.writing ?? {}).filter(([who, until]) => who !== me.value && until > now).map(([who]) => who)
  }

  return { version, me, useLegacyIds, stateOf, brief, briefEpoch, matches, clock, snoozed, snoozedIn, snoozeOf, setArrivals, replyWatched, customerOf, domainsOf, snooze, unsnooze, membersOf, authorship, claim, assign, setStatus, addNote, deleteNote, restoreNote, deleted, writing, writers, pull, pullAll }
})
