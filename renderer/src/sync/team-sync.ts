import type { CallInput, CallName, CallOutput } from '../../../shared/api/contract'
import { TeamFold, type TeamEvent } from '../../../shared/team/fold'
import type { StoredTeamRecord } from '../../../shared/team/records'
import type { TandemDb, TeamBucketRow } from '../cache/db'
import { plain } from '../cache/plain'
import { oneAtATime } from '../queue/one-at-a-time'

/** The bucket a conversation's state is stored in (cache/db.ts): 256 of them. */
export const bucketOf = (conv: string): string => conv.slice(0, 2)

type Call = <N extends CallName>(name: N, input: CallInput<N>) => Promise<CallOutput<N>>

/**
 * Brings a shared mailbox's team state on this device up to the server's team folder
 * (docs/team-state.md): reads the records appended since this device last looked, folds them in
 * UID order, and stores the conversations that changed with the new cursor in one transaction.
 * Plain TypeScript, no Pinia; one pull per mailbox at a time (queue/one-at-a-time.ts).
 */
export class TeamSync {
  private readonly folds = new Map<string, Promise<TeamFold>>()
  /** One pull per mailbox at a time; a call during one gets one more right after it. */
  private readonly runs = new Map<string, () => Promise<void>>()
  /** What the last pull of each mailbox changed. */
  private readonly changedBy = new Map<string, Map<string, TeamEvent | null>>()

  constructor(private readonly db: TandemDb, private readonly call: Call) {}

  /** The mailbox's fold, from the cache the first time. */
  fold(mailboxId: string): Promise<TeamFold> {
    let f = this.folds.get(mailboxId)
    if (!f) {
      f = (async () => {
        const started = performance.now()
        const [buckets, cursor] = await Promise.all([this.db.teamBuckets.where('mailboxId').equals(mailboxId).toArray(), this.db.teamCursors.get(mailboxId)])
        const fold = TeamFold.restore(buckets.flatMap((b) => Object.values(b.states)), cursor?.lastUid ?? 0)
        performance.measure('tandem:team-restore', { start: started, end: performance.now(), detail: { mailboxId, conversations: fold.conversations.size } })
        return fold
      })()
      this.folds.set(mailboxId, f)
    }
    return f
  }

  /** Reads what is new; the conversations that changed, with what became of their last record. */
  async pull(mailboxId: string): Promise<Map<string, TeamEvent | null>> {
    let run = this.runs.get(mailboxId)
    if (!run) {
      run = oneAtATime(async () => { this.changedBy.set(mailboxId, await this.pullNow(mailboxId)) })
      this.runs.set(mailboxId, run)
    }
    await run()
    return this.changedBy.get(mailboxId) ?? new Map()
  }

  private async pullNow(mailboxId: string): Promise<Map<string, TeamEvent | null>> {
    const started = performance.now()
    let fold = await this.fold(mailboxId)
    const stored = (await this.db.teamCursors.get(mailboxId))?.cursor ?? null
    let since = stored
    const changed = new Map<string, TeamEvent | null>()
    let reset = false
    for (;;) {
      const page = await this.call('team.read', { mailboxId, since })
      if (!page.exists || !page.cursor) break
      if (page.reset && since) {
        // The folder was made anew: what this device folded before no longer holds.
        fold = new TeamFold()
        this.folds.set(mailboxId, Promise.resolve(fold))
        reset = true
      }
      for (const [conv, e] of fold.add(page.records as StoredTeamRecord[])) changed.set(conv, e)
      since = page.cursor
      if (!page.more) break
    }
    // A read that found nothing new (most of them: every few seconds) writes nothing.
    const moved = since !== null && (since.uidValidity !== stored?.uidValidity || since.uidNext !== stored?.uidNext)
    if (since && (moved || changed.size || reset)) {
      const cursor = since
      // The buckets the changed conversations are in, rewritten whole.
      const touched = new Set([...changed.keys()].map(bucketOf))
      const rows = new Map<string, TeamBucketRow>([...touched].map((bucket) => [bucket, { mailboxId, bucket, states: {} }]))
      if (touched.size) {
        for (const [conv, state] of fold.conversations) {
          const row = rows.get(bucketOf(conv))
          if (row) row.states[conv] = state
        }
      }
      await this.db.transaction('rw', [this.db.teamBuckets, this.db.teamCursors], async () => {
        if (reset) await this.db.teamBuckets.where('mailboxId').equals(mailboxId).delete()
        await this.db.teamBuckets.bulkPut([...rows.values()].map((r) => plain(r)))
        await this.db.teamCursors.put({ mailboxId, cursor, lastUid: fold.lastUid })
      })
    }
    // Measured when it brought something (a pull every few seconds would fill the timeline).
    if (changed.size) performance.measure('tandem:team-pull', { start: started, end: performance.now(), detail: { mailboxId, changed: changed.size, conversations: fold.conversations.size } })
    return changed
  }

}
