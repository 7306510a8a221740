import type { CallInput, CallName, CallOutput } from '../../../shared/api/contract'
import { TeamFold, type TeamEvent } from '../../../shared/team/fold'
import { fromTeamWire } from '../../../shared/team/wire'
import type { TandemDb, TeamBucketRow } from '../cache/db'
import { plain } from '../cache/plain'
import { oneAtATime } from '../queue/one-at-a-time'

/** The bucket a conversation's state is stored in (cache/db.ts): 256 of them. */
export const bucketOf = (conv: string): string => conv.slice(0, 2)

/** How often this device offers to write a batch of a team folder (the service decides whether). */
export const COMPACT_EVERY_MS = 10 * 60_000

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

  /** Mailboxes whose fold must be made again from the folder (a batch it came from was false). */
  private readonly refold = new Set<string>()
  private readonly checking = new Set<string>()
  private readonly compactedAt = new Map<string, number>()

  /**
   * `distrusted`: told when batches this device started from turned out to differ from the
   * records they copy (the fold is then made again from the records themselves).
   */
  constructor(private readonly db: TandemDb, private readonly call: Call,
    private readonly distrusted: (mailboxId: string, by: string[]) => void = () => undefined,
    private readonly locale: () => 'en' | 'nl' = () => 'en') {}

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
    const changed = this.changedBy.get(mailboxId) ?? new Map()
    void this.afterPull(mailboxId)
    return changed
  }

  /**
   * In the background, after a pull: checks the batches this device started from against the
   * records they copy (reading all of those: seconds at 100 000), and now and then offers the
   * service to write a batch of what was appended since the last one.
   */
  private async afterPull(mailboxId: string): Promise<void> {
    if (this.checking.has(mailboxId)) return
    this.checking.add(mailboxId)
    try {
      const row = await this.db.teamCursors.get(mailboxId)
      if (row?.unverified?.length) {
        const { bad } = await this.call('team.verify', { mailboxId, batches: row.unverified })
        await this.db.transaction('rw', [this.db.teamCursors], async () => {
          const now = await this.db.teamCursors.get(mailboxId)
          if (!now) return
          await this.db.teamCursors.put(plain({ ...now, unverified: [], distrust: [...new Set([...(now.distrust ?? []), ...bad.map((b) => b.uid)])] }))
        })
        if (bad.length) {
          this.refold.add(mailboxId)
          await this.pull(mailboxId)
          this.distrusted(mailboxId, [...new Set(bad.map((b) => b.by))])
        }
        return
      }
      const last = this.compactedAt.get(mailboxId) ?? 0
      if (Date.now() - last < COMPACT_EVERY_MS) return
      this.compactedAt.set(mailboxId, Date.now())
      await this.call('team.compact', { mailboxId, locale: this.locale() })
    } catch {
      // Offline or refused: asked again after a later pull. Nothing here is the person's work.
    } finally {
      this.checking.delete(mailboxId)
    }
  }

  private async pullNow(mailboxId: string): Promise<Map<string, TeamEvent | null>> {
    const started = performance.now()
    let fold = await this.fold(mailboxId)
    const row = await this.db.teamCursors.get(mailboxId)
    const stored = row?.cursor ?? null
    let since = stored
    const changed = new Map<string, TeamEvent | null>()
    let reset = false
    let unverified = row?.unverified ?? []
    if (this.refold.delete(mailboxId)) {
      fold = new TeamFold()
      this.folds.set(mailboxId, Promise.resolve(fold))
      since = null
      reset = true
    }
    for (;;) {
      const page = await this.call('team.read', { mailboxId, since, distrust: row?.distrust ?? [] })
      if (!page.exists || !page.cursor) break
      if (page.reset && since) {
        // The folder was made anew: what this device folded before no longer holds.
        fold = new TeamFold()
        this.folds.set(mailboxId, Promise.resolve(fold))
        reset = true
      }
      // Started from batches: to be checked against the records they copy (afterPull).
      if (page.batches.length) unverified = page.batches.map((b) => b.uid)
      for (const [conv, e] of fold.add(fromTeamWire(page.records))) changed.set(conv, e)
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
        await this.db.teamCursors.put(plain({ mailboxId, cursor, lastUid: fold.lastUid, distrust: row?.distrust ?? [], unverified }))
      })
    }
    // Measured when it brought something (a pull every few seconds would fill the timeline).
    if (changed.size) performance.measure('tandem:team-pull', { start: started, end: performance.now(), detail: { mailboxId, changed: changed.size, conversations: fold.conversations.size } })
    return changed
  }

}
