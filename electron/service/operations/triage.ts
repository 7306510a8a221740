import type { ImapFlow } from 'imapflow'
import { ApiFailure, fail } from '../../../shared/api/errors'
import type { Folder, Mailbox } from '../../../shared/domain'
import { deleteDestination, refusedFlagChange } from '../../../shared/rules/deletion'
import { conversationOfFetched } from './conversations'
import { THREADING_HEADERS } from './summaries'
import { uidSets } from '../imap/uid-sets'

const SYSTEM_SEEN = '\\Seen'

/** Refuses what the folder's rights do not allow, before the server is asked. */
export function checkFlagRights(folder: Folder, flags: string[]): void {
  for (const f of flags) {
    const allowed = f.toLowerCase() === SYSTEM_SEEN.toLowerCase() ? folder.rights.seen : folder.rights.write
    if (!allowed) {
      throw fail({ code: 'permission.denied', key: 'errors.permission.flag', params: { flag: f, folder: folder.name } })
    }
  }
}

/** Which of these UIDs are still in the open folder (a queued action may meet a changed folder). */
async function stillThere(client: ImapFlow, uids: number[]): Promise<Set<number>> {
  const present = new Set<number>()
  for (const set of uidSets(uids)) {
    for (const u of (await client.search({ uid: set }, { uid: true })) || []) present.add(u)
  }
  return present
}

/**
 * Sets and clears flags; returns the UIDs that are gone (another member moved or deleted the
 * message meanwhile), which the renderer reports instead of retrying.
 */
export async function setFlags(client: ImapFlow, folder: Folder, uids: number[], add: string[], remove: string[]): Promise<number[]> {
  const refused = refusedFlagChange([...add, ...remove])
  if (refused) throw new ApiFailure(refused)
  checkFlagRights(folder, [...add, ...remove])
  const lock = await client.getMailboxLock(folder.path)
  try {
    const present = await stillThere(client, uids)
    for (const set of uidSets(uids.filter((u) => present.has(u)))) {
      if (add.length) await client.messageFlagsAdd(set, add, { uid: true })
      if (remove.length) await client.messageFlagsRemove(set, remove, { uid: true })
    }
    return uids.filter((u) => !present.has(u))
  } finally {
    lock.release()
  }
}

/** The UIDs of the messages whose Message-ID contains this text (IMAP SEARCH HEADER is a substring match). */
export async function findAllByMessageId(client: ImapFlow, path: string, messageId: string): Promise<number[]> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    // A folder already open on this connection keeps its old view until told to sync.
    await client.noop()
    return (await client.search({ header: { 'message-id': messageId } }, { uid: true })) || []
  } finally {
    lock.release()
  }
}

/** The UID of the message with this Message-ID in a folder, if it is there. */
export async function findByMessageId(client: ImapFlow, path: string, messageId: string): Promise<number | null> {
  return (await findAllByMessageId(client, path, messageId)).at(-1) ?? null
}

/**
 * Removes messages by UID — only where the server has UIDPLUS (UID EXPUNGE): a plain EXPUNGE
 * would also erase other members' deleted mail (R10), so without it they stay.
 */
export async function deleteByUid(client: ImapFlow, path: string, uids: number[]): Promise<void> {
  if (!uids.length || !client.capabilities.has('UIDPLUS')) return
  const lock = await client.getMailboxLock(path)
  try {
    for (const set of uidSets(uids)) await client.messageDelete(set, { uid: true })
  } finally {
    lock.release()
  }
}

/**
 * Moves within one mailbox (MOVE, or COPY + expunge on servers without it); returns the new
 * UIDs. A message no longer in the source was either moved by an earlier attempt of this very
 * action (found in the destination by its Message-ID: counted as moved) or by someone else
 * (returned as gone), so a replayed move never fails in a loop and never moves twice.
 */
export async function moveMessages(client: ImapFlow, from: Folder, to: Folder, uids: number[], messageIds: (string | null)[] = []): Promise<{ uidMap: [number, number][]; gone: number[] }> {
  if (!from.rights.delete) {
    throw fail({ code: 'permission.denied', key: 'errors.permission.remove', params: { folder: from.name } })
  }
  if (!to.rights.insert) {
    throw fail({ code: 'permission.denied', key: 'errors.permission.insert', params: { folder: to.name } })
  }
  const uidMap: [number, number][] = []
  const missing: number[] = []
  const lock = await client.getMailboxLock(from.path)
  try {
    const present = await stillThere(client, uids)
    missing.push(...uids.filter((u) => !present.has(u)))
    for (const set of uidSets(uids.filter((u) => present.has(u)))) {
      const result = await client.messageMove(set, to.path, { uid: true })
      if (!result) throw fail({ code: 'message.gone', key: 'errors.message.gone', params: { folder: from.name } })
      if (result.uidMap) uidMap.push(...result.uidMap.entries())
    }
  } finally {
    lock.release()
  }
  const gone: number[] = []
  for (const uid of missing) {
    const messageId = messageIds[uids.indexOf(uid)]
    const there = messageId ? await findByMessageId(client, to.path, messageId) : null
    if (there) uidMap.push([uid, there])
    else gone.push(uid)
  }
  return { uidMap, gone }
}

/** Deleting is a move to the mailbox's Deleted Items (R10): no Deleted Items, or already in it, is refused. */
export function trashFor(mailbox: Mailbox, folders: Folder[], from: Folder): Folder {
  const verdict = deleteDestination(mailbox, folders, from.id)
  if (!verdict.ok) throw new ApiFailure(verdict.error)
  return folders.find((f) => f.id === verdict.to.id)!
}

/**
 * Another member's reply or forward in this conversation, saved in a Sent folder after `since`
 * (not ours): it was answered while the person wrote theirs, or while it waited. Found by the
 * conversation's root in In-Reply-To or References, then checked by the conversation id each
 * candidate's own headers give (shared/conversation.ts).
 */
export async function answeredSince(client: ImapFlow, sent: Folder, root: string, conversationId: string, since: number, ours: string): Promise<{ uid: number; who: string; at: number; subject: string } | null> {
  const lock = await client.getMailboxLock(sent.path, { readOnly: true })
  try {
    // The folder may have been open on this connection for a while: NOOP, so the search sees what
    // other members saved since (the server keeps a session's view until it is told to sync).
    await client.noop()
    const uids = await client.search({ or: [{ header: { 'in-reply-to': root } }, { header: { references: root } }], since: new Date(since - 86_400_000) }, { uid: true })
    if (!uids || !uids.length) return null
    for (const set of uidSets(uids)) {
      for await (const m of client.fetch(set, { uid: true, envelope: true, internalDate: true, headers: THREADING_HEADERS }, { uid: true })) {
        const at = m.internalDate ? new Date(m.internalDate).getTime() : 0
        // INTERNALDATE has whole seconds: a reply saved in the second the person began counts.
        if (m.envelope?.messageId === ours || at < Math.floor(since / 1000) * 1000) continue
        if (conversationOfFetched(m, sent.mailboxId) !== conversationId) continue
        const person = m.envelope?.sender?.[0] ?? m.envelope?.from?.[0]
        return { uid: m.uid, who: person?.name || person?.address || 'Another member', at, subject: m.envelope?.subject ?? '' }
      }
    }
    return null
  } finally {
    lock.release()
  }
}
