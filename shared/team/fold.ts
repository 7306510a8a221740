import type { StoredTeamRecord, TeamAction, TeamStatus } from './records'
import type { TeamSnooze } from './snooze'

export interface TeamNote {
  id: string
  /** The UID of its record: the log's order (notes of conversations carried over merge by it). */
  uid: number
  by: string
  at: number
  text: string
  /** Who deleted it and when; a deleted note is kept, so members can see who and bring it back. */
  deleted: { by: string; at: number; uid?: number; rid?: string } | null
  /** The id of the record that wrote it (with `uid`): whether its author is confirmed is asked by these. */
  rid?: string
}

/** One thing a member did, as every member's fold saw it. */
export interface TeamEvent {
  uid: number
  id: string
  by: string
  at: number
  action: TeamAction
  /** applied; lost: a claim after someone else's (holder: who had it); ignored: about a note that is not there. */
  outcome: 'applied' | 'lost' | 'ignored'
  holder?: string | null
}

/**
 * The most notes and history events a conversation keeps (the newest): anyone who can append to
 * the team folder could write thousands of maximal notes on one conversation (5 000 of them made
 * a cache row that could no longer be stored). Older ones are folded into a count, shown as such.
 */
export const MAX_NOTES = 100
export const MAX_HISTORY = 200

export interface ConversationTeamState {
  conversationId: string
  assignee: string | null
  /** Who made the assignment as it stands, and when (their clock). */
  assignedBy: string | null
  assignedAt: number
  /** The UID of the record that made the assignment as it stands (0: none): the later one wins where states merge. */
  assignedUid: number
  status: TeamStatus
  statusBy: string | null
  statusAt: number
  /** The UID of the record that set the status as it stands (0: none). */
  statusUid: number
  /** Time order of the log (the server's), which is the order they were written. */
  notes: TeamNote[]
  /** Who is writing a reply, until when (their clock). */
  writing: Record<string, number>
  /** Everything done to it, in the log's order: assignments, status, notes (writing marks are not kept); the newest MAX_HISTORY. */
  history: TeamEvent[]
  /** Notes and events older than those kept (MAX_NOTES, MAX_HISTORY): only counted. */
  olderNotes?: number
  olderEvents?: number
  /** The snooze the log's last snooze or unsnooze left (shared/team/snooze.ts); absent or null: none. Whether it still holds is each device's clock and mail. */
  snooze?: TeamSnooze | null
}

export const emptyTeamState = (conversationId: string): ConversationTeamState => ({
  conversationId, assignee: null, assignedBy: null, assignedAt: 0, assignedUid: 0, status: 'open', statusBy: null, statusAt: 0, statusUid: 0, notes: [], writing: {}, history: [],
})

/**
 * What the list shows of a conversation: who has it, its status, who is writing a reply (until
 * when); and the UIDs of the records that set the first two (where states merge, the later wins).
 */
export interface TeamBrief { assignee: string | null; status: TeamStatus; writing?: Record<string, number>; assignedUid?: number; statusUid?: number; snooze?: TeamSnooze }

export function briefOf(s: ConversationTeamState): TeamBrief {
  const b: TeamBrief = { assignee: s.assignee, status: s.status }
  if (s.assignedUid) b.assignedUid = s.assignedUid
  if (s.statusUid) b.statusUid = s.statusUid
  if (Object.keys(s.writing).length) b.writing = { ...s.writing }
  if (s.snooze) b.snooze = s.snooze
  return b
}

/** What became of a record, as its conversation's history keeps it. */
function eventOf(r: StoredTeamRecord, outcome: TeamEvent['outcome'], holder?: string | null): TeamEvent {
  const e: TeamEvent = { uid: r.uid, id: r.id, by: r.by, at: r.at, action: r.action, outcome }
  if (holder !== undefined) e.holder = holder
  return e
}

/**
 * Applies one record to its conversation's state, in place; returns what became of it. The
 * same records in the same (UID) order give every member the same state: nothing here reads a
 * clock or anything but the state and the record.
 */
export function applyTeamRecord(s: ConversationTeamState, r: StoredTeamRecord): TeamEvent | null {
  const a = r.action
  let e: TeamEvent | null
  switch (a.kind) {
    case 'assign':
      if (a.expect !== undefined && a.expect !== s.assignee) { e = eventOf(r, 'lost', s.assignee); break }
      s.assignee = a.to
      s.assignedBy = r.by
      s.assignedAt = r.at
      s.assignedUid = r.uid
      e = eventOf(r, 'applied')
      break
    case 'status':
      s.status = a.status
      s.statusBy = r.by
      s.statusAt = r.at
      s.statusUid = r.uid
      e = eventOf(r, 'applied')
      break
    case 'note':
      if (s.notes.some((n) => n.id === a.note)) { e = eventOf(r, 'ignored'); break }
      s.notes.push({ id: a.note, by: r.by, at: r.at, text: a.text, deleted: null, uid: r.uid, rid: r.id })
      if (s.notes.length > MAX_NOTES) s.olderNotes = (s.olderNotes ?? 0) + s.notes.splice(0, s.notes.length - MAX_NOTES).length
      e = eventOf(r, 'applied')
      break
    case 'noteDelete':
    case 'noteRestore': {
      const n = s.notes.find((x) => x.id === a.note)
      if (!n || (a.kind === 'noteDelete') === (n.deleted !== null)) { e = eventOf(r, 'ignored'); break }
      n.deleted = a.kind === 'noteDelete' ? { by: r.by, at: r.at, uid: r.uid, rid: r.id } : null
      e = eventOf(r, 'applied')
      break
    }
    case 'deleted':
      e = eventOf(r, 'applied')
      break
    // The log's last snooze or unsnooze is the one that holds, as for the status.
    case 'snooze':
      s.snooze = { until: a.until, onReply: a.onReply, after: a.after, by: r.by, at: r.at, uid: r.uid, rid: r.id }
      e = eventOf(r, 'applied')
      break
    case 'unsnooze':
      s.snooze = null
      e = eventOf(r, 'applied')
      break
    case 'writing':
      if (a.until > 0) s.writing[r.by] = a.until
      else delete s.writing[r.by]
      return null
  }
  s.history.push(e)
  if (s.history.length > MAX_HISTORY) s.olderEvents = (s.olderEvents ?? 0) + s.history.splice(0, s.history.length - MAX_HISTORY).length
  return e
}

/**
 * The team state of one shared mailbox, folded from its records in UID order. Records come in
 * batches (the folder read from where the last read stopped). A record whose id its
 * conversation's history already holds — an action replayed after a crash, appended twice —
 * counts once, at its first UID. Each conversation's state depends on its own records alone, so
 * a fold that holds only some conversations (a device that loaded part of its cache) folds them
 * exactly as a fold of all of them does. ('Writing' marks are not kept in the history; one
 * replayed says again what it said.) A conversation keeps its newest MAX_NOTES notes and
 * MAX_HISTORY events; a replayed record older than those counts again — alike for every member,
 * as the same log gives every member the same kept history.
 */
export class TeamFold {
  readonly conversations = new Map<string, ConversationTeamState>()
  /** The highest UID folded. */
  lastUid = 0

  /** A fold as a device kept it: its conversations and the highest UID it had folded. */
  static restore(states: Iterable<ConversationTeamState>, lastUid: number): TeamFold {
    const f = new TeamFold()
    f.put(states)
    f.lastUid = lastUid
    return f
  }

  /** Conversations' states as kept (a bucket of the cache loaded later). */
  put(states: Iterable<ConversationTeamState>): void {
    for (const s of states) this.conversations.set(s.conversationId, s)
  }

  /** Folds records above lastUid (sorted here); returns the conversations that changed. */
  add(records: StoredTeamRecord[]): Map<string, TeamEvent | null> {
    const changed = new Map<string, TeamEvent | null>()
    // Pages come in UID order: sorted (a copy) only when they are not.
    const inOrder = records.every((r, i) => i === 0 || records[i - 1]!.uid < r.uid)
    for (const r of inOrder ? records : [...records].sort((x, y) => x.uid - y.uid)) {
      if (r.uid <= this.lastUid) continue
      this.lastUid = r.uid
      let s = this.conversations.get(r.conv)
      if (!s) this.conversations.set(r.conv, (s = emptyTeamState(r.conv)))
      else if (s.history.some((e) => e.id === r.id)) continue
      changed.set(r.conv, applyTeamRecord(s, r))
    }
    return changed
  }

  get(conversationId: string): ConversationTeamState {
    return this.conversations.get(conversationId) ?? emptyTeamState(conversationId)
  }

  /** What became of one record (by its id), once folded: the claim that lost names who has it. */
  outcomeOf(conversationId: string, id: string): TeamEvent | undefined {
    return this.conversations.get(conversationId)?.history.find((e) => e.id === id)
  }
}
