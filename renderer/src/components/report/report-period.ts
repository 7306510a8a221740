/** The Report's periods, in the person's own time zone (their device's): [start, end) instants. */
export type PeriodKind = 'thisWeek' | 'lastWeek' | 'thisMonth' | 'last30' | 'thisQuarter' | 'custom'
export const PERIODS: readonly PeriodKind[] = ['thisWeek', 'lastWeek', 'thisMonth', 'last30', 'thisQuarter', 'custom']

const DAY = 86_400_000

/** The period's start and end; `custom` from two local dates "YYYY-MM-DD" (the end day included). */
export function periodOf(kind: PeriodKind, now: number, custom: { from: string; until: string }): { start: number; end: number } {
  const d = new Date(now)
  const midnight = (y: number, m: number, day: number) => new Date(y, m, day).getTime()
  const today = midnight(d.getFullYear(), d.getMonth(), d.getDate())
  const monday = midnight(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7))
  switch (kind) {
    case 'thisWeek': return { start: monday, end: midnight(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7) + 7) }
    case 'lastWeek': return { start: midnight(d.getFullYear(), d.getMonth(), d.getDate() - ((d.getDay() + 6) % 7) - 7), end: monday }
    case 'thisMonth': return { start: midnight(d.getFullYear(), d.getMonth(), 1), end: midnight(d.getFullYear(), d.getMonth() + 1, 1) }
    case 'last30': return { start: today - 29 * DAY, end: now + 1 }
    case 'thisQuarter': { const q = Math.floor(d.getMonth() / 3) * 3; return { start: midnight(d.getFullYear(), q, 1), end: midnight(d.getFullYear(), q + 3, 1) } }
    case 'custom': {
      const [fy, fm, fd] = custom.from.split('-').map(Number)
      const [uy, um, ud] = custom.until.split('-').map(Number)
      if (!fy || !uy) return { start: today, end: today + DAY }
      return { start: midnight(fy, fm! - 1, fd!), end: midnight(uy, um! - 1, ud! + 1) }
    }
  }
}

/** The person's local day "YYYY-MM-DD" of an instant. */
export function localDay(t: number): string {
  const d = new Date(t)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

/** Every local day of a period, at most 400 (a longer custom period shows its first 400 days per day). */
export function daysOf(start: number, end: number): string[] {
  const out: string[] = []
  const d = new Date(start)
  for (let i = 0; i < 400; i++) {
    const t = new Date(d.getFullYear(), d.getMonth(), d.getDate() + i).getTime()
    if (t >= end) break
    out.push(localDay(t))
  }
  return out
}
