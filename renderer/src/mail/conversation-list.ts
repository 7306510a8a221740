import type { Address, MessageSummary } from '../../../shared/domain'
import type { ConversationIndex } from './conversation-index'

const SEEN = '\\Seen'

/** What a conversation's row shows besides its newest message. */
export interface ConversationInfo {
  /** Its messages in this folder, and the team's replies in the mailbox's Sent. */
  count: number
  /** Its messages in this folder nobody opened (no \\Seen); unread for the person is mail/own-unread.ts's `isUnread` over `inFolder`. */
  unread: number
  /** Who took part, the mailbox itself left out, in the order they first wrote. */
  people: Address[]
  /** Its messages in this folder, oldest first: what an action on the row acts on. */
  inFolder: MessageSummary[]
  /** Its newest message here or in Sent: the row's snippet. */
  newest: MessageSummary | null
}

/**
 * One folder's list as conversations: a row per conversation with a message in the folder,
 * shown by its newest message there (`rows`, newest first: the list, the keyboard and the
 * selection work on these messages as they do on single ones). Kept from the mailbox's
 * ConversationIndex: `update` redoes only the conversations a change touched.
 */
export class ConversationList {
  rows: MessageSummary[] = []
  private readonly repOf = new Map<string, MessageSummary>()

  constructor(private readonly index: ConversationIndex, readonly folderId: string,
    /** The mailbox's Sent folder, whose messages (the team's replies) count as part of a conversation. */
    private readonly sentFolderId: string | null,
    private readonly mailboxAddress: string) {}

  /** From the folder's messages, newest first: the first message of each conversation is its row. */
  rebuild(newestFirst: readonly MessageSummary[]): void {
    this.repOf.clear()
    const rows: MessageSummary[] = []
    for (const m of newestFirst) {
      if (m.folderId !== this.folderId || this.repOf.has(m.conversationId)) continue
      this.repOf.set(m.conversationId, m)
      rows.push(m)
    }
    this.rows = rows
  }

  /** The rows of these conversations again, after the index changed; true when the list changed. */
  update(touched: Iterable<string>): boolean {
    const redo = new Set(touched)
    if (!redo.size) return false
    const fresh: MessageSummary[] = []
    for (const c of redo) {
      const rep = this.newestInFolder(c)
      if (rep) { this.repOf.set(c, rep); fresh.push(rep) } else this.repOf.delete(c)
    }
    fresh.sort((a, b) => b.date - a.date)
    // Linear: the rows that stay are in order already; the redone ones merge in.
    const kept = this.rows.filter((m) => !redo.has(m.conversationId))
    const out: MessageSummary[] = new Array(kept.length + fresh.length)
    let i = 0
    let j = 0
    let k = 0
    while (i < kept.length && j < fresh.length) out[k++] = kept[i]!.date >= fresh[j]!.date ? kept[i++]! : fresh[j++]!
    while (i < kept.length) out[k++] = kept[i++]!
    while (j < fresh.length) out[k++] = fresh[j++]!
    this.rows = out
    return true
  }

  private newestInFolder(conversationId: string): MessageSummary | null {
    const all = this.index.messages(conversationId)
    for (let i = all.length - 1; i >= 0; i--) if (all[i]!.folderId === this.folderId) return all[i]!
    return null
  }

  /** The row of a conversation now (its newest message here), or null. */
  rowOf(conversationId: string): MessageSummary | null {
    return this.repOf.get(conversationId) ?? null
  }

  /** Its messages in this folder, oldest first. */
  inFolder(conversationId: string): MessageSummary[] {
    return this.index.messages(conversationId).filter((m) => m.folderId === this.folderId)
  }

  /**
   * What its row shows, kept by the index until the conversation changes (the same object
   * again: a row re-rendered while scrolling, or by a change elsewhere, is not redone).
   */
  info(conversationId: string): ConversationInfo {
    return this.index.derived(this.infoKind, conversationId, (all) => rowInfo(all, this.folderId, this.sentFolderId, this.mailboxAddress.toLowerCase()))
  }

  private get infoKind(): string {
    return `row\n${this.folderId}\n${this.sentFolderId ?? ''}\n${this.mailboxAddress.toLowerCase()}`
  }
}

/** A conversation's row info in a folder, from its messages (oldest first); the mailbox itself (`self`) is no person of it. */
function rowInfo(all: readonly MessageSummary[], folderId: string, sentFolderId: string | null, self: string): ConversationInfo {
  const inFolder: MessageSummary[] = []
  let count = 0
  let unread = 0
  const people = new Map<string, Address>()
  let newest: MessageSummary | null = null
  for (const m of all) {
    const here = m.folderId === folderId
    if (!here && m.folderId !== sentFolderId) continue
    count++
    newest = m
    if (here) { inFolder.push(m); if (!m.flags.includes(SEEN)) unread++ }
    for (const a of [...m.from, ...m.to, ...m.cc]) {
      const key = a.address.toLowerCase()
      if (key && key !== self && !people.has(key)) people.set(key, a)
    }
  }
  return { count, unread, people: [...people.values()], inFolder, newest }
}
