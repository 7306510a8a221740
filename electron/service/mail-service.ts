import { ApiFailure } from '../../shared/api/errors'
import type { AppInfo, CallOutput, SendRequest, SignInRequest } from '../../shared/api/contract'
import type { ConnectionState, Folder, FolderSyncState, Identity, Mailbox, MessageBody, ServerSettings, Session } from '../../shared/domain'
import { authoriseSend, identitiesFor } from '../../shared/rules/identities'
import { insecureEndpointReason } from '../../shared/rules/connection-security'
import { AttachmentTickets, streamAttachment, type OpenedAttachment } from './attachments'
import { loadBody } from './bodies'
import { DIRECTORY_ENTRY, discoverMemberships, parseDirectoryEntry, type SharedMembership } from './directory'
import { getMetadata } from './imap-raw'
import { smtpSizeLimit } from './send'
import { OutboxJournal } from './outbox-journal'
import { NO_CERTIFICATE, Outgoing } from './outgoing'
import type { SmimeIdentity } from './smime'
import { verifyDetachedSignature } from './smime-verify'
import { SmimeKeyring } from './smime-keyring'
import { parseFolderId } from './folders'
import { connectImap, type ImapLogin } from './imap-connect'
import { MailboxRuntime, type BackoffPolicy, type Emit } from './mailbox-runtime'
import { publishMailboxes, reconcileMemberships, type SessionMailboxes } from './memberships'
import { fetchRemoteImage, type FetchPolicy } from './remote-content'
import type { SecretStore } from './secret-store'
import { consoleLogger, type Logger } from './logger'
import { discoverServer, type AutoconfigOptions, type Discovered } from './autoconfig'
import type { StateStore } from './state-store'
import { syncFolder } from './sync'
import { moveMessages, setFlags, trashFor } from './triage'
import { ClaimedGrants } from './claimed-grants'
import { addedAddresses, openByAddress, setAddedAddresses, withAddedMailboxes } from './added-mailboxes'
import type { ImapFlow } from 'imapflow'

export interface MailServiceDeps {
  secrets: SecretStore
  state: StateStore
  /** Pushes an event to the renderer(s). */
  emit: Emit
  host: AppInfo['host']
  version: string
  /** Server settings a launcher suggests for the sign-in form (the demo's loopback stack). */
  suggestedServer?: ServerSettings | null
  /** Turns an attachment ticket into a URL the host serves (web route or Electron protocol). */
  attachmentUrl?: (ticket: string) => string
  /** How often synced folders are polled for changes made elsewhere (R15). */
  pollMs?: number
  /** Which addresses remote images may come from (tests add their own loopback listener). */
  remotePolicy?: FetchPolicy
  /** Reconnection backoff (R9); tests make it short. */
  backoff?: Partial<BackoffPolicy>
  /** Where warnings go (default: the console). */
  log?: Logger
  /** Where server settings are looked up from an address (tests serve their own). */
  autoconfig?: AutoconfigOptions
}

/** What the service remembers of the last session, to start offline with it. */
interface SessionSnapshot { session: Session; name: string; memberships: SharedMembership[] }
const LAST_SESSION = 'lastSession'

const KNOWN_SHARED = 'knownSharedMailboxes'
const KNOWN_PEOPLE = 'knownPeople'

interface Active extends SessionMailboxes {
  own: MailboxRuntime
  /** The person's display name, from the directory entry on their own INBOX. */
  name: string
  /** The person's own S/MIME certificate and key (kept in the secret store), if imported. */
  smime: SmimeIdentity | null
}

const sharedMessage = (address: string) =>
  `${address} is a shared mailbox, and shared mailboxes cannot sign in (R8). Sign in with your own address and password: the shared mailboxes you are a member of appear next to your own mailbox.`

/**
 * The mail service: all network work and the rules. Plain Node, no Electron; constructed with
 * its dependencies, started and stopped by its host (Electron main or the web host).
 */
export class MailService {
  private active: Active | null = null
  private memberships: SharedMembership[] = []
  private knownShared = new Set<string>()
  /** People who signed in on this device: a generic refusal of anyone else may be R8. */
  private knownPeople = new Set<string>()
  private readonly tickets = new AttachmentTickets()
  private readonly keyring: SmimeKeyring
  private readonly outgoing: Outgoing
  private readonly claims: ClaimedGrants
  private readonly log: Logger

  constructor(private readonly deps: MailServiceDeps) {
    this.keyring = new SmimeKeyring(deps.secrets, deps.state)
    this.outgoing = new Outgoing(new OutboxJournal(deps.state), this.keyring, deps.state)
    this.claims = new ClaimedGrants(deps.state)
    this.log = deps.log ?? consoleLogger
  }

  /**
   * Loads what the service keeps between launches. When the last session's password is still
   * in the secret store (the OS keychain under Electron), the session comes back at once, even
   * with the server down: the renderer shows its cache, and the mailboxes connect when they can
   * (R9 backoff), with no sign-in form in the way.
   */
  async start(): Promise<void> {
    this.knownShared = new Set(await this.deps.state.read<string[]>(KNOWN_SHARED) ?? [])
    this.knownPeople = new Set(await this.deps.state.read<string[]>(KNOWN_PEOPLE) ?? [])
    const last = await this.deps.state.read<SessionSnapshot>(LAST_SESSION)
    const password = last ? await this.deps.secrets.get(`imap:${last.session.account.id}`) : undefined
    if (last && password) await this.resume(last, password)
  }

  private runtimeOptions() {
    return { emit: this.deps.emit, pollMs: this.deps.pollMs, backoff: this.deps.backoff, log: this.log }
  }

  private async resume(last: SessionSnapshot, password: string): Promise<void> {
    const { account } = last.session
    const login: ImapLogin = { endpoint: account.server.imap, user: account.address, password }
    const ownBox = last.session.mailboxes.find((m) => m.kind === 'own')!
    const own = new MailboxRuntime(ownBox, login, { kind: 'session' }, this.runtimeOptions())
    this.active = {
      session: { account, mailboxes: [ownBox] }, login, own, runtimes: new Map([[ownBox.id, own]]),
      name: last.name, grants: new Map(), smime: await this.keyring.identity(account.id),
    }
    this.memberships = last.memberships
    await this.claims.load(account.id)
    // Quotas as last seen until the server answers; each runtime reconnects by itself.
    await this.reconcile(last.memberships, last.session.mailboxes)
    void own.connection().catch(() => undefined)
  }

  /** Keeps the session (not the password: that is the secret store's) for an offline start. */
  private async remember(): Promise<void> {
    if (!this.active) return
    await this.deps.state.write<SessionSnapshot>(LAST_SESSION, { session: this.active.session, name: this.active.name, memberships: this.memberships })
  }

  async stop(): Promise<void> {
    await this.closeAll()
  }

  /** Server settings for an address: its domain's autoconfig, else a preset, else nothing (the form guesses). */
  discoverServer(address: string): Promise<Discovered> {
    return discoverServer(address, this.deps.autoconfig)
  }

  /** Name, version and launch hints. */
  appInfo(): AppInfo {
    return { name: 'Tandem', version: this.deps.version, host: this.deps.host, suggestedServer: this.deps.suggestedServer ?? null, secretsPersist: this.deps.secrets.persistent !== false }
  }

  /**
   * Signs a person in over IMAP, then finds the shared mailboxes the server says they belong to
   * (R1). Refuses shared mailboxes (R8) before the password leaves when the address is known to
   * be shared; otherwise the server's refusal is explained.
   */
  async signIn(req: SignInRequest): Promise<Session> {
    const smtpProblem = insecureEndpointReason('SMTP', req.server.smtp)
    if (smtpProblem) throw new ApiFailure({ code: 'security.insecure', message: smtpProblem, field: 'server' })
    if (this.knownShared.has(req.address)) {
      throw new ApiFailure({ code: 'auth.sharedMailbox', rule: 'R8', field: 'address', message: sharedMessage(req.address) })
    }
    const login: ImapLogin = { endpoint: req.server.imap, user: req.address, password: req.password }
    const client = await connectImap(login, this.knownShared, { knownPeople: this.knownPeople })
    await this.rememberPerson(req.address)
    await this.closeAll()
    const accountId = req.address
    const ownBox: Mailbox = { id: `own:${req.address}`, accountId, kind: 'own', address: req.address, name: req.address, quota: null }
    const own = new MailboxRuntime(ownBox, login, { kind: 'session' }, this.runtimeOptions(), client)
    const name = parseDirectoryEntry(await getMetadata(client, 'INBOX', DIRECTORY_ENTRY))?.name ?? ''
    this.active = {
      session: { account: { id: accountId, address: req.address, server: req.server }, mailboxes: [ownBox] },
      login, own, runtimes: new Map([[ownBox.id, own]]), name, grants: new Map(),
      smime: await this.keyring.identity(accountId),
    }
    await this.deps.secrets.set(`imap:${accountId}`, req.password)
    await this.claims.load(accountId)
    await own.refreshQuota().catch(() => null)
    await this.reconcile(await this.withAdded(client, await discoverMemberships(client, req.address)))
    return this.active.session
  }

  current(): Session | null {
    return this.active?.session ?? null
  }

  /** Each mailbox's connection state as last announced. */
  connections(): ConnectionState[] {
    return [...(this.active?.runtimes.values() ?? [])].map((r) => r.state)
  }

  async signOut(): Promise<void> {
    const accountId = this.active?.session.account.id
    await this.closeAll()
    if (accountId) await this.deps.secrets.delete(`imap:${accountId}`)
    await this.deps.state.write(LAST_SESSION, undefined)
  }

  private refreshing: Promise<Session> | null = null

  /**
   * Asks the server again for memberships (R1) and quotas; emits session.changed when anything
   * moved. Calls while one runs share its answer (one fresh login, not one per window event).
   */
  refreshMailboxes(): Promise<Session> {
    this.refreshing ??= this.refreshNow().finally(() => { this.refreshing = null })
    return this.refreshing
  }

  private async refreshNow(): Promise<Session> {
    const active = this.requireSession()
    // A fresh session: a long-lived one may keep the server's cached view of its ACLs.
    const probe = await connectImap(active.login, this.knownShared)
    const memberships = await discoverMemberships(probe, active.session.account.address)
      .then((found) => this.withAdded(probe, found))
      .finally(() => probe.logout().catch(() => probe.close()))
    const before = JSON.stringify(active.session.mailboxes)
    await Promise.all([...active.runtimes.values()].map((r) => r.refreshQuota().catch(() => null)))
    await this.reconcile(memberships)
    if (JSON.stringify(active.session.mailboxes) !== before) this.deps.emit('session.changed', active.session)
    return active.session
  }

  /**
   * Opens a shared mailbox by address (R1: only when the server lets the person open it) and
   * keeps it for this account; it reopens offline from the cache like any other.
   */
  async addSharedMailbox(address: string): Promise<Session> {
    const active = this.requireSession()
    const a = address.trim().toLowerCase()
    if (a === active.session.account.address.toLowerCase()) throw new ApiFailure({ code: 'request.invalid', field: 'address', message: 'That is your own address: your mailbox is already here.' })
    if (!active.runtimes.has(`shared:${a}`)) {
      const membership = await openByAddress(await active.own.connection(), active.login, active.session.account.server.delegateLogin, a)
      const accountId = active.session.account.id
      await setAddedAddresses(this.deps.state, accountId, [...await addedAddresses(this.deps.state, accountId), a])
      await this.reconcile([...this.memberships.filter((m) => m.address !== a), membership])
      this.deps.emit('session.changed', active.session)
    }
    return active.session
  }

  /** Removes a shared mailbox the person opened by address (one the server lists stays: R1 is the server's). */
  async removeSharedMailbox(mailboxId: string): Promise<Session> {
    const active = this.requireSession()
    const m = this.memberships.find((x) => `shared:${x.address}` === mailboxId)
    if (!m?.added) throw new ApiFailure({ code: 'request.invalid', field: 'mailboxId', message: 'Only a shared mailbox you opened by address can be removed here; the others come with your membership (R1).' })
    const accountId = active.session.account.id
    await setAddedAddresses(this.deps.state, accountId, (await addedAddresses(this.deps.state, accountId)).filter((a) => a !== m.address))
    await this.reconcile(this.memberships.filter((x) => x !== m))
    this.deps.emit('session.changed', active.session)
    return active.session
  }

  /** The server's memberships plus the mailboxes the person added by address that it still lets them open. */
  private withAdded(client: ImapFlow, discovered: SharedMembership[]): Promise<SharedMembership[]> {
    const active = this.requireSession()
    return withAddedMailboxes(client, discovered, {
      state: this.deps.state, accountId: active.session.account.id, login: active.login,
      template: active.session.account.server.delegateLogin, previous: this.memberships, log: this.log,
    })
  }

  /** Folders of one of the session's mailboxes, with the person's rights. */
  async listFolders(mailboxId: string): Promise<Folder[]> {
    const runtime = this.runtime(mailboxId)
    const folders = await runtime.refreshFolders()
    void runtime.startWatching().catch(() => undefined)
    return folders
  }

  /** Brings one folder's cache up to date; new messages go out as sync.messages events. */
  async syncMessages(input: { folderId: string; since: FolderSyncState | null; knownUids: number }): Promise<CallOutput<'messages.sync'>> {
    const { runtime, folder } = await this.folder(input.folderId)
    const result = await syncFolder(await runtime.connection(), { ...input, mailboxId: runtime.mailbox.id, path: folder.path },
      (messages, done, total) => this.deps.emit('sync.messages', { folderId: folder.id, messages, done, total }))
    runtime.watch(folder.path)
    return result
  }

  async body(folderId: string, uid: number): Promise<MessageBody> {
    const { runtime, folder } = await this.folder(folderId)
    const { body, signed } = await loadBody(await runtime.connection(), folder.id, folder.path, uid)
    // Signed mail carries the sender's certificate: kept (to encrypt to them later) only when the
    // signature holds over this message, for its From address, with a certificate valid now.
    if (signed) {
      const verdict = await verifyDetachedSignature(signed.content, signed.signature, signed.from).catch(() => null)
      if (verdict?.ok) await this.keyring.learn(signed.from, verdict.signer.certPem).catch(() => undefined)
    }
    return body
  }

  async setFlags(folderId: string, uids: number[], add: string[], remove: string[]): Promise<number[]> {
    const { runtime, folder } = await this.folder(folderId)
    return setFlags(await runtime.connection(), folder, uids, add, remove)
  }

  async move(folderId: string, uids: number[], toFolderId: string, messageIds?: (string | null)[]): Promise<CallOutput<'messages.move'>> {
    const { runtime, folder } = await this.folder(folderId)
    const to = runtime.folderById(toFolderId)
    if (to.mailboxId !== folder.mailboxId) {
      throw new ApiFailure({ code: 'request.invalid', message: 'Messages can only be moved within one mailbox.' })
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
    const shared = [...active.runtimes.values()].filter((r) => r.mailbox.kind === 'shared')
      .map((r) => ({
        mailbox: r.mailbox,
        grants: active.grants.get(r.mailbox.id) ?? { sendAs: [], sendOnBehalf: [] },
        // Only where the server publishes no grants may the person add their own (unconfirmed).
        ...(r.mailbox.unpublishedGrants ? { claimed: this.claims.get(r.mailbox.address) } : {}),
      }))
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
    return this.outgoing.saveDraft({ identity: verdict.identity, runtime: active.runtimes.get(verdict.identity.mailboxId)! }, req, version, active.smime)
  }

  /** Removes every version this device saved of a discarded draft from the mailbox's Drafts. */
  async discardDraft(mailboxId: string, key: string): Promise<void> {
    await this.outgoing.dropDraft(this.runtime(mailboxId), key)
  }

  /**
   * Adds or removes a Send As / On Behalf identity the person says they have, for a shared
   * mailbox whose grants the server does not publish. Where a directory entry exists it is the
   * administrator's word, and such additions are refused (R2, R3).
   */
  async claimGrant(mailboxId: string, kind: 'sendAs' | 'onBehalf', claimed: boolean): Promise<Identity[]> {
    const runtime = this.runtime(mailboxId)
    const rule = kind === 'onBehalf' ? 'R3' : 'R2'
    if (runtime.mailbox.kind !== 'shared' || !runtime.mailbox.unpublishedGrants) {
      throw new ApiFailure({ code: 'send.notAllowed', rule, field: 'from', message: `${runtime.mailbox.name}'s ${kind === 'onBehalf' ? 'Send on Behalf' : 'Send As'} permissions are published by your administrator (${rule}); Tandem offers exactly those. Ask an administrator if you need another.` })
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

  /** The person's answer to a correspondent's changed certificate. */
  resolveCertificateChange(address: string, accept: boolean): Promise<void> {
    this.requireSession()
    return this.keyring.resolveChange(address, accept)
  }

  /**
   * Sends, whatever the renderer asked, only as the rules allow: the identity must be one this
   * service built (R2, R3), shared mail is never encrypted (R4), a full mailbox cannot send
   * (R6, checked against a fresh quota). The copy goes to the Sent folder of the identity's
   * mailbox — the shared mailbox's own Sent for Send As and On Behalf.
   */
  async send(req: SendRequest): Promise<CallOutput<'messages.send'>> {
    const active = this.requireSession()
    const identities = this.identities()
    const claimed = active.runtimes.get(identities.find((i) => i.id === req.identityId)?.mailboxId ?? '')
    await claimed?.refreshQuota().catch(() => null)
    publishMailboxes(active)
    const verdict = authoriseSend(req, identities, active.session.mailboxes)
    if (!verdict.ok) throw new ApiFailure(verdict.error)
    const password = await this.deps.secrets.get(`imap:${active.session.account.id}`)
    if (!password) throw new ApiFailure({ code: 'session.required', message: 'Your session has ended. Sign in again.' })
    const login = { endpoint: active.session.account.server.smtp, user: active.session.account.address, password }
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
      if (runtime) await this.outgoing.dropDraft(runtime, key).catch(() => undefined)
    }
    return sent
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

  private requireSession(): Active {
    if (!this.active) throw new ApiFailure({ code: 'session.required', message: 'You are signed out. Sign in to continue.' })
    return this.active
  }

  private runtime(mailboxId: string): MailboxRuntime {
    const r = this.requireSession().runtimes.get(mailboxId)
    if (!r) throw new ApiFailure({ code: 'request.invalid', field: 'mailboxId', message: `There is no mailbox ${mailboxId} in this session. You may no longer be a member of it.` })
    return r
  }

  /**
   * A folder of the session. After a restart the service knows no folders until it lists them,
   * and a queued action may come first: then they are listed once, here.
   */
  private async folder(folderId: string): Promise<{ runtime: MailboxRuntime; folder: Folder }> {
    const runtime = this.runtime(parseFolderId(folderId).mailboxId)
    if (!runtime.folders.some((f) => f.id === folderId)) await runtime.refreshFolders()
    return { runtime, folder: runtime.folderById(folderId) }
  }

  /** Runtimes for the memberships the server reports (R1), then kept for an offline start. */
  private async reconcile(memberships: SharedMembership[], lastSeen: Mailbox[] = []): Promise<void> {
    this.memberships = memberships
    await reconcileMemberships(this.requireSession(), memberships, lastSeen, this.runtimeOptions())
    await this.rememberShared(memberships.map((m) => m.address))
    await this.remember()
  }

  /** People who signed in here, and shared mailboxes seen here, kept for the R8 explanations. */
  private rememberPerson(address: string): Promise<void> {
    return this.rememberIn(this.knownPeople, KNOWN_PEOPLE, [address.toLowerCase()])
  }

  private rememberShared(addresses: string[]): Promise<void> {
    return this.rememberIn(this.knownShared, KNOWN_SHARED, addresses)
  }

  private async rememberIn(known: Set<string>, key: string, addresses: string[]): Promise<void> {
    const before = known.size
    for (const a of addresses) known.add(a)
    if (known.size !== before) await this.deps.state.write(key, [...known].sort())
  }

  private async closeAll(): Promise<void> {
    const runtimes = [...(this.active?.runtimes.values() ?? [])]
    this.active = null
    await Promise.all(runtimes.map((r) => r.stop()))
  }
}


