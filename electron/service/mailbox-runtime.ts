import type { ImapFlow } from 'imapflow'
import type { EventName, EventPayload } from '../../shared/api/contract'
import type { ConnectionState, Folder, Mailbox, Quota } from '../../shared/domain'
import { folderRights } from '../../shared/rules/rights'
import { compareFolders } from '../../shared/rules/folder-role'
import { quotaState } from '../../shared/rules/quota'
import { ApiFailure } from '../../shared/api/errors'
import { connectImap, type ImapLogin } from './imap-connect'
import { listMailboxFolders, RightsCache, toFolder } from './folders'
import type { Logger } from './logger'

export type Emit = <N extends EventName>(name: N, payload: EventPayload<N>) => void

/**
 * How a mailbox is reached: its own session (the person's mailbox, or a shared mailbox through
 * a delegate login), or — on servers without delegate logins — the person's session, inside the
 * shared namespace.
 */
export type MailboxScope = { kind: 'session' } | { kind: 'namespace'; inboxPath: string; prefix: string }

export interface RuntimeOptions {
  emit: Emit
  /** Where the service's warnings go. */
  log?: Logger
  /** How often folders that were synced are checked for changes (STATUS), besides IDLE on INBOX. */
  pollMs?: number
  /** Reconnection after a refused or dropped connection (R9); tests make it short. */
  backoff?: Partial<BackoffPolicy>
}

export interface BackoffPolicy {
  /** The first wait; each failure doubles it, up to maxMs. */
  baseMs: number
  maxMs: number
  /** 0..1, for the jitter (tests pass a fixed one). */
  random: () => number
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60_000, random: Math.random }

/**
 * Exponential backoff with "equal jitter": half the window fixed, half random, so that thirty
 * agents whose connections the server dropped at the same moment do not come back in step (R9).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy): number {
  const window = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1))
  return Math.round(window / 2 + (window / 2) * policy.random())
}

/** Failures that a later attempt may not meet: anything but a wrong password or an unsafe setting. */
const retryable = (e: unknown) => !(e instanceof ApiFailure) || !['auth.failed', 'auth.sharedMailbox', 'security.insecure', 'security.tls'].includes(e.code)

interface Seen { messages: number; uidNext: number; modseq: string | null }

/**
 * One mailbox's connections — never more than two (R9): a working one and an IDLE watcher on
 * INBOX. A refused or dropped connection is retried in the background with exponential backoff
 * and jitter; meanwhile calls fail at once with the time of the next attempt, and the renderer
 * keeps serving its cache and queueing the person's actions.
 */
export class MailboxRuntime {
  folders: Folder[] = []
  /** The folder holding the mailbox's directory entry (no mail; not shown), relative to the mailbox. */
  hiddenFolder: string | null = null
  private readonly rights = new RightsCache()
  private client: ImapFlow | null = null
  private connecting: Promise<ImapFlow> | null = null
  private watcher: ImapFlow | null = null
  private watching = false
  private pollTimer: NodeJS.Timeout | null = null
  private readonly watched = new Map<string, Seen | null>()
  private stopped = false
  private failures = 0
  private retryAt = 0
  private retryTimer: NodeJS.Timeout | null = null
  private lastError = ''
  private readonly backoff: BackoffPolicy
  /** The state last announced (a reloaded renderer asks for it). */
  state: ConnectionState

  constructor(
    public mailbox: Mailbox,
    private readonly login: ImapLogin,
    private readonly scope: MailboxScope,
    private readonly opts: RuntimeOptions,
    first: ImapFlow | null = null,
  ) {
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff }
    this.state = { mailboxId: mailbox.id, state: first ? 'online' : 'connecting' }
    if (first) this.adopt(first)
  }

  /**
   * The working connection. While a reconnection is scheduled (R9) this fails at once, saying
   * when the next attempt is, instead of adding to the load of a server that refuses us.
   */
  async connection(): Promise<ImapFlow> {
    if (this.stopped) throw new ApiFailure({ code: 'session.required', message: 'You are signed out. Sign in to continue.' })
    if (this.client?.usable) return this.client
    if (!this.connecting && Date.now() < this.retryAt) throw this.waitingFailure()
    return this.connect()
  }

  private announce(state: ConnectionState): void {
    this.state = state
    this.opts.emit('connection.state', state)
  }

  /** The state the renderer shows: online, connecting, or offline until the next attempt. */
  private waitingFailure(): ApiFailure {
    const seconds = Math.max(1, Math.ceil((this.retryAt - Date.now()) / 1000))
    return new ApiFailure({
      code: 'network.unreachable',
      rule: 'R9',
      message: `${this.mailbox.name}: reconnecting in ${seconds} s${this.lastError ? ` (${this.lastError})` : ''}. Tandem keeps your changes and sends them when the connection is back.`,
    })
  }

  private connect(): Promise<ImapFlow> {
    if (!this.connecting) {
      this.announce({ mailboxId: this.mailbox.id, state: 'connecting' })
      this.connecting = connectImap(this.login)
        .then((c) => {
          if (this.stopped) { void c.logout().catch(() => c.close()); throw new ApiFailure({ code: 'session.required', message: 'You are signed out. Sign in to continue.' }) }
          this.adopt(c)
          return c
        })
        .catch((e: unknown) => {
          if (!this.stopped) this.failed(e)
          throw e
        })
        .finally(() => { this.connecting = null })
    }
    return this.connecting
  }

  /** Schedules the next attempt with backoff and jitter, and says so. */
  private failed(e: unknown): void {
    this.failures += 1
    this.lastError = e instanceof ApiFailure ? e.message : (e as Error).message
    if (!retryable(e)) {
      this.retryAt = 0
      this.announce({ mailboxId: this.mailbox.id, state: 'offline', detail: this.lastError })
      return
    }
    const delay = backoffDelay(this.failures, this.backoff)
    this.retryAt = Date.now() + delay
    this.announce({ mailboxId: this.mailbox.id, state: 'offline', detail: this.lastError, retryAt: this.retryAt })
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      if (!this.stopped && !this.client?.usable) void this.connect().catch(() => undefined)
    }, delay)
    this.retryTimer.unref()
  }

  private adopt(client: ImapFlow): void {
    this.client = client
    this.retryAt = 0
    this.lastError = ''
    // A login is not yet a working connection: a server that accepts it and drops at once would
    // otherwise be reconnected to in a tight loop. The failure count goes back to zero only
    // once a command has succeeded on this connection.
    let proven = false
    void client.noop().then(() => { if (this.client === client) { proven = true; this.failures = 0 } }).catch(() => undefined)
    client.on('close', () => {
      if (this.client !== client || this.stopped) return
      this.client = null
      if (!proven) { this.failed(new Error('The server closed the connection right after signing in.')); return }
      // Dropped (server restart, idle timeout, network gone): one attempt at once; should that
      // fail, the backoff takes over.
      this.announce({ mailboxId: this.mailbox.id, state: 'offline', detail: 'The connection to the server closed.' })
      void this.connect().catch(() => undefined)
    })
    this.announce({ mailboxId: this.mailbox.id, state: 'online' })
    // After a reconnection the watcher comes back too.
    if (this.watching && !this.watcher) void this.startWatching().catch(() => undefined)
  }

  folderById(folderId: string): Folder {
    const f = this.folders.find((x) => x.id === folderId)
    if (!f) throw new ApiFailure({ code: 'message.gone', message: 'That folder is no longer there. It may have been renamed or removed.' })
    return f
  }

  /** The mailbox's folder with this role (listing the folders first if none are known yet), or null. */
  async folderWithRole(role: Folder['role']): Promise<Folder | null> {
    if (!this.folders.length) await this.refreshFolders()
    return this.folders.find((f) => f.role === role) ?? null
  }

  async refreshFolders(): Promise<Folder[]> {
    const client = await this.connection()
    if (this.scope.kind === 'session') {
      this.folders = (await listMailboxFolders(client, this.mailbox.id, this.rights)).filter((f) => f.path !== this.hiddenFolder)
    } else {
      const { inboxPath, prefix } = this.scope
      const hidden = this.hiddenFolder === null ? null : prefix + this.hiddenFolder
      const listed = (await client.list()).filter((f) => (f.path === inboxPath || f.path.startsWith(prefix)) && f.path !== hidden)
      const folders: Folder[] = []
      for (const f of listed) {
        const folder = toFolder(f, this.mailbox.id, client.capabilities.has('SPECIAL-USE'))
        if (f.path === inboxPath) { folder.role = 'inbox'; folder.name = 'INBOX' }
        folder.parents = f.path === inboxPath ? [] : f.path.slice(prefix.length).split(f.delimiter).slice(0, -1)
        folder.rights = folderRights(await this.rights.of(client, f.path))
        folders.push(folder)
      }
      this.folders = folders.sort(compareFolders)
    }
    return this.folders
  }

  /** The mailbox's quota (R5) from the QUOTA extension, or null when the server has none. */
  async refreshQuota(): Promise<Quota | null> {
    const client = await this.connection()
    if (!client.capabilities.has('QUOTA')) return (this.mailbox.quota = null)
    const inbox = this.scope.kind === 'session' ? 'INBOX' : this.scope.inboxPath
    const q = await client.getQuota(inbox).catch(() => false as const)
    const storage = q && q.storage
    this.mailbox = { ...this.mailbox, quota: storage ? quotaState(storage.usage ?? 0, storage.limit ?? null) : null }
    return this.mailbox.quota
  }

  /** Marks a folder as one to keep an eye on (after the renderer first synced it). */
  watch(path: string): void {
    if (!this.watched.has(path)) this.watched.set(path, null)
  }

  /** IDLE on INBOX through a second connection, and a short STATUS poll of the other watched folders. */
  async startWatching(): Promise<void> {
    const inboxPath = this.scope.kind === 'session' ? 'INBOX' : this.scope.inboxPath
    const inbox = this.folders.find((f) => f.path === inboxPath)
    this.watching = true
    if (inbox) this.watch(inbox.path)
    if (!this.watcher && inbox && !this.stopped) {
      try {
        const w = await connectImap(this.login, undefined, { autoIdleDelay: 100 })
        w.on('error', () => undefined)
        w.on('close', () => { if (this.watcher === w) this.watcher = null })
        let timer: NodeJS.Timeout | null = null
        // Untagged responses come in bursts (EXISTS, then FETCH); one notice per burst. Short:
        // a burst is one read from the socket, and the renderer folds notices during a sync into one more.
        const changed = () => {
          if (timer) return
          timer = setTimeout(() => { timer = null; this.opts.emit('folder.changed', { folderId: inbox.id }) }, 50)
        }
        w.on('exists', changed)
        w.on('expunge', changed)
        w.on('flags', changed)
        await w.mailboxOpen(inbox.path, { readOnly: true })
        if (this.stopped) { void w.logout().catch(() => w.close()); return }
        this.watcher = w
      } catch {
        // Without the watcher the poll below still finds changes.
      }
    }
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => { void this.poll().catch(() => undefined) }, this.opts.pollMs ?? 3000)
      this.pollTimer.unref()
    }
  }

  private polling = false
  private async poll(): Promise<void> {
    const client = this.client
    if (this.polling || this.stopped || !client?.usable) return
    this.polling = true
    try {
      for (const [path, before] of this.watched) {
        // The connection may drop between two folders: then the next poll, on the new one, goes on.
        if (!client.usable || this.client !== client) return
        const s = await client.status(path, { messages: true, uidNext: true, highestModseq: true }).catch(() => false as const)
        if (!s) continue
        const now: Seen = { messages: s.messages ?? 0, uidNext: s.uidNext ?? 0, modseq: s.highestModseq !== undefined ? String(s.highestModseq) : null }
        this.watched.set(path, now)
        if (before && (before.messages !== now.messages || before.uidNext !== now.uidNext || before.modseq !== now.modseq)) {
          const folder = this.folders.find((f) => f.path === path)
          if (folder) this.opts.emit('folder.changed', { folderId: folder.id })
        }
      }
    } finally {
      this.polling = false
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.pollTimer) clearInterval(this.pollTimer)
    if (this.retryTimer) clearTimeout(this.retryTimer)
    const all = [this.client, this.watcher].filter((c): c is ImapFlow => !!c)
    this.client = null
    this.watcher = null
    await Promise.all(all.map((c) => c.logout().catch(() => c.close())))
  }
}
