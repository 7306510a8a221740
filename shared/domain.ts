import { z } from 'zod'
import { textSchema } from './api/errors'

/**
 * Domain types shared by the renderer and the main process. Plain serialisable objects that refer
 * to each other by id; TypeScript types are inferred from the schemas.
 */

export const emailAddressSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[^@\s"<>]+@[^@\s"<>]+\.[^@\s"<>]+$/, 'Enter an e-mail address such as name@example.com')
  .max(320)

/** How a connection is protected: implicit TLS, STARTTLS, or none (allowed to loopback only). */
export const securitySchema = z.enum(['tls', 'starttls', 'none'])
export type Security = z.infer<typeof securitySchema>

export const endpointSchema = z.object({
  host: z.string().trim().min(1, 'Enter the server name').max(253),
  port: z.number().int().min(1).max(65535),
  security: securitySchema,
})
export type Endpoint = z.infer<typeof endpointSchema>

/**
 * Sign-in through the organisation's OpenID provider (OAuth2 authorization code with PKCE, in
 * the person's browser) instead of a password; IMAP and SMTP then use XOAUTH2.
 */
export const oauthSettingsSchema = z.object({
  /** The issuer (OpenID discovery at <issuer>/.well-known/openid-configuration). */
  issuer: z.string().url().max(500),
  /** Tandem's registration with that provider: a public client. */
  clientId: z.string().min(1).max(200),
  /**
   * Only for providers that insist on one for desktop apps (Google's "installed app" clients):
   * shipped in the app, so by the provider's own definition not a secret (RFC 8252 §8.5).
   */
  clientSecret: z.string().min(1).max(200).optional(),
  scopes: z.array(z.string().min(1).max(300)).min(1).max(20),
  /**
   * Extra authorization request parameters the provider needs for a refresh token (Google:
   * access_type=offline, prompt=consent; Microsoft: none). Absent: OpenID Connect's rule applies
   * (prompt=consent with offline_access).
   */
  authParams: z.record(z.string().regex(/^[a-z_]{1,40}$/), z.string().max(200)).optional(),
})
export type OAuthSettings = z.infer<typeof oauthSettingsSchema>

export const serverSettingsSchema = z.object({
  imap: endpointSchema,
  smtp: endpointSchema,
  oauth: oauthSettingsSchema.nullable().optional(),
  /**
   * How a member logs in to a shared mailbox's own session, with {shared} and {user}
   * placeholders (Exchange: "{user}\\{shared}"; Dovecot master users: "{shared}*{user}"; Exchange
   * Online with OAuth2: "{shared}", with the member's token). When
   * absent, shared mailboxes are worked through the person's own connection (shared namespace).
   */
  delegateLogin: z.string().max(200).regex(/\{shared\}/).nullable().optional(),
})
export type ServerSettings = z.infer<typeof serverSettingsSchema>

export const accountSchema = z.object({
  id: z.string(),
  address: emailAddressSchema,
  server: serverSettingsSchema,
})
export type Account = z.infer<typeof accountSchema>

export const quotaSchema = z.object({
  /** Bytes used and allowed (R5); limit null when the server sets none. */
  used: z.number().nonnegative(),
  limit: z.number().positive().nullable(),
  level: z.enum(['ok', 'warning', 'full']),
  percent: z.number().nullable(),
})
export type Quota = z.infer<typeof quotaSchema>

/** A mailbox the user works in: their own, or a shared mailbox they are a member of (R1). */
export const mailboxSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  kind: z.enum(['own', 'shared']),
  address: emailAddressSchema,
  name: z.string(),
  quota: quotaSchema.nullable().default(null),
  /** False when the server does not report the quota (no IMAP QUOTA: Exchange Online); absent while not known. */
  quotaReported: z.boolean().optional(),
  /** Something the person should know about how this mailbox is set up (e.g. its grants were ignored). */
  warning: textSchema.nullable().optional(),
  /** Opened by the person by address (the server does not list it): they may remove it again. */
  added: z.boolean().optional(),
  /** No directory entry publishes its grants: the person may add Send As / On Behalf, unconfirmed. */
  unpublishedGrants: z.boolean().optional(),
  /** Its members as the administrator's directory entry lists them (team state's "assign to"). */
  members: z.array(emailAddressSchema).max(1000).optional(),
})
export type Mailbox = z.infer<typeof mailboxSchema>

export const folderRoleSchema = z.enum(['inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'other'])
export type FolderRole = z.infer<typeof folderRoleSchema>

export const folderSchema = z.object({
  id: z.string(),
  mailboxId: z.string(),
  /** The server's path, exactly as LISTed (never rebuilt from a guessed separator). */
  path: z.string(),
  /** Display name: the last path segment. */
  name: z.string(),
  /** Names of the parents, outermost first, for the tree. */
  parents: z.array(z.string()),
  delimiter: z.string().nullable(),
  role: folderRoleSchema,
  subscribed: z.boolean(),
  selectable: z.boolean(),
  /** Unread and total messages when the server told (LIST-STATUS / STATUS). */
  unseen: z.number().int().nullable().default(null),
  total: z.number().int().nullable().default(null),
  rights: z.object({
    read: z.boolean(),
    write: z.boolean(),
    seen: z.boolean(),
    insert: z.boolean(),
    delete: z.boolean(),
  }).default({ read: true, write: true, seen: true, insert: true, delete: true }),
})
export type Folder = z.infer<typeof folderSchema>
export type FolderRights = Folder['rights']

export const addressSchema = z.object({ name: z.string(), address: z.string() })
export type Address = z.infer<typeof addressSchema>

/** One message as the list needs it: headers and flags, no body. Kept small: it is cached by the thousand. */
export const messageSummarySchema = z.object({
  id: z.string(),
  folderId: z.string(),
  mailboxId: z.string(),
  uid: z.number().int().positive(),
  messageId: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  subject: z.string(),
  from: z.array(addressSchema),
  to: z.array(addressSchema),
  cc: z.array(addressSchema),
  /** INTERNALDATE or Date header, ms since the epoch. */
  date: z.number(),
  size: z.number().int().nonnegative(),
  flags: z.array(z.string()),
  hasAttachments: z.boolean(),
  /**
   * The Sender header where it names someone other than From: the member who wrote "on behalf
   * of" a shared mailbox (R3). Null otherwise (the IMAP envelope repeats From when it is absent).
   */
  sender: addressSchema.nullable(),
  /**
   * A draft's author as the draft says (X-Tandem-Draft-By): a shared mailbox's Drafts are every
   * member's. Any member could write it: shown as the draft's word ("Bob's draft"). Null otherwise.
   */
  draftBy: addressSchema.nullable(),
  /** The root of References: all threading needs of that header (shared/conversation.ts). */
  referencesRoot: z.string().nullable(),
  /** Outlook's Thread-Index root where the message is a reply (shared/conversation.ts). */
  threadIndex: z.string().nullable(),
  /** The conversation it belongs to: `conversationIdOf` its own headers (shared/conversation.ts). */
  conversationId: z.string(),
  /**
   * Cached before summaries carried Sender, References and Thread-Index: its conversation is
   * what its Message-ID and In-Reply-To tell until the device has fetched those again.
   */
  threadingPending: z.literal(true).optional(),
  /** The start of the text, once the body is in the cache (filled by the renderer). */
  snippet: z.string().optional(),
})
export type MessageSummary = z.infer<typeof messageSummarySchema>

export const attachmentSchema = z.object({
  partId: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  inline: z.boolean(),
  /** A type Tandem shows itself, in a sandbox (images, PDF, text); anything else is only saved. */
  viewable: z.boolean().default(false),
})
export type Attachment = z.infer<typeof attachmentSchema>

/** A message body as the reader needs it. HTML is raw here: the renderer sanitizes it. */
export const messageBodySchema = z.object({
  folderId: z.string(),
  uid: z.number().int(),
  html: z.string().nullable(),
  text: z.string().nullable(),
  attachments: z.array(attachmentSchema),
  /** Problems met while parsing (broken MIME, unknown charset), shown above the body. */
  warnings: z.array(textSchema),
  /** True when the body was cut to a readable size. */
  truncated: z.boolean(),
  /** Its References, whole (at most 100 ids): a reply to it carries them on (shared/conversation.ts `replyReferences`). */
  references: z.array(z.string().max(998)).max(100).default([]),
})
export type MessageBody = z.infer<typeof messageBodySchema>

/** Where a folder's cache stands, so a sync fetches only what changed. */
export const folderSyncStateSchema = z.object({
  uidValidity: z.string(),
  uidNext: z.number().int(),
  highestModseq: z.string().nullable(),
  count: z.number().int(),
  /** Without CONDSTORE: which of the service's answers about flags the cache holds (the service's token; flag-scan.ts). */
  flagsSeen: z.string().max(100).nullish(),
})
export type FolderSyncState = z.infer<typeof folderSyncStateSchema>

export const sessionSchema = z.object({
  account: accountSchema,
  mailboxes: z.array(mailboxSchema),
  /**
   * The organisation's domains (shared/rules/organisation.ts: the administrator's directory and
   * the person's own domain): whose mail is the team's own, e.g. a reply that does not wake a
   * snoozed conversation. Absent until the directory was read once.
   */
  domains: z.array(z.string().min(1).max(253)).max(1000).optional(),
})
export type Session = z.infer<typeof sessionSchema>

export const connectionStateSchema = z.object({
  mailboxId: z.string(),
  state: z.enum(['online', 'connecting', 'offline']),
  detail: textSchema.optional(),
  /** When offline: the time (ms since the epoch) of the next automatic attempt (R9). */
  retryAt: z.number().optional(),
})
export type ConnectionState = z.infer<typeof connectionStateSchema>

/**
 * Who a message can be sent as: the person (self), a shared mailbox with Send As (R2), or
 * "person on behalf of" a shared mailbox (R3). Built by the main process from grants it loaded
 * itself; the renderer gets a read-only copy.
 */
export const identitySchema = z.object({
  id: z.string(),
  kind: z.enum(['self', 'sendAs', 'onBehalf']),
  /** The mailbox the message is from, and whose Sent folder gets the copy. */
  mailboxId: z.string(),
  from: addressSchema,
  /** The Sender header for on-behalf sends (R3). */
  sender: addressSchema.nullable(),
  /** What the From picker shows. */
  label: z.string(),
  /** Why encryption is unavailable, or null when it may be offered (R4). */
  noEncryption: textSchema.nullable(),
  /** Added by the person where the server publishes no grants: the server decides when it is used. */
  unconfirmed: z.boolean().optional(),
  /** Such an identity the server refused (R2, R3): it stays, marked, until the person removes it. */
  refused: z.boolean().optional(),
})
export type Identity = z.infer<typeof identitySchema>

export const grantsSchema = z.object({ sendAs: z.array(z.string()), sendOnBehalf: z.array(z.string()) })
export type Grants = z.infer<typeof grantsSchema>
