import { addressInDomains } from '../rules/organisation'
import type { StoredTeamRecord } from './records'

/**
 * @mentions in internal notes (docs/team-state.md, "Mentions"). A mention is written in the note's
 * own text as `@` and the member's address ("@bob@example.org, can you look?"), not in a field
 * of its own: the record schemas are strict, so a new field on the note action would make every
 * Tandem of before drop the whole note. In the text, a Tandem of before shows the note as it was
 * written, address and all, and so does another client that opens the team folder.
 *
 * What a record says is its author's word (a colleague can write any record): mentions are
 * bounded (MAX_MENTIONS a note, the text itself ≤ 10 000 characters) and only addresses inside
 * the organisation's domains count (R7) — the service refuses to write others, and a reader
 * drops them.
 */

/** The most members one note may mention; the service refuses more, a reader counts only the first. */
export const MAX_MENTIONS = 20

/**
 * `@` and an address, at the start or after a space or an opening mark: an address typed
 * inside a word (`alice@example.org`) is no mention. The domain ends in letters, so a full stop
 * or comma after it is not part of it. Linear: no nested quantifiers.
 */
const MENTION = /(^|[\s([{"'])@([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,63})(?![A-Za-z0-9-])/g

/** A piece of a note's text: as written, or a mention of an address (lower case). */
export type NotePiece = { text: string } | { mention: string; text: string }

/** The addresses a text mentions, each once, lower case, in order of appearance (all of them: the check decides). */
export function mentionedIn(text: string): string[] {
  const out = new Set<string>()
  for (const m of text.matchAll(MENTION)) out.add(m[2]!.toLowerCase())
  return [...out]
}

/**
 * The members a note mentions as a reader counts them: inside the organisation (`inside`), each
 * once, the first MAX_MENTIONS. Everything else a record says stays plain text.
 */
export function mentionsOf(text: string, inside: (address: string) => boolean): string[] {
  return mentionedIn(text).filter(inside).slice(0, MAX_MENTIONS)
}

/**
 * The record's check before a note is written (the service, with the organisation's domains):
 * null when its mentions may be written, else why not — an address outside the domains (R7:
 * a mention never leaves the organisation), or more than MAX_MENTIONS.
 */
export function mentionProblem(text: string, domains: readonly string[]): { outside: string[] } | { tooMany: number } | null {
  const all = mentionedIn(text)
  const outside = all.filter((a) => !addressInDomains(a, domains))
  if (outside.length) return { outside }
  return all.length > MAX_MENTIONS ? { tooMany: all.length } : null
}

/** A note's text in pieces, its mentions (those `inside`, as mentionsOf counts them) apart: what the window shows as chips. */
export function notePieces(text: string, inside: (address: string) => boolean): NotePiece[] {
  const counted = new Set(mentionsOf(text, inside))
  const out: NotePiece[] = []
  let at = 0
  for (const m of text.matchAll(MENTION)) {
    const address = m[2]!.toLowerCase()
    if (!counted.has(address)) continue
    const start = m.index + m[1]!.length
    if (start > at) out.push({ text: text.slice(at, start) })
    out.push({ mention: address, text: text.slice(start, start + 1 + m[2]!.length) })
    at = start + 1 + m[2]!.length
  }
  if (at < text.length) out.push({ text: text.slice(at) })
  return out
}

/**
 * The `@` being typed at the caret, if any: where it starts and what follows it so far (what the
 * suggestions are filtered by). Only at the start or after a space, and with no space typed yet.
 */
export function mentionQueryAt(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(Math.max(0, caret - 80), caret)
  const m = /(^|[\s([{"'])@([^\s@]*(?:@[^\s@]*)?)$/.exec(before)
  if (!m) return null
  return { start: caret - m[2]!.length - 1, query: m[2]! }
}

/** One mention of the person, as their Mentions view keeps it. */
export interface Mention {
  mailboxId: string
  /** The note's id: one mention per note. */
  note: string
  conv: string
  /** The UID of the note's record (the log's order). */
  uid: number
  /** Who wrote the note, as its record says (confirmed or not: the view asks, docs/team-state.md "Authors"). */
  by: string
  /** The id of the record that wrote the note (whose author the server may confirm). */
  rid: string
  /** When, by the author's clock (shown only). */
  at: number
  text: string
  /** Deleted since (who, when): the view shows it as deleted; a restore clears it. */
  deleted: { by: string; at: number } | null
}

/**
 * The person's mentions in a page of one mailbox's records, folded in UID order onto what the
 * device kept (`kept`, by note id; changed in place): a note that mentions `me` (inside the
 * organisation), by someone else, is a mention; deleting the note marks it deleted, restoring
 * clears that. A note seen again (a replay, a fold made anew) is the same mention. Returns the
 * notes that are new here and those that changed.
 */
export function foldMentions(kept: Map<string, Mention>, mailboxId: string, records: readonly StoredTeamRecord[], me: string, inside: (address: string) => boolean): { added: Mention[]; changed: Mention[] } {
  const added: Mention[] = []
  const changed = new Set<Mention>()
  const self = me.toLowerCase()
  const sorted = records.every((r, i) => i === 0 || records[i - 1]!.uid < r.uid) ? records : [...records].sort((x, y) => x.uid - y.uid)
  for (const r of sorted) {
    const a = r.action
    if (a.kind === 'note') {
      // The author is never told of their own mention.
      if (kept.has(a.note) || r.by.toLowerCase() === self || !mentionsOf(a.text, inside).includes(self)) continue
      const m: Mention = { mailboxId, note: a.note, conv: r.conv, uid: r.uid, by: r.by, rid: r.id, at: r.at, text: a.text, deleted: null }
      kept.set(a.note, m)
      added.push(m)
    } else if (a.kind === 'noteDelete' || a.kind === 'noteRestore') {
      const m = kept.get(a.note)
      if (!m || (a.kind === 'noteDelete') === (m.deleted !== null)) continue
      m.deleted = a.kind === 'noteDelete' ? { by: r.by, at: r.at } : null
      if (!added.includes(m)) changed.add(m)
    }
  }
  return { added, changed: [...changed] }
}

/** Whether an address is inside: the domains the window knows to be the organisation's (R7). */
export const insideOf = (domains: readonly string[]) => (address: string): boolean => addressInDomains(address, domains)
