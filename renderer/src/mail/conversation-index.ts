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
  /**
   * What is derived from a conversation's messages (a list row's info, per folder shown), by
   * what it is and conversation: computed on first look, dropped when the conversation changes.
   * A row rendered again, scrolled back to or shown by another open reads it, never recomputes it.
   */
  private readonly derivedOf = new Map<string, Map<string, unknown>>()
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
      touched.add(m.conversationId)
    }
    this.changed(touched)
    return touched
  }

  /** Removes messages; the conversations that changed. */
  remove(ids: Iterable<string>): Set<string> {
    const touched = new Set<string>()
    for (const id of ids) {
      const was = this.convOf.get(id)
      if (was !== undefined) this.take(id, was, touched)
    }
    this.changed(touched)
    return touched
  }

  private changed(touched: Set<string>): void {
    if (!touched.size) return
    this.version++
    for (const memo of this.derivedOf.values()) for (const c of touched) memo.delete(c)
  }

  /**
   * `compute` of a conversation's messages (oldest first), kept under `kind` until one of its
   * messages changes: what differs by kind (the folder a row is shown in) goes in the kind.
   */
  derived<T>(kind: string, conversationId: string, compute: (messages: readonly MessageSummary[]) => T): T {
    let memo = this.derivedOf.get(kind)
    if (!memo) this.derivedOf.set(kind, (memo = new Map()))
    if (memo.has(conversationId)) return memo.get(conversationId) as T
    const value = compute(this.messages(conversationId))
    memo.set(conversationId, value)
    return value
  }

  private take(id: string, conversationId: string, touched: Set<string>): void {
    const list = this.byId.get(conversationId)
    const at = list ? list.findIndex((x) => x.id === id) : -1
    if (list && at >= 0) {
      list.splice(at, 1)
      if (!list.length) this.byId.delete(conversationId)
    }
    this.convOf.delete(id)
    touched.add(conversationId)
  }

  /** A conversation's messages in the covered folders, oldest first (empty when none is cached). */
  messages(conversationId: string): readonly MessageSummary[] {
    return this.byId.get(conversationId) ?? []
  }

  /**
   * The ids of before its messages had (only where the mailbox's team records may use such ids),
   * oldest message's first: worked out when first asked and kept until the conversation changes
   * (hashing every message's subject and people as it was put cost half the index's build).
   */
  legacyIds(conversationId: string): string[] {
    if (!this.keepLegacy) return []
    return [...this.derived('legacy', conversationId, (all) => [...new Set(all.map(legacyConversationId))])]
  }

  /** The conversation a cached message is in. */
  conversationOf(messageId: string): string | undefined {
    return this.convOf.get(messageId)
  }

  get size(): number {
    return this.byId.size
  }
}
