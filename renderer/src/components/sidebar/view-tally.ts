import type { ConversationRef } from '../../stores/team'

/** A cached Inbox message as the views need it: its conversation, its sender, its arrival (INTERNALDATE). */
export type InboxRow = ConversationRef & { from: string | undefined; date: number }
/** A message of the Inbox by its UID: a number key, not a second copy of each message id's string. */
type Uid = number

/** The counted views under a shared mailbox: its Inbox with the team filter set. */
export type TeamView = 'unassigned' | 'mine' | 'waiting' | 'snoozed'
export type ViewCounts = Record<TeamView, number>

/** Which views a conversation counts in, as bits: snoozed ones count only there; unassigned and mine exclude each other. */
export const IN_VIEW: Readonly<Record<TeamView, number>> = { snoozed: 1, unassigned: 2, mine: 4, waiting: 8 }
const VIEWS = Object.keys(IN_VIEW) as TeamView[]
const zero = (): ViewCounts => ({ unassigned: 0, mine: 0, waiting: 0, snoozed: 0 })

/** One conversation of the Inbox: its cached messages there, and what was counted of it (bits, times n). */
interface Kept { rows: InboxRow[]; bits: number; n: number }

/**
 * One Inbox's counts for the team views, kept per change: its cached messages by conversation,
 * and each conversation's views as last counted. A change of the cache recounts only the
 * conversations it touched (recounting every Inbox row with its team brief cost half a second
 * per change at 100 000 messages); a change of what decides the views (the team state, the
 * snoozes, who the person is: `key`) recounts every conversation once. Plain TypeScript.
 */
export class ViewTally {
  private readonly rows = new Map<Uid, InboxRow>()
  private readonly convs = new Map<string, Kept>()
  private dirty = new Set<string>()
  private key: readonly unknown[] | null = null
  private byConversation = zero()
  private byMessage = zero()

  /** Adds or replaces a message. */
  put(id: Uid, row: InboxRow): void {
    const was = this.rows.get(id)
    if (was) this.take(was)
    this.rows.set(id, row)
    let k = this.convs.get(row.conversationId)
    if (!k) this.convs.set(row.conversationId, (k = { rows: [], bits: 0, n: 0 }))
    k.rows.push(row)
    this.dirty.add(row.conversationId)
  }

  /** Removes a message; whether it was here. */
  remove(id: Uid): boolean {
    const was = this.rows.get(id)
    if (!was) return false
    this.take(was)
    this.rows.delete(id)
    return true
  }

  private take(row: InboxRow): void {
    const k = this.convs.get(row.conversationId)
    if (!k) return
    const at = k.rows.indexOf(row)
    if (at >= 0) k.rows.splice(at, 1)
    this.dirty.add(row.conversationId)
  }

  /** A kept message. */
  get(id: Uid): InboxRow | undefined {
    return this.rows.get(id)
  }

  /** A conversation's cached messages in this Inbox. */
  rowsOf(conversationId: string): readonly InboxRow[] {
    return this.convs.get(conversationId)?.rows ?? []
  }

  /** How many messages are kept. */
  get size(): number {
    return this.rows.size
  }

  /**
   * The counts, as conversations or as messages. `classify` says which views a conversation is
   * in (IN_VIEW bits); it is asked again for every conversation when `key` differs from the last
   * call's (element by element), else only for those changed since.
   */
  counts(key: readonly unknown[], classify: (c: ConversationRef) => number, asConversations: boolean): ViewCounts {
    const same = !!this.key && this.key.length === key.length && this.key.every((x, i) => x === key[i])
    if (!same) {
      this.key = [...key]
      this.byConversation = zero()
      this.byMessage = zero()
      for (const k of this.convs.values()) k.n = 0
      this.dirty = new Set(this.convs.keys())
    }
    for (const c of this.dirty) {
      const k = this.convs.get(c)
      if (!k) continue
      if (k.n) this.count(k.bits, k.n, -1)
      if (!k.rows.length) { this.convs.delete(c); continue }
      k.bits = classify(k.rows[0]!)
      k.n = k.rows.length
      this.count(k.bits, k.n, 1)
    }
    this.dirty.clear()
    return { ...(asConversations ? this.byConversation : this.byMessage) }
  }

  private count(bits: number, n: number, sign: 1 | -1): void {
    for (const v of VIEWS) {
      if (!(bits & IN_VIEW[v])) continue
      this.byConversation[v] += sign
      this.byMessage[v] += sign * n
    }
  }
}
