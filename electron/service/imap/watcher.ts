import type { ImapFlow } from 'imapflow'
import type { Folder } from '../../../shared/domain'
import { ApiFailure } from '../../../shared/api/errors'
import type { Logger } from '../logger'
import { connectImap, type ImapLogin } from './connect'
import type { SlotOwner } from './connection-budget'

export interface Seen { messages: number; uidNext: number; modseq: string | null }

export interface WatcherOptions {
  login: ImapLogin
  /** Tells the renderer a folder changed on the server. */
  changed(folderId: string): void
  /** The working connection, when there is one. */
  client(): ImapFlow | null
  /**
   * Connects the working connection for a poll (a mailbox at rest taking its turn in the
   * person's budget, R9); the poll does not count as the person's use of the mailbox.
   */
  connect?(): Promise<ImapFlow>
  /** The mailbox (its key), for its slots in the person's budget. */
  mailboxId?: string
  /** How often a mailbox at rest (no working connection) connects to poll, when the budget made it rest. */
  turnMs?: number
  /** The mailbox's folders as last listed. */
  folders(): Folder[]
  /** How often folders that were synced are checked (STATUS), besides IDLE on INBOX. */
  pollMs?: number
  log?: Logger
}

/** How often a mailbox at rest connects for its turn to poll, by default (docs/rules.md, R9). */
export const DEFAULT_TURN_MS = 30_000

/**
 * Notices changes another member or client made: IDLE on INBOX through a second connection (so a
 * mailbox never holds more than two, R9), and a short STATUS poll of the folders the renderer
 * synced (INBOX too), on the working connection. In the person's connection budget the IDLE
 * connection of a mailbox the person is not in is the first to go, and is opened only while a
 * slot is free; a mailbox whose working connection was given back takes its turn to poll every
 * `turnMs`.
 */
export class FolderWatcher {
  private idle: ImapFlow | null = null
  private running = false
  private stopped = false
  private pollTimer: NodeJS.Timeout | null = null
  private polling = false
  private lastTurn = 0
  private readonly watched = new Map<string, Seen | null>()
  /** Folders that are not among the mailbox's listed ones (the team folder), with who to tell. */
  private readonly own = new Map<string, () => void>()
  private readonly owner: SlotOwner

  constructor(private readonly opts: WatcherOptions) {
    this.owner = { kind: 'idle', mailboxId: opts.mailboxId ?? '', giveBack: (w) => this.stopIdle(w) }
  }

  /** Closes the IDLE connection for a mailbox that needs the slot more (the poll takes over INBOX). */
  private stopIdle(w: ImapFlow): void {
    if (this.idle === w) this.idle = null
    void w.logout().catch(() => w.close())
  }

  /**
   * Marks a folder as one to keep an eye on (after the renderer synced it), from the state that
   * sync brought: the next look reports anything since, even when this mailbox had no connection
   * to look with in between (at rest in the person's budget, R9).
   */
  watch(path: string, synced?: Seen): void {
    if (synced) this.watched.set(path, synced)
    else if (!this.watched.has(path)) this.watched.set(path, null)
  }

  /** Keeps an eye on a folder the folder list leaves out (the team folder): `changed` is told instead of folder.changed. */
  watchOwn(path: string, changed: () => void): void {
    this.watch(path)
    this.own.set(path, changed)
  }

  /** Whether start() was called (a reconnection then brings the IDLE connection back). */
  get wanted(): boolean {
    return this.running
  }

  get idling(): boolean {
    return this.idle !== null
  }

  /**
   * IDLE on INBOX and the poll. `onlyIfFree`: the mailbox is not the one the person is in, so
   * IDLE takes a slot of the person's budget only if one is free (the poll covers INBOX anyway).
   */
  start(inboxPath: string, onlyIfFree = false): Promise<void> {
    // One start at a time: two at once would open two IDLE connections.
    this.starting ??= this.begin(inboxPath, onlyIfFree).finally(() => { this.starting = null })
    return this.starting
  }

  private starting: Promise<void> | null = null

  private async begin(inboxPath: string, onlyIfFree: boolean): Promise<void> {
    const inbox = this.opts.folders().find((f) => f.path === inboxPath)
    this.running = true
    if (inbox) this.watch(inbox.path)
    if (!this.idle && inbox && !this.stopped) {
      try {
        const w = await connectImap(this.opts.login, undefined, { autoIdleDelay: 100, slot: this.owner, onlyIfFree })
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
        const opened = await w.mailboxOpen(inbox.path, { readOnly: true })
        if (this.stopped) { void w.logout().catch(() => w.close()); return }
        // Given back to the budget while it was opening: the poll watches INBOX.
        if (!w.usable) return
        this.idle = w
        // Mail that came before IDLE began (the mailbox had no IDLE while at rest) is no EXISTS
        // news: compared with what the last sync or poll saw instead.
        const seen = this.watched.get(inbox.path)
        if (seen && (seen.messages !== opened.exists || seen.uidNext !== opened.uidNext)) changed()
      } catch (e) {
        // Without IDLE the poll below still finds changes, a few seconds later. No free slot
        // for a mailbox at rest is the budget working as meant, not worth a warning.
        if (!(e instanceof ApiFailure && e.error.key === 'errors.network.noSlot')) this.opts.log?.('warn', `IDLE on ${inbox.path} not started: ${(e as Error).message}`)
      }
    }
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => { void this.poll().catch(() => undefined) }, this.opts.pollMs ?? 3000)
      this.pollTimer.unref()
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return
    let client = this.opts.client()
    if (!client) {
      // Given back to the person's budget (R9): connect for a look once a turn. A mailbox that
      // cannot connect now (offline, backing off) waits for its reconnection instead.
      if (!this.opts.connect || Date.now() - this.lastTurn < (this.opts.turnMs ?? DEFAULT_TURN_MS)) return
      this.lastTurn = Date.now()
      client = await this.opts.connect().catch(() => null)
      if (!client || this.stopped) return
    }
    this.polling = true
    try {
      for (const [path, before] of this.watched) {
        // The connection may drop between two folders: then the next poll, on the new one, goes on.
        if (!client.usable || this.opts.client() !== client) return
        // A server answers STATUS on the mailbox a session has selected from that session's view,
        // unchanged until the session is told to sync (Dovecot): NOOP first.
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
