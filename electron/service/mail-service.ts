import { ApiFailure, fail } from '../../shared/api/errors'
import type { CallOutput, SendRequest } from '../../shared/api/contract'
import type { Folder, FolderSyncState, Identity, MessageBody } from '../../shared/domain'
import { authoriseSend, identitiesFor } from '../../shared/rules/identities'
import { AttachmentTickets, streamAttachment, type OpenedAttachment } from './operations/attachments'
import { loadBody } from './operations/bodies'
import { readDraft } from './operations/drafts'
import { smtpSizeLimit, type SmtpLogin } from './operations/send'
import { OutboxJournal, type OutboxDecision } from './operations/outbox-journal'
import { SmtpWatch } from './operations/smtp-watch'
import { NO_CERTIFICATE, Outgoing } from './operations/outgoing'
import { verifyDetachedSignature } from './crypto/smime-verify'
import { mailboxKey, mailboxOfFolder, messageKey, parseIdentityKey } from '../../shared/ids'
import { newMailNotice, NoticeLimiter, platformText } from './operations/new-mail-notice'
import { MailboxRuntime } from './imap/mailbox-runtime'
import { publishMailboxes } from './session/memberships'
import { fetchRemoteImage } from './operations/remote-content'
import { syncFolder, threadingOfUids } from './operations/sync'
import { releaseMemorySoon } from './memory'
import type { TeamCursor } from './operations/team'
import { TeamService } from './team-service'
import { NO_DIRECTORY, organisationDomains } from './session/directory'
import { SavedRepliesService } from './saved-replies-service'
import { OwnReadService } from './own-read-service'
import type { CallInput } from '../../shared/api/contract'
import { moveMessages, setFlags, trashFor } from './operations/triage'
import { SessionLifecycle, type MailServiceDeps } from './session/session-lifecycle'
import { serverChecksSenders } from '../../shared/rules/server-presets'
import { serverRefusesForeignSender } from './operations/sender-check'
import { certificateQuestion, claimQuestion, notConfirmed } from './confirm'
import type { GrantKind } from './session/claimed-grants'

export type { MailServiceDeps } from './session/session-lifecycle'

/** A sync that brought at least this many messages is followed by a garbage collection (memory.ts). */
const BIG_SYNC = 2000

/**
 * The mail service: all network work and the rules. Plain Node, no Electron; constructed with
 * its dependencies, started and stopped by its host (Electron main or the web host). The
 * session's lifecycle is its base (session/session-lifecycle.ts); here are the operations on
 * the session's mailboxes: folders, sync, bodies, triage, drafts, sending, S/MIME, attachments.
 */
export class MailService extends SessionLifecycle {
  private readonly tickets = new AttachmentTickets()
  private readonly outgoing: Outgoing
  /** Whether the submission server answers, watched while it does not (queued mail waits for it). */
  private readonly smtpWatch: SmtpWatch
  /** Whether this session's submission server refuses envelope senders the person does not own (null: not known yet). */
  private senderCheck: { account: string; refuses: boolean } | null = null
  /** Desktop notifications shown, rate-limited whatever the window asks. */
  private readonly notices = new NoticeLimiter()
  /** The team state calls (team-service.ts). */
  private readonly team: TeamService
  private readonly replies: SavedRepliesService
  /** Each member's own unread in shared mailboxes (own-read-service.ts). */
  private readonly ownRead: OwnReadService

  constructor(deps: MailServiceDeps) {
    super(deps)
    this.smtpWatch = new SmtpWatch((_endpoint, reachable) => this.deps.emit('smtp.state', { reachable }))
    this.outgoing = new Outgoing(new OutboxJournal(deps.state), this.keyring, deps.state, this.smtpWatch)
    this.team = new TeamService({
      shared: (mailboxId) => this.sharedRuntime(mailboxId),
      me: () => { const a = this.requireSession(); return { address: a.session.account.address, name: a.name } },
      domains: () => organisationDomains(this.directory ?? NO_DIRECTORY, this.requireSession().session.account.address),
      log: (level, line) => this.log(level, line),
    })
    this.replies = new SavedRepliesService({
      runtime: (mailboxId) => this.runtime(mailboxId),
      me: () => { const a = this.requireSession(); return { address: a.session.account.address, name: a.name } },
      authorSetup: (mailboxId, client, path) => this.team.authorSetup(mailboxId, client, path),
    })
    this.ownRead = new OwnReadService({
      shared: (mailboxId) => this.sharedRuntime(mailboxId),
      me: () => { const a = this.requireSession(); return { address: a.session.account.address, name: a.name } },
      authorSetup: (mailboxId, client, path) => this.team.authorSetup(mailboxId, client, path),
      log: (level, line) => this.log(level, line),
    })
  }

  override async stop(): Promise<void> {
    this.smtpWatch.stop()
    await super.stop()
  }

  override async signOut(): Promise<void> {
    this.smtpWatch.stop()
    await super.signOut()
  }

  /** Folders of one of the session's mailboxes, with the person's rights. */
  async listFolders(mailboxId: string): Promise<Folder[]> {
    const runtime = this.runtime(mailboxId)
    const folders = await runtime.refreshFolders()
    void runtime.startWatching().catch(() => undefined)
    return folders
  }

  /**
   * A desktop notification of new mail in an Inbox of the session (Electron; the window decided
   * it is due: not muted, not quiet hours, not the person's own). What it says comes from the
   * server, not the window; mail that is not there unread, and anything past the rate limit,
   * is not shown. The text is made safe for the platform's notifications (new-mail-notice.ts).
   */
  async notify(input: CallInput<'app.notify'>): Promise<CallOutput<'app.notify'>> {
    if (!this.deps.notify) return { shown: false }
    const { runtime, folder } = await this.folder(input.folderId)
    if (folder.role !== 'inbox') throw fail({ code: 'request.invalid', field: 'folderId', key: 'errors.request.invalid', cause: 'folderId: not an Inbox' })
    const notice = await newMailNotice(await runtime.connection(), folder.path, runtime.mailbox.name, input.uids, input.locale ?? 'en')
    if (!notice || !this.notices.allow(runtime.mailbox.id)) return { shown: false }
    const platform = this.deps.platform ?? process.platform
    const shown = { title: platformText(notice.title, platform, 'title'), body: platformText(notice.body, platform, 'body') }
    this.deps.notify({ ...shown, target: { folderId: folder.id, id: messageKey(folder.id, notice.newest) } })
    return { shown: true, ...shown }
  }

  /** Brings one folder's cache up to date; new messages go out as sync.messages events. */
  async syncMessages(input: { folderId: string; since: FolderSyncState | null; knownUids: number }): Promise<CallOutput<'messages.sync'>> {
    const { runtime, folder } = await this.folder(input.folderId)
    const client = await runtime.connection()
    // Without CONDSTORE the service keeps the folder's flags, so a sync hands over only changes (flag-scan.ts).
    const flags = client.capabilities.has('CONDSTORE') ? undefined : runtime.flags(folder.path)
    const result = await syncFolder(client, { ...input, mailboxId: runtime.mailbox.id, path: folder.path, flags, now: runtime.now },
      (rows, done, total) => this.deps.emit('sync.messages', { folderId: folder.id, rows, done, total }))
    runtime.watch(folder.path, { messages: result.state.count, uidNext: result.state.uidNext, modseq: result.state.highestModseq })
    // A big first sync leaves its parsed answers behind as garbage: collected once things are quiet.
    if (result.added >= BIG_SYNC) releaseMemorySoon()
    return result
  }

  /** A shared mailbox's team records from the cursor on (docs/team-state.md). */
  teamRead(mailboxId: string, since: TeamCursor | null, distrust: number[] = [], useBatches = true): Promise<CallOutput<'team.read'>> {
    return this.team.read(mailboxId, since, distrust, useBatches)
  }

  /** Checks batches of a team folder against the records they copy; who appended a false one, where the server confirms it. */
  teamVerify(mailboxId: string, uids: number[]): Promise<CallOutput<'team.verify'>> {
    return this.team.verify(mailboxId, uids)
  }

  /** Which of a conversation's team records the server confirms were written by their author (team-authors.ts). */
  teamAuthors(mailboxId: string, records: { uid: number; id: string; by: string }[]): Promise<CallOutput<'team.authors'>> {
    return this.team.authors(mailboxId, records)
  }

  /** Appends a batch of the team records after the last batch, once enough have piled up. */
  teamCompact(mailboxId: string, locale: CallInput<'team.compact'>['locale']): Promise<CallOutput<'team.compact'>> {
    return this.team.compact(mailboxId, locale)
  }

  /** Appends one team record as the signed-in member (who acted and the conversation are the service's word, never the page's). */
  teamRecord(input: CallInput<'team.record'>): Promise<CallOutput<'team.record'>> {
    return this.team.record(input)
  }

  /** A shared mailbox's signature as its members last saved it (kept in its team folder). */
  sharedSignature(mailboxId: string): Promise<CallOutput<'signatures.shared'>> {
    return this.team.signature(mailboxId)
  }

  /** Saves a shared mailbox's signature for every member, as the signed-in member. */
  setSharedSignature(input: CallInput<'signatures.setShared'>): Promise<CallOutput<'signatures.setShared'>> {
    return this.team.setSignature(input)
  }

  /** A shared mailbox's response targets as its members last set them, with the recent changes (kept in its team folder). */
  responseTargets(mailboxId: string): Promise<CallOutput<'targets.get'>> {
    return this.team.responseTargets(mailboxId)
  }

  /** Sets a shared mailbox's response targets for every member, as the signed-in member. */
  setResponseTargets(input: CallInput<'targets.set'>): Promise<CallOutput<'targets.set'>> {
    return this.team.setResponseTargets(input)
  }

  /** A mailbox's saved replies (its team folder's), with who changed each last; deleted ones too, to bring back (R10). */
  savedReplies(mailboxId: string): Promise<CallOutput<'replies.list'>> {
    return this.replies.list(mailboxId)
  }

  /** Saves, deletes or restores one of a mailbox's saved replies as the signed-in person. */
  changeSavedReply(input: CallInput<'replies.change'>): Promise<CallOutput<'replies.change'>> {
    return this.replies.change(input)
  }

  /** A saved reply's files, checked against what its record lists, for the composer to attach. */
  savedReplyFiles(mailboxId: string, uid: number): Promise<CallOutput<'replies.files'>> {
    return this.replies.files(mailboxId, uid)
  }

  /** The signed-in member's own read state of a shared mailbox's folders, read from its team folder. */
  ownReadState(mailboxId: string): Promise<CallOutput<'read.state'>> {
    return this.ownRead.state(mailboxId)
  }

  /** Appends a snapshot or delta of the signed-in member's own read state of one folder of a shared mailbox. */
  markOwnRead(input: CallInput<'read.mark'>): Promise<CallOutput<'read.mark'>> {
    return this.ownRead.mark(input)
  }

  private sharedRuntime(mailboxId: string): MailboxRuntime {
    const runtime = this.runtime(mailboxId)
    if (runtime.mailbox.kind !== 'shared') throw fail({ code: 'request.invalid', field: 'mailboxId', key: 'errors.team.notShared' })
    return runtime
  }

  /** Sender, References' root and Thread-Index's of cached messages synced before summaries carried them. */
  async threading(folderId: string, uids: number[]): Promise<CallOutput<'messages.threading'>> {
    const { runtime, folder } = await this.folder(folderId)
    return { rows: await threadingOfUids(await runtime.connection(), folder.path, uids) }
  }

  async body(folderId: string, uid: number): Promise<MessageBody> {
    const { runtime, folder } = await this.folder(folderId)
    const { body, signed } = await loadBody(await runtime.connection(), folder.id, folder.path, uid)
    // Signed mail carries the sender's certificate: kept (to encrypt to them later) only when the
    // signature holds over this message, for its From address, with a certificate valid now.
    if (signed) {
      const verdict = await verifyDetachedSignature(signed.content, signed.signature, signed.from)
        .catch((e: unknown) => { this.log('warn', `signature of ${folderId} ${uid} not checked: ${(e as Error).message}`); return null })
      if (verdict?.ok) await this.keyring.learn(signed.from, verdict.signer.certPem, verdict.signer.chain).catch((e: unknown) => this.log('warn', `certificate of ${signed.from} not kept: ${(e as Error).message}`))
    }
    return body
  }

  async setFlags(folderId: string, uids: number[], add: string[], remove: string[]): Promise<number[]> {
    const { runtime, folder } = await this.folder(folderId)
    runtime.flagsChanged(folder.path, uids)
    return setFlags(await runtime.connection(), folder, uids, add, remove)
  }

  async move(folderId: string, uids: number[], toFolderId: string, messageIds?: (string | null)[]): Promise<CallOutput<'messages.move'>> {
    const { runtime, folder } = await this.folder(folderId)
    const to = runtime.folderById(toFolderId)
    if (to.mailboxId !== folder.mailboxId) {
      throw fail({ code: 'request.invalid', key: 'errors.request.moveAcrossMailboxes' })
    }
    return { toFolderId: to.id, ...await moveMessages(await runtime.connection(), folder, to, uids, messageIds) }
  }

  /** Deletes by moving to Deleted Items (R10), in shared mailboxes as in the person's own. */
  async delete(folderId: string, uids: number[], messageIds?: (string | null)[]): Promise<CallOutput<'messages.delete'>> {
    const { runtime, folder } = await this.folder(folderId)
    const trash = trashFor(runtime.mailbox, runtime.folders, folder)
    return { toFolderId: trash.id, ...await moveMessages(await runtime.connection(), folder, trash, uids, messageIds) }
  }

  /** The identities the person may send as, from the grants this service loaded (R2, R3). */
  identities(): Identity[] {
    const active = this.requireSession()
    const own = active.own.mailbox
    const claimable = this.claimable()
    const shared = [...active.runtimes.values()].filter((r) => r.mailbox.kind === 'shared')
      .map((r) => {
        const claimed = r.mailbox.unpublishedGrants ? this.claims.get(r.mailbox.address) : undefined
        return {
          mailbox: r.mailbox,
          grants: active.grants.get(r.mailbox.id) ?? { sendAs: [], sendOnBehalf: [] },
          // Only where the directory publishes no grants may the person add their own (unconfirmed),
          // and only those the server itself would refuse when wrong.
          ...(claimed ? { claimed: { ...claimed, sendAs: claimed.sendAs && claimable.includes('sendAs'), sendOnBehalf: claimed.sendOnBehalf && claimable.includes('onBehalf') } } : {}),
        }
      })
    const all = identitiesFor({ address: active.session.account.address, name: active.name }, own, shared)
    return all.map((i) => (i.kind === 'self' && !active.smime ? { ...i, noEncryption: NO_CERTIFICATE } : i))
  }

  /**
   * Saves a draft in the Drafts folder of the identity's mailbox (R2, R3 as for sending; one
   * marked Encrypt is encrypted to the sender alone). A version (key, n) replaces this device's
   * earlier versions of the same draft, and only those: another member's drafts are never
   * removed (R10).
   */
  async saveDraft(req: SendRequest, version?: { key: string; n: number }): Promise<{ folderId: string; uid: number | null }> {
    const active = this.requireSession()
    const verdict = authoriseSend({ identityId: req.identityId, encrypt: false }, this.identities(), active.session.mailboxes.map((m) => ({ ...m, quota: null })))
    if (!verdict.ok) throw new ApiFailure(verdict.error)
    return this.outgoing.saveDraft({ identity: verdict.identity, runtime: active.runtimes.get(verdict.identity.mailboxId)! }, req, version, active.smime,
      { name: active.name, address: active.session.account.address })
  }

  /**
   * A draft of a Drafts folder as the composer reopens it: its fields, the identity it is from
   * (one the person may use, else none), and — when this device saved it — its key and version,
   * so editing goes on replacing it; anyone else's opens as a copy (`key` null).
   */
  async openDraft(folderId: string, uid: number): Promise<CallOutput<'drafts.open'>> {
    const { runtime, folder } = await this.folder(folderId)
    const draft = await readDraft(await runtime.connection(), folder.path, uid)
    const identity = this.identities().find((i) => i.mailboxId === runtime.mailbox.id && i.from.address.toLowerCase() === draft.from.toLowerCase()
      && (i.kind !== 'onBehalf' || !draft.sender || i.sender?.address.toLowerCase() === draft.sender.toLowerCase()))
    const own = await this.outgoing.ownDraft(draft.messageId)
    return { draft: { ...draft.request, identityId: identity?.id ?? '' }, key: own?.key ?? null, n: own?.n ?? 0, by: draft.by }
  }

  /** Removes every version this device saved of a discarded draft from the mailbox's Drafts. */
  async discardDraft(mailboxId: string, key: string): Promise<void> {
    await this.outgoing.dropDraft(this.runtime(mailboxId), key)
  }

  /**
   * Grants the person may claim themselves now: those the submission server enforces itself —
   * a provider's that refuses both (Exchange Online), or Send As where this server refuses an
   * envelope sender the person does not own. Never On Behalf on the person's word alone: where
   * nothing at the server checks the Sender header, a window could otherwise create a grant.
   */
  private claimable(): GrantKind[] {
    const active = this.requireSession()
    const kinds = new Set(serverChecksSenders(active.session.account.server))
    if (this.senderCheck?.account === active.session.account.address && this.senderCheck.refuses) kinds.add('sendAs')
    return [...kinds]
  }

  /** Finds out (once a session) whether the submission server checks envelope senders (sender-check.ts). */
  private async checkSenders(domain: string): Promise<void> {
    const account = this.requireSession().session.account.address
    if (this.senderCheck?.account === account) return
    const refuses = await serverRefusesForeignSender(await this.smtpLogin(), domain)
    if (refuses !== null) this.senderCheck = { account, refuses }
  }

  /**
   * Adds or removes a Send As / On Behalf identity the person says they have, for a shared
   * mailbox whose grants the directory does not publish. Where a directory entry exists it is
   * the administrator's word, and such additions are refused (R2, R3); so are grants nothing at
   * the server would check. An addition is confirmed by the person through main, never by the
   * window's word (confirm.ts); a removal needs nobody's.
   */
  async claimGrant(mailboxId: string, kind: GrantKind, claimed: boolean): Promise<Identity[]> {
    const runtime = this.runtime(mailboxId)
    const rule = kind === 'onBehalf' ? 'R3' : 'R2'
    if (runtime.mailbox.kind !== 'shared' || !runtime.mailbox.unpublishedGrants) {
      throw fail({ code: 'send.notAllowed', rule, field: 'from', key: kind === 'onBehalf' ? 'errors.send.grantsPublishedOnBehalf' : 'errors.send.grantsPublished', params: { mailbox: runtime.mailbox.name } })
    }
    if (claimed) {
      if (kind === 'sendAs') await this.checkSenders(runtime.mailbox.address.split('@')[1] ?? '')
      if (!this.claimable().includes(kind)) {
        throw fail({ code: 'send.notAllowed', rule, field: 'from', key: kind === 'onBehalf' ? 'errors.send.unverifiableOnBehalf' : 'errors.send.unverifiableAs', params: { mailbox: runtime.mailbox.name } })
      }
      if (!(await this.confirm(claimQuestion(kind, runtime.mailbox.name, runtime.mailbox.address)).catch(() => false))) throw notConfirmed('claim')
    }
    await this.claims.set(runtime.mailbox.address, kind, claimed)
    return this.identities()
  }

  /** The submission server's message size limit, for the compose window. */
  async sizeLimit(): Promise<number | null> {
    return smtpSizeLimit(this.requireSession().session.account.server.smtp)
  }

  /** What S/MIME can do now: the person's certificate, and whose certificates are known. */
  smimeStatus() {
    return this.keyring.status(this.requireSession().smime)
  }

  /** Imports the person's own certificate and key from a PKCS#12 file; the key stays in main. */
  async importSmimeIdentity(p12Base64: string, password: string): Promise<void> {
    const active = this.requireSession()
    active.smime = await this.keyring.importIdentity(active.session.account.id, active.session.account.address, p12Base64, password)
  }

  /** Imports a recipient's certificate (valid now; a changed one waits for the person). */
  importCertificate(data: string): Promise<{ addresses: string[]; pending: string[] }> {
    return this.keyring.importCertificate(data)
  }

  /**
   * A correspondent's changed certificate: keeping the known one needs nobody's word; using the
   * new one is asked of the person by main (confirm.ts), with both fingerprints — a window's
   * "accept" alone changes nothing, or a hostile mail could redirect encrypted mail.
   */
  async resolveCertificateChange(address: string, accept: boolean): Promise<{ accepted: boolean }> {
    this.requireSession()
    if (!accept) { await this.keyring.resolveChange(address, false); return { accepted: false } }
    const change = await this.keyring.pendingChange(address)
    const yes = await this.confirm(certificateQuestion(change.address, change.current, change.proposed, change.proposedVerifiedBy)).catch(() => false)
    if (!yes) throw notConfirmed('certificate')
    await this.keyring.resolveChange(address, true)
    return { accepted: true }
  }

  /**
   * Sends, whatever the renderer asked, only as the rules allow: the identity must be one this
   * service built (R2, R3), shared mail is never encrypted (R4), a full mailbox cannot send
   * (R6, checked against a fresh quota). The copy goes to the Sent folder of the identity's
   * mailbox — the shared mailbox's own Sent for Send As and On Behalf.
   */
  async send(req: SendRequest): Promise<CallOutput<'messages.send'>> {
    const active = this.requireSession()
    // A Send As the person claimed goes only where the server checks senders: found out once a session.
    const key = parseIdentityKey(req.identityId)
    const asked = key ? active.runtimes.get(mailboxKey('shared', key.address)) : undefined
    if (asked?.mailbox.unpublishedGrants && this.claims.get(asked.mailbox.address)?.sendAs) await this.checkSenders(asked.mailbox.address.split('@')[1] ?? '').catch(() => undefined)
    const identities = this.identities()
    const claimed = active.runtimes.get(identities.find((i) => i.id === req.identityId)?.mailboxId ?? '')
    await claimed?.refreshQuota().catch(() => null)
    publishMailboxes(active)
    const verdict = authoriseSend(req, identities, active.session.mailboxes)
    if (!verdict.ok) throw new ApiFailure(verdict.error)
    const login = await this.smtpLogin()
    const sent = await this.outgoing.send({ identity: verdict.identity, runtime: active.runtimes.get(verdict.identity.mailboxId)! }, req, login, active.smime)
      .catch(async (e: unknown) => {
        // The server refused an identity the person added themselves: marked refused in the picker.
        const kind = verdict.identity.kind
        if (verdict.identity.unconfirmed && kind !== 'self' && e instanceof ApiFailure && (e.rule === 'R2' || e.rule === 'R3')) {
          await this.claims.refused(verdict.identity.from.address, kind)
        }
        throw e
      })
    // The message went: its draft goes too. Not being able to remove it now must not look like a failed send.
    for (const { key, mailboxId } of req.replacesDrafts ?? []) {
      const runtime = active.runtimes.get(mailboxId)
      if (runtime) await this.outgoing.dropDraft(runtime, key).catch((e: unknown) => this.log('warn', `draft ${key} stays in ${runtime.mailbox.name}'s Drafts after sending: ${(e as Error).message}`))
    }
    return sent
  }

  /** The person's decision about a message held because an attempt may have gone (outgoing.ts). */
  decideOutbox(outboxId: string, attempt: number, choice: OutboxDecision): Promise<CallOutput<'outbox.decide'>> {
    return this.outgoing.decide(outboxId, attempt, choice)
  }

  /** How this person signs in to SMTP: their OAuth2 token (XOAUTH2), else their password. */
  private async smtpLogin(): Promise<SmtpLogin> {
    const active = this.requireSession()
    const { account } = active.session
    if (active.tokens) return { endpoint: account.server.smtp, user: account.address, password: '', accessToken: active.login.accessToken }
    const password = await this.deps.secrets.get(`imap:${account.id}`)
    if (!password) throw fail({ code: 'session.required', key: 'errors.session.ended' })
    return { endpoint: account.server.smtp, user: account.address, password }
  }

  /** A one-time link to stream an attachment; the host redeems it with openAttachment. */
  async attachmentLink(folderId: string, uid: number, partId: string, open = false): Promise<{ url: string }> {
    const { folder } = await this.folder(folderId)
    const ticket = this.tickets.issue({ mailboxId: folder.mailboxId, path: folder.path, uid, partId, open })
    return { url: (this.deps.attachmentUrl ?? ((t) => `/attachments/${t}`))(ticket) }
  }

  /** Streams an attachment for a redeemed ticket, holding the folder only while it streams. */
  async openAttachment(ticketId: string): Promise<OpenedAttachment | null> {
    const t = this.tickets.redeem(ticketId)
    const runtime = t && this.active?.runtimes.get(t.mailboxId)
    return t && runtime ? streamAttachment(await runtime.connection(), t) : null
  }

  /** A remote image the person allowed in one message, fetched here (never by the renderer). */
  remoteImage(url: string): Promise<string | null> {
    return fetchRemoteImage(url, this.deps.remotePolicy)
  }

  /**
   * A folder of the session. After a restart the service knows no folders until it lists them,
   * and a queued action may come first: then they are listed once, here.
   */
  private async folder(folderId: string): Promise<{ runtime: MailboxRuntime; folder: Folder }> {
    const runtime = this.runtime(mailboxOfFolder(folderId))
    if (!runtime.folders.some((f) => f.id === folderId)) await runtime.refreshFolders()
    return { runtime, folder: runtime.folderById(folderId) }
  }

}
