import type { ImapFlow } from 'imapflow'
import type { ConnectionState } from '../../../shared/domain'
import { ApiFailure, fail, text, textOf } from '../../../shared/api/errors'
import { connectImap, type ImapLogin } from './connect'
import type { SlotOwner } from './connection-budget'

export interface BackoffPolicy {
  /** The first wait; each failure doubles it, up to maxMs. */
  baseMs: number
  maxMs: number
  /** 0..1, for the jitter (tests pass a fixed one). */
  random: () => number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60_000, random: Math.random }

/**
 * Exponential backoff with "equal jitter": half the window fixed, half random, so that thirty
 * agents whose connections the server dropped at the same moment do not come back in step (R9).
 */
export function backoffDelay(failures: number, policy: BackoffPolicy): number {
  const window = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1))
  return Math.round(window / 2 + (window / 2) * policy.random())
}

/** Failures that a later attempt may not meet: anything but a wrong password or an unsafe setting. */
const retryable = (e: unknown) => !(e instanceof ApiFailure) || !['auth.failed', 'auth.sharedMailbox', 'auth.expired', 'security.insecure', 'security.tls'].includes(e.code)

const signedOut = () => fail({ code: 'session.required', key: 'errors.session.signedOut' })

export interface ConnectionEvents {
  /** The state the renderer shows: online, connecting, or offline until the next attempt. */
  state(state: ConnectionState): void
  /** A new connection is working (first or after a drop). */
  online?(client: ImapFlow): void
}

/**
 * A mailbox's working IMAP connection (R9). A refused or dropped connection is retried in the
 * background with exponential backoff and jitter; meanwhile `get()` fails at once with the time
 * of the next attempt, so Tandem does not add to the load of a server that refuses it, and the
 * renderer keeps serving its cache and queueing the person's actions.
 */
export class ReconnectingConnection {
  private client: ImapFlow | null = null
  private connecting: Promise<ImapFlow> | null = null
  private stopped = false
  private failures = 0
  private retryAt = 0
  private retryTimer: NodeJS.Timeout | null = null
  private lastError = ''
  private readonly backoff: BackoffPolicy
  /** When the person's work last asked for the connection (the budget gives back the least recently used first). */
  private lastUsed = 0
  /** Its slot in the person's budget (R9): given back between commands when another mailbox needs it. */
  private readonly owner: SlotOwner
  state: ConnectionState

  constructor(
    private readonly mailboxId: string,
    /** The mailbox's name, for the messages (it may change with the directory entry). */
    private readonly nameOf: () => string,
    private readonly login: ImapLogin,
    private readonly events: ConnectionEvents,
    backoff: Partial<BackoffPolicy> = {},
    first: ImapFlow | null = null,
  ) {
    this.backoff = { ...DEFAULT_BACKOFF, ...backoff }
    this.owner = { kind: 'work', mailboxId, lastUsed: () => this.lastUsed, giveBack: (c) => this.rest(c) }
    this.state = { mailboxId, state: first ? 'online' : 'connecting' }
    if (first) {
      // The sign-in's connection becomes this mailbox's working one, in the budget too.
      login.budget?.slotOf(first)?.become(this.owner)
      this.adopt(first)
    }
  }

  /** The person's work uses the mailbox now (a folder poll does not count). */
  touch(): void {
    this.lastUsed = Date.now()
  }

  /**
   * Closes the connection to free its slot for another mailbox (the budget asks, between
   * commands). Not a drop: nothing is announced, and the next get() connects again.
   */
  private rest(c: ImapFlow): void {
    if (this.client === c) {
      this.client = null
      this.resting = true
    }
    void c.logout().catch(() => c.close())
  }

  /** Given back to the budget while online: connecting again for work is not news for the window. */
  private resting = false

  /** The connection if it is usable now, without connecting. */
  get current(): ImapFlow | null {
    return this.client?.usable ? this.client : null
  }

  async get(): Promise<ImapFlow> {
    if (this.stopped) throw signedOut()
    if (this.client?.usable) {
      this.login.budget?.slotOf(this.client)?.handed()
      return this.client
    }
    if (!this.connecting && Date.now() < this.retryAt) throw this.waitingFailure()
    return this.connect()
  }

  private announce(state: ConnectionState): void {
    this.state = state
    this.events.state(state)
  }

  private waitingFailure(): ApiFailure {
    const seconds = Math.max(1, Math.ceil((this.retryAt - Date.now()) / 1000))
    return fail({
      code: 'network.unreachable',
      rule: 'R9',
      key: 'errors.network.reconnecting',
      params: { mailbox: this.nameOf(), seconds },
      ...(this.lastError ? { cause: this.lastError } : {}),
    })
  }

  private connect(): Promise<ImapFlow> {
    if (!this.connecting) {
      if (!this.resting) this.announce({ mailboxId: this.mailboxId, state: 'connecting' })
      this.connecting = connectImap(this.login, undefined, { slot: this.owner })
        .then((c) => {
          if (this.stopped) { void c.logout().catch(() => c.close()); throw signedOut() }
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
    this.resting = false
    this.failures += 1
    this.lastError = e instanceof ApiFailure ? e.message : (e as Error).message
    const detail = e instanceof ApiFailure && e.error.key ? textOf(e.error) : text('errors.network.other', {}, { cause: this.lastError })
    if (!retryable(e)) {
      this.retryAt = 0
      this.announce({ mailboxId: this.mailboxId, state: 'offline', detail })
      return
    }
    const delay = backoffDelay(this.failures, this.backoff)
    this.retryAt = Date.now() + delay
    this.announce({ mailboxId: this.mailboxId, state: 'offline', detail, retryAt: this.retryAt })
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
      if (!proven) { this.failed(fail({ code: 'network.unreachable', key: 'errors.network.closedAfterSignIn' })); return }
      // Dropped (server restart, idle timeout, network gone): one attempt at once; should that
      // fail, the backoff takes over.
      this.announce({ mailboxId: this.mailboxId, state: 'offline', detail: text('errors.network.closed') })
      void this.connect().catch(() => undefined)
    })
    if (!this.resting || this.state.state !== 'online') this.announce({ mailboxId: this.mailboxId, state: 'online' })
    this.resting = false
    this.events.online?.(client)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    const c = this.client
    this.client = null
    if (c) await c.logout().catch(() => c.close())
  }
}
