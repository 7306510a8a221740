import { z } from 'zod'
import { fullText, type MessageKey, type Params } from '../i18n'
import { ruleOfKey } from './error-rules'

/** Rule IDs of ../shared/design/shared-mailbox-rules.md that an error can name. */
export const ruleIdSchema = z.enum(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'])
export type RuleId = z.infer<typeof ruleIdSchema>

export const errorCodeSchema = z.enum([
  /** The request did not match the contract. */
  'request.invalid',
  /** No such call. */
  'request.unknown',
  /** The call needs a signed-in user. */
  'session.required',
  /** The server refused the address and password. */
  'auth.failed',
  /** A shared mailbox tried to sign in (R8). */
  'auth.sharedMailbox',
  /** The server refused the sign-in for another reason it gave. */
  'auth.refused',
  /** The organisation's sign-in (OAuth2) has to be done again: the refresh token was refused or revoked. */
  'auth.expired',
  /** The person cancelled the sign-in in the browser, or did not finish it in time. */
  'auth.cancelled',
  /** The server could not be reached. */
  'network.unreachable',
  /** The connection would send a password unprotected to another machine. */
  'security.insecure',
  /** TLS failed (certificate, protocol). */
  'security.tls',
  /** The person's rights on the folder do not allow this (the server's ACL). */
  'permission.denied',
  /** The message or folder is no longer there (another member moved or deleted it). */
  'message.gone',
  /** The mailbox has no folder for this (e.g. no Deleted Items). */
  'folder.missing',
  /** The person may not send from that identity (R2, R3). */
  'send.notAllowed',
  /** Encryption was asked for a shared identity (R4). */
  'send.encryptionShared',
  /** The identity's mailbox is full (R6). */
  'send.mailboxFull',
  /** Encryption needs a certificate that is not set up. */
  'send.noCertificate',
  /** Encrypted mail with Bcc recipients: the envelope would name them to everyone. */
  'send.encryptedBcc',
  /** The SMTP server refused the message. */
  'send.refused',
  /** An earlier attempt stopped while the server was taking the message: it may have gone. */
  'send.uncertain',
  /** Another member answered the conversation after this reply was queued. */
  'send.conversationAnswered',
  /** The server answered something we could not work with. */
  'server.error',
  /** Anything else: a bug on our side. */
  'internal',
])
export type ErrorCode = z.infer<typeof errorCodeSchema>

const paramsSchema = z.record(z.string().max(60), z.union([z.string().max(2000), z.number()]))

/** What crosses the boundary when a call fails: serialisable, written for people. */
export const apiErrorSchema = z.object({
  code: errorCodeSchema,
  rule: ruleIdSchema.optional(),
  /** What happened and what to do next, in English (logs; a renderer without the key). */
  message: z.string(),
  /** The catalogue's key for the message ("errors.auth.failed"): the renderer shows it in the person's language. */
  key: z.string().max(120).optional(),
  /** What the message names: mailbox, address, rule, seconds. */
  params: paramsSchema.optional(),
  /** Which input field the error is about, when there is one (the form shows it there). */
  field: z.string().optional(),
  /** The server's own words (an SMTP or IMAP reply), verbatim: shown in the details line, never in the sentence. */
  reply: z.string().max(2000).optional(),
  /** The technical cause (ECONNREFUSED, a TLS error, the field that failed validation): shown in the details line. */
  cause: z.string().max(2000).optional(),
})
export type ApiError = z.infer<typeof apiErrorSchema>

/** Something main tells the person that is not an error (a mailbox's warning, a body's note): the catalogue's key, its parameters, the English text. */
export const textSchema = z.object({
  key: z.string().max(120),
  params: paramsSchema.optional(),
  message: z.string(),
  /** As on {@link ApiError}: the rule, the server's words and the cause, for the details line. */
  rule: ruleIdSchema.optional(),
  reply: z.string().max(2000).optional(),
  cause: z.string().max(2000).optional(),
})
export type Text = z.infer<typeof textSchema>

/** What goes in an error's details line rather than its sentence. */
export interface Details { rule?: RuleId; reply?: string; cause?: string }

const detailsOf = (key: MessageKey, d: Details): Details => {
  const rule = d.rule ?? ruleOfKey(key)
  const reply = d.reply?.trim().slice(0, 2000)
  const cause = d.cause?.trim().slice(0, 2000)
  return { ...(rule ? { rule } : {}), ...(reply ? { reply } : {}), ...(cause ? { cause } : {}) }
}

/** A {@link Text} from the catalogue; a warning or a reason that quotes a server passes its words as `details.reply`. */
export function text(key: MessageKey, params?: Params, details: Details = {}): Text {
  const d = detailsOf(key, details)
  return { key, ...(params ? { params } : {}), ...d, message: fullText('en', key, params, d) }
}

/**
 * An error as the catalogue words it: the key and its parameters, the rule (from the key when the
 * caller does not name it), the server's reply and the cause; `message` is the English sentence
 * with its details, for logs.
 */
export function apiError(e: { code: ErrorCode; key: MessageKey; params?: Params; rule?: RuleId; field?: string; reply?: string; cause?: string }): ApiError {
  const d = detailsOf(e.key, e)
  return {
    code: e.code,
    ...d,
    ...(e.field ? { field: e.field } : {}),
    key: e.key,
    ...(e.params ? { params: e.params } : {}),
    message: fullText('en', e.key, e.params, d),
  }
}

/** {@link apiError}, thrown. */
export const fail = (e: Parameters<typeof apiError>[0]): ApiFailure => new ApiFailure(apiError(e))

/** Thrown on both sides of the boundary when a call fails with an {@link ApiError}. */
export class ApiFailure extends Error {
  readonly error: ApiError
  constructor(error: ApiError) {
    super(error.message)
    this.name = 'ApiFailure'
    this.error = error
  }
  get code(): ErrorCode { return this.error.code }
  get rule(): RuleId | undefined { return this.error.rule }
}

/** A server's reply with its numeric code in front ("550 5.7.1 …"), as the server sent it when it already starts so. */
export const withCode = (code: number | undefined, reply: string): string => {
  const t = reply.trim()
  return code && !t.startsWith(String(code)) ? `${code} ${t}` : t
}

/** An error passed on as a {@link Text} (a connection's state says why it is offline): its words and details kept. */
export function textOf(e: ApiError): Text {
  return {
    key: e.key ?? 'errors.internal',
    ...(e.params ? { params: e.params } : {}),
    ...(e.rule ? { rule: e.rule } : {}),
    ...(e.reply ? { reply: e.reply } : {}),
    ...(e.cause ? { cause: e.cause } : {}),
    message: e.message,
  }
}
