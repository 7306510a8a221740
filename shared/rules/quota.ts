import type { Quota } from '../domain'

/** From this share of the limit on, the mailbox shows a warning (R6: warn before the limit). */
export const QUOTA_WARNING = 0.9

/** A mailbox's quota state from usage and limit (R5, R6): ok, warning at 90 %, full at 100 %. */
export function quotaState(used: number, limit: number | null): Quota {
  if (!limit) return { used, limit: null, level: 'ok', percent: null }
  const ratio = used / limit
  return {
    used,
    limit,
    level: ratio >= 1 ? 'full' : ratio >= QUOTA_WARNING ? 'warning' : 'ok',
    percent: Math.round(ratio * 1000) / 10,
  }
}

/** "1.2 MB of 50 MB" */
export function formatBytes(n: number, locale = 'en'): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: v >= 10 || i === 0 ? 0 : 1 }).format(v >= 10 || i === 0 ? Math.round(v) : v)} ${units[i]}`
}
