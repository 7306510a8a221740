import { describe, expect, it } from 'vitest'
import { BusinessCalendar, businessDueAt, businessDuration, isTimeZone, parseIsoDate, type BusinessHours } from '../../../shared/rules/business-time'

const H = 3_600_000
const M = 60_000
const nineToFive = { start: 9 * 60, end: 17 * 60 }
const nineToSix = { start: 9 * 60, end: 18 * 60 }
const weekdays = (h: { start: number; end: number }) => [h, h, h, h, h, null, null]
const amsterdam: BusinessHours = { timeZone: 'Europe/Amsterdam', days: weekdays(nineToFive), holidays: [] }

/** Known answers worked out by hand from the zone's rules (CET +1, CEST +2; 2026's changes on 29 March and 25 October). */
const durations: { what: string; hours: BusinessHours; from: number; to: number; ms: number }[] = [
  { what: 'within one working day', hours: amsterdam, from: Date.UTC(2026, 11, 1, 9), to: Date.UTC(2026, 11, 1, 11, 30), ms: 2.5 * H },
  { what: 'overnight: 16:00 to 10:00 the next day', hours: amsterdam, from: Date.UTC(2026, 11, 1, 15), to: Date.UTC(2026, 11, 2, 9), ms: 2 * H },
  { what: 'over the weekend of the spring DST change: Friday 16:00 CET to Monday 10:00 CEST', hours: amsterdam, from: Date.UTC(2026, 2, 27, 15), to: Date.UTC(2026, 2, 30, 8), ms: 2 * H },
  { what: 'over the weekend of the autumn DST change: Friday 16:00 CEST to Monday 10:00 CET', hours: amsterdam, from: Date.UTC(2026, 9, 23, 14), to: Date.UTC(2026, 9, 26, 9), ms: 2 * H },
  { what: 'over a holiday: Thursday 24 December 16:00 to Monday 28th 10:00, Christmas off', hours: { ...amsterdam, holidays: ['2026-12-25'] }, from: Date.UTC(2026, 11, 24, 15), to: Date.UTC(2026, 11, 28, 9), ms: 2 * H },
  { what: 'Friday 17:55 with hours to 18:00, answered Monday 09:30', hours: { ...amsterdam, days: weekdays(nineToSix) }, from: Date.UTC(2026, 11, 4, 16, 55), to: Date.UTC(2026, 11, 7, 8, 30), ms: 35 * M },
  { what: 'arrived and answered on a Saturday', hours: amsterdam, from: Date.UTC(2026, 11, 5, 10), to: Date.UTC(2026, 11, 5, 14), ms: 0 },
  { what: 'before opening to after closing', hours: amsterdam, from: Date.UTC(2026, 11, 1, 5), to: Date.UTC(2026, 11, 1, 20), ms: 8 * H },
  { what: 'New York, EST: 16:30 to 09:30 the next day', hours: { timeZone: 'America/New_York', days: weekdays(nineToFive), holidays: [] }, from: Date.UTC(2026, 11, 1, 21, 30), to: Date.UTC(2026, 11, 2, 14, 30), ms: 1 * H },
  { what: 'round the clock every day: wall time', hours: { timeZone: 'Europe/Amsterdam', days: Array(7).fill({ start: 0, end: 1440 }), holidays: [] }, from: Date.UTC(2026, 2, 28, 12), to: Date.UTC(2026, 2, 29, 12), ms: 24 * H },
  { what: 'backwards is nothing', hours: amsterdam, from: Date.UTC(2026, 11, 2, 10), to: Date.UTC(2026, 11, 1, 10), ms: 0 },
]

const dues: { what: string; hours: BusinessHours; from: number; target: number; at: number | null }[] = [
  { what: '4 hours from Friday 16:00 CET, over the spring change: Monday 12:00 CEST', hours: amsterdam, from: Date.UTC(2026, 2, 27, 15), target: 4 * H, at: Date.UTC(2026, 2, 30, 10) },
  { what: '4 hours from Friday 16:00 CEST, over the autumn change: Monday 12:00 CET', hours: amsterdam, from: Date.UTC(2026, 9, 23, 14), target: 4 * H, at: Date.UTC(2026, 9, 26, 11) },
  { what: '4 hours from Thursday 24 December 16:00, Christmas off: Monday 12:00', hours: { ...amsterdam, holidays: ['2026-12-25'] }, from: Date.UTC(2026, 11, 24, 15), target: 4 * H, at: Date.UTC(2026, 11, 28, 11) },
  { what: '4 hours from Friday 17:55 (hours to 18:00): Monday 12:55', hours: { ...amsterdam, days: weekdays(nineToSix) }, from: Date.UTC(2026, 11, 4, 16, 55), target: 4 * H, at: Date.UTC(2026, 11, 7, 11, 55) },
  { what: 'arrived Saturday: due from Monday\'s opening', hours: amsterdam, from: Date.UTC(2026, 11, 5, 10), target: 1 * H, at: Date.UTC(2026, 11, 7, 9) },
  { what: 'no working day at all: never due', hours: { ...amsterdam, days: Array(7).fill(null) }, from: Date.UTC(2026, 11, 5, 10), target: 1 * H, at: null },
  { what: 'a target of nothing is due at once in hours', hours: amsterdam, from: Date.UTC(2026, 11, 1, 10), target: 0, at: Date.UTC(2026, 11, 1, 10) },
]

describe('business time', () => {
  for (const c of durations) it(`duration: ${c.what}`, () => expect(businessDuration(c.hours, c.from, c.to)).toBe(c.ms))
  for (const c of dues) it(`due: ${c.what}`, () => expect(businessDueAt(c.hours, c.from, c.target)).toBe(c.at))

  it('due and duration agree: the time until the due instant is the target', () => {
    const cal = new BusinessCalendar({ ...amsterdam, holidays: ['2026-12-25'] })
    for (let from = Date.UTC(2026, 2, 20); from < Date.UTC(2026, 2, 20) + 14 * 24 * H; from += 7 * H + 13 * M) {
      const at = cal.dueAt(from, 5 * H)!
      expect(cal.duration(from, at)).toBe(5 * H)
    }
  })

  it('a wall time in the spring gap is the instant a clock shows after it', () => {
    const cal = new BusinessCalendar(amsterdam)
    const day = parseIsoDate('2026-03-29')!
    // 02:30 does not exist that night in Amsterdam: 03:30 CEST, 01:30 UTC.
    expect(cal.instantOf(day, 150)).toBe(Date.UTC(2026, 2, 29, 1, 30))
    expect(cal.dayOf(Date.UTC(2026, 2, 29, 22, 30))).toBe(day + 1)
  })

  it('time zones and dates are checked', () => {
    expect(isTimeZone('Europe/Amsterdam')).toBe(true)
    expect(isTimeZone('Mars/Olympus')).toBe(false)
    expect(parseIsoDate('2026-02-30')).toBeNull()
    expect(parseIsoDate('2026-12-25')).not.toBeNull()
  })
})
