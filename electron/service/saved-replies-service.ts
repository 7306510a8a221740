import type { ImapFlow } from 'imapflow'
import type { CallInput, CallOutput } from '../../shared/api/contract'
import { formatIn } from '../../shared/i18n'
import { fail } from '../../shared/api/errors'
import { foldSavedReplies, MAX_REPLY_FILES_BYTES, SAVED_REPLY_FILES_VERSION, SAVED_REPLY_VERSION, type SavedReplyRecord } from '../../shared/rules/saved-replies'
import type { MailboxRuntime } from './imap/mailbox-runtime'
import { appendTeamRecord, ensureTeamFolder } from './operations/team'
import type { AuthorSetup } from './operations/team-authors'
import { confirmedSavedReplyRecords, readSavedReplyFiles, readSavedReplyRecords, replyFileOf, savedReplyMessage, savedReplyMessageId } from './operations/saved-replies'
import { findByMessageId } from './operations/triage'

/** What saved replies need of the service: a mailbox's runtime, who is signed in, how a team folder's authors are told. */
export interface SavedRepliesHost {
  /** The runtime of one of the session's mailboxes, the person's own or a shared one (refused for any other: R1). */
  runtime(mailboxId: string): MailboxRuntime
  me(): { address: string; name: string }
  /** How a shared mailbox's team folder tells its authors (team-authors.ts), as last looked at. */
  authorSetup(mailboxId: string, client: ImapFlow, path: string): Promise<AuthorSetup>
}

/**
 * Saved replies kept in a mailbox's team folder (shared/rules/saved-replies.ts): a shared
 * mailbox's for its members, the person's own mailbox's for them alone. Reading folds the
 * newest records; a change is one appended record, by the signed-in person.
 */
export class SavedRepliesService {
  /** Team folders seen to exist, by mailbox (a LIST until then). */
  private readonly there = new Map<string, string>()

  constructor(private readonly host: SavedRepliesHost) {}

  /** A mailbox's saved replies, deleted ones included, with who changed each last (R10). */
  async list(mailboxId: string): Promise<CallOutput<'replies.list'>> {
    const runtime = this.host.runtime(mailboxId)
    const { client, path } = await runtime.teamFolder()
    if (!(await this.exists(mailboxId, client, path, false))) return { replies: [], skipped: 0, authors: 'claimed' }
    const read = await readSavedReplyRecords(client, path)
    if (runtime.mailbox.kind !== 'shared') {
      // The person's own mailbox: only what they wrote is theirs (a delegate's append is not).
      const me = this.host.me().address.toLowerCase()
      const mine = read.records.filter((r) => r.by.toLowerCase() === me)
      return { replies: foldSavedReplies(mine, new Set(mine.map((r) => r.id))), skipped: read.skipped + read.records.length - mine.length, authors: 'confirmed' }
    }
    const setup = await this.host.authorSetup(mailboxId, client, path)
    const confirmed = await confirmedSavedReplyRecords(client, setup, read.records)
    return { replies: foldSavedReplies(read.records, confirmed), skipped: read.skipped, authors: setup.mode }
  }

  /**
   * Saves, deletes or restores a saved reply as the signed-in person: who is the session's
   * address, never the page's word. Where the administrator gave each member a folder of their
   * own, the same record goes there first (team-authors.ts), so the server confirms its author.
   * A replay (same id) finds what it appended before.
   */
  async change(input: CallInput<'replies.change'>): Promise<CallOutput<'replies.change'>> {
    const runtime = this.host.runtime(input.mailboxId)
    const active = this.host.me()
    const { client, path } = await runtime.teamFolder()
    await this.exists(input.mailboxId, client, path, true)
    const base = { v: SAVED_REPLY_VERSION, id: input.id, reply: input.reply, at: input.at, by: active.address } as const
    // A save's files: their sizes and hashes worked out here from the bytes, bounded together.
    const bytes = (input.files ?? []).map((f) => Buffer.from(f.contentBase64, 'base64'))
    const total = bytes.reduce((n, b) => n + b.length, 0)
    if (total > MAX_REPLY_FILES_BYTES) throw fail({ code: 'request.invalid', field: 'files', key: 'errors.replies.filesTooBig', params: { size: total, max: MAX_REPLY_FILES_BYTES } })
    const files = (input.files ?? []).map((f, i) => replyFileOf(f.filename, f.contentType, bytes[i]!))
    const record: SavedReplyRecord = input.op !== 'save' ? { ...base, op: input.op }
      : files.length ? { ...base, v: SAVED_REPLY_FILES_VERSION, op: 'save', name: input.name ?? '', html: input.html ?? '', files }
        : { ...base, op: 'save', name: input.name ?? '', html: input.html ?? '' }
    const already = await findByMessageId(client, path, savedReplyMessageId(record.id))
    if (already !== null) return { uid: already }
    const who = active.name || active.address
    const subject = formatIn(input.locale ?? 'en', `replies.record.${record.op}`, { by: who, name: input.name ?? '' })
    const message = await savedReplyMessage(record, active.name, subject, formatIn(input.locale ?? 'en', 'replies.record.explain'), bytes)
    if (runtime.mailbox.kind === 'shared') {
      const setup = await this.host.authorSetup(input.mailboxId, client, path)
      const mine = setup.mode === 'confirmed' ? setup.folders.get(active.address.toLowerCase()) : undefined
      if (mine && (await findByMessageId(client, mine, savedReplyMessageId(record.id))) === null) await appendTeamRecord(client, mine, message)
    }
    return { uid: await appendTeamRecord(client, path, message).catch((e: unknown) => { this.there.delete(input.mailboxId); throw e }) }
  }

  /**
   * A saved reply's files (the record at `uid`, which lists them), each checked against its
   * record. In the person's own mailbox only a record by the person counts, as for the list.
   */
  async files(mailboxId: string, uid: number): Promise<CallOutput<'replies.files'>> {
    const runtime = this.host.runtime(mailboxId)
    const { client, path } = await runtime.teamFolder()
    if (!(await this.exists(mailboxId, client, path, false))) throw fail({ code: 'message.gone', key: 'errors.replies.filesGone' })
    const owner = runtime.mailbox.kind === 'shared' ? null : this.host.me().address
    const read = await readSavedReplyFiles(client, path, uid, owner)
    return { files: read.map(({ file, content }) => ({ filename: file.name, contentType: file.type, contentBase64: content.toString('base64'), sha256: file.sha256 })) }
  }

  /** Whether the mailbox's team folder is there (one LIST until it is seen); created when `create` and the server lets the person. */
  private async exists(mailboxId: string, client: ImapFlow, path: string, create: boolean): Promise<boolean> {
    if (this.there.get(mailboxId) === path) return true
    const exists = await ensureTeamFolder(client, path, create)
    if (exists) this.there.set(mailboxId, path)
    return exists
  }
}
