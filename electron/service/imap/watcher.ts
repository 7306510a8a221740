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
  /** How the poll steps back on main's own folders (the team folder) while nothing changes there (default TEAM_WATCH). */
  teamWatch?: TeamWatch
  /** How often the poll still looks at the folder IDLE watches while IDLE is up (default IDLE_CHECK_MS). */
  idleCheckMs?: number
  /** Runs a flag scan of the folder when one is due (no CONDSTORE, flag-scan.ts); true when it found changes. */
  scan?(path: string): Promise<boolean>
  /** The server said a flag changed in the folder (IDLE, a NOOP): the next sync scans its newest messages. */
  hint?(path: string): void
  log?: Logger
}

/** How often the poll runs, by default: synced folders are asked this often, and the team folder while its team is busy. */
export const DEFAULT_POLL_MS = 3_000

/**
 * How often the team folder is asked, which nothing can IDLE on (IDLE watches INBOX on the one
 * connection it has; Exchange has no NOTIFY): every poll (DEFAULT_POLL_MS, 3 s) while the team
 * is busy — for `busyForMs` after a change was seen there, the person wrote there, read it or
 * opened the mailbox — then every `quietMs`, as Thunderbird and Mailspring step back on folders
 * they cannot IDLE on. So a teammate's claim or note shows within 3 s while the team is busy,
 * within 15 s after a quiet spell (docs/team-state.md). Two minutes covers a claim and the
 * replies and notes around it (a "writing a reply" mark is renewed every 30 s, so a member
 * composing keeps it busy); 15 s is how often the window already looks again when it comes back
 * (AppShell's refresh on return), and at rest it is 4 STATUS a minute instead of 20 — most of
 * the service's CPU at rest on a server without CONDSTORE. Claims stay safe whatever the delay:
 * they are compare-and-set in the server's order (docs/team-state.md, "One order").
 */
export interface TeamWatch {
  /** How long after the last sign of activity the team folder is still asked every poll. */
  busyForMs: number
  /** How often it is asked after that. */
  quietMs: number
}
export const TEAM_WATCH: TeamWatch = { busyForMs: 120_000, quietMs: 15_000 }

/** When a folder of main's own was last asked, and until when its team counts as busy. */
export interface OwnLook { lastLook: number; busyUntil: number }

/**
 * Whether the poll asks about a folder of main's own now: every poll while its team is busy,
 * else once `quietMs` has passed since the last look (half a poll early, so a timer that fires a
 * little early does not cost a whole poll more).
 */
export function ownLookDue(now: number, look: OwnLook, watch: TeamWatch, pollMs: number): boolean {
  return now < look.busyUntil || now - look.lastLook >= watch.quietMs - pollMs / 2
}

/** What no folder's state ever is: the first look at a folder watched from it says it changed. */
const UNSEEN: Seen = { messages: -1, uidNext: -1, modseq: null }

/**
 * Whether a caller holds `client`'s mailbox lock, has one queued or is being granted one (the
 * SELECT of its folder under way). imapflow keeps these on the client without typing them
 * (imap-flow.js: `currentLock`, `locks`, `processingLock`); its own connectionBusy() counts
 * commands in flight as well, which an IDLE on the working connection always is.
 */
export function mailboxLockBusy(client: ImapFlow): boolean {
  const c = client as unknown as { currentLock?: unknown; locks?: unknown[]; processingLock?: boolean }
  return !!c.currentLock || (c.locks?.length ?? 0) > 0 || !!c.processingLock
}

/** Polls in a row that step aside for a busy mailbox lock before one queues for it (at 3 s a poll, about 15 s). */
export const MAX_SKIPPED_POLLS = 4

/** How often a mailbox at rest connects for its turn to poll, by default (docs/rules.md, R9). */
export const DEFAULT_TURN_MS = 30_000

/**
 * How often the poll still looks at the folder IDLE watches, while IDLE is up: IDLE reports new
 * mail, removals and flag changes as they happen, so this look only bounds how long a silently
 * dead IDLE connection (its socket times out after minutes) could keep news back.
 */
export const IDLE_CHECK_MS = 30_000

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
  /** The folder the IDLE connection watches (INBOX), while it is up. */
  private idlePath: string | null = null
  /** When the poll last looked at that folder itself (IDLE_CHECK_MS). */
  private lastIdleCheck = 0
  private running = false
  private stopped = false
  private pollTimer: NodeJS.Timeout | null = null
  private polling = false
  /** Polls in a row that found the mailbox lock busy and waited for the next (MAX_SKIPPED_POLLS). */
  private skippedPolls = 0
  private lastTurn = 0
  private readonly watched = new Map<string, Seen | null>()
  /** Folders that are not among the mailbox's listed ones (the team folder), with who to tell and when they were asked (TEAM_WATCH). */
  private readonly own = new Map<string, OwnLook & { changed: () => void }>()
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

  /**
   * Keeps an eye on a folder the folder list leaves out (the team folder): `changed` is told
   * instead of folder.changed. Called when the window reads it, which counts as activity there.
   */
  watchOwn(path: string, changed: () => void): void {
    // Nothing seen of it yet: what members appended between the window's read and the first look
    // would be taken as where the looks start from, and missed. So the first look says "changed"
    // once; the window reads from its cursor again and finds it, or nothing.
    if (!this.watched.get(path)) this.watched.set(path, UNSEEN)
    const known = this.own.get(path)
    if (known) known.changed = changed
    else this.own.set(path, { changed, lastLook: 0, busyUntil: 0 })
    this.busy(path)
  }

  /**
   * The team is active in a folder of main's own (the person wrote or read there, a change was
   * seen): it is asked every poll for the next `busyForMs` (TEAM_WATCH). `now`: asked at the
   * next poll even if it was asked a moment ago (the person opened the mailbox).
   */
  busy(path: string, now = false): void {
    const look = this.own.get(path)
    if (!look) return
    look.busyUntil = Date.now() + (this.opts.teamWatch ?? TEAM_WATCH).busyForMs
    if (now) look.lastLook = 0
  }

  /** busy() for every folder of main's own. */
  busyAll(now = false): void {
    for (const path of this.own.keys()) this.busy(path, now)
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
        w.on('flags', () => { this.opts.hint?.(inbox.path); changed() })
        const opened = await w.mailboxOpen(inbox.path, { readOnly: true })
        if (this.stopped) { void w.logout().catch(() => w.close()); return }
        // Given back to the budget while it was opening: the poll watches INBOX.
        if (!w.usable) return
        this.idle = w
        this.idlePath = inbox.path
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
      this.pollTimer = setInterval(() => { void this.poll().catch(() => undefined) }, this.opts.pollMs ?? DEFAULT_POLL_MS)
      this.pollTimer.unref()
    }
  }

  /**
   * Whether IDLE is up on this folder: its connection open and usable, and the server speaks IDLE
   * (without it imapflow only NOOPs now and then, which is no watch at all).
   */
  private idleWatches(path: string): boolean {
    const w = this.idle
    return !!w && w.usable && w.capabilities.has('IDLE') && this.idlePath === path
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
        // Another caller holds the connection's mailbox lock, waits for it or is being given it (a
        // sync opening a folder): the rest of this poll waits for the next one, and nothing counts
        // as looked at. Queued behind it, a lock on the folder open now would open that folder
        // again once the other is done — the poll would move the connection off the folder the
        // sync left open (a NOOP there is the cheap look) to one IDLE already watches. A
        // connection busy for longer (an offline round's hundreds of bodies, syncs back to back)
        // is waited for after MAX_SKIPPED_POLLS polls, queued as any caller is: so the team folder
        // and the other folders are still looked at within about 15 s, not only once it is quiet.
        if (mailboxLockBusy(client) && this.skippedPolls < MAX_SKIPPED_POLLS) { this.skippedPolls++; return }
        const folder = () => this.opts.folders().find((f) => f.path === path)
        // A folder main watches for itself (the team folder) tells its own listener; others, the window.
        const own = this.own.get(path)
        // The team folder: every poll while its team is busy, less often after a quiet spell (TEAM_WATCH).
        if (own) {
          if (!ownLookDue(Date.now(), own, this.opts.teamWatch ?? TEAM_WATCH, this.opts.pollMs ?? DEFAULT_POLL_MS)) continue
          own.lastLook = Date.now()
        }
        const notify = () => {
          if (own) { this.busy(path); own.changed(); return }
          const f = folder()
          if (f) this.opts.changed(f.id)
        }
        // Without CONDSTORE the folder IDLE watches is not asked every few seconds: IDLE says what
        // changes there (a NOOP or STATUS every 3 s was most of the service's CPU at rest). Its
        // flag scans still fall due below, and now and then the poll looks anyway (IDLE_CHECK_MS).
        // With CONDSTORE the look stays every poll: measured on Dovecot, new mail reached the
        // window in 0.75 s with it and 2.0 s on IDLE alone, and the figures there stay as they were.
        const quiet = !client.capabilities.has('CONDSTORE')
        if (quiet && this.idleWatches(path) && Date.now() - this.lastIdleCheck < (this.opts.idleCheckMs ?? IDLE_CHECK_MS)) {
          if (this.opts.scan && client.usable && await this.opts.scan(path).catch(() => false)) { const f = folder(); if (f) this.opts.changed(f.id) }
          continue
        }
        if (this.idleWatches(path)) this.lastIdleCheck = Date.now()
        // Which folder is open stays put while this looks (a lock on it): a STATUS sent as another
        // command opens this very folder would be a STATUS of the selected mailbox.
        const open = client.mailbox
        const lock = await client.getMailboxLock(open ? open.path : path, { readOnly: open ? !!open.readOnly : true }).catch(() => null)
        if (!lock) continue
        try {
          if (client.mailbox && client.mailbox.path === path) {
            // The folder is open on this connection: a STATUS of it is a client bug (Dovecot logs
            // [CLIENTBUG]) and answers from the session's old view. A NOOP brings what changed
            // since as untagged news (EXISTS, EXPUNGE, FETCH); what came with other commands
            // meanwhile shows in the count and, with CONDSTORE, in the highest MODSEQ seen.
            if (await this.newsOnNoop(client, path, before)) notify()
          } else {
            const s = await client.status(path, { messages: true, uidNext: true, highestModseq: true }).catch(() => false as const)
            if (!s) continue
            const now: Seen = { messages: s.messages ?? 0, uidNext: s.uidNext ?? 0, modseq: s.highestModseq !== undefined ? String(s.highestModseq) : null }
            this.watched.set(path, now)
            if (before && (before.messages !== now.messages || before.uidNext !== now.uidNext || before.modseq !== now.modseq)) notify()
          }
        } finally {
          lock.release()
        }
        if (!this.own.has(path) && this.opts.scan && client.usable && await this.opts.scan(path).catch(() => false)) { const f = folder(); if (f) this.opts.changed(f.id) }
      }
      this.skippedPolls = 0
    } finally {
      this.polling = false
    }
  }

  /** Whether a NOOP on the folder open on `client` reports news, or its count or MODSEQ moved past what was last seen. */
  private async newsOnNoop(client: ImapFlow, path: string, before: Seen | null): Promise<boolean> {
    let news = false
    const flags = (e: { path: string }) => { if (e.path === path) { news = true; this.opts.hint?.(path) } }
    const other = (e: { path: string }) => { if (e.path === path) news = true }
    client.on('flags', flags)
    client.on('exists', other)
    client.on('expunge', other)
    try {
      await client.noop().catch(() => undefined)
    } finally {
      client.off('flags', flags)
      client.off('exists', other)
      client.off('expunge', other)
    }
    const mb = client.mailbox
    if (!mb || mb.path !== path) return news
    // This look is where the next ones start from, as after a STATUS: a change is told once, not
    // at every poll until something else moves the mark (the team folder has no sync that would).
    this.watched.set(path, { messages: mb.exists, uidNext: mb.uidNext, modseq: mb.highestModseq !== undefined ? String(mb.highestModseq) : null })
    // Nothing seen before: nothing to compare with.
    if (!before) return false
    return news || mb.exists !== before.messages || (before.modseq !== null && mb.highestModseq !== undefined && mb.highestModseq > BigInt(before.modseq))
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.pollTimer) clearInterval(this.pollTimer)
    const w = this.idle
    this.idle = null
    if (w) await w.logout().catch(() => w.close())
  }
}
