/** Quiet hours: times of day ("HH:MM"); "22:00" to "07:00" spans midnight. */
export interface QuietHours { from: string; until: string }

/** Whether a time of day ("HH:MM") is inside quiet hours, which may span midnight. */
export function inQuietHours(quiet: QuietHours | null, now: Date): boolean {
  if (!quiet) return false
  const mins = (t: string) => { const [h, m] = t.split(':').map(Number); return (h ?? 0) * 60 + (m ?? 0) }
  const at = now.getHours() * 60 + now.getMinutes()
  const from = mins(quiet.from)
  const until = mins(quiet.until)
  if (from === until) return false
  return from < until ? at >= from && at < until : at >= from || at < until
}
