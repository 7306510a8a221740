import type { MessageSummary } from '../../../shared/domain'
import type { TandemDb } from './db'

export interface HeaderEntry { id: string; folderId: string; mailboxId: string; date: number; text: string }

/** What search matches in a message's headers: subject and every name and address, lower-case. */
export const headerText = (m: MessageSummary) =>
  `${m.subject} ${[...m.from, ...m.to, ...m.cc].map((a) => `${a.name} ${a.address}`).join(' ')}`.toLowerCase()

/**
 * The searchable header text of every cached message, in memory, newest first (issue 6: a
 * search used to read and stringify every row out of IndexedDB for each query). A few dozen
 * bytes per message; rebuilt from the cache on the first search after anything changed.
 */
export class HeaderIndex {
  private entries: HeaderEntry[] | null = null
  private building: Promise<HeaderEntry[]> | null = null
  private version = 0

  /** Called by whatever writes messages (sync, triage, purge): the next search rebuilds. */
  invalidate(): void {
    this.version++
    this.entries = null
    this.building = null
  }

  async get(db: TandemDb): Promise<HeaderEntry[]> {
    if (this.entries) return this.entries
    if (!this.building) {
      const version = this.version
      const build = (async () => {
        const out: HeaderEntry[] = []
        await db.messages.each((m) => { out.push({ id: m.id, folderId: m.folderId, mailboxId: m.mailboxId, date: m.date, text: headerText(m) }) })
        out.sort((a, b) => b.date - a.date)
        if (version === this.version) this.entries = out
        return out
      })()
      this.building = build
    }
    return this.building
  }
}
