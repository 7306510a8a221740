import { legacyConversationId } from '../../../shared/conversation'
import type { MessageSummary } from '../../../shared/domain'

const byDate = (a: MessageSummary, b: MessageSummary) => a.date - b.date || a.id.localeCompare(b.id)

/**
 * The cached messages of one mailbox's folders, grouped by conversation (each message's own
 * `conversationId`, shared/conversation.ts), oldest first in each. Built once from the folders'
 * rows and then kept by every change of the cache (added, changed — a message whose
 * conversation became known moves —, removed): never regrouped when a folder or a
 * conversation is opened. Plain TypeScript; `version` counts its changes.
 */
export class ConversationIndex {
  private readonly byId = new Map<string, MessageSummary[]>()
  /** Which conversation each message is in now (a changed row may name another). */
  private readonly convOf = new Map<string, string>()
  /** Per conversation, the ids of before its messages had, counted (team records of before: shared/team/carry-over.ts). */
  private readonly legacy = new Map<string, Map<string, number>>()
  version = 0

  constructor(readonly mailboxId: string, private readonly folders: Set<string>, private readonly keepLegacy: boolean) {}

  /** Whether this folder's messages are kept here. */
  covers(folderId: string): boolean {
    return this.folders.has(folderId)
  }

  /** Keeps a further folder's messages too (a folder opened that is not one of the usual). */
  addFolder(folderId: string, rows: readonly MessageSummary[]): Set<string> {
    this.folders.add(folderId)
    return this.put(rows)
  }

  /** Adds or replaces messages of covered folders; the conversations that changed. */
  put(rows: readonly MessageSummary[]): Set<string> {
    const touched = new Set<string>()
    for (const m of rows) {
      if (!this.folders.has(m.folderId)) continue
      const was = this.convOf.get(m.id)
      if (was !== undefined) this.take(m.id, was, touched)
      let list = this.byId.get(m.conversationId)
      if (!list) this.byId.set(m.conversationId, (list = []))
      // Binary insertion: rows come mostly in order, conversations are short.
      let lo = 0
      let hi = list.length
      while (lo < hi) { const mid = (lo + hi) >> 1; if (byDate(list[mid]!, m) < 0) lo = mid + 1; else hi = mid }
      list.splice(lo, 0, m)
      this.convOf.set(m.id, m.conversationId)
      if (this.keepLegacy) this.countLegacy(m.conversationId, legacyConversationId(m), 1)
      touched.add(m.conversationId)
    }
    if (touched.size) this.version++
    return touched
  }

  /** Removes messages; the conversations that changed. */
  remove(ids: Iterable<string>): Set<string> {
    const touched = new Set<string>()
    for (const id of ids) {
      const was = this.convOf.get(id)
      if (was !== undefined) this.take(id, was, touched)
    }
    if (touched.size) this.version++
    return touched
  }

  private take(id: string, conversationId: string, touched: Set<string>): void {
    const list = this.byId.get(conversationId)
    const at = list ? list.findIndex((x) => x.id === id) : -1
    if (list && at >= 0) {
      const [gone] = list.splice(at, 1)
      if (this.keepLegacy) this.countLegacy(conversationId, legacyConversationId(gone!), -1)
      if (!list.length) { this.byId.delete(conversationId); this.legacy.delete(conversationId) }
    }
    this.convOf.delete(id)
    touched.add(conversationId)
  }

  private countLegacy(conversationId: string, legacyId: string, by: number): void {
    let counts = this.legacy.get(conversationId)
    if (!counts) this.legacy.set(conversationId, (counts = new Map()))
    const n = (counts.get(legacyId) ?? 0) + by
    if (n > 0) counts.set(legacyId, n)
    else counts.delete(legacyId)
  }

  /** A conversation's messages in the covered folders, oldest first (empty when none is cached). */
  messages(conversationId: string): readonly MessageSummary[] {
    return this.byId.get(conversationId) ?? []
  }

  /** The ids of before its messages had (only kept where the mailbox's team records use such ids). */
  legacyIds(conversationId: string): string[] {
    return [...(this.legacy.get(conversationId)?.keys() ?? [])]
  }

  /** The conversation a cached message is in. */
  conversationOf(messageId: string): string | undefined {
    return this.convOf.get(messageId)
  }

  get size(): number {
    return this.byId.size
  }
}
