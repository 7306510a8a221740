import type { ImapFlow } from 'imapflow'
import { fail } from '../../shared/api/errors'
import type { CallInput, CallOutput } from '../../shared/api/contract'
import { formatIn } from '../../shared/i18n'
import { folderKey, parseFolderKey } from '../../shared/ids'
import { foldOwnRead, MAX_DELTA_NUMBERS } from '../../shared/team/own-read'
import type { MailboxRuntime } from './imap/mailbox-runtime'
import { appendTeamRecord, ensureTeamFolder } from './operations/team'
import type { AuthorSetup } from './operations/team-authors'
import { newOwnReadCache, ownReadMessage, ownReadMessageId, readOwnReads, type OwnReadCache } from './operations/own-read'
import { findByMessageId } from './operations/triage'

/** What the own read state needs of the service: a shared mailbox's runtime, who is signed in, how its team folder tells authors, the log. */
export interface OwnReadHost {
  /** A shared mailbox of the session (refused for any other: R1; the person's own mailbox keeps \Seen alone). */
  shared(mailboxId: string): MailboxRuntime
  me(): { address: string; name: string }
  authorSetup(mailboxId: string, client: ImapFlow, path: string): Promise<AuthorSetup>
  log(level: 'info' | 'warn', line: string): void
}

/**
 * Each member's own unread in a shared mailbox (docs/team-state.md, "Each member's own unread").
 * Where the administrator gave each member a folder of their own under the team folder, the
 * member's marks are kept there — only they may insert there, so every mark there is confirmed
 * theirs; elsewhere in the team folder, where a mark's author is only claimed.
 */
export class OwnReadService {
  private readonly caches = new Map<string, OwnReadCache>()

  constructor(private readonly host: OwnReadHost) {}

  /** Where the signed-in member's marks of this mailbox are kept, and whether the server confirms they are theirs. */
  private async place(mailboxId: string, create: boolean): Promise<{ client: ImapFlow; path: string; authors: 'confirmed' | 'claimed' } | null> {
    const runtime = this.host.shared(mailboxId)
    const { client, path } = await runtime.teamFolder()
    if (!(await ensureTeamFolder(client, path, create))) return null
    const setup = await this.host.authorSetup(mailboxId, client, path)
    const mine = setup.mode === 'confirmed' ? setup.folders.get(this.host.me().address.toLowerCase()) : undefined
    return mine ? { client, path: mine, authors: 'confirmed' } : { client, path, authors: 'claimed' }
  }

  /** The signed-in member's read state of each folder of a shared mailbox: the newest snapshot and the deltas after it, folded. */
  async state(mailboxId: string): Promise<CallOutput<'read.state'>> {
    const at = await this.place(mailboxId, false)
    if (!at) return { folders: [], authors: 'claimed', skipped: 0, found: false }
    const me = this.host.me().address
    const key = `${mailboxId}\n${at.path}`
    let cache = this.caches.get(key)
    if (!cache) this.caches.set(key, (cache = newOwnReadCache()))
    const read = await readOwnReads(at.client, at.path, me, cache, (line) => this.host.log('warn', `${mailboxId}: ${line}`))
    const folded = foldOwnRead(read.records)
    if (folded.skipped) this.host.log('warn', `${mailboxId}: own read state: ${folded.skipped} records would grow a folder's state past its bound; ignored`)
    return {
      folders: folded.states.map((s) => ({ folderId: folderKey(mailboxId, s.folder), uidValidity: s.uidValidity, read: s.read, deltas: s.deltas })),
      authors: at.authors,
      skipped: read.skipped + folded.skipped,
      found: read.records.length > 0,
    }
  }

  /**
   * Appends a snapshot or a delta of the signed-in member's read state of one folder (who is the
   * session's address, never the page's). A replay (same id) finds what it appended before.
   */
  async mark(input: CallInput<'read.mark'>): Promise<CallOutput<'read.mark'>> {
    const { mailboxId, path: folder } = parseFolderKey(input.folderId)
    if (mailboxId !== input.mailboxId) throw fail({ code: 'request.invalid', field: 'folderId', key: 'errors.ownRead.badMark' })
    if (input.kind === 'snapshot' && input.unread.length) throw fail({ code: 'request.invalid', field: 'unread', key: 'errors.ownRead.badMark' })
    if (input.kind === 'delta' && input.read.length > MAX_DELTA_NUMBERS) throw fail({ code: 'request.invalid', field: 'read', key: 'errors.ownRead.badMark' })
    const at = await this.place(input.mailboxId, true)
    if (!at) throw fail({ code: 'request.invalid', field: 'mailboxId', key: 'errors.team.noFolder' })
    const already = await findByMessageId(at.client, at.path, ownReadMessageId(input.id))
    if (already !== null) return { uid: already }
    const active = this.host.me()
    const locale = input.locale ?? 'en'
    const subject = formatIn(locale, input.kind === 'snapshot' ? 'ownRead.record.snapshot' : 'ownRead.record.delta', { by: active.name || active.address })
    const message = await ownReadMessage({ id: input.id, by: active.address, at: input.at, folder, uidValidity: input.uidValidity, kind: input.kind, read: input.read, unread: input.unread },
      active.name, subject, formatIn(locale, 'ownRead.record.explain'))
    return { uid: await appendTeamRecord(at.client, at.path, message) }
  }
}
