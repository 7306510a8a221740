import { z } from 'zod'
import { emailAddressSchema } from '../domain'
import { timestampSchema } from './timestamp'
import { asciiJson, headerJson, parseBoundedJson } from './header-json'
import { isTimeZone, parseIsoDate, type BusinessHours } from './business-time'

/**
 * A shared mailbox's response targets (docs/team-state.md, "Response times"): how soon the team
 * means to give a customer a first reply and a next reply, in business time — the mailbox's
 * working hours per weekday, its time zone and its holidays (shared/rules/business-time.ts).
 *
 * Kept like the team's signature: one message per change, appended to the mailbox's team
 * folder by a member and never sent; the well-formed one with the highest UID is current (the
 * server's order: members' clocks never decide), and the changes before it are kept and shown
 * with who made them. Any member may change them (they are the team's). Delivered mail is never
 * one (shared/rules/delivered.ts); everything is bounded by the schema.
 */
export const RESPONSE_TARGETS_VERSION = 1

/** The header a targets message carries its JSON in (base64), and what a search finds it by. */
export const RESPONSE_TARGETS_HEADER = 'X-Tandem-Response-Targets'

/** The most a targets record's JSON may be: a year of holidays and the rest fit several times. */
export const MAX_TARGETS_JSON = 16 * 1024
/** The most a targets message can be: the JSON in base64 in a header, folded, and a sentence. */
export const MAX_TARGETS_MESSAGE = 64 * 1024
/** How many of the newest targets messages a read looks at: the current one and the changes shown. */
export const TARGETS_LOOK_AT = 20
/** The most holidays a mailbox keeps (two years of them, and then some). */
export const MAX_HOLIDAYS = 400
/** The longest target: four working weeks of 24 hours (anything longer is no target). */
export const MAX_TARGET_MINUTES = 28 * 24 * 60

const minutesOfDay = z.number().int().min(0).max(24 * 60)
export const dayHoursSchema = z.object({ start: minutesOfDay, end: minutesOfDay }).strict().refine((h) => h.start < h.end, 'start before end').nullable()
const targetSchema = z.number().int().positive().max(MAX_TARGET_MINUTES).nullable()

/** The settings part, as Settings edits it and the contract carries it. */
export const responseTargetsSettingsSchema = z.object({
  /** First reply to a new conversation, in business minutes; null: no target. */
  firstReply: targetSchema,
  /** A reply to each later customer message, in business minutes; null: no target. */
  nextReply: targetSchema,
  /** IANA time zone the hours are in. */
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'a time zone'),
  /** Working hours, Monday first. */
  days: z.array(dayHoursSchema).length(7),
  /** Days off, local dates "YYYY-MM-DD", sorted and without repeats. */
  holidays: z.array(z.string().refine((s) => parseIsoDate(s) !== null, 'a date')).max(MAX_HOLIDAYS),
}).strict()
export type ResponseTargetsSettings = z.infer<typeof responseTargetsSettingsSchema>

export const responseTargetsSchema = responseTargetsSettingsSchema.extend({
  v: z.literal(RESPONSE_TARGETS_VERSION),
  /** The change's id: its Message-ID, so a replayed change is not appended twice. */
  id: z.string().uuid(),
  /** When the member changed them, by their clock: shown, never used to order. */
  at: timestampSchema,
  /** The member who changed them: written by the service from the signed-in person. */
  by: emailAddressSchema,
}).strict()
export type ResponseTargets = z.infer<typeof responseTargetsSchema>

/** The targets a mailbox starts with before anyone sets them: none, 9 to 17 on weekdays, in `timeZone`. */
export function defaultTargets(timeZone: string): ResponseTargetsSettings {
  const day = { start: 9 * 60, end: 17 * 60 }
  return { firstReply: null, nextReply: null, timeZone: isTimeZone(timeZone) ? timeZone : 'UTC', days: [day, day, day, day, day, null, null], holidays: [] }
}

/** The business hours the targets count in. */
export const hoursOf = (t: ResponseTargetsSettings): BusinessHours => ({ timeZone: t.timeZone, days: t.days, holidays: t.holidays })

/** The JSON in ASCII only (\u escapes), so no server or transfer encoding changes it. */
export const serialiseResponseTargets = (t: ResponseTargets): string => asciiJson(t)

/** Targets from their JSON; null when not a well-formed record of this version or too big. */
export function parseResponseTargets(json: string): ResponseTargets | null {
  return parseBoundedJson(json, MAX_TARGETS_JSON, responseTargetsSchema)
}

/**
 * The targets' changes among the team folder's targets messages (their UID and header fields by
 * lower-case name), newest first: appended (no delivery trace) and well-formed only. The first
 * is the current targets.
 */
export function targetsChanges(messages: readonly { uid: number; fields: ReadonlyMap<string, string> }[]): (ResponseTargets & { uid: number })[] {
  const out: (ResponseTargets & { uid: number })[] = []
  for (const m of [...messages].sort((a, b) => b.uid - a.uid)) {
    const json = headerJson(m.fields, RESPONSE_TARGETS_HEADER, MAX_TARGETS_JSON)
    const t = json === null ? null : parseResponseTargets(json)
    if (t) out.push({ ...t, uid: m.uid })
  }
  return out
}
