import type { ImapFlow } from 'imapflow'

/**
 * How many IMAP connections one person's Tandem holds at once, over all their mailboxes (R9).
 * Servers cap concurrent connections per login — Dovecot's mail_max_userip_connections is 10 by
 * default, Exchange Online caps them per user — and under a delegate login each shared mailbox
 * is a login of its own, so no server limit keeps a person with ten shared mailboxes from
 * opening twenty. Tandem keeps its own total.
 *
 * Every connection takes a slot before it is opened and gives it back when it has closed (not
 * before: a server counts it until then). When all are taken, the next one waits, and an idle
 * connection is given back for it: first an IDLE connection of a mailbox the person is not in
 * (its folder poll takes over), then the least recently used working connection of such a
 * mailbox that is between commands. The mailbox the person is in keeps both of its own. So
 * mailboxes at rest take turns on fewer connections; see docs/rules.md (R9) for what that adds to
 * the time before new mail in them is seen.
 */
export const DEFAULT_MAX_CONNECTIONS = 10

/** The budget a host was given (TANDEM_MAX_CONNECTIONS): a whole number from 2 to 100, else the default. */
export function maxConnectionsFrom(value: string | undefined): number | undefined {
  const n = Number(value)
  return value && Number.isInteger(n) && n >= 2 && n <= 100 ? n : undefined
}

export type SlotKind = 'work' | 'idle' | 'probe'

export interface SlotOwner {
  /** A mailbox's working connection, its IDLE watcher, or a short-lived look (sign-in, refresh). */
  kind: SlotKind
  mailboxId: string
  /** When the person's work last used it (the least recently used is given back first). */
  lastUsed?: () => number
  /**
   * Closes this connection so its slot can serve another (the owner connects again when it next
   * needs to); it must close it even if the owner has not adopted it yet. Absent: the slot is
   * held until the connection closes by itself.
   */
  giveBack?: (client: ImapFlow) => void
}

/** A connection handed out less than this long ago is not taken back: its first command may not have started yet. */
const GRACE_MS = 2000

interface Held {
  owner: SlotOwner
  client: ImapFlow | null
  handedAt: number
  givingBack: boolean
}

/** A slot, for the connection it was taken for. */
export interface Slot {
  /** The connection that holds it; the slot is free again once it closes. */
  attach(client: ImapFlow): void
  /** Gives it back without a connection (opening it failed). */
  release(): void
  /** The connection now serves another role (a sign-in's connection becomes the mailbox's working one). */
  become(owner: SlotOwner): void
  /** It was handed to its owner's work again (not taken back for a moment). */
  handed(): void
}

export class ConnectionBudget {
  private readonly held = new Set<Held>()
  private readonly waiting: { owner: SlotOwner; resolve: (h: Held) => void }[] = []
  private readonly byClient = new WeakMap<ImapFlow, Held>()
  private focused: string | null = null
  private recheck: NodeJS.Timeout | null = null
  /** The most connections held at once (tests and the docs' figures). */
  peak = 0

  constructor(readonly limit: number = DEFAULT_MAX_CONNECTIONS) {
    if (!(limit >= 2)) throw new Error('a connection budget needs at least two connections')
  }

  /** Connections held now (open, opening, or closing). */
  get inUse(): number {
    return this.held.size
  }

  /** The mailbox the person is working in: its connections are the last to be given back. */
  focus(mailboxId: string): void {
    this.focused = mailboxId
  }

  get focusedMailbox(): string | null {
    return this.focused
  }

  /** The slot a connection holds, if it took one here. */
  slotOf(client: ImapFlow): Slot | null {
    const h = this.byClient.get(client)
    return h ? this.slot(h) : null
  }

  /**
   * A slot for a connection about to be opened. With `wait` false (an IDLE watcher of a mailbox
   * the person is not in) it is only taken when one is free: null otherwise.
   */
  async acquire(owner: SlotOwner, wait = true): Promise<Slot | null> {
    if (this.held.size < this.limit && this.waiting.length === 0) return this.slot(this.take(owner))
    if (!wait) return null
    const got = new Promise<Held>((resolve) => this.waiting.push({ owner, resolve }))
    this.makeRoom()
    return this.slot(await got)
  }

  private take(owner: SlotOwner): Held {
    const h: Held = { owner, client: null, handedAt: Date.now(), givingBack: false }
    this.held.add(h)
    this.peak = Math.max(this.peak, this.held.size)
    return h
  }

  private slot(h: Held): Slot {
    return {
      attach: (client) => {
        h.client = client
        this.byClient.set(client, h)
        client.once('close', () => this.free(h))
      },
      release: () => this.free(h),
      become: (owner) => { h.owner = owner; h.handedAt = Date.now() },
      handed: () => { h.handedAt = Date.now() },
    }
  }

  private free(h: Held): void {
    if (!this.held.delete(h)) return
    this.serve()
  }

  /** Hands free slots to those waiting, in order; asks for more room while some still wait. */
  private serve(): void {
    while (this.waiting.length && this.held.size < this.limit) {
      const next = this.waiting.shift()!
      next.resolve(this.take(next.owner))
    }
    if (this.waiting.length) this.makeRoom()
  }

  /**
   * Asks connections at rest to close, one per waiting request: an IDLE connection of a
   * mailbox the person is not in first, then the least recently used working connection of one,
   * between commands. When none can go now, looks again shortly (a grace ends, a command finishes).
   */
  private makeRoom(): void {
    const closing = [...this.held].filter((h) => h.givingBack).length
    let needed = this.waiting.length - closing
    const now = Date.now()
    const candidates = [...this.held]
      .filter((h) => !h.givingBack && h.owner.giveBack && h.owner.kind !== 'probe' && h.owner.mailboxId !== this.focused
        && h.client !== null && now - h.handedAt >= GRACE_MS && !busy(h.client))
      .sort((a, b) => rank(a) - rank(b) || (a.owner.lastUsed?.() ?? 0) - (b.owner.lastUsed?.() ?? 0))
    for (const h of candidates) {
      if (needed <= 0) break
      h.givingBack = true
      needed--
      h.owner.giveBack!(h.client!)
    }
    if (needed > 0 && !this.recheck) {
      this.recheck = setTimeout(() => { this.recheck = null; if (this.waiting.length) this.makeRoom() }, 250)
      this.recheck.unref()
    }
  }
}

/** IDLE connections go before working ones. */
const rank = (h: Held): number => (h.owner.kind === 'idle' ? 0 : 1)

/** Whether a command, a lock or a download is under way on the connection (imapflow's own test, internal). */
function busy(client: ImapFlow): boolean {
  const c = client as unknown as { connectionBusy?: () => boolean; idling?: boolean }
  return typeof c.connectionBusy === 'function' ? c.connectionBusy() && !c.idling : false
}
