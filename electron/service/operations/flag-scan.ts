import { randomUUID } from 'node:crypto'
import type { ImapFlow, SearchObject } from 'imapflow'
import { cacheableFlags } from './summaries'

/**
 * When flags are scanned on a server without CONDSTORE, where nothing says which messages
 * another member changed (R15). As Mailspring's sync does ("shallow" and "deep" scans): the
 * newest messages often, the whole folder rarely and when a device comes to it without this
 * service's memory of it. The figures are the promise: a change among the newest `window`
 * messages is seen within a minute (`windowMs` plus the watcher's poll and the sync), one
 * anywhere within an hour (`fullMs` plus the same).
 */
export interface FlagScanSchedule {
  /** How many of the newest messages the frequent scan covers. */
  window: number
  /** How often the newest messages are scanned. */
  windowMs: number
  /** How often the whole folder is scanned. */
  fullMs: number
}

export const DEFAULT_FLAG_SCAN: FlagScanSchedule = { window: 1000, windowMs: 50_000, fullMs: 55 * 60_000 }

/** A schedule from "windowMs,fullMs" (TANDEM_FLAG_SCAN: the bench compresses time with it), else the default. */
export function flagScanFrom(text: string | undefined): FlagScanSchedule {
  const [windowMs, fullMs] = (text ?? '').split(',').map(Number)
  if (!windowMs || !fullMs || windowMs < 100 || fullMs < windowMs) return DEFAULT_FLAG_SCAN
  return { ...DEFAULT_FLAG_SCAN, windowMs, fullMs }
}

/**
 * Messages per SEARCH of a full scan: the answer is one line of at most ~8 octets a UID (no
 * ESEARCH at Exchange), so about 160 KB, and the server's work per command stays small.
 */
const FULL_CHUNK = 20_000
/** Flags a SEARCH can tell apart: IMAP's system flags (RFC 3501), then the folder's keywords. */
const SYSTEM: Record<string, keyof SearchObject> = { '\\seen': 'seen', '\\answered': 'answered', '\\flagged': 'flagged', '\\draft': 'draft', '\\deleted': 'deleted' }
/** More keywords than this and one SEARCH each costs more than it saves: the flags are FETCHed instead. */
const MAX_KEYWORDS = 24
/** A flag set not known (the person changed these flags through this service: the next scan reports them whatever it finds). */
const UNKNOWN = -1

/** How a device's answer stands against what this service handed it (see FolderFlags.token). */
type Ack = 'current' | 'previous' | 'unknown'

/**
 * What the service knows of one folder's flags on a server without CONDSTORE, so that a sync
 * hands over only what changed, not every message's flags (100 000 lines, 4.4 MB, per sync).
 *
 * - `table`: each message's flags as the server last showed them (by UID; flag sets interned).
 * - Scans (`scan`) ask the server by SEARCH, one per flag, for the UIDs carrying it: about
 *   7 octets a UID instead of a FETCH line's 44, and a SEARCH answer parses in one pass. A
 *   message whose flags differ from the table's is marked `dirty`.
 * - A sync hands over the dirty ones with a token; the device stores the token with its cache
 *   and sends it back with its next sync. The token it sends says whether it kept that answer
 *   ('current'), lost it ('previous': handed again), or never had any from this service
 *   ('unknown': a new device, a restarted service — then every flag goes, as before).
 */
export class FolderFlags {
  private readonly epoch = randomUUID().slice(0, 8)
  private gen = 0
  private readonly table = new Map<number, number>()
  private readonly sets: string[][] = []
  private readonly setIds = new Map<string, number>()
  /** Flag set ids by a scan's bit mask (searchFlags); the bits' meaning never changes, as keywords are only appended. */
  private readonly maskIds = new Map<number, number>()
  private readonly dirty = new Set<number>()
  /** What the last answer handed over, until the device's next sync says it kept it. */
  private handed: Set<number> | null = null
  /** Keywords the scans ask about, beside the system flags; only ever appended to. */
  private readonly keywords: string[] = []
  /** How many of the last scan's messages carried each flag (which way round to ask: the shorter answer). */
  private readonly share = new Map<string, number>()
  /** The table holds the whole folder (an initial sync or a full scan). */
  complete = false
  lastWindow = -Infinity
  lastFull = -Infinity
  /** Something (IDLE, a NOOP) said a flag changed: the next sync scans the newest messages. */
  hinted = false

  constructor(readonly schedule: FlagScanSchedule = DEFAULT_FLAG_SCAN) {}

  /** The token handed with an answer. */
  get token(): string {
    return `${this.epoch}:${this.gen}`
  }

  /** Reads the token a device sent back with its sync. */
  acknowledge(token: string | null | undefined): Ack {
    if (token === this.token) { this.handed = null; return 'current' }
    if (this.handed && token === `${this.epoch}:${this.gen - 1}`) {
      for (const uid of this.handed) this.dirty.add(uid)
      this.handed = null
      return 'previous'
    }
    return 'unknown'
  }

  /** The flags of messages the device gets whole (new mail): they are not news later. */
  learn(uid: number, flags: Iterable<string>): void {
    this.table.set(uid, this.intern(flags))
  }

  /** The person changed these messages' flags through this service: whatever the next scan finds is reported. */
  invalidate(uids: Iterable<number>): void {
    for (const uid of uids) if (this.table.has(uid)) this.table.set(uid, UNKNOWN)
  }

  /** Messages gone from the folder. `present`: every UID the folder holds (the rest are dropped). */
  forget(gone: Iterable<number> | null, present: number[] | null = null): void {
    if (present) {
      const keep = new Set(present)
      for (const uid of this.table.keys()) if (!keep.has(uid)) { this.table.delete(uid); this.dirty.delete(uid) }
    }
    for (const uid of gone ?? []) { this.table.delete(uid); this.dirty.delete(uid) }
  }

  /** Which scan is due now, if any (a full scan includes the window). */
  due(now: number): 'full' | 'window' | null {
    if (!this.complete || now - this.lastFull >= this.schedule.fullMs) return 'full'
    if (this.hinted || now - this.lastWindow >= this.schedule.windowMs) return 'window'
    return null
  }

  get pending(): number {
    return this.dirty.size
  }

  /**
   * Hands the changes over: every message's flags when the device holds nothing from this
   * service (`all`), else the dirty ones. The token to return with them is `token` afterwards.
   */
  take(all: boolean): { uid: number; flags: string[] }[] {
    const uids = all ? [...this.table.keys()] : [...this.dirty]
    const out: { uid: number; flags: string[] }[] = []
    for (const uid of uids) {
      const id = this.table.get(uid)
      if (id !== undefined && id !== UNKNOWN) out.push({ uid, flags: this.sets[id]! })
    }
    this.handed = new Set(this.dirty)
    if (all) for (const uid of uids) this.handed.add(uid)
    this.dirty.clear()
    this.gen++
    return out
  }

  /**
   * Scans the newest messages or the whole folder; the caller holds the folder's lock (it is
   * selected). Marks what differs from the table as dirty; returns how many.
   */
  async scanLocked(client: ImapFlow, kind: 'window' | 'full', now: number): Promise<number> {
    const mb = client.mailbox
    if (!mb) return 0
    const exists = mb.exists
    const before = this.dirty.size
    for (const f of mb.flags ?? []) {
      if (!f.startsWith('\\') && !this.keywords.includes(f) && this.keywords.length <= MAX_KEYWORDS) this.keywords.push(f)
    }
    const chunk = kind === 'full' ? FULL_CHUNK : this.schedule.window
    const low = kind === 'full' ? 1 : Math.max(1, exists - this.schedule.window + 1)
    const counted = new Map<string, number>()
    let scanned = 0
    for (let hi = exists; hi >= low; hi -= chunk) {
      const lo = Math.max(low, hi - chunk + 1)
      const found = this.keywords.length > MAX_KEYWORDS ? this.internAll(await fetchFlags(client, lo, hi)) : await this.searchFlags(client, lo, hi, counted)
      scanned += found.size
      for (const [uid, id] of found) {
        if (this.table.get(uid) !== id) { this.table.set(uid, id); this.dirty.add(uid) }
      }
    }
    if (scanned) for (const [flag, n] of counted) this.share.set(flag, n / scanned)
    this.lastWindow = now
    this.hinted = false
    if (kind === 'full') { this.lastFull = now; this.complete = true }
    return this.dirty.size - before
  }

  /**
   * Every message in lo:hi (message numbers) and its flag set (an id of `sets`), by one UID
   * SEARCH for the UIDs and one per flag. Each message's flags are a bit mask while the answers
   * come (bit i: the i-th flag asked; stable, as keywords are only appended): a window scan runs
   * every 50 s, and building a list of names per message cost more CPU than the SEARCHes.
   */
  private async searchFlags(client: ImapFlow, lo: number, hi: number, counted: Map<string, number>): Promise<Map<number, number>> {
    const uids = await uidSearch(client, { seq: `${lo}:${hi}` })
    const masks = new Map<number, number>()
    if (!uids.length) return masks
    for (const uid of uids) masks.set(uid, 0)
    // By UID from here: message numbers shift when a message goes meanwhile, UIDs do not.
    const range = `${uids[0]}:${uids[uids.length - 1]}`
    const flags = [...Object.keys(SYSTEM).map((f) => f.replace(/^\\(.)/, (_, c: string) => `\\${c.toUpperCase()}`)), ...this.keywords]
    for (let i = 0; i < flags.length; i++) {
      const flag = flags[i]!
      const bit = 1 << i
      const key = SYSTEM[flag.toLowerCase()]
      // Ask for the shorter answer: those without the flag when most messages have it (\Seen, usually).
      const negate = (this.share.get(flag) ?? (key === 'seen' ? 1 : 0)) > 0.5
      const query: SearchObject = key ? { uid: range, [key]: !negate } : { uid: range, [negate ? 'unKeyword' : 'keyword']: flag }
      const hits = await uidSearch(client, query)
      let n = 0
      if (negate) {
        // The answer named those without the flag: every other message listed has it.
        const without = new Set(hits)
        for (const [uid, m] of masks) if (!without.has(uid)) { masks.set(uid, m | bit); n++ }
      } else {
        // A UID the listing did not have (it came meanwhile) waits for the next scan.
        for (const uid of hits) { const m = masks.get(uid); if (m !== undefined && !(m & bit)) { masks.set(uid, m | bit); n++ } }
      }
      counted.set(flag, (counted.get(flag) ?? 0) + n)
    }
    for (const [uid, m] of masks) masks.set(uid, this.idOfMask(m, flags))
    return masks
  }

  /** The flag set id of a bit mask over `flags` (the scan's list: system flags, then keywords). */
  private idOfMask(mask: number, flags: string[]): number {
    let id = this.maskIds.get(mask)
    if (id === undefined) {
      id = this.intern(flags.filter((_, i) => mask & (1 << i)))
      this.maskIds.set(mask, id)
    }
    return id
  }

  /** Flag lists (a FETCH's) as flag set ids. */
  private internAll(found: Map<number, string[]>): Map<number, number> {
    const out = new Map<number, number>()
    for (const [uid, flags] of found) out.set(uid, this.intern(flags))
    return out
  }

  private intern(flags: Iterable<string>): number {
    const clean = cacheableFlags(flags).sort()
    const key = clean.join(' ')
    let id = this.setIds.get(key)
    if (id === undefined) {
      id = this.sets.length
      this.sets.push(clean)
      this.setIds.set(key, id)
    }
    return id
  }
}

async function uidSearch(client: ImapFlow, query: SearchObject): Promise<number[]> {
  const found = await client.search(query, { uid: true })
  if (!Array.isArray(found)) throw new Error('the server refused a UID SEARCH of flags')
  return found
}

/** The flags of messages lo:hi by FETCH, for a folder with more keywords than are worth a SEARCH each. */
async function fetchFlags(client: ImapFlow, lo: number, hi: number): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  for await (const m of client.fetch(`${lo}:${hi}`, { uid: true, flags: true })) out.set(m.uid, [...(m.flags ?? [])])
  return out
}
