import type { CallInput, CallName, CallOutput } from '../../../shared/api/contract'
import type { TeamEvent, TeamFold } from '../../../shared/team/fold'
import { fromTeamWire } from '../../../shared/team/wire'
import type { StoredTeamRecord } from '../../../shared/team/records'
import { bucketOf, type TandemDb, type TeamCursorRow } from '../cache/db'
import { ApiFailure } from '../../../shared/api/errors'
import { MAX_DISTRUST, VERIFY_CHUNK, type BatchInfo } from '../../../shared/team/batches'
import { plain } from '../cache/plain'
import { oneAtATime } from '../queue/one-at-a-time'
import { MailboxTeam } from './team-cache'

/** How often this device offers to write a batch of a team folder (the service decides whether). */
export const COMPACT_EVERY_MS = 10 * 60_000

type Call = <N extends CallName>(name: N, input: CallInput<N>) => Promise<CallOutput<N>>

/**
 * Brings a shared mailbox's team state on this device up to the server's team folder
 * (docs/team-state.md): reads the records appended since this device last looked, folds them in
 * UID order, and stores the conversations that changed with the new cursor in one transaction
 * (team-cache.ts). Plain TypeScript, no Pinia; one pull per mailbox at a time (queue/one-at-a-time.ts).
 */
export class TeamSync {
  private readonly teams = new Map<string, Promise<MailboxTeam>>()
  /** One pull per mailbox at a time; a call during one gets one more right after it. */
  private readonly runs = new Map<string, () => Promise<void>>()
  /** What the last pull of each mailbox changed. */
  private readonly changedBy = new Map<string, Map<string, TeamEvent | null>>()

  /** Mailboxes whose fold must be made again from the folder (a batch it came from was false). */
  private readonly refold = new Set<string>()
  private readonly checking = new Set<string>()
  private readonly compactedAt = new Map<string, number>()
  /**
   * Told every page of records a pull folds (the person's mentions are found in them:
   * stores/mentions.ts), with the UID above which a record is news on this device (what it had
   * folded before); null when none is (a fold made anew, a folder made anew: no notification flood).
   */
  onRecords: ((mailboxId: string, records: StoredTeamRecord[], newAbove: number | null) => Promise<void>) | null = null

  /**
   * `distrusted`: told which batches this device started from turned out to differ from the
   * records they copy (the fold is then made again from the records themselves). `folded`:
   * told as soon as a pull has folded what it read, before it is stored (the window shows it).
   */
  constructor(private readonly db: TandemDb, private readonly call: Call,
    private readonly distrusted: (mailboxId: string, batches: BatchInfo[]) => void = () => undefined,
    private readonly locale: () => 'en' | 'nl' = () => 'en',
    private readonly folded: (team: MailboxTeam) => void = () => undefined) {}

  /** The mailbox's team state on this device, opened from the cache the first time. */
  team(mailboxId: string): Promise<MailboxTeam> {
    let t = this.teams.get(mailboxId)
    if (!t) {
      t = (async () => {
        const started = performance.now()
        const team = await MailboxTeam.open(this.db, mailboxId)
        performance.measure('tandem:team-restore', { start: started, end: performance.now(), detail: { mailboxId, conversations: team.briefs.size } })
        return team
      })()
      this.teams.set(mailboxId, t)
    }
    return t
  }

  /** The mailbox's whole fold, every bucket of it loaded. */
  async fold(mailboxId: string): Promise<TeamFold> {
    return (await this.team(mailboxId)).loadAll()
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
   * records they copy (reading all of those: seconds at 100 000), VERIFY_CHUNK batches a call
   * until every one is checked, and now and then offers the service to write a batch of what was
   * appended since the last one. A batch found false is never started from again and its fold is
   * made again from the log; a check that fails for any reason but a lost connection means the
   * batches are not trusted: the fold is made again from the log alone, and nobody is named.
   */
  private async afterPull(mailboxId: string): Promise<void> {
    if (this.checking.has(mailboxId)) return
    this.checking.add(mailboxId)
    try {
      const row = await this.db.teamCursors.get(mailboxId)
      if (row?.unverified?.length) {
        const bad: BatchInfo[] = []
        let failed = false
        let left = [...row.unverified]
        while (left.length) {
          const chunk = left.slice(0, VERIFY_CHUNK)
          try {
            bad.push(...(await this.call('team.verify', { mailboxId, batches: chunk })).bad)
          } catch (e) {
            // Offline: checked after a later pull. Anything else: not trusted.
            if (transient(e)) return
            failed = true
            break
          }
          left = left.slice(chunk.length)
          // What is checked stays checked, should the service stop before the rest.
          if (left.length) await this.update(mailboxId, (now) => ({ ...now, unverified: left, distrust: [...new Set([...(now.distrust ?? []), ...bad.map((b) => b.uid)])] }))
        }
        // Decided before the row says "checked": a pull after that folds from the log.
        if (failed || bad.length) this.refold.add(mailboxId)
        if (bad.length) this.distrusted(mailboxId, bad)
        await this.update(mailboxId, (now) => {
          const distrust = [...new Set([...(now.distrust ?? []), ...bad.map((b) => b.uid)])]
          // Folded from the log alone from now on, on this device: a folder whose batches cannot
          // be checked, or that holds batch after false batch, is not worth starting from.
          return failed || distrust.length > MAX_DISTRUST ? { ...now, unverified: [], distrust: [], noBatches: true } : { ...now, unverified: [], distrust }
        })
        if (failed || bad.length) await this.pull(mailboxId)
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

  /** Changes a mailbox's cursor row in one transaction (when there is one). */
  private async update(mailboxId: string, change: (row: TeamCursorRow) => TeamCursorRow): Promise<void> {
    await this.db.transaction('rw', [this.db.teamCursors], async () => {
      const now = await this.db.teamCursors.get(mailboxId)
      if (now) await this.db.teamCursors.put(plain(change(now)))
    })
  }

  private async pullNow(mailboxId: string): Promise<Map<string, TeamEvent | null>> {
    const started = performance.now()
    const team = await this.team(mailboxId)
    const row = await this.db.teamCursors.get(mailboxId)
    const stored = row?.cursor ?? null
    let since = stored
    const changed = new Map<string, TeamEvent | null>()
    let reset = false
    let unverified = [...(row?.unverified ?? [])]
    // Made again from the records (a batch it came from was false, or could not be checked), or
    // read from the start with something still in memory (the cache was purged meanwhile:
    // membership lost and given back). What is shown stays until the first page is here.
    let fresh = this.refold.delete(mailboxId) || (!since && team.fold.lastUid > 0)
    if (fresh) since = null
    // What is news here: records above what this device had folded (a fold made anew: nothing).
    let newAbove: number | null = fresh ? null : team.fold.lastUid
    const kept = row?.distrust ?? []
    // More false batches than a read may name: the log alone (afterPull says so for good).
    const batches = !row?.noBatches && kept.length <= MAX_DISTRUST
    const distrust = batches ? kept : []
    let next = this.call('team.read', { mailboxId, since, distrust, batches })
    for (;;) {
      const page = await next
      if (!page.exists || !page.cursor) break
      // The next page is read by the service while this one is folded here: on a cold start
      // (100 000 records) the two take about as long, on two cores side by side.
      if (page.more) next = this.call('team.read', { mailboxId, since: page.cursor, distrust, batches })
      if (fresh || (page.reset && since)) {
        // Folded anew, or the folder was made anew: what this device folded before no longer holds.
        if (page.reset) newAbove = null
        team.clear()
        reset = true
        fresh = false
      }
      // Started from batches: to be checked against the records they copy (afterPull).
      if (page.reset) unverified = []
      for (const b of page.batches) unverified.push(b.uid)
      const records = fromTeamWire(page.records)
      await team.load(records.map((r) => bucketOf(r.conv)))
      for (const [conversationId, e] of team.apply(records)) changed.set(conversationId, e)
      if (this.onRecords && records.length) await this.onRecords(mailboxId, records, newAbove)
      since = page.cursor
      if (!page.more) break
    }
    if (changed.size || reset) this.folded(team)
    const folded = performance.now()
    // A read that found nothing new (most of them: every few seconds) writes nothing.
    const moved = since !== null && (since.uidValidity !== stored?.uidValidity || since.uidNext !== stored?.uidNext)
    if (since && (moved || changed.size || reset)) {
      // The buckets the changed conversations are in, rewritten whole. When that fails, what is
      // in memory is ahead of the cache: forgotten, so the next pull starts from the cache again.
      await team.save(new Set([...changed.keys()].map(bucketOf)), { cursor: since, distrust: kept, unverified, ...(row?.noBatches ? { noBatches: true } : {}) }, reset)
        .catch((e: unknown) => { this.teams.delete(mailboxId); throw e })
    }
    // Measured when it brought something (a pull every few seconds would fill the timeline).
    if (changed.size) {
      performance.measure('tandem:team-pull-read', { start: started, end: folded })
      performance.measure('tandem:team-pull', { start: started, end: performance.now(), detail: { mailboxId, changed: changed.size, conversations: team.briefs.size } })
    }
    return changed
  }
}

/** A failure that says nothing about the batches: the connection, not the check. */
function transient(e: unknown): boolean {
  const code = e instanceof ApiFailure ? e.error.code : null
  return code === 'network.unreachable' || code === 'session.required' || code === 'auth.expired'
}
