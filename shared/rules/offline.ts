import type { Folder, Mailbox } from '../domain'

/**
 * Which messages keep their full body on this device for offline reading. Headers of
 * synced folders are always cached; bodies cost space and server load, so shared mailboxes —
 * which can be large and busy — keep only recent Inbox and Sent by default, the person's own
 * mailbox everything. The person can add (or leave out) single folders.
 */
export interface OfflinePolicy {
  /** all: every folder; recent: Inbox and Sent of the last `days`; none: only folders added. */
  mode: 'all' | 'recent' | 'none'
  days: number
  /** Folders made available offline by the person (every message). */
  include: string[]
  /** Folders the person left out (nothing), whatever the mode. */
  exclude: string[]
}

export const RECENT_DAYS = 30
const DAY = 86_400_000

export function defaultOfflinePolicy(kind: Mailbox['kind']): OfflinePolicy {
  return kind === 'own'
    ? { mode: 'all', days: RECENT_DAYS, include: [], exclude: [] }
    : { mode: 'recent', days: RECENT_DAYS, include: [], exclude: [] }
}

/** The folders whose bodies are kept, and from which date (0: all of them); null when none. */
export function offlineWindow(policy: OfflinePolicy, folder: Pick<Folder, 'id' | 'role'>, now: number): { since: number } | null {
  if (policy.exclude.includes(folder.id)) return null
  if (policy.include.includes(folder.id) || policy.mode === 'all') return { since: 0 }
  if (policy.mode === 'recent' && (folder.role === 'inbox' || folder.role === 'sent')) return { since: now - policy.days * DAY }
  return null
}

/** Turns one folder on or off for offline reading, keeping the rest of the policy. */
export function withFolder(policy: OfflinePolicy, folder: Pick<Folder, 'id' | 'role'>, on: boolean, now: number): OfflinePolicy {
  const include = policy.include.filter((id) => id !== folder.id)
  const exclude = policy.exclude.filter((id) => id !== folder.id)
  const byMode = offlineWindow({ ...policy, include, exclude }, folder, now)
  // Only record what differs from the mode; "on" for a folder the mode keeps partly means all of it.
  if (on && !(byMode && byMode.since === 0)) include.push(folder.id)
  if (!on && byMode) exclude.push(folder.id)
  return { ...policy, include, exclude }
}
