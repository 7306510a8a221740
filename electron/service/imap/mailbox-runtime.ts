import type { ImapFlow } from 'imapflow'
import type { EventName, EventWire } from '../../../shared/api/contract'
import type { ConnectionState, Folder, Mailbox, Quota } from '../../../shared/domain'
import { quotaState } from '../../../shared/rules/quota'
import { fail } from '../../../shared/api/errors'
import type { ImapLogin } from './connect'
import { ReconnectingConnection, type BackoffPolicy } from './connection'
import { inboxPathOf, listScopedFolders, RightsCache, type MailboxScope } from './folder-listing'
import { FolderWatcher, type Seen, type TeamWatch } from './watcher'
import { TEAM_FOLDER, teamFolderPath } from '../operations/team'
import { DEFAULT_FLAG_SCAN, FolderFlags, type FlagScanSchedule } from '../operations/flag-scan'
import type { Logger } from '../logger'

export type { BackoffPolicy } from './connection'
export { backoffDelay } from './connection'
export type { MailboxScope } from './folder-listing'

export type Emit = <N extends EventName>(name: N, payload: EventWire<N>) => void

export interface RuntimeOptions {
  emit: Emit
  /** Where the service's warnings go. */
  log?: Logger
  /** How often folders that were synced are checked for changes (STATUS), besides IDLE on INBOX. */
  pollMs?: number
  /** How the team folder's watch steps back after a quiet spell (watcher.ts, TEAM_WATCH); tests make it short. */
  teamWatch?: TeamWatch
  /** Reconnection after a refused or dropped connection (R9); tests make it short. */
  backoff?: Partial<BackoffPolicy>
  /** How often a mailbox at rest in the person's connection budget connects to poll (R9). */
  turnMs?: number
  /** When flags are scanned on a server without CONDSTORE (flag-scan.ts). */
  flagScan?: FlagScanSchedule
  /** The clock flag scans are scheduled by (tests move it on). */
  now?: () => number
}

/**
 * One mailbox as the service holds it: its folders and quota, and its connections — never more
 * than two (R9): the working one (connection.ts, reconnecting with backoff) and the IDLE
 * watcher on INBOX (watcher.ts), which comes back after every reconnection. Both take slots of
 * the person's connection budget (connection-budget.ts), which may take them back while the
 * person works in another mailbox.
 */
export class MailboxRuntime {
  folders: Folder[] = []
  private readonly rights = new RightsCache()
  private readonly link: ReconnectingConnection
  private readonly watcher: FolderWatcher
  private readonly emitTeamChanged: () => void
  /** What the service knows of each folder's flags, by path, where the server has no CONDSTORE. */
  private readonly flagState = new Map<string, FolderFlags>()
  /** The clock flag scans are scheduled by. */
  readonly now: () => number

  constructor(
    public mailbox: Mailbox,
    private readonly login: ImapLogin,
    private readonly scope: MailboxScope,
    opts: RuntimeOptions,
    first: ImapFlow | null = null,
  ) {
    this.emitTeamChanged = () => opts.emit('team.changed', { mailboxId: this.mailbox.id })
    this.now = opts.now ?? Date.now
    const schedule = opts.flagScan ?? DEFAULT_FLAG_SCAN
    this.flags = (path) => {
      let f = this.flagState.get(path)
      if (!f) this.flagState.set(path, f = new FolderFlags(schedule))
      return f
    }
    this.watcher = new FolderWatcher({
      login,
      changed: (folderId) => opts.emit('folder.changed', { folderId }),
      client: () => this.link.current,
      connect: () => this.link.get(),
      folders: () => this.folders,
      mailboxId: mailbox.id,
      pollMs: opts.pollMs,
      teamWatch: opts.teamWatch,
      turnMs: opts.turnMs,
      scan: (path) => this.scanFlags(path),
      hint: (path) => { const f = this.flagState.get(path); if (f) f.hinted = true },
      log: opts.log,
    })
    this.link = new ReconnectingConnection(mailbox.id, () => this.mailbox.name, login, {
      state: (s) => opts.emit('connection.state', s),
      // After a reconnection the watcher comes back too.
      online: () => { if (this.watcher.wanted && !this.watcher.idling) void this.startWatching().catch(() => undefined) },
    }, opts.backoff, first)
  }

  /** The state last announced (a reloaded renderer asks for it). */
  get state(): ConnectionState {
    return this.link.state
  }

  /**
   * The working connection. While a reconnection is scheduled (R9) this fails at once, saying
   * when the next attempt is.
   */
  connection(): Promise<ImapFlow> {
    this.link.touch()
    return this.link.get()
  }

  /**
   * The person is working in this mailbox: in their connection budget its connections are the
   * last to be given back, and IDLE comes back on its INBOX if it had to go.
   */
  focus(): void {
    this.login.budget?.focus(this.mailbox.id)
    // Opening the mailbox: its team folder is asked at the next poll, and every poll for a while (TEAM_WATCH).
    this.watcher.busyAll(true)
    if (this.watcher.wanted && !this.watcher.idling) void this.startWatching().catch(() => undefined)
  }

  folderById(folderId: string): Folder {
    const f = this.folders.find((x) => x.id === folderId)
    if (!f) throw fail({ code: 'message.gone', key: 'errors.folder.gone' })
    return f
  }

  /** The mailbox's folder with this role (listing the folders first if none are known yet), or null. */
  async folderWithRole(role: Folder['role']): Promise<Folder | null> {
    if (!this.folders.length) await this.refreshFolders()
    return this.folders.find((f) => f.role === role) ?? null
  }

  async refreshFolders(): Promise<Folder[]> {
    const client = await this.connection()
    // The team folder holds team state and saved replies, in the person's own mailbox too: never listed as a folder.
    const hidden = [this.scope.kind === 'namespace' ? TEAM_FOLDER : teamFolderPath(client, null)]
    this.folders = await listScopedFolders(client, this.mailbox.id, this.scope, hidden, this.rights)
    return this.folders
  }

  /** Where this shared mailbox keeps its team state (operations/team.ts), as this session reaches it. */
  async teamFolder(): Promise<{ client: ImapFlow; path: string }> {
    const client = await this.connection()
    return { client, path: teamFolderPath(client, this.scope.kind === 'namespace' ? this.scope.prefix : null) }
  }

  /** The mailbox's quota (R5) from the QUOTA extension, or null when the server has none. */
  async refreshQuota(): Promise<Quota | null> {
    // Not the person's work in this mailbox (the connection budget keeps that apart, R9).
    const client = await this.link.get()
    // Not reported (R5) — shown as such, never an error: the server still refuses a full mailbox's mail (R6).
    if (!client.capabilities.has('QUOTA')) {
      this.mailbox = { ...this.mailbox, quota: null, quotaReported: false }
      return null
    }
    const q = await client.getQuota(inboxPathOf(this.scope)).catch(() => false as const)
    const storage = q && q.storage
    this.mailbox = { ...this.mailbox, quota: storage ? quotaState(storage.usage ?? 0, storage.limit ?? null) : null, quotaReported: !!storage }
    return this.mailbox.quota
  }

  /** What the service knows of a folder's flags (for a server without CONDSTORE; flag-scan.ts). */
  readonly flags: (path: string) => FolderFlags

  /** The person changed these messages' flags through this service: the next scan reports them, whatever it finds. */
  flagsChanged(path: string, uids: number[]): void {
    this.flagState.get(path)?.invalidate(uids)
  }

  /**
   * A flag scan of a folder the renderer synced, when one is due, on the working connection (a
   * mailbox at rest waits for its next connection); true when it found changes to hand over.
   */
  private async scanFlags(path: string): Promise<boolean> {
    const f = this.flagState.get(path)
    const client = this.link.current
    if (!f || !client?.usable || client.capabilities.has('CONDSTORE')) return false
    const due = f.due(this.now())
    if (!due) return false
    const selected = client.mailbox
    const lock = await client.getMailboxLock(path, { readOnly: true })
    try {
      // Open already: the server tells this session what changed (the count) only when asked.
      if (selected && client.mailbox === selected) await client.noop()
      return (await f.scanLocked(client, due, this.now())) > 0
    } finally {
      lock.release()
    }
  }

  /** Marks a folder as one to keep an eye on, as the renderer's sync left it. */
  watch(path: string, synced?: Seen): void {
    this.watcher.watch(path, synced)
  }

  /** Keeps an eye on the team folder (after the renderer first read it): a change is a team.changed event, not a folder's. */
  watchTeam(path: string): void {
    this.watcher.watchOwn(path, () => this.emitTeamChanged())
  }

  /** The person wrote to the team folder: it is asked every poll for a while, so teammates' answers show soon (TEAM_WATCH). */
  teamActive(): void {
    this.watcher.busyAll()
  }

  /** IDLE on INBOX through a second connection, and a short STATUS poll of the other watched folders. */
  startWatching(): Promise<void> {
    const budget = this.login.budget
    return this.watcher.start(inboxPathOf(this.scope), !!budget && budget.focusedMailbox !== this.mailbox.id)
  }

  async stop(): Promise<void> {
    await Promise.all([this.watcher.stop(), this.link.stop()])
  }
}
