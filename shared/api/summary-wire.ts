import { mailboxOfFolder, messageKey } from '../ids'
import type { Address, MessageSummary } from '../domain'
import { threadKey } from '../rules/threads'

/**
 * A message summary as a sync batch carries it: positional, without what the batch says once
 * (the folder, and so the mailbox) or what follows from the rest (the cache key, the
 * conversation key). Half the bytes of the object form, and one pass to check and rebuild:
 * at 100 000 messages the object form's JSON, its trip and its schema check were a good part
 * of the initial sync.
 *
 * [uid, messageId, inReplyTo, subject, from, to, cc, date, size, flags, hasAttachments]
 * with each address list flat: [name, address, name, address, …].
 */
export type WireSummary = [number, string | null, string | null, string, string[], string[], string[], number, number, string[], 0 | 1]

const flat = (list: Address[]): string[] => {
  const out = new Array<string>(list.length * 2)
  for (let i = 0; i < list.length; i++) { out[2 * i] = list[i]!.name; out[2 * i + 1] = list[i]!.address }
  return out
}

/** The wire form of a summary (its folder and mailbox travel with the batch). */
export function toWire(m: Omit<MessageSummary, 'id' | 'folderId' | 'mailboxId' | 'threadKey'>): WireSummary {
  return [m.uid, m.messageId, m.inReplyTo, m.subject, flat(m.from), flat(m.to), flat(m.cc), m.date, m.size, m.flags, m.hasAttachments ? 1 : 0]
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
  if (!Array.isArray(row) || row.length !== 11) return null
  const [uid, messageId, inReplyTo, subject, from, to, cc, date, size, flags, att] = row as unknown[]
  if (!(Number.isInteger(uid) && (uid as number) > 0 && strOrNull(messageId) && strOrNull(inReplyTo) && isStr(subject)
    && pairs(from) && pairs(to) && pairs(cc) && typeof date === 'number' && Number.isInteger(size) && (size as number) >= 0
    && strings(flags) && (att === 0 || att === 1))) return null
  const f = addressesOf(from)
  const t = addressesOf(to)
  const c = addressesOf(cc)
  return {
    id: messageKey(folderId, uid as number), folderId, mailboxId, uid: uid as number, messageId, inReplyTo, subject,
    from: f, to: t, cc: c, date, size: size as number, flags, hasAttachments: att === 1,
    threadKey: threadKey(subject, f.concat(t, c), mailboxId),
  }
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
