import { addressOfMailbox, mailboxOfFolder, messageKey } from '../ids'
import type { Address, MessageSummary } from '../domain'
import { conversationIdOf } from '../conversation'

/**
 * A message summary as a sync batch carries it: positional, without what the batch says once
 * (the folder, and so the mailbox) or what follows from the rest (the cache key, the
 * conversation id). Half the bytes of the object form, and one pass to check and rebuild:
 * at 100 000 messages the object form's JSON, its trip and its schema check were a good part
 * of the initial sync.
 *
 * [uid, messageId, inReplyTo, subject, from, to, cc, date, size, flags, hasAttachments,
 *  sender, referencesRoot, threadIndex, draftBy]
 * with each address list flat: [name, address, name, address, …] (sender, draftBy: [] or one pair).
 */
export type WireSummary = [number, string | null, string | null, string, string[], string[], string[], number, number, string[], 0 | 1, string[], string | null, string | null, string[]]

const flat = (list: Address[]): string[] => {
  const out = new Array<string>(list.length * 2)
  for (let i = 0; i < list.length; i++) { out[2 * i] = list[i]!.name; out[2 * i + 1] = list[i]!.address }
  return out
}

/** What the wire carries of a summary (the rest the receiver derives). */
export type WireFields = Omit<MessageSummary, 'id' | 'folderId' | 'mailboxId' | 'conversationId' | 'threadingPending'>

/** The wire form of a summary (its folder and mailbox travel with the batch). */
export function toWire(m: WireFields): WireSummary {
  return [m.uid, m.messageId, m.inReplyTo, m.subject, flat(m.from), flat(m.to), flat(m.cc), m.date, m.size, m.flags, m.hasAttachments ? 1 : 0,
    m.sender ? flat([m.sender]) : [], m.referencesRoot, m.threadIndex, m.draftBy ? flat([m.draftBy]) : []]
}

const isStr = (x: unknown): x is string => typeof x === 'string'
const strOrNull = (x: unknown): x is string | null => x === null || typeof x === 'string'
const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr)
const pairs = (x: unknown): x is string[] => strings(x) && x.length % 2 === 0
const addressesOf = (list: string[]): Address[] => {
  const out = new Array<Address>(list.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = { name: list[2 * i]!, address: list[2 * i + 1]! }
  return out
}

/**
 * Checks one wire row and rebuilds the summary; null when the row is not of this shape (then
 * the whole batch is refused, as an off-contract event is).
 */
export function fromWire(folderId: string, mailboxId: string, row: unknown): MessageSummary | null {
  if (!Array.isArray(row) || row.length !== 15) return null
  const [uid, messageId, inReplyTo, subject, from, to, cc, date, size, flags, att, sender, refRoot, threadIndex, draftBy] = row as unknown[]
  if (!(Number.isInteger(uid) && (uid as number) > 0 && strOrNull(messageId) && strOrNull(inReplyTo) && isStr(subject)
    && pairs(from) && pairs(to) && pairs(cc) && typeof date === 'number' && Number.isInteger(size) && (size as number) >= 0
    && strings(flags) && (att === 0 || att === 1) && pairs(sender) && sender.length <= 2 && strOrNull(refRoot) && strOrNull(threadIndex) && pairs(draftBy) && draftBy.length <= 2)) return null
  const m: MessageSummary = {
    id: messageKey(folderId, uid as number), folderId, mailboxId, uid: uid as number, messageId, inReplyTo, subject,
    from: addressesOf(from), to: addressesOf(to), cc: addressesOf(cc), date, size: size as number, flags, hasAttachments: att === 1,
    sender: sender.length ? addressesOf(sender)[0]! : null, referencesRoot: refRoot, threadIndex, draftBy: draftBy.length ? addressesOf(draftBy)[0]! : null, conversationId: '',
  }
  m.conversationId = conversationIdOf(m, addressOfMailbox(mailboxId))
  return m
}

/** A batch's rows, checked and rebuilt; null when any row is off-contract. */
export function batchFromWire(folderId: string, rows: unknown[]): MessageSummary[] | null {
  const mailboxId = mailboxOfFolder(folderId)
  const out = new Array<MessageSummary>(rows.length)
  for (let i = 0; i < rows.length; i++) {
    const m = fromWire(folderId, mailboxId, rows[i])
    if (!m) return null
    out[i] = m
  }
  return out
}
