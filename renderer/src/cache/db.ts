import Dexie, { type Table } from 'dexie'
import type { ConversationTeamState } from '../../../shared/team/fold'
import type { SavedReply } from '../../../shared/rules/saved-replies'
import type { Mention } from '../../../shared/team/mentions'
import type { TeamStatus } from '../../../shared/team/records'
import type { TeamSnooze } from '../../../shared/team/snooze'
import type { ResponseFigures } from '../../../shared/team/response-figures'
import type { CallOutput } from '../../../shared/api/contract'
import type { Folder, FolderSyncState, MessageBody, MessageSummary } from '../../../shared/domain'
import { apiError } from '../../../shared/api/errors'
import { conversationIdOf, legacyConversationId } from '../../../shared/conversation'
import { addressOfMailbox } from '../../../shared/ids'
import { kindOf, type Task } from '../queue/tasks'
import { pack, unpack } from './packed'
import { SummaryBlocks, latestOf, type BlockRow, type KeyRow, type TallyRow } from './summary-blocks'

export interface SyncRow extends FolderSyncState { folderId: string; mailboxId: string }
export interface BodyRow extends MessageBody { id: string; mailboxId: string; /** Lower-case text for search. */ searchText: string }

/**
 * The local cache: one IndexedDB database per signed-in person. Records and indexes are kept
 * few — each costs write time on a 20 000-message first sync (summary-blocks.ts).
 */
/**
 * Folded team state, in buckets of conversations (by two hex digits of their id: sync/team-cache.ts): every
 * IndexedDB record costs about the same whatever its size, so 100 000 conversations are 256
 * records, not 100 000 (see summary blocks). Two tables: the whole state of each bucket's
 * conversations (notes, history: read only when one of them is shown or changes), and their
 * briefs (who has it, status, who is writing: read at every start). Both packed
 * (cache/packed.ts): at 100 000 conversations Chromium took 1.1 s to write the states as objects;
 * the whole states are ~38 MB, the briefs a tenth of that (sync/team-cache.ts).
 */
export interface TeamBucketRow { mailboxId: string; bucket: string; /** ConversationTeamState[], packed. */ states: Uint8Array }
/** A bucket's briefs (sync/team-cache.ts), packed. */
export interface TeamBriefRow { mailboxId: string; bucket: string; briefs: Uint8Array }
/**
 * Briefs by column, which JSON reads far quicker than a row per conversation: the people the
 * records name; the conversation ids, comma-separated (32 hex digits each, 28 for ids of before);
 * per conversation the index of its assignee among the people (-1: nobody), its status and the
 * UIDs of the records that set them (0: none); who writes where.
 */
export interface PackedBriefs {
  people: string[]; ids: string; assignees: number[]; statuses: TeamStatus[]; assignedUids: number[]; statusUids: number[]
  writing: Record<string, Record<string, number>>
  /** Snoozed conversations' snoozes, by conversation id (few: sparse, like `writing`). */
  snoozes?: Record<string, TeamSnooze>
  /** Who wrote the bucket's kept records (indexes into people): whom a member may assign to, besides the directory's members. */
  authors?: number[]
}

/** A bucket's states. */
export const statesOf = (row: TeamBucketRow): ConversationTeamState[] => unpack<ConversationTeamState[]>(row.states)
/** Where this device's read of a shared mailbox's team folder stopped. */
export interface TeamCursorRow {
  mailboxId: string
  cursor: { uidValidity: string; uidNext: number }
  lastUid: number
  /** Batches of the folder found to differ from the records they copy: never started from again. */
  distrust?: number[]
  /** Batches this fold started from that are not yet checked against those records. */
  unverified?: number[]
  /** Folded from the log alone on this device: its batches could not be checked, or too many were false. */
  noBatches?: boolean
}

/**
 * One mention of the person (shared/team/mentions.ts), as their Mentions view lists it: kept on
 * this device (docs/team-state.md, "Mentions"); `read` 1 once the person opened it here.
 */
export type MentionRow = Mention & { read: 0 | 1 }

/** A mailbox's saved replies as last read from its team folder (shared/rules/saved-replies.ts): read first, so they work offline. */
export interface SavedRepliesRow { mailboxId: string; replies: SavedReply[]; authors: 'confirmed' | 'claimed'; readAt: number }
/** A file a saved reply carries, by its SHA-256 (its record names it and its type), kept so the reply works offline. */
export interface SavedReplyFileRow { mailboxId: string; sha256: string; contentBase64: string }

/**
 * The person's own read state of one folder of a shared mailbox (shared/team/own-read.ts):
 * `read` as the list shows it (the server's state with what is not there yet), and what is not
 * on the server yet — read and made unread since the last append (sets: a replay is harmless).
 * `server`: whether the server held any of the member's marks for the folder when last read;
 * `deltas`: appended since the member's last snapshot there.
 */
export interface OwnReadRow { folderId: string; mailboxId: string; uidValidity: number; read: number[]; pendingRead: number[]; pendingUnread: number[]; server: boolean; deltas: number }

/** A shared mailbox's response targets as last read from its team folder (shared/rules/response-targets.ts): read first, so the marks work offline. */
export type ResponseTargetsRow = CallOutput<'targets.get'> & { mailboxId: string; readAt: number }
/**
 * The bucket a conversation's team state and response figures are stored in: 256 of them, by the
 * id's last two hex digits. (Its first two are not spread evenly: each half of the id is a 53-bit
 * hash written as 14 hex digits, whose first is 0 or 1 — 32 buckets of ~3 000 conversations at 100 000.)
 */
export const bucketOf = (conversationId: string): string => conversationId.slice(-2)

/**
 * The response figures of a shared mailbox's conversations in one bucket (bucketOf), packed: a conversation
 * a record cost IndexedDB about 25 µs of the window's time per conversation on a first sync.
 */
export interface ResponseBucketRow { mailboxId: string; bucket: string; /** ResponseFigures[], packed. */ figures: Uint8Array }
/** Which shared mailboxes' response figures this device has worked out from its whole cache once (then kept up as messages come). */
export interface FiguresBuiltRow { mailboxId: string; at: number }

export class TandemDb extends Dexie {
  folders!: Table<Folder, string>
  blocks!: Table<BlockRow, [string, number]>
  keys!: Table<KeyRow, [string, number]>
  tallies!: Table<TallyRow, string>
  bodies!: Table<BodyRow, string>
  sync!: Table<SyncRow, string>
  /** The person's actions waiting for the server, in order: triage, sends, drafts. */
  tasks!: Table<Task, number>
  /** Per-device choices, e.g. which folders keep bodies offline. */
  settings!: Table<{ key: string; value: unknown }, string>
  teamBuckets!: Table<TeamBucketRow, [string, string]>
  teamBriefs!: Table<TeamBriefRow, [string, string]>
  teamCursors!: Table<TeamCursorRow, string>
  savedReplies!: Table<SavedRepliesRow, string>
  savedReplyFiles!: Table<SavedReplyFileRow, [string, string]>
  mentions!: Table<MentionRow, [string, string]>
  /** Shared mailboxes whose team folder this device has read at least once: mentions found after that are news. */
  mentionReads!: Table<{ mailboxId: string }, string>
  /** The person's own read state per folder of their shared mailboxes (OwnReadRow). */
  ownReads!: Table<OwnReadRow, string>
  /** Response targets per shared mailbox (docs/team-state.md, "Response times"). */
  responseTargets!: Table<ResponseTargetsRow, string>
  /** Response figures per conversation of a shared mailbox (shared/team/response-figures.ts): what the Report sums. */
  responseBuckets!: Table<ResponseBucketRow, [string, string]>
  figuresBuilt!: Table<FiguresBuiltRow, string>
  /** The message summaries (stored in blocks; see summary-blocks.ts). */
  readonly summaries: SummaryBlocks

  constructor(address: string) {
    super(`tandem:${address.toLowerCase()}`)
    this.version(1).stores({
      folders: 'id, mailboxId',
      messages: 'id, [folderId+date], mailboxId',
      bodies: 'id, mailboxId',
      sync: 'folderId, mailboxId',
    })
    this.version(2).stores({
      tasks: '++seq, &id, mailboxId',
      settings: 'key',
    })
    // Summaries move from one record per message to blocks. The cache is only a
    // cache: folders sync again from scratch; queued tasks and bodies stay.
    this.version(3).stores({
      messages: null,
      blocks: '[folderId+block], mailboxId',
      keys: '[folderId+block], mailboxId',
    }).upgrade((tx) => tx.table('sync').clear())
    // Key rows carry their block's latest date, indexed: the newest page reads a few.
    this.version(4).stores({
      keys: '[folderId+block], mailboxId, [folderId+maxDate]',
    }).upgrade((tx) => tx.table('keys').toCollection().modify((k: KeyRow) => { k.maxDate = latestOf(k.dates) }))
    // Tasks get explicit statuses: what was "pending" had its effect shown already.
    this.version(5).stores({}).upgrade((tx) => tx.table('tasks').toCollection().modify((t: { status: string }) => {
      if (t.status === 'pending') t.status = 'applied'
    }))
    // How many summaries each folder holds, kept with every write (a sync asks for it, and at
    // 100 000 messages summing the key rows cost 30-180 ms of each incremental sync).
    this.version(6).stores({ tallies: 'folderId, mailboxId' }).upgrade(async (tx) => {
      const tallies = new Map<string, TallyRow>()
      await tx.table('keys').each((k: KeyRow) => {
        const t = tallies.get(k.folderId) ?? { folderId: k.folderId, mailboxId: k.mailboxId, count: 0, unseen: 0 }
        t.count += k.uids.length
        tallies.set(k.folderId, t)
      })
      await tx.table('tallies').bulkPut([...tallies.values()])
    })
    // Team state of shared mailboxes (docs/team-state.md), folded from their team folders.
    this.version(7).stores({ team: '[mailboxId+conv], mailboxId', teamCursors: 'mailboxId' })
    // One record per conversation cost ~120 µs each to write: buckets instead, read again from the server.
    this.version(8).stores({ team: null, teamBuckets: '[mailboxId+bucket], mailboxId' }).upgrade((tx) => tx.table('teamCursors').clear())
    // Buckets packed, briefs apart: folded again from the server.
    this.version(9).stores({ teamBuckets: '[mailboxId+bucket], mailboxId', teamBriefs: '[mailboxId+bucket], mailboxId' }).upgrade(async (tx) => {
      await tx.table('teamBuckets').clear()
      await tx.table('teamCursors').clear()
    })
    // Notes and history are capped per conversation (shared/team/fold.ts): folded again from the server.
    this.version(10).stores({}).upgrade(async (tx) => {
      await tx.table('teamBuckets').clear()
      await tx.table('teamBriefs').clear()
      await tx.table('teamCursors').clear()
    })
    // Conversations come from each message's own headers (shared/conversation.ts): summaries get
    // the fields that need (Sender, References' root, Thread-Index's), fetched again in the
    // background (sync/threading-refetch.ts); until then their conversation is what Message-ID and
    // In-Reply-To say. Team state is folded again from the server: its briefs now keep the UIDs
    // that order states carried over from the ids of before (shared/team/carry-over.ts).
    this.version(11).stores({}).upgrade(async (tx) => {
      const legacy = new Map<string, { about: { folderId: string; uid: number; messageId: string | null }; conversationId: string }>()
      const wanted = new Set<string>()
      await tx.table('tasks').each((t: { kind: string; status: string; mailboxId: string; conv?: string }) => {
        if (t.kind === 'team' && t.conv && (t.status === 'queued' || t.status === 'applied')) wanted.add(`${t.mailboxId}\n${t.conv}`)
      })
      await tx.table('blocks').toCollection().modify((b: BlockRow) => {
        b.rows = b.rows.map((old) => {
          const { threadKey: _gone, ...rest } = old as MessageSummary & { threadKey?: string }
          const m: MessageSummary = { ...rest, sender: null, draftBy: null, referencesRoot: null, threadIndex: null, conversationId: '', threadingPending: true }
          m.conversationId = conversationIdOf(m, addressOfMailbox(m.mailboxId))
          if (wanted.size) {
            const k = `${m.mailboxId}\n${legacyConversationId(m)}`
            if (wanted.has(k) && !legacy.has(k)) legacy.set(k, { about: { folderId: m.folderId, uid: m.uid, messageId: m.messageId }, conversationId: m.conversationId })
          }
          return m
        })
      })
      if (wanted.size) {
        await tx.table('tasks').toCollection().modify((t: Record<string, unknown>) => {
          if (t.kind !== 'team' || typeof t.conv !== 'string') return
          const found = legacy.get(`${String(t.mailboxId)}\n${t.conv}`)
          t.conversationId = found?.conversationId ?? t.conv
          delete t.conv
          if (found) t.about = found.about
          // Nothing names a message of it any more: it cannot be recorded, and says so.
          else if (t.status === 'queued' || t.status === 'applied') Object.assign(t, { status: 'failed', finishedAt: Date.now(), error: apiError({ code: 'message.gone', key: 'errors.team.messageGone' }) })
        })
      }
      await tx.table('teamBuckets').clear()
      await tx.table('teamBriefs').clear()
      await tx.table('teamCursors').clear()
    })
    // The unread count is kept with the message count (summary-blocks.ts TallyRow).
    this.version(12).stores({}).upgrade(async (tx) => {
      const unseen = new Map<string, number>()
      await tx.table('blocks').each((b: BlockRow) => {
        let n = 0
        for (const m of b.rows) if (!m.flags.includes('\\Seen')) n++
        unseen.set(b.folderId, (unseen.get(b.folderId) ?? 0) + n)
      })
      await tx.table('tallies').toCollection().modify((t: TallyRow) => { t.unseen = unseen.get(t.folderId) ?? 0 })
    })
    // Saved replies, one row per mailbox (a few hundred at most: shared/rules/saved-replies.ts).
    this.version(13).stores({ savedReplies: 'mailboxId' })
    // The person's mentions: their Mentions view and what they have read of it, on this device.
    this.version(14).stores({ mentions: '[mailboxId+note], mailboxId', mentionReads: 'mailboxId' })
    // Each member's own unread in shared mailboxes: one row per folder (docs/team-state.md).
    this.version(15).stores({ ownReads: 'folderId, mailboxId' })
    // Response times: targets read from each shared mailbox's team folder, and figures kept per conversation.
    this.version(16).stores({ responseTargets: 'mailboxId', responseFigures: '[mailboxId+conv], mailboxId', figuresBuilt: 'mailboxId' })
    // The files saved replies carry, fetched once (on use, or ahead while they are few), for offline use.
    this.version(17).stores({ savedReplyFiles: '[mailboxId+sha256], mailboxId' })
    // Response figures move from a record per conversation to packed buckets (ResponseBucketRow).
    this.version(18).stores({ responseBuckets: '[mailboxId+bucket], mailboxId' }).upgrade(async (tx) => {
      const buckets = new Map<string, { mailboxId: string; bucket: string; list: ResponseFigures[] }>()
      await tx.table('responseFigures').each((f: ResponseFigures) => {
        const k = `${f.mailboxId}\n${bucketOf(f.conv)}`
        let b = buckets.get(k)
        if (!b) { b = { mailboxId: f.mailboxId, bucket: bucketOf(f.conv), list: [] }; buckets.set(k, b) }
        b.list.push(f)
      })
      await tx.table('responseBuckets').bulkPut([...buckets.values()].map((b) => ({ mailboxId: b.mailboxId, bucket: b.bucket, figures: pack(b.list) })))
    })
    this.version(19).stores({ responseFigures: null })
    this.summaries = new SummaryBlocks(this, this.blocks, this.keys, this.tallies)
  }

  /** Drops everything cached of a mailbox the person is no longer a member of (R1). */
  async purgeMailbox(mailboxId: string): Promise<void> {
    await this.transaction('rw', [this.folders, ...this.summaries.tables, this.bodies, this.sync, this.tasks, this.teamBuckets, this.teamBriefs, this.teamCursors, this.savedReplies, this.savedReplyFiles, this.mentions, this.mentionReads, this.ownReads, this.responseTargets, this.responseBuckets, this.figuresBuilt], async () => {
      // Triage there can no longer happen; what the Outbox holds (kinds that are held, not
      // dropped, when refused) stays, for the person to change.
      await this.tasks.where('mailboxId').equals(mailboxId).filter((t) => kindOf(t).refused !== 'hold').delete()
      await this.folders.where('mailboxId').equals(mailboxId).delete()
      await this.summaries.purgeMailbox(mailboxId)
      await this.bodies.where('mailboxId').equals(mailboxId).delete()
      await this.sync.where('mailboxId').equals(mailboxId).delete()
      await this.teamBuckets.where('mailboxId').equals(mailboxId).delete()
      await this.teamBriefs.where('mailboxId').equals(mailboxId).delete()
      await this.teamCursors.delete(mailboxId)
      await this.savedReplies.delete(mailboxId)
      await this.savedReplyFiles.where('mailboxId').equals(mailboxId).delete()
      await this.mentions.where('mailboxId').equals(mailboxId).delete()
      await this.mentionReads.delete(mailboxId)
      await this.ownReads.where('mailboxId').equals(mailboxId).delete()
      await this.responseTargets.delete(mailboxId)
      await this.responseBuckets.where('mailboxId').equals(mailboxId).delete()
      await this.figuresBuilt.delete(mailboxId)
    })
  }
}

let current: TandemDb | null = null

/** The database of the person signed in now (opened on first use). */
export function cacheFor(address: string): TandemDb {
  if (!current || current.name !== `tandem:${address.toLowerCase()}`) {
    current?.close()
    current = new TandemDb(address)
  }
  return current
}
