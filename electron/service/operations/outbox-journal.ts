import type { StateStore } from '../storage/state-store'

/**
 * Where each outgoing message stands, kept on disk by the main process. With the Sent folder,
 * which holds the message under its fixed Message-ID, it is what makes a retried send safe.
 *
 * Every attempt that got as far as the end of DATA is numbered. The mark `uncertain` is written
 * durably *before* the final dot of that attempt leaves (send.ts streams the message and waits
 * for it), so:
 * - no entry: no attempt ever reached the end of DATA; the server never had the whole message,
 *   and sending (again) is safe;
 * - `uncertain` (attempt n): the process or the connection stopped after the final dot may have
 *   left and before the server answered; the message may have gone. Tandem holds it and asks
 *   the person. *Send again* authorises exactly attempt n + 1 (nothing the window stores can);
 *   if that attempt is cut off after its own mark in turn, the person is asked again;
 * - `accepted`: the server answered 250, or the person said it was sent: never submitted again,
 *   whatever happens next; only the Sent copy may still be missing;
 * - `done`: the Sent copy is saved too. Kept a while as a tombstone, so that a replay finds
 *   the message finished even where the mailbox has no Sent folder to look in.
 */
export type OutboxStage = 'uncertain' | 'accepted' | 'done'

/** A recipient the server refused at RCPT while accepting the others. */
export interface RefusedRecipient { address: string; code: number; text: string }

export interface OutboxEntry {
  stage: OutboxStage
  messageId: string
  /** The number of the last attempt that reached the end of DATA (1 for the first). */
  attempt: number
  /** The attempt the person authorised after an uncertain one (always attempt + 1), else null. */
  authorised: number | null
  /** Recipients the server refused while it accepted the message for the others. */
  refused?: RefusedRecipient[]
  /** When the person decided, and what ('sendAgain' | 'wasSent'): shown, and kept for the record. */
  decided?: { choice: 'sendAgain' | 'wasSent'; at: number }
  at: number
}

const KEY = 'outboxJournal'
/** Finished messages are remembered this long (a replay after that finds the Sent copy instead). */
const TOMBSTONE_MS = 30 * 24 * 3600_000
/** And at most this many of them: the journal lives in a small state file. */
const TOMBSTONES = 2000

/** What the person may decide about a held message. */
export type OutboxDecision = 'sendAgain' | 'wasSent'

export class OutboxJournal {
  /** Updates one after the other: two sends marking at once must not lose each other's entry. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly state: StateStore) {}

  async get(outboxId: string): Promise<OutboxEntry | null> {
    return (await this.all())[outboxId] ?? null
  }

  /**
   * Written before the end of DATA of attempt `attempt` leaves: from here the server may have
   * the message. Consumes the person's authorisation for that attempt.
   */
  async markUncertain(outboxId: string, attempt: number, messageId: string): Promise<void> {
    await this.update(outboxId, () => ({ stage: 'uncertain', messageId, attempt, authorised: null, at: Date.now() }))
  }

  /** The server accepted the message (for all, or for some recipients): never submitted again. */
  async markAccepted(outboxId: string, attempt: number, messageId: string, refused: RefusedRecipient[]): Promise<void> {
    await this.update(outboxId, (e) => ({ ...e, stage: 'accepted', messageId, attempt, authorised: null, ...(refused.length ? { refused } : {}), at: Date.now() }))
  }

  /** Its Sent copy is saved (or it has no Sent folder): finished, kept as a tombstone. */
  async markDone(outboxId: string, messageId: string): Promise<void> {
    await this.update(outboxId, (e) => ({ attempt: 0, authorised: null, ...e, stage: 'done', messageId, at: Date.now() }))
  }

  /** Puts an entry back as it was before an attempt the server refused outright (nothing went). */
  async restore(outboxId: string, before: OutboxEntry | null): Promise<void> {
    await this.update(outboxId, () => before)
  }

  /**
   * The person's decision about a message held after attempt `attempt`. Only the attempt the
   * journal holds as uncertain can be decided (a decision about an earlier one is stale). Send
   * again authorises the next attempt and no other; It was sent ends the message for good.
   * Returns the entry as it stands afterwards, or null when there is nothing to decide.
   */
  decide(outboxId: string, attempt: number, choice: OutboxDecision): Promise<OutboxEntry | null> {
    return this.update(outboxId, (e) => {
      if (!e) return e
      // Deciding that it was sent, once more, changes nothing (a replayed call).
      if (choice === 'wasSent' && e.stage !== 'uncertain') return e
      if (e.stage !== 'uncertain' || e.attempt !== attempt) return e
      const decided = { choice, at: Date.now() }
      return choice === 'sendAgain'
        ? { ...e, authorised: attempt + 1, decided, at: Date.now() }
        : { ...e, stage: 'accepted', authorised: null, decided, at: Date.now() }
    })
  }

  private update(outboxId: string, change: (e: OutboxEntry | null) => OutboxEntry | null): Promise<OutboxEntry | null> {
    const next = this.queue.then(async () => {
      const all = { ...await this.all() }
      const now = change(all[outboxId] ?? null)
      if (now) all[outboxId] = now
      else delete all[outboxId]
      await this.state.write(KEY, pruned(all))
      return now
    })
    this.queue = next.catch(() => undefined)
    return next
  }

  private async all(): Promise<Record<string, OutboxEntry>> {
    const raw = await this.state.read<Record<string, unknown>>(KEY) ?? {}
    const out: Record<string, OutboxEntry> = {}
    for (const [id, e] of Object.entries(raw)) {
      const entry = entryOf(e)
      if (entry) out[id] = entry
    }
    return out
  }
}

/**
 * An entry as stored, including those an earlier version wrote ({ stage: 'submitting' |
 * 'accepted', messageId, at }): 'submitting' meant the hand-over had begun, so it is held as
 * uncertain (attempt 1), never resent by itself.
 */
function entryOf(e: unknown): OutboxEntry | null {
  if (!e || typeof e !== 'object') return null
  const x = e as Omit<Partial<OutboxEntry>, 'stage'> & { stage?: string }
  const messageId = typeof x.messageId === 'string' ? x.messageId : ''
  const at = typeof x.at === 'number' ? x.at : 0
  const attempt = typeof x.attempt === 'number' ? x.attempt : 1
  const authorised = typeof x.authorised === 'number' ? x.authorised : null
  const stage = x.stage === 'submitting' ? 'uncertain' : x.stage
  if (stage !== 'uncertain' && stage !== 'accepted' && stage !== 'done') return null
  return { ...x, stage, messageId, attempt, authorised, at } as OutboxEntry
}

/** Tombstones past their time, and the oldest beyond the cap, go; nothing unfinished ever does. */
function pruned(all: Record<string, OutboxEntry>): Record<string, OutboxEntry> {
  const now = Date.now()
  const done = Object.entries(all).filter(([, e]) => e.stage === 'done').sort((a, b) => b[1].at - a[1].at)
  for (const [i, [id, e]] of done.entries()) {
    if (i >= TOMBSTONES || now - e.at > TOMBSTONE_MS) delete all[id]
  }
  return all
}
