import type { MessageSummary } from '../../../shared/domain'
import type { TandemDb } from './db'
import { idleMoment, type CacheChange } from './summary-blocks'

/** A body longer than this is searched from IndexedDB instead of held in memory. */
const BODY_CAP = 16_000
/** All bodies' text held in memory, in characters (about twice that in bytes). */
const BODY_BUDGET = 25_000_000

export interface HeaderEntry { id: string; folderId: string; mailboxId: string; date: number; text: string }

/** What search matches in a message's headers: subject and every name and address, lower-case. */
export const headerText = (m: MessageSummary) =>
  `${m.subject} ${[...m.from, ...m.to, ...m.cc].map((a) => `${a.name} ${a.address}`).join(' ')}`.toLowerCase()

/**
 * The searchable header text of every cached message, in memory (a search used to read
 * and stringify every row out of IndexedDB for each query). A few dozen bytes per message; built
 * from the cache once, then kept up to date from the cache's own change notices.
 */
export class HeaderIndex {
  private entries: Map<string, HeaderEntry> | null = null
  private building: Promise<Map<string, HeaderEntry>> | null = null
  /** Changes heard while the index was being built, applied once it is. */
  private pending: CacheChange[] = []
  private version = 0
  /** Body text of cached bodies, up to a budget; the rest is read from IndexedDB when searched. */
  private bodies: Map<string, string> | null = null
  private bodiesLoading: Promise<void> | null = null
  private readonly overflow = new Set<string>()
  private bodyChars = 0
  /** A search asked for the index while it was being built in the background: its walk no longer waits for `backgroundPause`. */
  private wanted = false
  /** Ends the background pause under way, if any (a search wants the index now). */
  private hurry: (() => void) | null = null

  /**
   * `backgroundPause`: what a build begun in the background waits for between its pages besides
   * an idle moment (the window's start-up gate: a folder being opened goes first).
   */
  constructor(private readonly backgroundPause: () => Promise<void> = idleMoment) {}

  /** Follows a change of the cache (see SummaryBlocks.onChange). */
  apply(change: CacheChange): void {
    if ('reset' in change) { this.invalidate(); return }
    if (this.entries) applyTo(this.entries, change)
    else if (this.building) this.pending.push(change)
  }

  /** Keeps a body's search text in memory while the budget lasts (no full scan per query). */
  addBody(id: string, text: string): void {
    if (!this.bodies) return
    if (text.length > BODY_CAP || this.bodyChars + text.length > BODY_BUDGET) { this.overflow.add(id); return }
    this.bodyChars += text.length - (this.bodies.get(id)?.length ?? 0)
    this.bodies.set(id, text)
    this.overflow.delete(id)
  }

  /**
   * The entries in scope whose headers contain every word (lower-case), or whose cached body
   * does, in no particular order.
   */
  async search(db: TandemDb, words: string[], inScope: (e: HeaderEntry) => boolean): Promise<HeaderEntry[]> {
    const entries = await this.get(db)
    const bodyHits = await this.bodyHits(db, words)
    const out: HeaderEntry[] = []
    for (const e of entries.values()) if (inScope(e) && (bodyHits.has(e.id) || words.every((w) => e.text.includes(w)))) out.push(e)
    return out
  }

  /** Ids of cached bodies that contain every word. */
  async bodyHits(db: TandemDb, words: string[]): Promise<Set<string>> {
    if (!this.bodies) {
      this.bodiesLoading ??= (async () => {
        this.bodies = new Map()
        await db.bodies.each((b) => this.addBody(b.id, b.searchText))
      })()
      await this.bodiesLoading
    }
    const hits = new Set<string>()
    for (const [id, text] of this.bodies!) if (words.every((w) => text.includes(w))) hits.add(id)
    if (this.overflow.size) {
      for (const b of await db.bodies.bulkGet([...this.overflow])) if (b && words.every((w) => b.searchText.includes(w))) hits.add(b.id)
    }
    return hits
  }

  /** A new person's cache: start over. */
  reset(): void {
    this.invalidate()
    this.bodies = null
    this.bodiesLoading = null
    this.overflow.clear()
    this.bodyChars = 0
  }

  /** The next search builds the index again from the cache. */
  invalidate(): void {
    this.version++
    this.entries = null
    this.building = null
    this.pending = []
  }

  /** The background pause, ended early by a search that wants the index. */
  private paused(): Promise<void> {
    let end: () => void = () => undefined
    return new Promise<void>((resolve) => {
      end = resolve
      this.hurry = resolve
      void this.backgroundPause().then(resolve)
    }).finally(() => { if (this.hurry === end) this.hurry = null })
  }

  /** Every entry, by message id (built from the cache on first use); `background`: for no search yet (warming up). */
  async get(db: TandemDb, background = false): Promise<Map<string, HeaderEntry>> {
    if (this.entries) return this.entries
    if (!background) { this.wanted = true; this.hurry?.() }
    if (!this.building) {
      const version = this.version
      this.wanted = !background
      this.building = (async () => {
        const out = new Map<string, HeaderEntry>()
        // In pages between idle moments: built in the background while the person scrolls the list.
        await db.summaries.eachPaged((m) => { out.set(m.id, entryOf(m)) }, () => (this.wanted ? idleMoment() : this.paused()))
        if (version !== this.version) return out
        for (const c of this.pending) applyTo(out, c)
        this.pending = []
        this.entries = out
        return out
      })()
    }
    return this.building
  }
}

const entryOf = (m: MessageSummary): HeaderEntry => ({ id: m.id, folderId: m.folderId, mailboxId: m.mailboxId, date: m.date, text: headerText(m) })

function applyTo(entries: Map<string, HeaderEntry>, change: CacheChange): void {
  if ('added' in change) for (const m of change.added) entries.set(m.id, entryOf(m))
  else if ('removed' in change) for (const id of change.removed) entries.delete(id)
}
