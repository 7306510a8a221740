import type { FetchMessageObject, ImapFlow } from 'imapflow'
import { fail } from '../../../shared/api/errors'
import { conversationIdOf, firstMessageId } from '../../../shared/conversation'
import type { Folder } from '../../../shared/domain'
import { addressOfMailbox } from '../../../shared/ids'
import { dropped } from './sync'
import { THREADING_HEADERS, threadingOf } from './summaries'

/** What a team record or a check is about: one message of the conversation, as the window names it. */
export interface MessageRef { folderId: string; uid: number; messageId: string | null }

/** The conversation id of a fetched message, from its own headers (shared/conversation.ts). */
export function conversationOfFetched(m: FetchMessageObject, mailboxId: string): string {
  const env = m.envelope
  const addresses = (list: NonNullable<typeof env>["from"] | undefined) => (list ?? []).map((a) => ({ name: a.name ?? '', address: a.address ?? '' }))
  return conversationIdOf({
    messageId: firstMessageId(env?.messageId),
    inReplyTo: firstMessageId(env?.inReplyTo),
    ...threadingOf(m.headers),
    subject: env?.subject ?? '',
    from: addresses(env?.from), to: addresses(env?.to), cc: addresses(env?.cc),
  }, addressOfMailbox(mailboxId))
}

const QUERY = { uid: true, envelope: true, headers: THREADING_HEADERS } as const

/** The message in one folder: at its UID when that UID still holds it, else found by its Message-ID. */
async function fetchIn(client: ImapFlow, path: string, ref: MessageRef, byUid: boolean): Promise<FetchMessageObject | null> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    await client.noop()
    if (byUid) {
      const m = await client.fetchOne(String(ref.uid), QUERY, { uid: true }).catch(() => false as const)
      dropped(client)
      if (m && (ref.messageId === null || firstMessageId(m.envelope?.messageId) === ref.messageId)) return m
    }
    if (!ref.messageId) return null
    const uids = (await client.search({ header: { 'message-id': ref.messageId } }, { uid: true })) || []
    for (const uid of uids) {
      const m = await client.fetchOne(String(uid), QUERY, { uid: true }).catch(() => false as const)
      if (m && firstMessageId(m.envelope?.messageId) === ref.messageId) return m
    }
    dropped(client)
    return null
  } finally {
    lock.release()
  }
}

/**
 * The conversation of a message as the server holds it: read from its headers by the service
 * itself, so a team record's conversation is never the window's word. The message is looked
 * for at its UID, then by Message-ID in its folder and the mailbox's Inbox, Sent, Archive,
 * Deleted Items and Drafts (another member may have moved it meanwhile; a delete record is
 * about messages now in Deleted Items). Known answers are kept (the composer renews its
 * "writing" mark every half minute).
 */
export class ConversationLookup {
  private readonly known = new Map<string, string>()

  async of(client: ImapFlow, folders: Folder[], ref: MessageRef): Promise<string> {
    const key = `${ref.folderId}\n${ref.uid}\n${ref.messageId ?? ''}`
    const hit = this.known.get(key)
    if (hit) return hit
    const first = folders.find((f) => f.id === ref.folderId)
    const roles: Folder['role'][] = ['inbox', 'sent', 'archive', 'trash', 'drafts']
    const places = [...(first ? [first] : []), ...folders.filter((f) => f !== first && roles.includes(f.role) && f.selectable)]
    for (const [i, f] of places.entries()) {
      if (i > 0 && !ref.messageId) break
      const m = await fetchIn(client, f.path, ref, i === 0)
      if (!m) continue
      const id = conversationOfFetched(m, f.mailboxId)
      if (this.known.size > 2000) this.known.clear()
      this.known.set(key, id)
      return id
    }
    throw fail({ code: 'message.gone', key: 'errors.team.messageGone' })
  }
}
