import { setImmediate as nextTurn } from 'node:timers/promises'
import type { ImapFlow } from 'imapflow'
import { DELIVERY_TRACE_FIELDS } from '../../../shared/rules/delivered'
import { createHash } from 'node:crypto'
import { fail } from '../../../shared/api/errors'
import {
  MAX_REPLY_FILES_MESSAGE, MAX_REPLY_MESSAGE, MIME_TYPE, MAX_REPLY_READ_BYTES, MAX_REPLY_RECORDS, SAVED_REPLY_HEADER, savedReplyRecordsOf, serialiseSavedReplyRecord,
  type ReplyFile, type SavedReplyRecord,
} from '../../../shared/rules/saved-replies'
import { headerFields, headerJsonMessage, headerStart } from './team'
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
    // A record with files (a bigger message) is read by the first bytes of its header only: its
    // files are fetched when a person uses the reply (readSavedReplyFiles).
    const small: number[] = []
    const withFiles: number[] = []
    let budget = MAX_REPLY_READ_BYTES
    for (const u of newest) {
      const size = sizes.get(u) ?? Number.MAX_SAFE_INTEGER
      const cost = Math.min(size, MAX_REPLY_MESSAGE)
      if (size > MAX_REPLY_FILES_MESSAGE || cost > budget) { skipped++; continue }
      budget -= cost
      ;(size > MAX_REPLY_MESSAGE ? withFiles : small).push(u)
    }
    const messages: { uid: number; fields: Map<string, string> }[] = []
    let n = 0
    for await (const m of fetchInSets(client, small, { uid: true, headers: [SAVED_REPLY_HEADER, ...DELIVERY_TRACE_FIELDS] })) {
      messages.push({ uid: m.uid, fields: headerFields(m.headers) })
      if (++n % TURN_EVERY === 0) await nextTurn()
    }
    dropped(client)
    for await (const m of fetchInSets(client, withFiles, { uid: true, bodyParts: [headerStart(MAX_REPLY_MESSAGE)] })) {
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
export function savedReplyMessage(r: SavedReplyRecord, fromName: string, subject: string, explain: string, files: Buffer[] = []): Promise<Buffer> {
  const listed = 'files' in r ? r.files : []
  const attachments = listed.map((f, i) => ({ filename: f.name, contentType: f.type, content: files[i]! }))
  return headerJsonMessage({ header: SAVED_REPLY_HEADER, json: serialiseSavedReplyRecord(r), v: r.v, by: r.by, at: r.at, messageId: savedReplyMessageId(r.id), fromName, subject, explain, attachments })
}

/** What a file's record says of it, worked out from its bytes (never the window's word). */
export const replyFileOf = (name: string, type: string, content: Buffer): ReplyFile =>
  ({ name, type: MIME_TYPE.test(type) ? type : 'application/octet-stream', size: content.length, sha256: createHash('sha256').update(content).digest('hex') })

/** A part of a message's structure as imapflow gives it (only what finding the attachments needs). */
interface Part { part?: string; type?: string; disposition?: string; childNodes?: Part[] }

/** The attachments of a message in their order, by their part numbers. */
function attachmentParts(node: Part | undefined, out: string[] = []): string[] {
  if (!node) return out
  if (node.disposition?.toLowerCase() === 'attachment' && node.part) out.push(node.part)
  for (const c of node.childNodes ?? []) attachmentParts(c, out)
  return out
}

/**
 * The files of the saved-reply record at `uid`, each as its record lists it and checked against
 * that (its size, then its SHA-256) — a member's record is their word, and a message may hold
 * other parts than it says. `owner`: in the person's own mailbox only their own records count.
 * Bounded: a message bigger than a record with files can be is never read, and each file is read
 * no further than its listed size.
 */
export async function readSavedReplyFiles(client: ImapFlow, path: string, uid: number, owner: string | null): Promise<{ file: ReplyFile; content: Buffer }[]> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const gone = () => fail({ code: 'message.gone', key: 'errors.replies.filesGone' })
    const m = await client.fetchOne(String(uid), { uid: true, size: true, bodyStructure: true, bodyParts: [headerStart(MAX_REPLY_MESSAGE)] }, { uid: true })
    if (!m || (m.size ?? Number.MAX_SAFE_INTEGER) > MAX_REPLY_FILES_MESSAGE) throw gone()
    const record = savedReplyRecordsOf([{ uid, fields: headerFields(m.headers) }]).records[0]
    if (!record || record.op !== 'save' || !('files' in record) || (owner !== null && record.by.toLowerCase() !== owner.toLowerCase())) throw gone()
    const parts = attachmentParts(m.bodyStructure as Part | undefined)
    const changed = () => fail({ code: 'server.error', key: 'errors.replies.filesChanged' })
    if (parts.length !== record.files.length) throw changed()
    const out: { file: ReplyFile; content: Buffer }[] = []
    for (const [i, file] of record.files.entries()) {
      const { content } = await client.download(String(uid), parts[i]!, { uid: true })
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of content as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > file.size) { (content as { destroy?: () => void }).destroy?.(); throw changed() }
        chunks.push(chunk)
      }
      const bytes = Buffer.concat(chunks)
      if (bytes.length !== file.size || createHash('sha256').update(bytes).digest('hex') !== file.sha256) throw changed()
      out.push({ file, content: bytes })
    }
    return out
  } finally {
    lock.release()
  }
}

/** A change's Message-ID: its id, so a replayed change is found, not appended twice. */
export const savedReplyMessageId = (id: string): string => `<${id}@reply.tandem.invalid>`
