import { isLegacyConversationId } from '../../../shared/conversation'
import { briefOf, TeamFold, type ConversationTeamState, type TeamBrief, type TeamEvent } from '../../../shared/team/fold'
import type { StoredTeamRecord } from '../../../shared/team/records'
import { bucketOf, statesOf, type PackedBriefs, type TandemDb, type TeamBriefRow, type TeamBucketRow, type TeamCursorRow } from '../cache/db'
import { pack, unpack } from '../cache/packed'
import { plain } from '../cache/plain'

const ALL_BUCKETS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
/** Buckets packed between two turns of the page's event loop while a whole fold is saved. */
const PACK_AT_ONCE = 16

/**
 * A shared mailbox's team state on this device. What the list needs of every conversation —
 * who has it, its status, who is writing — is in memory from the start (`briefs`); the whole
 * state of a conversation (notes, history) is loaded with its bucket when one of them is shown
 * or changes. At 100 000 conversations the whole states are ~38 MB of JSON: reading them all at
 * every start took 1-2 s in Chromium; the briefs are a tenth of that.
 */
export class MailboxTeam {
  /** The whole state of the conversations loaded so far (all of them after a fold from the server). */
  fold: TeamFold
  readonly briefs = new Map<string, TeamBrief>()
  /** Who wrote the records (as they say): former members included; never an address a record only assigns to. */
  readonly authors = new Set<string>()
  /** Some records name conversations by their ids of before (shared/team/carry-over.ts). */
  legacy = false
  private readonly loaded = new Set<string>()
  /** Opened from what this device had stored (a read of the folder stopped somewhere before). */
  readonly cached: boolean
  private readonly loading = new Map<string, Promise<void>>()

  private constructor(private readonly db: TandemDb, readonly mailboxId: string, lastUid: number,
    /** Nothing of it is in the cache: everything there is to know is in memory. */
    private complete: boolean) {
    this.fold = TeamFold.restore([], lastUid)
    this.cached = !complete
  }

  /** The mailbox's team state as this device kept it: the briefs, and where its read stopped. */
  static async open(db: TandemDb, mailboxId: string): Promise<MailboxTeam> {
    const [rows, cursor] = await Promise.all([db.teamBriefs.where('mailboxId').equals(mailboxId).toArray(), db.teamCursors.get(mailboxId)])
    const team = new MailboxTeam(db, mailboxId, cursor?.lastUid ?? 0, !cursor)
    // Briefs are shared between conversations alike (members × statuses): never changed in place.
    const shared = new Map<string, TeamBrief>()
    const packed = rows.map((row) => unpack<PackedBriefs>(row.briefs))
    // Records of before name conversations by their old ids: then briefs keep the UIDs that merge them.
    team.legacy = packed.some((p) => /(^|,)[0-9a-f]{28}(,|$)/.test(p.ids))
    for (const p of packed) {
      const { people, ids, assignees, statuses, assignedUids, statusUids, writing, authors, snoozes } = p
      for (const i of authors ?? []) if (people[i]) team.authors.add(people[i])
      for (const w of Object.values(writing)) for (const who of Object.keys(w)) team.authors.add(who)
      const list = ids ? ids.split(',') : []
      for (let i = 0; i < list.length; i++) {
        const conversationId = list[i]!
        const assignee = people[assignees[i]!] ?? null
        const w = writing[conversationId]
        const z = snoozes?.[conversationId]
        const a = assignedUids[i]!
        const st = statusUids[i]!
        const uids = team.legacy ? { ...(a ? { assignedUid: a } : {}), ...(st ? { statusUid: st } : {}) } : {}
        // Without records of before, briefs need no UIDs: shared between conversations alike.
        if (w || z || team.legacy) { team.briefs.set(conversationId, { assignee, status: statuses[i]!, ...uids, ...(w ? { writing: w } : {}), ...(z ? { snooze: z } : {}) }); continue }
        const key = `${assignees[i]}\n${statuses[i]}`
        let b = shared.get(key)
        if (!b) shared.set(key, (b = { assignee, status: statuses[i]! }))
        team.briefs.set(conversationId, b)
      }
    }
    return team
  }

  /** Forgets everything: what comes next is folded from the server's records alone. */
  clear(): void {
    this.legacy = false
    this.fold = new TeamFold()
    this.briefs.clear()
    this.authors.clear()
    this.loaded.clear()
    this.complete = true
  }

  /** A conversation's whole state, when its bucket is in memory. */
  stateNow(conversationId: string): ConversationTeamState | undefined {
    return this.complete || this.loaded.has(bucketOf(conversationId)) ? this.fold.conversations.get(conversationId) : undefined
  }

  isLoaded(conversationId: string): boolean {
    return this.complete || this.loaded.has(bucketOf(conversationId))
  }

  /** Loads the whole state of these buckets' conversations, where not in memory yet. */
  async load(buckets: Iterable<string>): Promise<void> {
    if (this.complete) return
    const wanted = [...new Set(buckets)].filter((b) => !this.loaded.has(b))
    const fresh = wanted.filter((b) => !this.loading.has(b))
    if (fresh.length) {
      const read = this.db.teamBuckets.bulkGet(fresh.map((b) => [this.mailboxId, b] as [string, string])).then((rows) => {
        fresh.forEach((bucket, i) => {
          this.loading.delete(bucket)
          // Forgotten meanwhile (the fold was made anew): nothing of the cache counts.
          if (this.complete) return
          const row = rows[i]
          if (row) this.fold.put(statesOf(row))
          this.loaded.add(bucket)
        })
      })
      for (const b of fresh) this.loading.set(b, read)
    }
    await Promise.all(wanted.map((b) => this.loading.get(b)))
  }

  /** Everything, loaded. */
  async loadAll(): Promise<TeamFold> {
    await this.load(ALL_BUCKETS)
    return this.fold
  }

  /** Folds records whose conversations' buckets are loaded (`load` first); the conversations that changed. */
  apply(records: StoredTeamRecord[]): Map<string, TeamEvent | null> {
    const changed = this.fold.add(records)
    for (const conversationId of changed.keys()) {
      if (isLegacyConversationId(conversationId)) this.legacy = true
      const s = this.fold.conversations.get(conversationId)!
      this.briefs.set(conversationId, briefOf(s))
    }
    for (const r of records) this.authors.add(r.by)
    return changed
  }

  /**
   * Stores these buckets — whole states and briefs — with the cursor, in one transaction
   * (`reset`: everything stored before for the mailbox goes). Packed a few buckets at a time,
   * so that a whole fold's 38 MB do not hold the page still.
   */
  async save(buckets: Set<string>, cursor: Omit<TeamCursorRow, 'mailboxId' | 'lastUid'>, reset: boolean): Promise<void> {
    const byBucket = new Map<string, ConversationTeamState[]>([...buckets].map((b) => [b, []]))
    if (buckets.size) for (const [conversationId, state] of this.fold.conversations) byBucket.get(bucketOf(conversationId))?.push(state)
    const lastUid = this.fold.lastUid
    const states: TeamBucketRow[] = []
    const briefs: TeamBriefRow[] = []
    let n = 0
    for (const [bucket, list] of byBucket) {
      // Packed now, as they are at this moment (a later pull may change them while this waits).
      states.push({ mailboxId: this.mailboxId, bucket, states: pack(list) })
      briefs.push({ mailboxId: this.mailboxId, bucket, briefs: pack(packBriefs(list)) })
      if (++n % PACK_AT_ONCE === 0 && n < byBucket.size) await yieldToPage()
    }
    await this.db.transaction('rw', [this.db.teamBuckets, this.db.teamBriefs, this.db.teamCursors], async () => {
      if (reset) {
        await this.db.teamBuckets.where('mailboxId').equals(this.mailboxId).delete()
        await this.db.teamBriefs.where('mailboxId').equals(this.mailboxId).delete()
      }
      await this.db.teamBuckets.bulkPut(states)
      await this.db.teamBriefs.bulkPut(briefs)
      await this.db.teamCursors.put(plain({ ...cursor, mailboxId: this.mailboxId, lastUid }))
    })
  }
}

/**
 * Lets the page paint and handle input between two slices of work. Not a timer: Chromium holds a
 * hidden window's timers to one a second, which made a save of 256 buckets take 16 s.
 */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => { channel.port1.close(); resolve() }
    channel.port2.postMessage(null)
  })
}

/** A bucket's briefs as stored, with the people its conversations name (assignees, and who wrote its records: `authors`). */
function packBriefs(states: ConversationTeamState[]): PackedBriefs {
  const people: string[] = []
  const index = new Map<string, number>()
  const indexOf = (p: string) => {
    let i = index.get(p)
    if (i === undefined) { i = people.length; people.push(p); index.set(p, i) }
    return i
  }
  const packed: PackedBriefs = { people, ids: states.map((s) => s.conversationId).join(','), assignees: [], statuses: [], assignedUids: [], statusUids: [], writing: {}, authors: [] }
  const authors = new Set<number>()
  for (const s of states) {
    for (const e of s.history) authors.add(indexOf(e.by))
    packed.assignees.push(s.assignee ? indexOf(s.assignee) : -1)
    packed.statuses.push(s.status)
    packed.assignedUids.push(s.assignedUid)
    packed.statusUids.push(s.statusUid)
    if (Object.keys(s.writing).length) packed.writing[s.conversationId] = s.writing
    if (s.snooze) (packed.snoozes ??= {})[s.conversationId] = s.snooze
  }
  packed.authors = [...authors]
  return packed
}
