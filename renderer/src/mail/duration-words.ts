import { tr } from '../i18n'

/** A business-time duration in the list's short words: "45m", "2h 10m" (hours go on past a day: business days differ per mailbox). */
export function durationWords(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000))
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return h ? tr('responseTimes.duration.hours', { h, m }) : tr('responseTimes.duration.minutes', { m })
}
