import type { Folder, MessageSummary } from '../../../shared/domain'
import { addressOfMailbox, mailboxOfFolder } from '../../../shared/ids'
import type { CacheChange } from '../cache/summary-blocks'
import { ConversationIndex } from './conversation-index'
import { ConversationList, type ConversationInfo } from './conversation-list'

/** The folders whose messages make a mailbox's conversations (its timeline): mail in, the team's replies, what was filed, drafts. */
export const CONVERSATION_ROLES: Folder['role'][] = ['inbox', 'sent', 'archive', 'drafts']
/** Mailboxes whose index is kept in memory (the one on screen and the one before). */
const KEEP = 2
/** Rows on screen follow the cache's changes at most this often during a big sync. */
const SHOW_EVERY_MS = 120

export interface ConversationViewDeps {
  /** Every cached summary of a folder, newest first. */
  folderRows(folderId: string): Promise<MessageSummary[]>
  /** A mailbox's folders as the sidebar knows them. */
  foldersOf(mailboxId: string): Folder[]
  /** Whether its team records may name conversations by their ids of before (a shared mailbox). */
  keepsLegacy(mailboxId: string): boolean
  /** The rows of the folder on screen changed. */
  rows(rows: MessageSummary[]): void
}

/**
 * The list as conversations and the conversations behind the reader: each mailbox's
 * ConversationIndex is built once, from its conversation folders' cached rows, and then follows
 * every change of the cache; the folder on screen is a ConversationList over it. Plain
 * TypeScript: the messages store owns one.
 */
export class ConversationView {
  private readonly indexes = new Map<string, ConversationIndex>()
  private readonly building = new Map<string, Promise<ConversationIndex>>()
  private list: ConversationList | null = null
  private touched = new Set<string>()
  private timer: ReturnType<typeof setTimeout> | null = null
  /** Bumped on every change of a kept index: what reads conversations depends on it. */
  version = 0

  constructor(private readonly deps: ConversationViewDeps) {}

  /**
   * Rows newest first grouped as conversations, each by its newest row: a folder's first
   * screenful before its index is there, and search results (which may span mailboxes).
   */
  static group(newestFirst: readonly MessageSummary[]): MessageSummary[] {
    const seen = new Set<string>()
    return newestFirst.filter((m) => {
      const k = `${m.mailboxId}\n${m.conversationId}`
      return !seen.has(k) && !!seen.add(k)
    })
  }

  /**
   * The folder's conversations, from its whole list (newest first): its mailbox's index is built
   * the first time (the other conversation folders read from the cache), then only kept.
   */
  async open(folderId: string, folderRows: readonly MessageSummary[]): Promise<MessageSummary[]> {
    const mailboxId = mailboxOfFolder(folderId)
    const index = await this.indexOf(mailboxId, folderId, folderRows)
    if (!index.covers(folderId)) index.addFolder(folderId, folderRows)
    const folders = this.deps.foldersOf(mailboxId)
    const list = new ConversationList(index, folderId, folders.find((f) => f.role === 'sent')?.id ?? null, addressOfMailbox(mailboxId))
    list.rebuild(folderRows)
    this.list = list
    this.touched.clear()
    return list.rows
  }

  /** No folder on screen as conversations (search, or single messages). */
  close(): void {
    this.list = null
  }

  private async indexOf(mailboxId: string, folderId: string, folderRows: readonly MessageSummary[]): Promise<ConversationIndex> {
    const kept = this.indexes.get(mailboxId)
    if (kept) { this.indexes.delete(mailboxId); this.indexes.set(mailboxId, kept); return kept }
    let made = this.building.get(mailboxId)
    if (!made) {
      made = (async () => {
        const folders = this.deps.foldersOf(mailboxId).filter((f) => CONVERSATION_ROLES.includes(f.role) || f.id === folderId)
        const index = new ConversationIndex(mailboxId, new Set(folders.map((f) => f.id)), this.deps.keepsLegacy(mailboxId))
        // Listening from now: changes while the other folders are read are not lost (put replaces).
        this.indexes.set(mailboxId, index)
        index.put(folderRows)
        for (const f of folders) if (f.id !== folderId) index.put(await this.deps.folderRows(f.id))
        while (this.indexes.size > KEEP) this.indexes.delete(this.indexes.keys().next().value!)
        this.version++
        return index
      })().finally(() => this.building.delete(mailboxId))
      this.building.set(mailboxId, made)
    }
    return made
  }

  /** A change of the cache: the kept indexes follow it; the rows on screen soon after. */
  apply(c: CacheChange): void {
    if ('reset' in c) { this.indexes.clear(); this.list = null; this.version++; return }
    for (const index of this.indexes.values()) {
      let t: Set<string>
      if ('added' in c) t = index.put(c.added.filter((m) => m.mailboxId === index.mailboxId))
      else if ('changed' in c) t = index.put(c.changed.map((x) => x.after).filter((m) => m.mailboxId === index.mailboxId))
      else t = index.remove(c.removed)
      if (!t.size) continue
      this.version++
      if (this.list && mailboxOfFolder(this.list.folderId) === index.mailboxId) for (const id of t) this.touched.add(id)
    }
    if (this.touched.size && !this.timer) this.timer = setTimeout(() => this.flush(), 'added' in c ? SHOW_EVERY_MS : 0)
  }

  /** Shows what changed now (the caller is about to read the rows). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const list = this.list
    if (!list || !this.touched.size) return
    const t = this.touched
    this.touched = new Set()
    if (list.update(t)) this.deps.rows(list.rows)
  }

  /**
   * Finds a conversation's row in the list of `folderId` when that list is the one kept here (the
   * rows the list shows after an open or a change); null while another or none is.
   */
  rowFinder(folderId: string): ((conversationId: string) => MessageSummary | null) | null {
    const list = this.list
    return list && list.folderId === folderId ? (c) => list.rowOf(c) : null
  }

  /** What a conversation's row shows (null when the folder on screen is not shown as conversations). */
  info(conversationId: string): ConversationInfo | null {
    return this.list?.info(conversationId) ?? null
  }

  /** A conversation's messages in the folder on screen, oldest first: what an action on its row acts on. */
  inFolder(conversationId: string): MessageSummary[] {
    return this.list?.inFolder(conversationId) ?? []
  }

  /**
   * A conversation's cached messages in its mailbox's conversation folders, oldest first: a new
   * array (the index changes its own in place; what the window computes from it must see a change).
   */
  messagesOf(mailboxId: string, conversationId: string): MessageSummary[] {
    return [...(this.indexes.get(mailboxId)?.messages(conversationId) ?? [])]
  }

  /** The ids of before its messages had (team records of before: shared/team/carry-over.ts). */
  legacyIds(mailboxId: string, conversationId: string): string[] {
    return this.indexes.get(mailboxId)?.legacyIds(conversationId) ?? []
  }

  /** The row of a conversation in the folder on screen now. */
  rowOf(conversationId: string): MessageSummary | null {
    return this.list?.rowOf(conversationId) ?? null
  }
}
