import Dexie, { type Table } from 'dexie'
import type { MessageSummary } from '../../../shared/domain'
import { messageKey, parseMessageKey } from '../../../shared/ids'
import { interned } from './interned'

/**
 * How many UIDs one block covers. IndexedDB in Chromium costs about 120 µs per record whatever
 * its size (20 000 summaries as 20 000 records took 2.8 s, as blocks of ~250 rows
 * 0.3 s), so message summaries are stored in blocks of neighbouring UIDs. A message's block
 * follows from its id alone, so a change to one message reads and writes one block.
 */
export const BLOCK_UIDS = 256

/** The summaries of one block, in UID order. */
export interface BlockRow { folderId: string; block: number; mailboxId: string; rows: MessageSummary[] }
/**
 * The light twin of a block: its UIDs and dates, for counting, reconciling and the newest page;
 * `maxDate` (indexed) finds the blocks that hold the newest messages without reading the rest.
 */
export interface KeyRow { folderId: string; block: number; mailboxId: string; uids: number[]; dates: number[]; maxDate: number }

/**
 * How many summaries a folder holds and how many of them are unread, written in the same
 * transaction as its blocks: the sidebar's unread count is the cache's, never recounted from a list.
 */
export interface TallyRow { folderId: string; mailboxId: string; count: number; unseen: number }

const unseenIn = (rows: Iterable<MessageSummary>): number => { let n = 0; for (const m of rows) if (!m.flags.includes('\\Seen')) n++; return n }

/** The latest of a block's dates (its key row's `maxDate`). */
export const latestOf = (dates: number[]): number => dates.reduce((a, d) => Math.max(a, d), -Infinity)

/** The key row of a block's rows. */
export function keyRowOf(b: BlockRow): KeyRow {
  const dates = b.rows.map((m) => m.date)
  return { folderId: b.folderId, block: b.block, mailboxId: b.mailboxId, uids: b.rows.map((m) => m.uid), dates, maxDate: latestOf(dates) }
}

/**
 * What changed in the cache, for whoever keeps something derived from it: the search index, the
 * list on screen, the folder counts. `changed` carries each row before and after (a \\Seen that
 * went tells the unread count what to do).
 */
export type CacheChange =
  | { added: MessageSummary[] }
  | { changed: { before: MessageSummary; after: MessageSummary }[] }
  | { removed: string[] }
  | { reset: true }

/** A change to one cached row: the row as it is to be, or null to remove it. */
export type RowChange = (row: MessageSummary) => MessageSummary | null

export const blockOf = (uid: number) => Math.floor(uid / BLOCK_UIDS)
const keyOf = (folderId: string, block: number) => `${folderId}\u0000${block}`
const byDateDesc = (a: MessageSummary, b: MessageSummary) => b.date - a.date

/**
 * Both newest first; rows already in `current` stay as they are (a pending local change wins
 * over what a sync brings). Linear in the rows, not a sort of the whole list.
 */
export function mergeNewest(current: MessageSummary[], incoming: MessageSummary[]): MessageSummary[] {
  if (!incoming.length) return current
  const wanted = new Set(incoming.map((m) => m.id))
  for (const m of current) if (wanted.has(m.id)) wanted.delete(m.id)
  const add = incoming.filter((m) => wanted.delete(m.id)).sort(byDateDesc)
  if (!add.length) return current
  const out: MessageSummary[] = new Array(current.length + add.length)
  let i = 0
  let j = 0
  let k = 0
  while (i < current.length && j < add.length) out[k++] = current[i]!.date >= add[j]!.date ? current[i++]! : add[j++]!
  while (i < current.length) out[k++] = current[i++]!
  while (j < add.length) out[k++] = add[j++]!
  return out
}

/**
 * The cached message summaries of every folder, over two Dexie tables. Every write goes through
 * here, so the key rows always match the blocks, and listeners hear of every change.
 */
export class SummaryBlocks {
  private readonly listeners = new Set<(change: CacheChange) => void>()

  constructor(
    private readonly db: Dexie,
    private readonly blocks: Table<BlockRow, [string, number]>,
    private readonly keys: Table<KeyRow, [string, number]>,
    private readonly tallies: Table<TallyRow, string>,
  ) {}

  onChange(listener: (change: CacheChange) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Tells the listeners once the change is stored: inside a caller's transaction, when that
   * commits (a rolled-back sync must not leave the search index ahead of the cache).
   */
  private tell(change: CacheChange): void {
    // What listeners keep of the change shares the repeated strings and objects (cache/interned.ts).
    if ('added' in change) for (const m of change.added) interned(m)
    else if ('changed' in change) for (const x of change.changed) interned(x.after)
    const notify = () => { for (const l of this.listeners) l(change) }
    const outer = Dexie.currentTransaction
    if (outer) outer.on('complete', notify)
    else notify()
  }

  /** The tables a caller's own transaction must include to call the writing methods inside it. */
  get tables(): Table[] {
    return [this.blocks, this.keys, this.tallies]
  }

  private folderRange(table: Table<BlockRow | KeyRow, [string, number]>, folderId: string) {
    return table.where('[folderId+block]').between([folderId, Dexie.minKey], [folderId, Dexie.maxKey], true, true)
  }

  /**
   * Reads the blocks that hold these messages, lets `change` alter their rows (keyed by id), and
   * writes back what changed, with their key rows, in one transaction.
   */
  private async rewrite(ids: Iterable<{ folderId: string; uid: number; mailboxId?: string }>, change: (rows: Map<string, MessageSummary>, block: string) => boolean): Promise<void> {
    const wanted = new Map<string, { folderId: string; block: number; mailboxId?: string }>()
    for (const { folderId, uid, mailboxId } of ids) {
      const k = keyOf(folderId, blockOf(uid))
      if (!wanted.has(k)) wanted.set(k, { folderId, block: blockOf(uid), mailboxId })
    }
    if (!wanted.size) return
    await this.db.transaction('rw', this.blocks, this.keys, this.tallies, async () => {
      const targets = [...wanted.values()]
      const existing = await this.blocks.bulkGet(targets.map((t) => [t.folderId, t.block] as [string, number]))
      const put: BlockRow[] = []
      const drop: [string, number][] = []
      /** Per folder: its mailbox and how many rows (and unread rows) it gains or loses here. */
      const delta = new Map<string, { mailboxId: string; by: number; unseen: number }>()
      const tally = (folderId: string, mailboxId: string, by: number, unseen: number) => {
        const d = delta.get(folderId)
        if (d) { d.by += by; d.unseen += unseen }
        else delta.set(folderId, { mailboxId, by, unseen })
      }
      targets.forEach((t, i) => {
        const old = existing[i]
        const rows = new Map((old?.rows ?? []).map((m) => [m.id, m]))
        if (!change(rows, keyOf(t.folderId, t.block))) return
        const mailboxId = old?.mailboxId ?? t.mailboxId ?? [...rows.values()][0]?.mailboxId
        const unseenBefore = old ? unseenIn(old.rows) : 0
        if (!rows.size || !mailboxId) {
          if (old) { drop.push([t.folderId, t.block]); tally(t.folderId, old.mailboxId, -old.rows.length, -unseenBefore) }
          return
        }
        tally(t.folderId, mailboxId, rows.size - (old?.rows.length ?? 0), unseenIn(rows.values()) - unseenBefore)
        put.push({ folderId: t.folderId, block: t.block, mailboxId, rows: [...rows.values()].sort((a, b) => a.uid - b.uid) })
      })
      const moved = [...delta].filter(([, d]) => d.by !== 0 || d.unseen !== 0)
      if (moved.length) {
        const was = await this.tallies.bulkGet(moved.map(([folderId]) => folderId))
        await this.tallies.bulkPut(moved.map(([folderId, d], i) => ({
          folderId, mailboxId: d.mailboxId, count: Math.max(0, (was[i]?.count ?? 0) + d.by), unseen: Math.max(0, (was[i]?.unseen ?? 0) + d.unseen),
        })))
      }
      if (put.length) {
        await this.blocks.bulkPut(put)
        await this.keys.bulkPut(put.map(keyRowOf))
      }
      if (drop.length) {
        await this.blocks.bulkDelete(drop)
        await this.keys.bulkDelete(drop)
      }
    })
  }

  /** Adds or replaces summaries (a sync batch, an undone move). */
  async put(rows: MessageSummary[]): Promise<void> {
    if (!rows.length) return
    const byBlock = new Map<string, MessageSummary[]>()
    for (const m of rows) {
      const k = keyOf(m.folderId, blockOf(m.uid))
      const list = byBlock.get(k)
      if (list) list.push(m)
      else byBlock.set(k, [m])
    }
    await this.rewrite(rows, (current, k) => {
      for (const m of byBlock.get(k) ?? []) current.set(m.id, m)
      return true
    })
    this.tell({ added: rows })
  }

  /** Changes fields of cached summaries (flags, snippet); ids not cached are left alone. */
  update(changes: Map<string, Partial<MessageSummary>>): Promise<void> {
    return this.modify(changes.keys(), (m) => ({ ...m, ...changes.get(m.id) }))
  }

  /**
   * Runs `change` over the cached rows of these ids (those not cached are left alone) and keeps
   * what it returns: a new row, the same row (nothing to write), or null (removed). The one way
   * a task's local effect and a sync's answer reach the cache, so listeners hear of both.
   */
  async modify(ids: Iterable<string>, change: RowChange): Promise<void> {
    const wanted = new Set(ids)
    const changed: { before: MessageSummary; after: MessageSummary }[] = []
    const removed: string[] = []
    await this.rewrite([...wanted].map(parseMessageKey), (current) => {
      let any = false
      for (const [id, m] of current) {
        if (!wanted.has(id)) continue
        const next = change(m)
        if (next === m) continue
        any = true
        if (next) { current.set(id, next); changed.push({ before: m, after: next }) }
        else { current.delete(id); removed.push(id) }
      }
      return any
    })
    if (changed.length) this.tell({ changed })
    if (removed.length) this.tell({ removed })
  }

  /** Removes summaries; returns those that were cached. */
  async remove(ids: string[]): Promise<MessageSummary[]> {
    const gone = new Set(ids)
    const removed: MessageSummary[] = []
    await this.rewrite(ids.map(parseMessageKey), (current) => {
      let any = false
      for (const id of current.keys()) {
        if (gone.has(id)) { removed.push(current.get(id)!); current.delete(id); any = true }
      }
      return any
    })
    if (removed.length) this.tell({ removed: removed.map((m) => m.id) })
    return removed
  }

  /** Summaries by id, in the order asked (undefined where not cached). */
  async get(ids: string[]): Promise<(MessageSummary | undefined)[]> {
    const blockKeys = new Map<string, [string, number]>()
    for (const id of ids) {
      const { folderId, uid } = parseMessageKey(id)
      blockKeys.set(keyOf(folderId, blockOf(uid)), [folderId, blockOf(uid)])
    }
    const found = new Map<string, MessageSummary>()
    for (const b of await this.blocks.bulkGet([...blockKeys.values()])) for (const m of b?.rows ?? []) found.set(m.id, m)
    return ids.map((id) => { const m = found.get(id); return m && interned(m) })
  }

  /** Every cached summary of a folder, newest first. */
  async folder(folderId: string): Promise<MessageSummary[]> {
    const blocks = await this.folderRange(this.blocks, folderId).toArray() as BlockRow[]
    return blocks.flatMap((b) => b.rows.map(interned)).sort(byDateDesc)
  }

  /**
   * Every cached summary of a folder, newest first, as {@link folder} does, read `pageBlocks`
   * blocks at a time, newest UIDs first; null as soon as `wanted()` says no between two reads.
   * The list's open reads a 100 000-message folder this way: an open the person has gone on
   * from stops reading (an IndexedDB read cannot be cancelled, and each one's copy of the rows
   * costs the main thread the next open needs). Not a snapshot: changes meanwhile are told by onChange.
   */
  async folderWhile(folderId: string, wanted: () => boolean, pageBlocks = 64): Promise<MessageSummary[] | null> {
    const out: MessageSummary[] = []
    let below: number | null = null
    for (;;) {
      if (!wanted()) return null
      const upTo: [string, unknown] = [folderId, below === null ? Dexie.maxKey : below]
      const page = await this.blocks.where('[folderId+block]').between([folderId, Dexie.minKey], upTo, true, below === null).reverse().limit(pageBlocks).toArray() as BlockRow[]
      for (const b of page) for (const m of b.rows) out.push(interned(m))
      if (page.length < pageBlocks) break
      below = page.at(-1)!.block
    }
    return wanted() ? out.sort(byDateDesc) : null
  }

  /**
   * The newest `n` summaries of a folder, dated `since` or later. The key rows are read newest
   * block first (by their latest date), a few at a time, until no unread block can hold one of
   * the n newest; then only the blocks that hold them (at 100 000 messages, reading
   * every key row before the first paint cost tens of milliseconds).
   */
  async newest(folderId: string, n: number, since = -Infinity): Promise<MessageSummary[]> {
    const byLatest = () => this.keys.where('[folderId+maxDate]').between([folderId, since], [folderId, Dexie.maxKey], true, true).reverse()
    const keys: KeyRow[] = []
    for (let take = Number.isFinite(n) ? 4 : Infinity; ; take *= 4) {
      // Only the rows not read in an earlier round.
      const more = byLatest().offset(keys.length)
      keys.push(...(Number.isFinite(take) ? await more.limit(take - keys.length).toArray() : await more.toArray()))
      // The n-th newest date, from a numeric sort of the dates alone (no object per message).
      const dates = new Float64Array(keys.reduce((sum, k) => sum + k.dates.length, 0))
      let at = 0
      for (const k of keys) for (const d of k.dates) dates[at++] = d
      dates.sort()
      const cut = Math.max(since, n >= dates.length ? -Infinity : dates[dates.length - n]!)
      // Blocks not read are no later than the last one read: enough when the cut is not below it.
      if (keys.length === take && !(cut >= keys.at(-1)!.maxDate)) continue
      const ids: string[] = []
      for (const k of keys) k.uids.forEach((uid, i) => { if (k.dates[i]! >= cut) ids.push(messageKey(folderId, uid)) })
      const rows = (await this.get(ids)).filter((m): m is MessageSummary => !!m).sort(byDateDesc)
      return rows.length > n ? rows.slice(0, n) : rows
    }
  }

  /** The UIDs cached for a folder. */
  async uids(folderId: string): Promise<number[]> {
    const keys = await this.folderRange(this.keys, folderId).toArray() as KeyRow[]
    return keys.flatMap((k) => k.uids)
  }

  /** How many summaries a folder holds (one record read, however big the folder). */
  async count(folderId: string): Promise<number> {
    return (await this.tallies.get(folderId))?.count ?? 0
  }

  /** How many summaries each of these folders holds and how many are unread (undefined: nothing cached). */
  async tallyOf(folderIds: string[]): Promise<({ count: number; unseen: number } | undefined)[]> {
    return (await this.tallies.bulkGet(folderIds)).map((t) => (t ? { count: t.count, unseen: t.unseen } : undefined))
  }

  /** Walks every cached summary, block by block; with `maxBlocks`, reads no more blocks than that. */
  async each(visit: (m: MessageSummary) => void, maxBlocks = Infinity): Promise<void> {
    const blocks = Number.isFinite(maxBlocks) ? this.blocks.limit(maxBlocks) : this.blocks.toCollection()
    await blocks.each((b) => { for (const m of b.rows) visit(interned(m)) })
  }

  /**
   * Walks every cached summary as {@link each} does, `pageBlocks` blocks per read, awaiting
   * `pause` between reads: a walk in the background (the search index, summaries of before)
   * then never holds the main thread or IndexedDB for long from the list and its scrolling.
   * Not a snapshot: what changes meanwhile is told by onChange, as ever.
   */
  async eachPaged(visit: (m: MessageSummary) => void, pause: () => Promise<void> = idleMoment, pageBlocks = 8): Promise<void> {
    let after: [string, number] | null = null
    for (;;) {
      const page: BlockRow[] = after ? await this.blocks.where(':id').above(after).limit(pageBlocks).toArray() : await this.blocks.limit(pageBlocks).toArray()
      for (const b of page) for (const m of b.rows) visit(interned(m))
      if (page.length < pageBlocks) return
      after = [page.at(-1)!.folderId, page.at(-1)!.block]
      await pause()
    }
  }

  /** Drops a folder's summaries except `keep` (after a UIDVALIDITY change); returns the ids dropped. */
  async clearFolder(folderId: string, keep: Set<string> = new Set()): Promise<string[]> {
    const stale = (await this.uids(folderId)).map((uid) => messageKey(folderId, uid)).filter((id) => !keep.has(id))
    await this.remove(stale)
    return stale
  }

  /** Drops everything cached of a mailbox (R1). */
  async purgeMailbox(mailboxId: string): Promise<void> {
    await this.db.transaction('rw', this.blocks, this.keys, this.tallies, async () => {
      await this.blocks.where('mailboxId').equals(mailboxId).delete()
      await this.keys.where('mailboxId').equals(mailboxId).delete()
      await this.tallies.where('mailboxId').equals(mailboxId).delete()
    })
    this.tell({ reset: true })
  }
}

/** The next idle moment of the page (a macrotask where there is no requestIdleCallback). */
export function idleMoment(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: 1000 })
    else setTimeout(resolve, 0)
  })
}
