import { z } from 'zod'
import { conversationIdSchema, teamActionSchema } from '../team/records'
import { isTeamWire, type TeamWire } from '../team/wire'
import { MAX_DISTRUST, VERIFY_CHUNK } from '../team/batches'
import { MAX_HISTORY, MAX_NOTES } from '../team/fold'

/** A conversation's records whose authors one `team.authors` asks about: all it keeps (notes and history). */
const MAX_CONFIRM = MAX_NOTES * 2 + MAX_HISTORY
import { LOCALES } from '../i18n'
import { MAX_SIGNATURE_HTML } from '../rules/shared-signature'
import { responseTargetsSettingsSchema, TARGETS_LOOK_AT } from '../rules/response-targets'
import { MAX_REPLY_FILES, MAX_REPLY_FILES_BYTES, MAX_REPLY_HISTORY, MAX_REPLY_HTML, MAX_REPLY_NAME, MAX_SAVED_REPLIES, replyFileSchema } from '../rules/saved-replies'
import { apiErrorSchema, textSchema } from './errors'
import { batchFromWire } from './summary-wire'
import {
  addressSchema, connectionStateSchema, emailAddressSchema, folderSchema, folderSyncStateSchema, identitySchema,
  messageBodySchema, serverSettingsSchema, sessionSchema,
} from '../domain'
import { timestampSchema } from '../rules/timestamp'
import { isRanges, MAX_DELTA_NUMBERS, MAX_SNAPSHOT_NUMBERS, MAX_STATE_NUMBERS, MAX_UID } from '../team/own-read'

/** A call: the schema of its input and of its output. */
export interface CallSpec<I extends z.ZodType, O extends z.ZodType> { input: I; output: O }
const call = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): CallSpec<I, O> => ({ input, output })
const none = z.object({}).strict()
const id = z.string().min(1).max(1000)
const uids = z.array(z.number().int().positive()).min(1).max(50_000)
const flagName = z.string().regex(/^\\?[A-Za-z0-9$_.-]+$/).max(64)
const messageIds = z.array(z.string().max(998).nullable()).max(50_000)
/** One message of a folder, as the window names it: its UID there and its Message-ID (found again by it if it moved). */
export const messageRefSchema = z.object({ folderId: id, uid: z.number().int().positive(), messageId: z.string().max(998).nullable() }).strict()
export type MessageRef = z.infer<typeof messageRefSchema>
const moved = z.object({ toFolderId: z.string(), uidMap: z.array(z.tuple([z.number().int(), z.number().int()])), gone: z.array(z.number().int()) })

export const signInRequestSchema = z.object({
  address: emailAddressSchema,
  password: z.string().min(1, 'Enter your password').max(1024),
  server: serverSettingsSchema,
}).strict()
export type SignInRequest = z.infer<typeof signInRequestSchema>

const recipient = addressSchema.extend({ address: emailAddressSchema, name: z.string().max(200) })
/** A message being written (a draft may still lack recipients). */
export const draftSchema = z.object({
  identityId: z.string().min(1).max(400),
  to: z.array(recipient).max(500),
  cc: z.array(recipient).max(500),
  bcc: z.array(recipient).max(500),
  subject: z.string().max(998),
  text: z.string().max(5 * 1024 * 1024),
  html: z.string().max(10 * 1024 * 1024).nullable(),
  inReplyTo: z.string().max(998).nullable(),
  references: z.array(z.string().max(998)).max(100),
  encrypt: z.boolean(),
  attachments: z.array(z.object({
    filename: z.string().min(1).max(255),
    contentType: z.string().max(200),
    /** The file, base64: attachments are small enough to cross once (the server's SIZE bounds them). */
    contentBase64: z.string().max(70 * 1024 * 1024),
  }).strict()).max(100).default([]),
}).strict()
/**
 * How the outbox names a queued message: its id fixes the Message-ID (so a retry is recognised
 * in the Sent folder), when it was queued (for "answered meanwhile"), and what the
 * person has confirmed after a warning. Whether a message that may have gone is sent again is
 * not the request's to say: main's outbox journal holds the person's decision (outbox.decide).
 */
const outboxFields = {
  outboxId: z.string().uuid().optional(),
  /** From when another member's answer is news to the person: when they opened the reply (else when it was queued). */
  queuedAt: z.number().int().positive().optional(),
  /** The person chose to send although another member answered the conversation meanwhile. */
  answeredOk: z.boolean().optional(),
  /**
   * The autosaved drafts this message replaces (a draft's key, the mailbox whose Drafts hold it):
   * every saved version goes once the message has gone, also when it went later from the outbox.
   */
  replacesDrafts: z.array(z.object({ key: z.string().uuid(), mailboxId: z.string().min(1).max(400) }).strict()).max(20).optional(),
}
export const sendRequestSchema = draftSchema.extend(outboxFields).refine((r) => r.to.length + r.cc.length + r.bcc.length > 0, { message: 'Add at least one recipient', path: ['to'] })
export type SendRequest = z.infer<typeof sendRequestSchema>

/** A batch of team records in the team folder (shared/team/batches.ts), as its header and From say. */
const batchInfoSchema = z.object({
  uid: z.number().int().positive(), from: z.number().int().positive(), upto: z.number().int().positive(),
  records: z.number().int().positive(), by: z.string().max(320),
  /** The server confirms `by` appended it (docs/team-state.md, "Authors"); otherwise `by` is only its claim. */
  confirmed: z.boolean().optional(),
}).strict()

/** Where a member's read of a team folder stopped. */
/** Where a read of a team folder stopped; `chain` while the device is still reading the chain of batches. */
export const teamCursorSchema = z.object({ uidValidity: z.string().min(1).max(40), uidNext: z.number().int().positive(), chain: z.literal(true).optional() }).strict()

export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  /** 'electron' or 'web': only for the About box, never for behaviour. */
  host: z.enum(['electron', 'web']),
  /** Server settings the launcher suggests for the sign-in form (empty on a plain install). */
  suggestedServer: serverSettingsSchema.nullable(),
  /** False when passwords last only until Tandem closes (no secure keychain on this computer). */
  secretsPersist: z.boolean(),
  /** Client IDs Tandem is registered under with providers (organisation sign-in in their presets). */
  oauthClients: z.object({
    microsoft365: z.object({ clientId: z.string().max(200), clientSecret: z.string().max(200).optional() }).strict().optional(),
    google: z.object({ clientId: z.string().max(200), clientSecret: z.string().max(200).optional() }).strict().optional(),
  }).strict(),
})
export type AppInfo = z.infer<typeof appInfoSchema>

/** What a notification opens when clicked: a message of a folder. */
export const notificationTargetSchema = z.object({ folderId: z.string().min(1).max(1000), id: z.string().min(1).max(1100) }).strict()
export type NotificationTarget = z.infer<typeof notificationTargetSchema>

/** Every call from the renderer to the main process, by name. */
export const calls = {
  /** Name, version and launch hints for the sign-in form. */
  'app.info': call(none, appInfoSchema),
  /**
   * Shows a desktop notification of new mail in an Inbox (Electron: main shows it; `shown` false
   * where the host has none — the web host's window uses the browser's Notification API — or
   * when none of the messages is there unread, or past the rate limit). The window names the
   * messages; main reads their senders and subjects itself and writes the words in `locale`.
   * Clicking it comes back as an 'app.notificationClicked' event with the target.
   */
  'app.notify': call(z.object({
    folderId: z.string().min(1).max(1000),
    uids: z.array(z.number().int().positive()).min(1).max(50),
    locale: z.enum(LOCALES).default('en'),
  }).strict(), z.object({ shown: z.boolean(), title: z.string().max(1000).optional(), body: z.string().max(4000).optional() })),
  /** The unread count of the unmuted Inboxes, for the dock / taskbar badge (0 clears it). */
  'app.badge': call(z.object({ count: z.number().int().nonnegative().max(10_000_000) }).strict(), z.object({ ok: z.literal(true) })),
  /**
   * Server settings found from an address (the domain's autoconfig, else a preset shipped with
   * Tandem), before the sign-in form falls back to its guess.
   */
  'server.discover': call(z.object({ address: emailAddressSchema }).strict(), z.object({
    server: serverSettingsSchema.nullable(),
    source: z.enum(['autoconfig', 'preset']).nullable(),
    provider: z.string().nullable(),
    note: textSchema.nullable(),
    /** The host that published the autoconfig answer (the form shows it with the servers it names). */
    foundAt: z.string().max(253).nullable(),
  })),
  /** Signs a person in over IMAP; the password stays in the main process. */
  'session.signIn': call(signInRequestSchema, sessionSchema),
  /** The signed-in session, or null. */
  'session.current': call(none, sessionSchema.nullable()),
  /** The connection state of each of the session's mailboxes now (a reloaded window starts from it). */
  'session.connections': call(none, z.array(connectionStateSchema)),
  /** Signs out, closes connections and forgets the password. */
  'session.signOut': call(none, z.object({ ok: z.literal(true) })),
  /**
   * Starts signing in with the organisation's OpenID provider (OAuth2, PKCE, loopback redirect).
   * `opened`: main opened the sign-in page in the person's browser; otherwise the renderer opens `url`.
   */
  'session.oauthBegin': call(z.object({
    server: serverSettingsSchema,
    loginHint: emailAddressSchema.optional(),
    /** Ask the provider to let the person choose the account (after a sign-in came back as someone else). */
    selectAccount: z.boolean().optional(),
  }).strict(),
    z.object({ flowId: z.string(), url: z.string().url(), opened: z.boolean() })),
  /** Resolves once the person finished (or abandoned) the sign-in in the browser. */
  'session.oauthFinish': call(z.object({ flowId: z.string().min(1).max(100) }).strict(), sessionSchema),
  'session.oauthCancel': call(z.object({ flowId: z.string().min(1).max(100) }).strict(), z.object({ ok: z.literal(true) })),
  /** Lists the folders of one mailbox, with roles from SPECIAL-USE and the person's rights. */
  'folders.list': call(z.object({ mailboxId: z.string().min(1).max(400) }).strict(), z.array(folderSchema)),
  /** Asks the server again which shared mailboxes the person belongs to (R1) and their quotas. */
  'mailboxes.refresh': call(none, sessionSchema),
  /** Opens a shared mailbox by address (R1: kept only when the server lets the person open it). */
  'mailboxes.add': call(z.object({ address: emailAddressSchema }).strict(), sessionSchema),
  /** Removes a shared mailbox the person opened by address; its cache goes with it. */
  'mailboxes.remove': call(z.object({ mailboxId: z.string().min(1).max(400) }).strict(), sessionSchema),
  /** The mailbox the person is working in: its connections are the last the connection budget takes back (R9). */
  'mailboxes.focus': call(z.object({ mailboxId: z.string().min(1).max(400) }).strict(), z.object({ ok: z.literal(true) })),
  /**
   * Brings a folder's cache up to date from the state the renderer holds. New messages arrive
   * as 'sync.messages' events before this resolves; flag changes and removals come back here.
   */
  'messages.sync': call(z.object({ folderId: id, since: folderSyncStateSchema.nullable(), knownUids: z.number().int().nonnegative() }).strict(), z.object({
    state: folderSyncStateSchema,
    /** True when the cache must be dropped first (UIDVALIDITY changed). */
    reset: z.boolean(),
    changed: z.array(z.object({ uid: z.number().int(), flags: z.array(z.string()) })),
    /** UIDs that are gone; null when the server could not say (then `present` is given). */
    vanished: z.array(z.number().int()).nullable(),
    /** Every UID in the folder, when vanished could not be computed incrementally. */
    present: z.array(z.number().int()).nullable(),
    added: z.number().int(),
    /** Bytes read from the server for this sync (the benchmark shows that nothing is refetched). */
    received: z.number().int().nonnegative(),
  })),
  /**
   * A shared mailbox's team state records (docs/team-state.md) from the cursor on, at most a
   * page; ask again while `more`. `exists`: false while nobody has recorded anything there.
   */
  'team.read': call(z.object({
    mailboxId: z.string().min(1).max(400),
    since: teamCursorSchema.nullable(),
    /** Batches this device found to differ from the records they copy (team.verify): not started from. */
    distrust: z.array(z.number().int().positive()).max(MAX_DISTRUST).default([]),
    /** False: read the log alone, no batches (a device that found too many false ones, or could not check them). */
    batches: z.boolean().default(true),
  }).strict(), z.object({
    exists: z.boolean(),
    cursor: teamCursorSchema.nullable(),
    /** In their wire form (shared/team/wire.ts), checked against the record's schema by the service as it read them. */
    records: z.custom<TeamWire>(isTeamWire, { message: 'team records are off-contract' }),
    more: z.boolean(),
    /** Messages in the folder that are not records (another client's, or hostile): left alone. */
    skipped: z.number().int().nonnegative(),
    /** The folder was recreated (UIDVALIDITY): fold again from these records alone. */
    reset: z.boolean(),
    /** The batches these records came from (a first read): check them later with team.verify. */
    batches: z.array(batchInfoSchema),
  })),
  /**
   * Checks batches against the records they copy, reading every one of those: the batches that
   * differ (or cannot be read). A device that started from batches asks this in the background,
   * VERIFY_CHUNK batches a call, until it has asked about every one.
   */
  'team.verify': call(z.object({ mailboxId: z.string().min(1).max(400), batches: z.array(z.number().int().positive()).min(1).max(VERIFY_CHUNK) }).strict(),
    z.object({ bad: z.array(batchInfoSchema), checked: z.number().int().nonnegative() })),
  /**
   * Which of a conversation's team records the server confirms were written by their author:
   * `mode` confirmed where the administrator gave each member an append-only folder of their own,
   * claimed elsewhere (every author is then only what its record says); `members`: the members
   * who have such a folder (docs/team-state.md, "Authors").
   */
  'team.authors': call(z.object({
    mailboxId: z.string().min(1).max(400),
    records: z.array(z.object({ uid: z.number().int().positive(), id: z.string().uuid(), by: emailAddressSchema }).strict()).max(MAX_CONFIRM),
  }).strict(), z.object({
    mode: z.enum(['confirmed', 'claimed']),
    members: z.array(emailAddressSchema).max(1000),
    confirmed: z.array(z.string().uuid()).max(MAX_CONFIRM),
  })),
  /**
   * Appends a batch of the records after the last one, when enough have been appended since
   * (the service decides, and checks the batches before it first); `batch` null when it did not.
   */
  'team.compact': call(z.object({ mailboxId: z.string().min(1).max(400), locale: z.enum(LOCALES).default('en') }).strict(),
    z.object({ batch: batchInfoSchema.nullable(), passedOver: z.array(batchInfoSchema) })),
  /**
   * Appends one team record as the signed-in member (main writes who, and the conversation: it
   * reads the headers of the message the action is `about`); `locale` for the sentence other
   * clients show. `conversationId`: the one main recorded (null: the record was there already).
   */
  'team.record': call(z.object({
    mailboxId: z.string().min(1).max(400),
    id: z.string().uuid(),
    about: messageRefSchema,
    at: timestampSchema.positive(),
    action: teamActionSchema,
    locale: z.enum(LOCALES).default('en'),
  }).strict(), z.object({ uid: z.number().int().positive().nullable(), conversationId: conversationIdSchema.nullable() })),
  /**
   * A shared mailbox's signature, kept in its team folder so every member sends the same one
   * (shared/rules/shared-signature.ts): the newest a member saved, with who and when; null when none.
   */
  'signatures.shared': call(z.object({ mailboxId: z.string().min(1).max(400) }).strict(),
    z.object({ signature: z.object({ html: z.string().max(MAX_SIGNATURE_HTML), forNew: z.boolean(), forReplies: z.boolean(), by: emailAddressSchema, at: timestampSchema }).nullable() })),
  /** Saves a shared mailbox's signature for the whole team as the signed-in member (main writes who); `id` makes a replay the same save. */
  'signatures.setShared': call(z.object({
    mailboxId: z.string().min(1).max(400),
    id: z.string().uuid(),
    at: timestampSchema.positive(),
    html: z.string().max(MAX_SIGNATURE_HTML),
    forNew: z.boolean(),
    forReplies: z.boolean(),
    locale: z.enum(LOCALES).default('en'),
  }).strict(), z.object({ uid: z.number().int().positive().nullable() })),
  /**
   * A shared mailbox's response targets (shared/rules/response-targets.ts), kept in its team
   * folder: the newest a member set, with who and when (null: none set), and the recent changes
   * newest first, with who made each.
   */
  'targets.get': call(z.object({ mailboxId: z.string().min(1).max(400) }).strict(), z.object({
    targets: responseTargetsSettingsSchema.extend({ by: emailAddressSchema, at: timestampSchema, confirmed: z.boolean() }).nullable(),
    changes: z.array(z.object({ by: emailAddressSchema, at: timestampSchema, firstReply: z.number().int().nullable(), nextReply: z.number().int().nullable(), confirmed: z.boolean() })).max(TARGETS_LOOK_AT),
    /** Whether the server can confirm who made a change (each member has a folder of their own) or authors are only claimed. */
    authors: z.enum(['confirmed', 'claimed']),
  })),
  /** Sets a shared mailbox's response targets for the whole team as the signed-in member (main writes who); `id` makes a replay the same change. */
  'targets.set': call(z.object({
    mailboxId: z.string().min(1).max(400),
    id: z.string().uuid(),
    at: timestampSchema.positive(),
    targets: responseTargetsSettingsSchema,
    locale: z.enum(LOCALES).default('en'),
  }).strict(), z.object({ uid: z.number().int().positive().nullable() })),
  /**
   * The saved replies of a mailbox (shared/rules/saved-replies.ts): a shared mailbox's are the
   * team's, the person's own mailbox's are theirs; each with who changed it last and its history,
   * deleted ones too (R10: to bring back). `skipped`: messages passed over (not records, too big,
   * past the bounds); `authors`: whether the server confirms who wrote each change.
   */
  'replies.list': call(z.object({ mailboxId: z.string().min(1).max(400) }).strict(), z.object({
    replies: z.array(z.object({
      id: z.string().uuid(),
      name: z.string().max(MAX_REPLY_NAME),
      html: z.string().max(MAX_REPLY_HTML),
      files: z.array(replyFileSchema).max(MAX_REPLY_FILES),
      filesUid: z.number().int().positive().nullable(),
      changedBy: emailAddressSchema,
      changedAt: z.number().int().nonnegative(),
      changedConfirmed: z.boolean(),
      deleted: z.object({ by: emailAddressSchema, at: timestampSchema, confirmed: z.boolean() }).nullable(),
      uid: z.number().int().positive(),
      history: z.array(z.object({ op: z.enum(['save', 'delete', 'restore']), by: emailAddressSchema, at: timestampSchema, uid: z.number().int().positive(), confirmed: z.boolean() })).max(MAX_REPLY_HISTORY),
    })).max(MAX_SAVED_REPLIES),
    skipped: z.number().int().nonnegative(),
    authors: z.enum(['confirmed', 'claimed']),
  })),
  /**
   * Saves, deletes or restores a saved reply of a mailbox as the signed-in person (main writes
   * who); `id` is the change's own, so a replay is the same change; `reply` the saved reply's.
   */
  'replies.change': call(z.object({
    op: z.enum(['save', 'delete', 'restore']),
    mailboxId: z.string().min(1).max(400),
    id: z.string().uuid(),
    reply: z.string().uuid(),
    at: timestampSchema.positive(),
    /** A save's name and HTML; a delete or restore carries neither. */
    name: z.string().trim().min(1).max(MAX_REPLY_NAME).optional(),
    html: z.string().max(MAX_REPLY_HTML).optional(),
    /** A save's files (main works out their sizes and hashes; MAX_REPLY_FILES_BYTES together at most). */
    files: z.array(z.object({
      filename: z.string().trim().min(1).max(255),
      contentType: z.string().max(200),
      contentBase64: z.string().max(Math.ceil(MAX_REPLY_FILES_BYTES / 3) * 4),
    }).strict()).max(MAX_REPLY_FILES).optional(),
    locale: z.enum(LOCALES).default('en'),
  }).strict().refine((c) => (c.op === 'save') === (c.name !== undefined && c.html !== undefined), { message: 'a save carries a name and HTML, a delete or restore neither', path: ['op'] })
    .refine((c) => c.op === 'save' || c.files === undefined, { message: 'only a save carries files', path: ['files'] }),
  z.object({ uid: z.number().int().positive().nullable() })),
  /**
   * The files of a saved reply (its `filesUid`), as the composer attaches them: each checked
   * against the size and SHA-256 its record lists before it is given.
   */
  'replies.files': call(z.object({ mailboxId: z.string().min(1).max(400), uid: z.number().int().positive() }).strict(), z.object({
    files: z.array(z.object({ filename: z.string().max(255), contentType: z.string().max(200), contentBase64: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(MAX_REPLY_FILES),
  })),
  /**
   * The signed-in member's own read state of each folder of a shared mailbox (shared/team/own-read.ts):
   * per folder its UIDVALIDITY and the UIDs read as ranges [start, end, …]; `found`: whether the
   * server holds any of the member's marks there; `authors`: whether the server confirms they are theirs.
   */
  'read.state': call(z.object({ mailboxId: z.string().min(1).max(400) }).strict(), z.object({
    folders: z.array(z.object({
      folderId: id,
      uidValidity: z.number().int().positive().max(MAX_UID),
      read: z.array(z.number().int().positive().max(MAX_UID)).max(MAX_STATE_NUMBERS),
      deltas: z.number().int().nonnegative(),
    })).max(2000),
    authors: z.enum(['confirmed', 'claimed']),
    skipped: z.number().int().nonnegative(),
    found: z.boolean(),
  })),
  /**
   * Appends a snapshot (the UIDs read, as ranges) or a delta (ranges read and made unread) of the
   * signed-in member's read state of one folder of a shared mailbox (main writes who); `id`
   * makes a replay the same mark.
   */
  'read.mark': call(z.object({
    mailboxId: z.string().min(1).max(400),
    folderId: id,
    id: z.string().uuid(),
    at: timestampSchema.positive(),
    uidValidity: z.number().int().positive().max(MAX_UID),
    kind: z.enum(['snapshot', 'delta']),
    read: z.array(z.number().int()).max(MAX_SNAPSHOT_NUMBERS).refine(isRanges, 'ranges in order'),
    unread: z.array(z.number().int()).max(MAX_DELTA_NUMBERS).refine(isRanges, 'ranges in order'),
    locale: z.enum(LOCALES).default('en'),
  }).strict(), z.object({ uid: z.number().int().positive().nullable() })),
  /**
   * What threading needs of cached messages that were synced before summaries carried it:
   * Sender, References' root, Thread-Index's and a draft's author (rows `[uid, sender, referencesRoot, threadIndex, draftBy]`,
   * sender flat as in summary-wire.ts); UIDs no longer in the folder are left out.
   */
  'messages.threading': call(z.object({ folderId: id, uids: z.array(z.number().int().positive()).min(1).max(5000) }).strict(),
    z.object({ rows: z.array(z.tuple([z.number().int().positive(), z.array(z.string().max(400)).max(2), z.string().max(998).nullable(), z.string().max(44).nullable(), z.array(z.string().max(400)).max(2)])).max(5000) })),
  /** A message's body, parsed in the main process. */
  'messages.body': call(z.object({ folderId: id, uid: z.number().int().positive() }).strict(), messageBodySchema),
  /** Adds and removes flags (\\Seen, \\Flagged…) on the server. */
  'messages.setFlags': call(z.object({ folderId: id, uids, add: z.array(flagName).max(10), remove: z.array(flagName).max(10) }).strict(),
    z.object({ ok: z.literal(true), /** UIDs no longer in the folder (another member moved or deleted them). */ gone: z.array(z.number().int()) })),
  /**
   * Moves messages to another folder of the same mailbox; returns their new UIDs. With the
   * messages' Message-IDs (in the order of uids) a replayed move recognises messages an earlier
   * attempt already moved; `gone` are those someone else moved or deleted.
   */
  'messages.move': call(z.object({ folderId: id, uids, toFolderId: id, messageIds: messageIds.optional() }).strict(), moved),
  /** Deletes by moving to the mailbox's Deleted Items (R10: never a silent expunge). */
  'messages.delete': call(z.object({ folderId: id, uids, messageIds: messageIds.optional() }).strict(), moved),
  /** A short-lived link that streams one attachment from the server. */
  'attachments.link': call(z.object({ folderId: id, uid: z.number().int().positive(), partId: z.string().regex(/^[0-9.]+$/).max(40), open: z.boolean().default(false) }).strict(), z.object({ url: z.string() })),
  /**
   * Saves a draft into the Drafts of the identity's mailbox, replacing this device's earlier
   * versions of it (never by UID: a UID could be anyone's draft, R10).
   */
  'drafts.save': call(z.object({
    draft: draftSchema,
    /** A queued draft: its key and version fix the Message-ID, so a replay never saves it twice. */
    version: z.object({ key: z.string().uuid(), n: z.number().int().nonnegative() }).optional(),
  }).strict(),
    z.object({ folderId: z.string(), uid: z.number().int().nullable() })),
  /**
   * A saved draft as the composer reopens it. `key` and `n` when this device saved it (editing
   * replaces it); null for anyone else's draft, which opens as a copy. `identityId` empty when
   * the person may not send from its From. `by`: who the draft says wrote it (a claim).
   */
  'drafts.open': call(z.object({ folderId: id, uid: z.number().int().positive() }).strict(), z.object({
    draft: draftSchema.omit({ identityId: true }).extend({ identityId: z.string().max(400) }),
    key: z.string().uuid().nullable(),
    n: z.number().int().nonnegative(),
    by: addressSchema.nullable(),
  })),
  /** Removes every version this device saved of a draft (by its key) from a mailbox's Drafts: the person discarded it. */
  'drafts.delete': call(z.object({ mailboxId: z.string().min(1).max(400), key: z.string().uuid() }).strict(), z.object({ ok: z.literal(true) })),
  /** What the submission server accepts: its SIZE limit in bytes, or null when it states none. */
  'compose.limits': call(none, z.object({ maxBytes: z.number().int().positive().nullable() })),
  /** The identities the person may send as (R2, R3), from grants the main process loaded. */
  'compose.identities': call(none, z.array(identitySchema)),
  /**
   * Adds or removes a Send As / On Behalf identity the person says they have, where the server
   * publishes no grants for the mailbox (marked unconfirmed; the server decides at sending).
   */
  'compose.claimGrant': call(z.object({ mailboxId: z.string().min(1).max(400), kind: z.enum(['sendAs', 'onBehalf']), claimed: z.boolean() }).strict(), z.array(identitySchema)),
  /** Sends a message, authorised again in main (R2, R3, R4, R6); the copy goes to that mailbox's Sent. */
  'messages.send': call(sendRequestSchema, z.object({
    messageId: z.string(), sentFolderId: z.string().nullable(),
    /** An earlier attempt had already sent it. */
    already: z.boolean().optional(),
    /** Recipients the server refused while it accepted the message for the others (never sent to again). */
    refused: z.array(z.object({ address: z.string().max(400), reason: textSchema })).max(1500).default([]),
  })),
  /**
   * The person's decision about a message held because attempt `attempt` may have gone: send it
   * again (exactly the next attempt may go) or it was sent (nothing is ever submitted again).
   * `applied` is false when that attempt is no longer the one held (the queue asks again).
   */
  'outbox.decide': call(z.object({ outboxId: z.string().uuid(), attempt: z.number().int().positive().max(1_000_000), choice: z.enum(['sendAgain', 'wasSent']) }).strict(), z.object({ applied: z.boolean() })),
  /** The person's S/MIME certificate (if imported) and whose certificates are known. */
  'smime.status': call(none, z.object({
    identity: z.object({ addresses: z.array(z.string()), expires: z.string() }).nullable(),
    recipients: z.array(z.string()),
    /** A correspondent's certificate that differs from the known one: kept aside until the person decides. */
    changes: z.array(z.object({
      address: z.string(), current: z.string(), proposed: z.string(), proposedExpires: z.string(), seenAt: z.string(),
      /** The new certificate's issuer when it chains to an anchor the person trusts, else null. */
      proposedVerifiedBy: z.string().nullable(),
    })),
    /** Each known correspondent's certificate and how far it is trusted. */
    certificates: z.array(z.object({
      address: z.string(), fingerprint: z.string(), expires: z.string(),
      /** verified: chains to an anchor the person trusts; firstSeen: trusted since it was first seen; changed: a different one waits. */
      state: z.enum(['verified', 'firstSeen', 'changed']),
      firstSeenAt: z.string().nullable(),
      verifiedBy: z.string().nullable(),
    })),
  })),
  /**
   * A changed certificate: `accept: false` keeps the known one; `accept: true` has main ask the
   * person (a native dialog, or the web host's own page) — the window's word alone changes nothing.
   */
  'smime.resolveChange': call(z.object({ address: z.string().min(3).max(320), accept: z.boolean() }).strict(), z.object({ ok: z.literal(true), accepted: z.boolean() })),
  /** Imports the person's certificate and private key from a PKCS#12 file (base64); the key stays in main. */
  'smime.importIdentity': call(z.object({ p12: z.string().min(1).max(200_000), password: z.string().max(1024) }).strict(), z.object({ ok: z.literal(true) })),
  /** Imports a recipient's certificate (PEM, or DER in base64). */
  'smime.importCertificate': call(z.object({ certificate: z.string().min(1).max(100_000) }).strict(), z.object({ addresses: z.array(z.string()), /** Addresses whose known certificate this one would replace: the person decides. */ pending: z.array(z.string()) })),
  /** Fetches one remote image the person allowed, as a data: URL (the renderer never goes online). */
  'content.remoteImage': call(z.object({ url: z.string().url().max(4000) }).strict(), z.object({ dataUrl: z.string().nullable() })),
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
  'session.ended': z.object({ error: apiErrorSchema }),
  /** The session's mailboxes changed: one added or removed (R1), a quota moved. */
  'session.changed': sessionSchema,
  /** New messages for a folder's cache, in batches, during 'messages.sync'. */
  'sync.messages': z.object({ folderId: z.string(), rows: z.array(z.unknown()), done: z.number().int(), total: z.number().int() })
    // The rows travel in their wire form (summary-wire.ts): checked and rebuilt in one pass.
    .transform(({ folderId, rows, done, total }, ctx) => {
      const messages = batchFromWire(folderId, rows)
      if (!messages) { ctx.addIssue({ code: 'custom', message: 'a message summary is off-contract' }); return z.NEVER }
      return { folderId, messages, done, total }
    }),
  /** The submission server was lost (a send could not reach it) or answers again: queued mail can go. */
  'smtp.state': z.object({ reachable: z.boolean() }),
  /** Something changed in a folder on the server (IDLE or poll): sync it. */
  'folder.changed': z.object({ folderId: z.string() }),
  /** Something was appended to a shared mailbox's team folder (main's watcher polls it): read it with team.read. */
  'team.changed': z.object({ mailboxId: z.string().min(1).max(400) }),
  /** The system handed Tandem a mailto: link (a second launch, or the first): open a new message. */
  'app.mailto': z.object({ url: z.string().max(200_000) }),
  /** The person clicked a notification main showed: open that message. */
  'app.notificationClicked': notificationTargetSchema,
  /**
   * Main asks the person something the window must not answer, on a page of its own (web host):
   * the window says where, and waits. Under Electron the question is a native dialog instead.
   */
  'confirm.waiting': z.object({ id: z.string().max(100), title: textSchema, url: z.string().url().max(200) }),
  /** That question was answered (or gave up). */
  'confirm.settled': z.object({ id: z.string().max(100) }),
} as const

export type EventName = keyof typeof events
/** An event as the listener gets it. */
export type EventPayload<N extends EventName> = z.output<(typeof events)[N]>
/** An event as main sends it (the same, except where the wire form is leaner: sync.messages). */
export type EventWire<N extends EventName> = z.input<(typeof events)[N]>
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
