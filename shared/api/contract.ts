import { z } from 'zod'
import { apiErrorSchema } from './errors'
import {
  connectionStateSchema, emailAddressSchema, folderSchema, serverSettingsSchema, sessionSchema,
} from '../domain'

/** A call: the schema of its input and of its output. */
export interface CallSpec<I extends z.ZodType, O extends z.ZodType> { input: I; output: O }
const call = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): CallSpec<I, O> => ({ input, output })
const none = z.object({}).strict()

export const signInRequestSchema = z.object({
  address: emailAddressSchema,
  password: z.string().min(1, 'Enter your password').max(1024),
  server: serverSettingsSchema,
}).strict()
export type SignInRequest = z.infer<typeof signInRequestSchema>

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** 'electron' or 'web': only for the About box, never for behaviour. */
  host: z.enum(['electron', 'web']),
  /** Server settings the launcher suggests for the sign-in form (empty on a plain install). */
  suggestedServer: serverSettingsSchema.nullable(),
})
export type AppInfo = z.infer<typeof appInfoSchema>

/** Every call from the renderer to the main process, by name. */
export const calls = {
  /** Name, version and launch hints for the sign-in form. */
  'app.info': call(none, appInfoSchema),
  /** Signs a person in over IMAP; the password stays in the main process. */
  'session.signIn': call(signInRequestSchema, sessionSchema),
  /** The signed-in session, or null. */
  'session.current': call(none, sessionSchema.nullable()),
  /** Signs out, closes connections and forgets the password. */
  'session.signOut': call(none, z.object({ ok: z.literal(true) })),
  /** Lists the folders of one mailbox, with roles from SPECIAL-USE. */
  'folders.list': call(z.object({ mailboxId: z.string().min(1).max(400) }).strict(), z.array(folderSchema)),
} as const

export type CallName = keyof typeof calls
export type CallInput<N extends CallName> = z.input<(typeof calls)[N]['input']>
export type CallOutput<N extends CallName> = z.infer<(typeof calls)[N]['output']>
export const callNames = Object.keys(calls) as CallName[]

/** Every event from the main process to the renderer, by name. */
export const events = {
  /** A mailbox's connection changed state (online, connecting, offline). */
  'connection.state': connectionStateSchema,
  /** The session ended on the main side (sign-out elsewhere, password rejected later). */
  'session.ended': z.object({ reason: z.string() }),
} as const

export type EventName = keyof typeof events
export type EventPayload<N extends EventName> = z.infer<(typeof events)[N]>
export const eventNames = Object.keys(events) as EventName[]

/** The result of one call as it crosses the boundary. */
export const callResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: apiErrorSchema }),
])
export type CallResult = z.infer<typeof callResultSchema>

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name)
}

// The preload's name lists must be exactly the contract's (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const callNamesMatch: Same<(typeof import('./names').CALL_NAMES)[number], CallName> = true
const eventNamesMatch: Same<(typeof import('./names').EVENT_NAMES)[number], EventName> = true
void callNamesMatch
void eventNamesMatch
