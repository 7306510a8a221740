/**
 * Business time for response targets (docs/team-state.md, "Response times"): how much of the
 * team's working time lies between two instants, and when a target falls due. Working hours are
 * wall-clock hours in one IANA time zone, per weekday, minus holidays (local dates). Time zones
 * and their daylight-saving changes come from the platform's Intl (no hand-written tables).
 *
 * Pure and without Node or DOM globals. A calendar keeps what it worked out per local day and
 * per quarter hour of offsets, so a report over 100 000 conversations pays the Intl work once per
 * day it touches, not once per figure.
 */

/** One weekday's working hours, minutes after local midnight: start < end ≤ 1440 (24:00). Null: not a working day. */
export type DayHours = { start: number; end: number } | null

export interface BusinessHours {
  /** IANA time zone, e.g. "Europe/Amsterdam". */
  timeZone: string
  /** Monday first, seven entries. */
  days: readonly DayHours[]
  /** Local dates the team does not work, "YYYY-MM-DD". */
  holidays: readonly string[]
}

const DAY_MS = 86_400_000
/** How far a walk goes before it gives up (a target can never lie further out; hostile hours with no working day end here). */
const MAX_DAYS = 3 * 366
/** The most days the prefix sums hold (ten years): enough for every report and mark, bounded whatever instants a record names. */
const PREFIX_DAYS = 3660

/** Whether the platform knows this time zone. */
export function isTimeZone(tz: string): boolean {
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return tz.length > 0 && tz.length <= 64 } catch { return false }
}

/** A local calendar date as days since 1970-01-01 (the proleptic calendar's day number). */
const dayNumber = (y: number, m: number, d: number) => Math.floor(Date.UTC(y, m - 1, d) / DAY_MS)
/** "YYYY-MM-DD" of a day number. */
export const isoDate = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10)

/** A time zone's offsets and days, worked out with Intl and kept. */
export class BusinessCalendar {
  private readonly format: Intl.DateTimeFormat
  private readonly offsets = new Map<number, number>()
  private readonly isoDays = new Map<number, string>()
  /** Per UTC day: its one offset, or null when it changes that day. */
  private readonly dayOffsets = new Map<number, number | null>()
  /** Business ms from `base`'s start to each following day's start (prefix sums: a duration is two lookups). */
  private base = 0
  private prefix: number[] = []
  private readonly windows = new Map<number, readonly [number, number] | null>()
  private readonly holidays: ReadonlySet<string>

  constructor(readonly hours: BusinessHours) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    this.holidays = new Set(hours.holidays)
  }

  /**
   * The zone's offset from UTC at `t`, in ms (local = t + offset). Asked of Intl once per UTC
   * day where the offset is the same at both its ends (nearly every day); on a day it changes,
   * once per quarter hour (every zone changes on one).
   */
  offsetAt(t: number): number {
    const day = Math.floor(t / DAY_MS)
    let o = this.dayOffsets.get(day)
    if (o === undefined) {
      const start = this.intlOffset(day * DAY_MS)
      o = start === this.intlOffset((day + 1) * DAY_MS) ? start : null
      this.dayOffsets.set(day, o)
    }
    if (o !== null) return o
    const key = Math.floor(t / 900_000)
    let q = this.offsets.get(key)
    if (q === undefined) { q = this.intlOffset(key * 900_000); this.offsets.set(key, q) }
    return q
  }

  private intlOffset(at: number): number {
    const p: Record<string, number> = {}
    for (const part of this.format.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value)
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at
  }

  /** The local date "YYYY-MM-DD" `t` falls on (kept per day: a report asks for it per conversation). */
  isoDayOf(t: number): string {
    const day = this.dayOf(t)
    let s = this.isoDays.get(day)
    if (s === undefined) { s = isoDate(day); this.isoDays.set(day, s) }
    return s
  }

  /** The local day number `t` falls on. */
  dayOf(t: number): number {
    return Math.floor((t + this.offsetAt(t)) / DAY_MS)
  }

  /**
   * The instant of a local wall time (day number and minutes after midnight). In a spring-forward
   * gap the wall time does not exist: the instant an hour on (what a clock shows) is taken.
   */
  instantOf(day: number, minutes: number): number {
    const wall = day * DAY_MS + minutes * 60_000
    let t = wall - this.offsetAt(wall)
    // Twice: the offset at the guess may differ from the offset at the answer near a change.
    t = wall - this.offsetAt(t)
    return t
  }

  /** A local day's working window as instants, or null (weekend, holiday, a day off). */
  window(day: number): readonly [number, number] | null {
    let w = this.windows.get(day)
    if (w === undefined) {
      // 1970-01-01 was a Thursday: Monday-first index.
      const weekday = (((day + 3) % 7) + 7) % 7
      const h = this.hours.days[weekday] ?? null
      w = !h || this.holidays.has(isoDate(day)) ? null : [this.instantOf(day, h.start), this.instantOf(day, h.end)]
      this.windows.set(day, w)
    }
    return w
  }

  /** The business time between two instants, in ms (0 when `to` is not after `from`). */
  duration(from: number, to: number): number {
    if (!(to > from)) return 0
    const a = this.dayOf(from)
    const b = this.dayOf(to)
    if (b - a > MAX_DAYS) return this.walk(from, to)
    const ca = this.before(from, a)
    const cb = this.before(to, b)
    return ca === null || cb === null ? this.walk(from, to) : cb - ca
  }

  /** Business ms from the prefix's base to `t` (on local day `day`); null when that is further than the prefix may reach. */
  private before(t: number, day: number): number | null {
    if (!this.prefix.length || day < this.base) {
      // Started (again) a year before: later days extend it, earlier ones start it anew.
      const old = this.prefix.length ? this.base + this.prefix.length - 1 : day
      this.base = day - 366
      this.prefix = [0]
      if (old - this.base > PREFIX_DAYS) return null
      this.extend(old)
    }
    if (day - this.base > PREFIX_DAYS) return null
    this.extend(day)
    const w = this.window(day)
    return this.prefix[day - this.base]! + (w ? Math.max(0, Math.min(t, w[1]) - w[0]) : 0)
  }

  private extend(day: number): void {
    while (this.base + this.prefix.length - 1 < day) {
      const d = this.base + this.prefix.length - 1
      const w = this.window(d)
      this.prefix.push(this.prefix[this.prefix.length - 1]! + (w ? w[1] - w[0] : 0))
    }
  }

  /** The duration day by day (far-apart instants, or outside what the prefix holds). */
  private walk(from: number, to: number): number {
    let total = 0
    const last = Math.min(this.dayOf(to), this.dayOf(from) + MAX_DAYS)
    for (let day = this.dayOf(from); day <= last; day++) {
      const w = this.window(day)
      if (!w) continue
      const a = Math.max(from, w[0])
      const b = Math.min(to, w[1])
      if (b > a) total += b - a
    }
    return total
  }

  /** When `target` ms of business time after `from` have passed; null when no working time lies within reach. */
  dueAt(from: number, target: number): number | null {
    let left = Math.max(0, target)
    const first = this.dayOf(from)
    for (let day = first; day <= first + MAX_DAYS; day++) {
      const w = this.window(day)
      if (!w) continue
      const a = Math.max(from, w[0])
      if (w[1] <= a) continue
      if (left <= w[1] - a) return a + left
      left -= w[1] - a
    }
    return null
  }
}

/** The business time between two instants (a calendar made for the call: use a BusinessCalendar for many). */
export const businessDuration = (hours: BusinessHours, from: number, to: number): number => new BusinessCalendar(hours).duration(from, to)
/** When a target of `target` ms of business time after `from` falls due. */
export const businessDueAt = (hours: BusinessHours, from: number, target: number): number | null => new BusinessCalendar(hours).dueAt(from, target)

/** Local date "YYYY-MM-DD" to its day number; null when it is not one. */
export function parseIsoDate(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return null
  const day = dayNumber(Number(m[1]), Number(m[2]), Number(m[3]))
  return isoDate(day) === s ? day : null
}
