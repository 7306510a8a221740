import type { ImapFlow } from 'imapflow'
import type { EventName, EventPayload } from '../../shared/api/contract'
import type { Folder, Mailbox, Quota } from '../../shared/domain'
import { folderRights } from '../../shared/rules/rights'
import { compareFolders } from '../../shared/rules/folder-role'
import { quotaState } from '../../shared/rules/quota'
import { ApiFailure } from '../../shared/api/errors'
import { connectImap, type ImapLogin } from './imap-connect'
import { listMailboxFolders, toFolder } from './folders'
import { myRights } from './imap-raw'

export type Emit = <N extends EventName>(name: N, payload: EventPayload<N>) => void

/**
 * How a mailbox is reached: its own session (the person's mailbox, or a shared mailbox through
 * a delegate login), or — on servers without delegate logins — the person's session, inside the
 * shared namespace.
 */
export type MailboxScope = { kind: 'session' } | { kind: 'namespace'; inboxPath: string; prefix: string }

export interface RuntimeOptions {
  emit: Emit
  /** How often folders that were synced are checked for changes (STATUS), besides IDLE on INBOX. */
  pollMs?: number
}

interface Seen { messages: number; uidNext: number; modseq: string | null }

/** One mailbox's connections: a working one (reopened on demand) and an IDLE watcher on INBOX. */
export class MailboxRuntime {
  folders: Folder[] = []
  private client: ImapFlow | null = null
  private connecting: Promise<ImapFlow> | null = null
  private watcher: ImapFlow | null = null
  private pollTimer: NodeJS.Timeout | null = null
  private readonly watched = new Map<string, Seen | null>()
  private stopped = false

  constructor(
    public mailbox: Mailbox,
    private readonly login: ImapLogin,
    private readonly scope: MailboxScope,
    private readonly opts: RuntimeOptions,
    first: ImapFlow | null = null,
  ) {
    if (first) this.adopt(first)
  }

  /** The working connection, reopened with backoff-free retry on the next call if it dropped. */
  async connection(): Promise<ImapFlow> {
    if (this.stopped) throw new ApiFailure({ code: 'session.required', message: 'You are signed out. Sign in to continue.' })
    if (this.client?.usable) return this.client
    if (!this.connecting) {
      this.opts.emit('connection.state', { mailboxId: this.mailbox.id, state: 'connecting' })
      this.connecting = connectImap(this.login)
        .then((c) => { this.adopt(c); return c })
        .catch((e: unknown) => {
          this.opts.emit('connection.state', { mailboxId: this.mailbox.id, state: 'offline', detail: (e as Error).message })
          throw e
        })
        .finally(() => { this.connecting = null })
    }
    return this.connecting
  }

  private adopt(client: ImapFlow): void {
    this.client = client
    client.on('close', () => {
      if (this.client === client && !this.stopped) {
        this.opts.emit('connection.state', { mailboxId: this.mailbox.id, state: 'offline', detail: 'The connection to the server closed.' })
      }
    })
    this.opts.emit('connection.state', { mailboxId: this.mailbox.id, state: 'online' })
  }

  folderById(folderId: string): Folder {
    const f = this.folders.find((x) => x.id === folderId)
    if (!f) throw new ApiFailure({ code: 'message.gone', message: 'That folder is no longer there. It may have been renamed or removed.' })
    return f
  }

  async refreshFolders(): Promise<Folder[]> {
    const client = await this.connection()
    if (this.scope.kind === 'session') {
      this.folders = await listMailboxFolders(client, this.mailbox.id)
    } else {
      const { inboxPath, prefix } = this.scope
      const listed = (await client.list()).filter((f) => f.path === inboxPath || f.path.startsWith(prefix))
      const folders: Folder[] = []
      for (const f of listed) {
        const folder = toFolder(f, this.mailbox.id, client.capabilities.has('SPECIAL-USE'))
        if (f.path === inboxPath) { folder.role = 'inbox'; folder.name = 'INBOX' }
        folder.parents = f.path === inboxPath ? [] : f.path.slice(prefix.length).split(f.delimiter).slice(0, -1)
        folder.rights = folderRights(await myRights(client, f.path))
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
    if (inbox) this.watch(inbox.path)
    if (!this.watcher && inbox) {
      try {
        const w = await connectImap(this.login, undefined, { autoIdleDelay: 100 })
        w.on('error', () => undefined)
        let timer: NodeJS.Timeout | null = null
        const changed = () => {
          if (timer) return
          timer = setTimeout(() => { timer = null; this.opts.emit('folder.changed', { folderId: inbox.id }) }, 150)
        }
        w.on('exists', changed)
        w.on('expunge', changed)
        w.on('flags', changed)
        await w.mailboxOpen(inbox.path, { readOnly: true })
        this.watcher = w
      } catch {
        // Without the watcher the poll below still finds changes.
      }
    }
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => { void this.poll() }, this.opts.pollMs ?? 3000)
      this.pollTimer.unref()
    }
  }

  private polling = false
  private async poll(): Promise<void> {
    if (this.polling || this.stopped || !this.client?.usable) return
    this.polling = true
    try {
      for (const [path, before] of this.watched) {
        const s = await this.client.status(path, { messages: true, uidNext: true, highestModseq: true }).catch(() => false as const)
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
    const all = [this.client, this.watcher].filter((c): c is ImapFlow => !!c)
    this.client = null
    this.watcher = null
    await Promise.all(all.map((c) => c.logout().catch(() => c.close())))
  }
}
