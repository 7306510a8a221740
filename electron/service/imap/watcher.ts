import type { ImapFlow } from 'imapflow'
import type { Folder } from '../../../shared/domain'
import type { Logger } from '../logger'
import { connectImap, type ImapLogin } from './connect'

interface Seen { messages: number; uidNext: number; modseq: string | null }

export interface WatcherOptions {
  login: ImapLogin
  /** Tells the renderer a folder changed on the server. */
  changed(folderId: string): void
  /** The working connection, when there is one (the poll never connects by itself). */
  client(): ImapFlow | null
  /** The mailbox's folders as last listed. */
  folders(): Folder[]
  /** How often folders that were synced are checked (STATUS), besides IDLE on INBOX. */
  pollMs?: number
  log?: Logger
}

/**
 * Notices changes another member or client made: IDLE on INBOX through a second connection (so a
 * mailbox never holds more than two, R9), and a short STATUS poll of the other folders the
 * renderer synced, on the working connection.
 */
export class FolderWatcher {
  private idle: ImapFlow | null = null
  private running = false
  private stopped = false
  private pollTimer: NodeJS.Timeout | null = null
  private polling = false
  private readonly watched = new Map<string, Seen | null>()
  /** Folders that are not among the mailbox's listed ones (the team folder), with who to tell. */
  private readonly own = new Map<string, () => void>()

  constructor(private readonly opts: WatcherOptions) {}

  /**
   * Marks a folder as one to keep an eye on (after the renderer first synced it); `changed`, for
   * a folder the folder list leaves out (the team folder), is told instead of folder.changed.
   */
  watch(path: string, changed?: () => void): void {
    if (!this.watched.has(path)) this.watched.set(path, null)
    if (changed) this.own.set(path, changed)
  }

  /** Whether start() was called (a reconnection then brings the IDLE connection back). */
  get wanted(): boolean {
    return this.running
  }

  get idling(): boolean {
    return this.idle !== null
  }

  async start(inboxPath: string): Promise<void> {
    const inbox = this.opts.folders().find((f) => f.path === inboxPath)
    this.running = true
    if (inbox) this.watch(inbox.path)
    if (!this.idle && inbox && !this.stopped) {
      try {
        const w = await connectImap(this.opts.login, undefined, { autoIdleDelay: 100 })
        w.on('error', () => undefined)
        w.on('close', () => { if (this.idle === w) this.idle = null })
        let timer: NodeJS.Timeout | null = null
        // Untagged responses come in bursts (EXISTS, then FETCH); one notice per burst. Short:
        // a burst is one read from the socket, and the renderer folds notices during a sync into one more.
        const changed = () => {
          if (timer) return
          timer = setTimeout(() => { timer = null; this.opts.changed(inbox.id) }, 50)
        }
        w.on('exists', changed)
        w.on('expunge', changed)
        w.on('flags', changed)
        await w.mailboxOpen(inbox.path, { readOnly: true })
        if (this.stopped) { void w.logout().catch(() => w.close()); return }
        this.idle = w
      } catch (e) {
        // Without IDLE the poll below still finds changes, a few seconds later.
        this.opts.log?.('warn', `IDLE on ${inbox.path} not started: ${(e as Error).message}`)
      }
    }
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => { void this.poll().catch(() => undefined) }, this.opts.pollMs ?? 3000)
      this.pollTimer.unref()
    }
  }

  private async poll(): Promise<void> {
    const client = this.opts.client()
    if (this.polling || this.stopped || !client) return
    this.polling = true
    try {
      for (const [path, before] of this.watched) {
        // The connection may drop between two folders: then the next poll, on the new one, goes on.
        if (!client.usable || this.opts.client() !== client) return
        // A folder this connection has open keeps the session's view until it is told to sync
        // (Dovecot answers STATUS of it from that view): NOOP first, or its changes go unseen.
        if (client.mailbox && client.mailbox.path === path) await client.noop().catch(() => undefined)
        const s = await client.status(path, { messages: true, uidNext: true, highestModseq: true }).catch(() => false as const)
        if (!s) continue
        const now: Seen = { messages: s.messages ?? 0, uidNext: s.uidNext ?? 0, modseq: s.highestModseq !== undefined ? String(s.highestModseq) : null }
        this.watched.set(path, now)
        if (before && (before.messages !== now.messages || before.uidNext !== now.uidNext || before.modseq !== now.modseq)) {
          const own = this.own.get(path)
          const folder = own ? null : this.opts.folders().find((f) => f.path === path)
          if (own) own()
          else if (folder) this.opts.changed(folder.id)
        }
      }
    } finally {
      this.polling = false
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.pollTimer) clearInterval(this.pollTimer)
    const w = this.idle
    this.idle = null
    if (w) await w.logout().catch(() => w.close())
  }
}
