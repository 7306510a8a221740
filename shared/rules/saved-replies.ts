import { z } from 'zod'
import { emailAddressSchema } from '../domain'
import { timestampSchema } from './timestamp'
import { asciiJson, headerJson, parseBoundedJson } from './header-json'

/**
 * Saved replies (docs/team-state.md, "Saved replies"): texts a person inserts into a message
 * with `/` and a name. A shared mailbox's are the team's, kept in its team folder so every
 * member and every new device has them (R1: only members can read or append there); the
 * person's own are kept the same way in the team folder of their own mailbox.
 *
 * Each change is one message appended to that folder, never sent: a save (the whole reply, its
 * name and HTML), a delete, a restore. The records are folded in the server's UID order
 * (members' clocks never decide): per saved reply the newest save is its text, and a delete is
 * a record like any other, so who deleted it is kept and it can be brought back (R10: a
 * deletion cannot be prevented, it is made visible and undoable). Delivered mail is never a
 * record (a detail address files mail from anyone into the folder: shared/rules/delivered.ts).
 * The HTML is a member's: the window sanitises it when it reads it and again before sending.
 */
export const SAVED_REPLY_VERSION = 1
/**
 * A save that carries files: its record lists them (name, type, size, SHA-256) and the message
 * holds them as its attachments, in that order. A version of its own, so a Tandem that knows
 * only version 1 passes over a reply whose files it could not give (it would send it without).
 */
export const SAVED_REPLY_FILES_VERSION = 2

/** The header a saved-reply record carries its JSON in (base64), and what a search finds it by. */
export const SAVED_REPLY_HEADER = 'X-Tandem-Saved-Reply'

/** The most a saved reply's HTML may be (a page of formatted text fits several times). */
export const MAX_REPLY_HTML = 32 * 1024
/** The most a saved reply's name may be. */
export const MAX_REPLY_NAME = 80
/** The most a record's JSON can be: the HTML with every character escaped as \uXXXX, and the rest. */
export const MAX_REPLY_JSON = MAX_REPLY_HTML * 6 + 4096
/** The most a record's message can be: the JSON in base64 in a header, folded, and a sentence. */
export const MAX_REPLY_MESSAGE = Math.ceil(MAX_REPLY_JSON / 3) * 4 * 1.1 + 16 * 1024
/** How many of a folder's newest records are read: a hostile member's thousands cost no more (R15). */
export const MAX_REPLY_RECORDS = 2000
/** How many bytes of records one read takes in at most, by the sizes the server gives. */
export const MAX_REPLY_READ_BYTES = 8 * 1024 * 1024
/** How many saved replies a folder shows at most (those changed last). */
export const MAX_SAVED_REPLIES = 500
/** How many changes of each saved reply are kept in its history (newest first). */
export const MAX_REPLY_HISTORY = 20
/** How many files a saved reply may carry. */
export const MAX_REPLY_FILES = 10
/**
 * The most a saved reply's files may be together (decoded): a reply is inserted into messages
 * that the submission server's size limit bounds too, and each change of the reply keeps a copy
 * in the team folder.
 */
export const MAX_REPLY_FILES_BYTES = 10 * 1024 * 1024
/** The most a record's message with files can be: the record, its files in base64 (76-character lines), and each part's headers. */
export const MAX_REPLY_FILES_MESSAGE = MAX_REPLY_MESSAGE + Math.ceil(MAX_REPLY_FILES_BYTES / 57) * 78 + MAX_REPLY_FILES * 2048

/** A MIME type as RFC 6838 allows its names (type/subtype, each 1–64 restricted characters). */
export const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/i

/** A file a saved reply carries, as its record lists it: the message's attachment at the same place holds it. */
export const replyFileSchema = z.object({
  name: z.string().trim().min(1).max(255),
  type: z.string().regex(MIME_TYPE),
  size: z.number().int().nonnegative().max(MAX_REPLY_FILES_BYTES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
}).strict()
export type ReplyFile = z.infer<typeof replyFileSchema>

const base = { v: z.literal(SAVED_REPLY_VERSION), id: z.string().uuid(), reply: z.string().uuid(), at: timestampSchema, by: emailAddressSchema }
const saveFields = { op: z.literal('save'), name: z.string().trim().min(1).max(MAX_REPLY_NAME), html: z.string().max(MAX_REPLY_HTML) }
export const savedReplyRecordSchema = z.union([
  z.object({ ...base, ...saveFields }).strict(),
  z.object({
    ...base, ...saveFields, v: z.literal(SAVED_REPLY_FILES_VERSION),
    files: z.array(replyFileSchema).min(1).max(MAX_REPLY_FILES).refine((fs) => fs.reduce((n, f) => n + f.size, 0) <= MAX_REPLY_FILES_BYTES, { message: 'the files are bigger together than a saved reply may carry' }),
  }).strict(),
  z.object({ ...base, op: z.literal('delete') }).strict(),
  z.object({ ...base, op: z.literal('restore') }).strict(),
])
/** One change of a saved reply: `id` is the change's own (its Message-ID), `reply` the saved reply's. */
export type SavedReplyRecord = z.infer<typeof savedReplyRecordSchema>
export type SavedReplyOp = SavedReplyRecord['op']

/** One change as the history shows it: who did what, when (their clock), and whether the server confirms who. */
export interface SavedReplyChange { op: SavedReplyOp; by: string; at: number; uid: number; confirmed: boolean }

/** A saved reply as the fold of its records makes it. */
export interface SavedReply {
  id: string
  name: string
  html: string
  /** The files its last save carries (version 2), in the order of its message's attachments; none for version 1. */
  files: ReplyFile[]
  /** The UID of the message that holds those files (its last save); null without files. */
  filesUid: number | null
  /** The last change of any kind (save, delete, restore), with its author. */
  changedBy: string
  changedAt: number
  changedConfirmed: boolean
  /** Set when its last delete was not restored after: it is listed among the deleted, to bring back. */
  deleted: { by: string; at: number; confirmed: boolean } | null
  /** The UID of its last record: the server's order. */
  uid: number
  /** Its changes, newest first, at most MAX_REPLY_HISTORY. */
  history: SavedReplyChange[]
}

/** The JSON in ASCII only (\u escapes), so no server or transfer encoding changes it. */
export function serialiseSavedReplyRecord(r: SavedReplyRecord): string {
  return asciiJson(r)
}

/** A record from its JSON; null when it is not a well-formed one of this version or too big. */
export function parseSavedReplyRecord(json: string): SavedReplyRecord | null {
  return parseBoundedJson(json, MAX_REPLY_JSON, savedReplyRecordSchema)
}

/**
 * The records among a folder's messages, each as its UID and its header fields by lower-case
 * name: those appended (no delivery trace) holding a well-formed record; `skipped` counts the rest.
 */
export function savedReplyRecordsOf(messages: readonly { uid: number; fields: ReadonlyMap<string, string> }[]): { records: (SavedReplyRecord & { uid: number })[]; skipped: number } {
  const records: (SavedReplyRecord & { uid: number })[] = []
  let skipped = 0
  for (const m of messages) {
    const json = headerJson(m.fields, SAVED_REPLY_HEADER, MAX_REPLY_JSON)
    const r = json === null ? null : parseSavedReplyRecord(json)
    if (r) records.push({ ...r, uid: m.uid })
    else skipped++
  }
  return { records, skipped }
}

/**
 * The saved replies a folder's records make, folded in UID order: a save sets the name and the
 * text, a delete marks it deleted (by whom, when), a restore clears that; a delete or restore of
 * a reply never saved changes nothing. A record whose id came before counts once, at its first
 * UID (a replay). `confirmed`: the ids of records the server confirms were written by their
 * author (docs/team-state.md, "Authors"); everything else is only claimed. Sorted by name;
 * at most MAX_SAVED_REPLIES, those changed last.
 */
export function foldSavedReplies(records: readonly (SavedReplyRecord & { uid: number })[], confirmed: ReadonlySet<string> = new Set()): SavedReply[] {
  const seen = new Set<string>()
  const byId = new Map<string, SavedReply>()
  for (const r of [...records].sort((a, b) => a.uid - b.uid)) {
    if (seen.has(r.id)) continue
    seen.add(r.id)
    const sure = confirmed.has(r.id)
    let s = byId.get(r.reply)
    if (r.op === 'save') {
      if (!s) byId.set(r.reply, (s = { id: r.reply, name: r.name, html: r.html, files: [], filesUid: null, changedBy: r.by, changedAt: r.at, changedConfirmed: sure, deleted: null, uid: r.uid, history: [] }))
      s.name = r.name
      s.html = r.html
      s.files = 'files' in r ? r.files : []
      s.filesUid = s.files.length ? r.uid : null
    } else if (!s) {
      continue
    } else {
      s.deleted = r.op === 'delete' ? { by: r.by, at: r.at, confirmed: sure } : null
    }
    s.changedBy = r.by
    s.changedAt = r.at
    s.changedConfirmed = sure
    s.uid = r.uid
    s.history.unshift({ op: r.op, by: r.by, at: r.at, uid: r.uid, confirmed: sure })
    if (s.history.length > MAX_REPLY_HISTORY) s.history.length = MAX_REPLY_HISTORY
  }
  return [...byId.values()].sort((a, b) => b.uid - a.uid).slice(0, MAX_SAVED_REPLIES)
    .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
}

