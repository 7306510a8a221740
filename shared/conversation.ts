import type { Address, MessageSummary } from './domain'
import { addressOfMailbox } from './ids'

/**
 * A conversation: the messages that answer one another, in every folder of one mailbox. Its id
 * is computed from each message's own headers by `conversationIdOf`, which both processes use,
 * so every member and every device gets the same id for a message whatever else it has cached:
 *
 * 1. the root of `References` (its first well-formed message-id: every reply keeps it, RFC 5322
 *    §3.6.4 lets a long chain be trimmed only from the middle);
 * 2. else `In-Reply-To` (a client that sends no References: the parent is the root of a reply);
 * 3. else Outlook's `Thread-Index` root (its first 22 bytes), for a reply that carries neither;
 * 4. else the message's own Message-ID: it starts a conversation;
 * 5. only mail with none of these groups by subject and people.
 *
 * So a reply-all that adds a Cc, an edited subject or a forward stays in the conversation, and
 * two "Invoice" mails from one customer are two conversations.
 */
export interface Conversation {
  /** `conversationIdOf` of its messages. */
  id: string
  mailboxId: string
  /** Its cached messages, oldest first. */
  messages: MessageSummary[]
}

/** What threading needs of a message: a handful of strings, never the whole References. */
export interface ThreadHeaders {
  messageId: string | null
  inReplyTo: string | null
  /** The root of References (`referencesRoot`), reduced as the summary keeps it. */
  referencesRoot: string | null
  /** Outlook's conversation root from Thread-Index (`threadIndexRoot`), where the message is a reply. */
  threadIndex: string | null
  subject: string
  from: Address[]
  to: Address[]
  cc: Address[]
}

/** The longest message-id kept (RFC 5322 caps a line at 998 characters; real ids are < 250). */
const MAX_ID = 250

/**
 * The message-ids of a header value, in order: `<left@right>` tokens, or — from a broken client
 * that drops the brackets — bare `left@right` words. Comments and anything else are skipped;
 * at most `limit` are returned.
 */
export function messageIdsIn(value: string | null | undefined, limit = Infinity): string[] {
  if (!value) return []
  const out: string[] = []
  const bracketed = /<([^<>\s]+)>/g
  for (let m = bracketed.exec(value); m && out.length < limit; m = bracketed.exec(value)) {
    if (m[1]!.includes('@') && m[1]!.length <= MAX_ID) out.push(`<${m[1]}>`)
  }
  if (out.length || value.includes('<')) return out
  for (const word of value.replace(/\([^)]*\)/g, ' ').split(/[\s,]+/)) {
    if (out.length >= limit) break
    if (/^[^@\s]+@[^@\s]+$/.test(word) && word.length <= MAX_ID) out.push(`<${word}>`)
  }
  return out
}

/** One well-formed message-id (a Message-ID or In-Reply-To header), or null. */
export const firstMessageId = (value: string | null | undefined): string | null => messageIdsIn(value, 1)[0] ?? null

/** The root of a References header: all threading needs of it. */
export const referencesRoot = (value: string | null | undefined): string | null => firstMessageId(value)

/**
 * Outlook's Thread-Index: base64 of 22 bytes that name the conversation, then 5 more per reply.
 * The root (hex) of a reply's index, or null for a conversation's first message (22 bytes: it is
 * known by its own Message-ID, as every other client's reply to it names it) and for an index
 * that is not one.
 */
export function threadIndexRoot(value: string | null | undefined): string | null {
  const b64 = (value ?? '').replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length > 4000) return null
  const bytes = decodeBase64(b64)
  if (bytes.length < 27 || (bytes.length - 22) % 5 !== 0) return null
  let hex = ''
  for (let i = 0; i < 22; i++) hex += bytes[i]!.toString(16).padStart(2, '0')
  return hex
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** Plain base64 (no Node Buffer or atob: this module runs in both processes). */
function decodeBase64(s: string): number[] {
  const out: number[] = []
  let bits = 0
  let acc = 0
  for (const c of s.replace(/=+$/, '')) {
    acc = (acc << 6) | B64.indexOf(c)
    bits += 6
    if (bits >= 8) { bits -= 8; out.push((acc >> bits) & 0xff) }
  }
  return out
}

/** "Re: Fwd: AW: Order 1" → "order 1". */
export function normaliseSubject(subject: string): string {
  return subject.replace(/^\s*((re|fwd?|aw|wg|sv|vs|tr|ref)\s*(\[\d+\])?\s*:\s*)+/i, '').trim().toLowerCase()
}

/** The people of a message, the mailbox's own address left out, sorted. */
function peopleKey(people: Address[], mailboxAddress: string): string {
  const self = mailboxAddress.toLowerCase()
  return [...new Set(people.map((p) => p.address.toLowerCase()).filter((a) => a && a !== self))].sort().join(',')
}

/**
 * What the conversation of a message is rooted in, as a string: `m:<message-id>` (rules 1, 2, 4
 * above), `t:<hex>` (3) or `s:<subject>|<people>` (5).
 */
export function conversationRoot(h: ThreadHeaders, mailboxAddress: string): string {
  const root = h.referencesRoot ?? firstMessageId(h.inReplyTo)
  if (root) return `m:${root}`
  if (h.threadIndex) return `t:${h.threadIndex}`
  const own = firstMessageId(h.messageId)
  if (own) return `m:${own}`
  return `s:${normaliseSubject(h.subject)}|${peopleKey([...h.from, ...h.to, ...h.cc], mailboxAddress)}`
}

/**
 * cyrb53 (public domain): a fast 53-bit string hash; the low 32 bits of four seeds make an id.
 * Ids are hashes so that they are bounded and carry no subject or address in the clear (team
 * records name them on the server).
 */
function cyrb53(s: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}
/** Two lower-case hex digits for each byte value. */
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
/**
 * The low 32 bits of a hash as 8 lower-case hex digits. ToUint32 (`>>> 0`) of a non-negative
 * integer below 2^53 is that integer modulo 2^32, so this equals `(n % 2**32).toString(16)`
 * padded to 8 — by byte, from a table (the id of every synced message is made here: the
 * floating-point modulo and the radix conversion of numbers above 2^31 cost a first sync of
 * 20 000 about 30 ms).
 */
const hex32 = (n: number): string => {
  const x = n >>> 0
  return HEX2[x >>> 24]! + HEX2[(x >>> 16) & 255]! + HEX2[(x >>> 8) & 255]! + HEX2[x & 255]!
}

/** The length of a conversation id: 32 hex digits (the ids of before were 28: `legacyConversationId`). */
export const CONVERSATION_ID_CHARS = 32

/** A conversation's id from its root (`conversationRoot`). */
export function conversationIdFromRoot(root: string): string {
  return hex32(cyrb53(root, 1)) + hex32(cyrb53(root, 2)) + hex32(cyrb53(root, 3)) + hex32(cyrb53(root, 4))
}

/** The id of the conversation a message belongs to, from its own headers alone. */
export function conversationIdOf(h: ThreadHeaders, mailboxAddress: string): string {
  return conversationIdFromRoot(conversationRoot(h, mailboxAddress))
}

/**
 * The id team records used before conversations came from headers: a 28-digit hash of the
 * normalised subject and the people. Kept only to carry those records over to the ids of today
 * (docs/team-state.md, *Carried over*).
 */
export function legacyConversationId(m: Pick<MessageSummary, 'subject' | 'from' | 'to' | 'cc' | 'mailboxId'>): string {
  const key = `${normaliseSubject(m.subject)}|${peopleKey([...m.from, ...m.to, ...m.cc], addressOfMailbox(m.mailboxId))}`
  return cyrb53(key, 1).toString(16).padStart(14, '0') + cyrb53(key, 2).toString(16).padStart(14, '0')
}

/** Whether a conversation id is one of before (`legacyConversationId`). */
export const isLegacyConversationId = (id: string): boolean => id.length === 28

/**
 * The References of a reply to a message: its References (in full, as its body gave them) and
 * its Message-ID, trimmed from the middle only when longer than `max` (RFC 5322 §3.6.4), so the
 * root — what every client threads by — stays first.
 */
export function replyReferences(parentReferences: string[], parentMessageId: string | null, max = 50): string[] {
  const chain = [...parentReferences, ...(parentMessageId ? [parentMessageId] : [])].filter((x, i, all) => all.indexOf(x) === i)
  if (chain.length <= max) return chain
  return [chain[0]!, ...chain.slice(chain.length - (max - 1))]
}

/**
 * One header field's value from a block of raw header lines (what `BODY[HEADER.FIELDS (…)]`
 * returns), unfolded; the first occurrence, or null. Bounded by the block the server sent.
 */
export function headerField(raw: string, name: string): string | null {
  const lines = raw.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)
  const prefix = `${name.toLowerCase()}:`
  for (const line of lines) if (line.toLowerCase().startsWith(prefix)) return line.slice(prefix.length).trim()
  return null
}
