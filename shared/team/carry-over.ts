import { emptyTeamState, type ConversationTeamState, type TeamBrief } from './fold'

/**
 * Team records written before conversations came from headers name a hash of subject and people
 * (`legacyConversationId`, 28 hex digits). They stay in the team folder, folded under those ids
 * as ever; a conversation of today is shown with the states of the old ids its messages had:
 *
 * - an old id whose messages now belong to several conversations gives its state to each;
 * - where several old ids (and today's) meet in one conversation, the later record wins, as in
 *   the fold: the assignment and the status of the highest UID, every note and history event in
 *   UID order (an event counted once, by its id).
 *
 * Pure: the same states give every member the same view.
 */
export function mergeTeamStates(conversationId: string, states: (ConversationTeamState | undefined)[]): ConversationTeamState {
  const present = states.filter((s): s is ConversationTeamState => !!s)
  if (present.length === 1 && present[0]!.conversationId === conversationId) return present[0]!
  const out = emptyTeamState(conversationId)
  const notes = new Map<string, ConversationTeamState['notes'][number]>()
  const history = new Map<string, ConversationTeamState['history'][number]>()
  for (const s of present) {
    if (s.assignedUid > out.assignedUid) Object.assign(out, { assignee: s.assignee, assignedBy: s.assignedBy, assignedAt: s.assignedAt, assignedUid: s.assignedUid })
    if (s.statusUid > out.statusUid) Object.assign(out, { status: s.status, statusBy: s.statusBy, statusAt: s.statusAt, statusUid: s.statusUid })
    for (const n of s.notes) { const had = notes.get(n.id); if (!had || n.uid > had.uid) notes.set(n.id, n) }
    for (const e of s.history) { const had = history.get(e.id); if (!had || e.uid < had.uid) history.set(e.id, e) }
    for (const [who, until] of Object.entries(s.writing)) out.writing[who] = Math.max(out.writing[who] ?? 0, until)
    if (s.snooze && s.snooze.uid > (out.snooze?.uid ?? 0)) out.snooze = s.snooze
  }
  out.notes = [...notes.values()].sort((a, b) => a.uid - b.uid)
  out.history = [...history.values()].sort((a, b) => a.uid - b.uid)
  return out
}

/** The same for what the list shows: who has it and the status of the later record, every writer. */
export function mergeTeamBriefs(briefs: (TeamBrief | undefined)[]): TeamBrief | undefined {
  const present = briefs.filter((b): b is TeamBrief => !!b)
  if (present.length <= 1) return present[0]
  const out: TeamBrief = { assignee: null, status: 'open' }
  let writing: Record<string, number> | undefined
  for (const b of present) {
    if ((b.assignedUid ?? 0) > (out.assignedUid ?? 0)) { out.assignee = b.assignee; out.assignedUid = b.assignedUid }
    if ((b.statusUid ?? 0) > (out.statusUid ?? 0)) { out.status = b.status; out.statusUid = b.statusUid }
    if (b.snooze && b.snooze.uid > (out.snooze?.uid ?? 0)) out.snooze = b.snooze
    if (b.writing) { writing ??= {}; for (const [who, until] of Object.entries(b.writing)) writing[who] = Math.max(writing[who] ?? 0, until) }
  }
  if (writing) out.writing = writing
  return out
}
