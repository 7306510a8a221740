import { setImmediate as nextTurn } from 'node:timers/promises'
import type { ImapFlow } from 'imapflow'
import { DELIVERY_TRACE_FIELDS } from '../../../shared/rules/delivered'
import {
  MAX_REPLY_MESSAGE, MAX_REPLY_READ_BYTES, MAX_REPLY_RECORDS, SAVED_REPLY_HEADER, savedReplyRecordsOf, serialiseSavedReplyRecord, type SavedReplyRecord,
} from '../../../shared/rules/saved-replies'
import { headerFields, headerJsonMessage } from './team'
import { fetchInSets } from '../imap/uid-sets'
import { placedWith } from '../imap/placed-search'
import { dropped } from './sync'
import type { AuthorSetup } from './team-authors'

/**
 * Saved replies in a team folder (shared/rules/saved-replies.ts): one message per change,
 * found by its header with one SEARCH. What a hostile member can append costs a read bounded
 * time and memory (R15): only the newest MAX_REPLY_RECORDS are looked at, only those a record
 * can fit in are read, and only their header fields, MAX_REPLY_READ_BYTES at most by the sizes
 * the server gives; anything else is never read.
 */

/** How many messages are read between turns given to the service's other work (imapflow hands them over as microtasks). */
const TURN_EVERY = 32

/** The saved-reply records of the folder at `path` (the folder must exist), the newest `limit` at most, and how many messages were passed over. */
export async function readSavedReplyRecords(client: ImapFlow, path: string, limit = MAX_REPLY_RECORDS): Promise<{ records: (SavedReplyRecord & { uid: number })[]; skipped: number }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    // An open folder keeps its old view until told to sync.
    await client.noop()
    const found = ((await client.search(placedWith(SAVED_REPLY_HEADER), { uid: true })) || []).sort((a, b) => b - a)
    const newest = found.slice(0, limit)
    let skipped = found.length - newest.length
    if (!newest.length) return { records: [], skipped }
    const sizes = new Map<number, number>()
    for await (const m of fetchInSets(client, newest, { uid: true, size: true })) sizes.set(m.uid, m.size ?? 0)
    dropped(client)
    // Newest first, while the budget lasts; a message bigger than a record can be is never read.
    const small: number[] = []
    let budget = MAX_REPLY_READ_BYTES
    for (const u of newest) {
      const size = sizes.get(u) ?? Number.MAX_SAFE_INTEGER
      if (size > MAX_REPLY_MESSAGE || size > budget) { skipped++; continue }
      budget -= size
      small.push(u)
    }
    const messages: { uid: number; fields: Map<string, string> }[] = []
    let n = 0
    for await (const m of fetchInSets(client, small, { uid: true, headers: [SAVED_REPLY_HEADER, ...DELIVERY_TRACE_FIELDS] })) {
      messages.push({ uid: m.uid, fields: headerFields(m.headers) })
      if (++n % TURN_EVERY === 0) await nextTurn()
    }
    dropped(client)
    const read = savedReplyRecordsOf(messages)
    return { records: read.records, skipped: skipped + read.skipped }
  } finally {
    lock.release()
  }
}

/**
 * The ids of these records the server confirms were written by their author (docs/team-state.md,
 * "Authors"): where the administrator gave each member a folder only they may insert into, the
 * author's Tandem put the same record there first. Per author one SEARCH and one FETCH of the
 * header fields of their folder, bounded as any read.
 */
export async function confirmedSavedReplyRecords(client: ImapFlow, setup: AuthorSetup, records: readonly (SavedReplyRecord & { uid: number })[]): Promise<Set<string>> {
  const confirmed = new Set<string>()
  if (setup.mode !== 'confirmed') return confirmed
  const byAuthor = new Map<string, (SavedReplyRecord & { uid: number })[]>()
  for (const r of records) if (setup.folders.has(r.by)) byAuthor.set(r.by, [...(byAuthor.get(r.by) ?? []), r])
  for (const [author, theirs] of byAuthor) {
    const copies = await readSavedReplyRecords(client, setup.folders.get(author)!)
    const held = new Set(copies.records.filter((c) => c.by === author).map(({ uid: _, ...c }) => serialiseSavedReplyRecord(c as SavedReplyRecord)))
    for (const { uid: _, ...r } of theirs) if (held.has(serialiseSavedReplyRecord(r as SavedReplyRecord))) confirmed.add(r.id)
  }
  return confirmed
}

/**
 * A change of a saved reply as a message for the team folder: a sentence for people who open
 * the folder in another client, and the record's JSON in a header. \Seen and appended, never sent.
 */
export function savedReplyMessage(r: SavedReplyRecord, fromName: string, subject: string, explain: string): Promise<Buffer> {
  return headerJsonMessage({ header: SAVED_REPLY_HEADER, json: serialiseSavedReplyRecord(r), v: r.v, by: r.by, at: r.at, messageId: savedReplyMessageId(r.id), fromName, subject, explain })
}

/** A change's Message-ID: its id, so a replayed change is found, not appended twice. */
export const savedReplyMessageId = (id: string): string => `<${id}@reply.tandem.invalid>`
