import { z } from 'zod'
import { emailAddressSchema } from '../domain'
import { timestampSchema } from './timestamp'
import { asciiJson, headerJson, parseBoundedJson } from './header-json'

/**
 * A shared mailbox's signature, kept in that mailbox on the server so every member sends the
 * same one (docs/team-state.md, "The team's signature"). One message per change, appended to
 * the mailbox's team folder by a member; the one with the highest UID is the current one (the
 * server's order, as for team records: members' clocks never decide). Its author is kept.
 *
 * Anyone who may append to the team folder — every member — can write one: the signature is
 * the team's, and a colleague may change it. Delivered mail is never one (a detail address can
 * file mail from anyone into the folder: shared/rules/delivered.ts), and what it holds is HTML
 * a member wrote: the window sanitises it when it reads it and again before it is sent.
 */
export const SHARED_SIGNATURE_VERSION = 1

/** The header a signature message carries its JSON in (base64), and what searches find it by. */
export const SIGNATURE_HEADER = 'X-Tandem-Signature'

/** The most a signature's HTML may be (a few lines with a logo's link and formatting fit many times). */
export const MAX_SIGNATURE_HTML = 32 * 1024

export const sharedSignatureSchema = z.object({
  v: z.literal(SHARED_SIGNATURE_VERSION),
  id: z.string().uuid(),
  /** When the member saved it, by their clock: shown, never used to order. */
  at: timestampSchema,
  /** The member who saved it: written by the service from the signed-in person. */
  by: emailAddressSchema,
  /** The signature's HTML (empty: the team has none). */
  html: z.string().max(MAX_SIGNATURE_HTML),
  /** Added to new messages from the mailbox. */
  forNew: z.boolean(),
  /** Added to replies and forwards from the mailbox. */
  forReplies: z.boolean(),
}).strict()
export type SharedSignature = z.infer<typeof sharedSignatureSchema>

/** The JSON in ASCII only (\u escapes), so no server or transfer encoding changes it. */
export function serialiseSharedSignature(s: SharedSignature): string {
  return asciiJson(s)
}

/** A signature from its JSON; null when it is not a well-formed one of this version or too big. */
export function parseSharedSignature(json: string): SharedSignature | null {
  return parseBoundedJson(json, MAX_SIGNATURE_HTML * 7, sharedSignatureSchema)
}

/**
 * The current signature among the team folder's signature messages, each as its UID and its
 * header fields by lower-case name: the highest UID that was appended (no delivery trace) and
 * holds a well-formed signature. Anything else is passed over, never shown.
 */
export function currentSharedSignature(messages: readonly { uid: number; fields: ReadonlyMap<string, string> }[]): (SharedSignature & { uid: number }) | null {
  for (const m of [...messages].sort((a, b) => b.uid - a.uid)) {
    const json = headerJson(m.fields, SIGNATURE_HEADER, MAX_SIGNATURE_HTML * 7)
    const s = json === null ? null : parseSharedSignature(json)
    if (s) return { ...s, uid: m.uid }
  }
  return null
}

