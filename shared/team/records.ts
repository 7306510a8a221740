import { z } from 'zod'
import { emailAddressSchema } from '../domain'
import { timestampSchema } from '../rules/timestamp'
import { asciiJson, parseBoundedJson } from '../rules/header-json'

/**
 * Team state of a shared mailbox (docs/team-state.md): who has a conversation, its status,
 * internal notes, who is writing a reply. Kept as small records appended to one folder of the
 * shared mailbox; the server's UID order is the one order every member folds them in.
 *
 * Everything here is also what a colleague — or anyone who can append to that folder — can
 * write, so every field is bounded and checked before it counts.
 */
export const TEAM_RECORD_VERSION = 1

/**
 * The folder of a shared mailbox that holds its team state (docs/team-state.md), by this name
 * at the top of the mailbox: the same for every member and every client, so it is not
 * translated. An administrator may create it with append-only rights for members (lrsi);
 * otherwise the first member who records something creates it, where the server lets them.
 */
export const TEAM_FOLDER = 'Tandem Team'

/** Open: someone must act; Waiting: on the customer or a third party; Done: nothing left to do. */
export const teamStatusSchema = z.enum(['open', 'waiting', 'done'])
export type TeamStatus = z.infer<typeof teamStatusSchema>

/**
 * A conversation as team state names it: `conversationIdOf` its messages (shared/conversation.ts,
 * 32 hex digits), computed by the service that appends the record. Records written before that
 * name 28-digit hashes of subject and people (`legacyConversationId`), carried over when read.
 */
export const conversationIdSchema = z.string().regex(/^(?:[0-9a-f]{28}|[0-9a-f]{32})$/)

/** A record's or a note's id. */
export const teamIdSchema = z.string().uuid()
const uuid = teamIdSchema

export const teamActionSchema = z.discriminatedUnion('kind', [
  /**
   * Who has the conversation (null: nobody). With `expect` it is a claim: it counts only when the
   * assignee at that point of the log is still `expect` — two claims at once, one wins.
   */
  z.object({ kind: z.literal('assign'), to: emailAddressSchema.nullable(), expect: emailAddressSchema.nullable().optional() }).strict(),
  z.object({ kind: z.literal('status'), status: teamStatusSchema }).strict(),
  z.object({ kind: z.literal('note'), note: uuid, text: z.string().trim().min(1).max(10_000) }).strict(),
  z.object({ kind: z.literal('noteDelete'), note: uuid }).strict(),
  z.object({ kind: z.literal('noteRestore'), note: uuid }).strict(),
  /** Messages of the conversation a member deleted (R10: they went to Deleted Items), by Message-ID, so others see who. */
  z.object({ kind: z.literal('deleted'), messageIds: z.array(z.string().min(1).max(998)).min(1).max(50), count: z.number().int().positive().max(100_000) }).strict(),
  /**
   * Snoozed (docs/team-state.md, "Snooze"): out of the team's Open view until `until` (UTC ms;
   * null: no time), and — with `onReply` — earlier when a message from outside the organisation
   * arrives in the conversation after `after` (the server's arrival time, INTERNALDATE, of its
   * newest message the member had: the server's clock on both sides, never a Date header). Every
   * device wakes it by its own clock and its own mail; no record wakes it.
   */
  z.object({ kind: z.literal('snooze'), until: timestampSchema.nullable(), onReply: z.boolean(), after: timestampSchema }).strict()
    .refine((a) => a.until !== null || a.onReply, { message: 'a snooze wakes at a time, on a reply, or both' }),
  /** Back in the Open view now, whatever the snooze before it said. */
  z.object({ kind: z.literal('unsnooze') }).strict(),
  /** A reply being written, until this moment (the author's clock); 0: stopped. */
  z.object({ kind: z.literal('writing'), until: z.number().int().nonnegative() }).strict(),
])
export type TeamAction = z.infer<typeof teamActionSchema>

/** One record as a member's client writes it. */
export const teamRecordSchema = z.object({
  v: z.literal(TEAM_RECORD_VERSION),
  /** Fixed when the person acts: a replayed record is the same record (kept once). */
  id: uuid,
  /** The conversation (its id; the field's name on the server, in every record already written). */
  conv: conversationIdSchema,
  /** When the person acted, by their device's clock: shown, never used to order. */
  at: timestampSchema,
  /** The member who acted (written by the service from the signed-in person, not by the page). */
  by: emailAddressSchema,
  action: teamActionSchema,
}).strict()
export type TeamRecord = z.infer<typeof teamRecordSchema>

/** A record as the server holds it: its UID in the team folder orders it. */
export type StoredTeamRecord = TeamRecord & { uid: number }

/** The most a record's JSON may be: a note of 10 000 characters, escaped, and the rest. */
export const MAX_RECORD_BYTES = 64 * 1024

/** A record from the folder's text; null when it is not a well-formed record of this version. */
export function parseTeamRecord(json: string): TeamRecord | null {
  return parseBoundedJson(json, MAX_RECORD_BYTES, teamRecordSchema)
}

/**
 * A record's JSON in ASCII only (\u escapes): no server, client or transfer encoding can change
 * it, whatever language a note is in.
 */
export function serialiseTeamRecord(r: TeamRecord): string {
  return asciiJson(r)
}
