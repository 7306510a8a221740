import type { FetchMessageObject, MessageAddressObject, MessageEnvelopeObject, MessageStructureObject } from 'imapflow'
import libmime from 'libmime'

/**
 * A purpose-built reader for the one response a header sync receives in bulk: an untagged
 * `* n FETCH (UID … FLAGS … ENVELOPE … RFC822.SIZE … INTERNALDATE … BODYSTRUCTURE …
 * BODY[HEADER.FIELDS (…)] …)` line, as the raw bytes imapflow's stream framed (the line with its
 * `{n}` literal markers, and the literals). It builds the same fields of a FetchMessageObject
 * that imapflow's generic tokenizer and formatMessageResponse would, for the fields the summary
 * mapping reads (summaries.ts), at a fraction of the cost.
 *
 * It only reads what it can read with certainty: the common, plain shape. Anything else — a
 * backslash escape, 8-bit or control bytes in a quoted string, a literal outside the envelope's
 * strings and the header section, RFC 2231
 * parameters, an item it does not expect, odd nesting, an envelope of another length — and it
 * answers null, so the caller hands the response to imapflow's own path. Encoded words (=?…?=,
 * how most mail carries a name or subject beyond ASCII) in the envelope's subject and names are
 * decoded by the very function imapflow uses (libmime's decodeWords, the version imapflow pins).
 * It never guesses. Its cost is linear in the response, its depth and token count are bounded
 * (below imapflow's own limits, so it never accepts what imapflow would refuse).
 */

/** A parsed value: an atom or quoted string, NIL, a parenthesised list, or a literal. */
type Node = string | null | Node[] | Buffer

/** Below imapflow's MAX_NODE_DEPTH (100) and its token limit (1 000 000): beyond, imapflow's path decides. */
const MAX_DEPTH = 40
const MAX_TOKENS = 50_000

const SP = 0x20
const QUOTE = 0x22
const LPAREN = 0x28
const RPAREN = 0x29
const LBRACE = 0x7b
const BACKSLASH = 0x5c

/** Atom characters this reader accepts: letters, digits and $ _ . - (a flag may start with a backslash). */
const ATOM = new Uint8Array(128)
for (let c = 0; c < 128; c++) ATOM[c] = /[A-Za-z0-9$_.-]/.test(String.fromCharCode(c)) ? 1 : 0

class Unsure extends Error {}
/**
 * One instance, thrown again each time: a new Error captures a stack trace, and on mail that
 * goes imapflow's way (8-bit names, say) that capture was a tenth of the service's CPU in a sync.
 */
const UNSURE = new Unsure('not a shape this reader is certain of')
const unsure = (): never => { throw UNSURE }

class Reader {
  pos = 0
  tokens = 0
  literal = 0
  constructor(readonly buf: Buffer, readonly literals: Buffer[]) {}

  expect(text: string): void {
    for (let i = 0; i < text.length; i++) if (this.buf[this.pos + i] !== text.charCodeAt(i)) unsure()
    this.pos += text.length
  }

  atom(): string {
    const start = this.pos
    const buf = this.buf
    if (buf[this.pos] === BACKSLASH) this.pos++
    while (this.pos < buf.length) {
      const c = buf[this.pos]!
      if (c >= 128 || !ATOM[c]) break
      this.pos++
    }
    if (this.pos === start || (buf[start] === BACKSLASH && this.pos === start + 1)) unsure()
    return buf.toString('latin1', start, this.pos)
  }

  value(depth: number): Node {
    if (++this.tokens > MAX_TOKENS || depth > MAX_DEPTH) unsure()
    const buf = this.buf
    const c = buf[this.pos]
    if (c === LPAREN) {
      this.pos++
      const list: Node[] = []
      if (buf[this.pos] === RPAREN) { this.pos++; return list }
      for (;;) {
        const item = this.value(depth + 1)
        list.push(item)
        const d = buf[this.pos]
        if (d === RPAREN) { this.pos++; return list }
        // Lists follow each other without a space (a multipart's parts, an address list).
        if (d === LPAREN && Array.isArray(item)) continue
        if (d !== SP) unsure()
        this.pos++
      }
    }
    if (c === QUOTE) {
      const start = ++this.pos
      for (;;) {
        const d = buf[this.pos]
        if (d === undefined || d < 0x20 || d > 0x7e || d === BACKSLASH) unsure()
        if (d === QUOTE) break
        this.pos++
      }
      return buf.toString('latin1', start, this.pos++)
    }
    if (c === LBRACE) {
      const start = ++this.pos
      while (buf[this.pos]! >= 0x30 && buf[this.pos]! <= 0x39 && this.pos - start < 10) this.pos++
      if (this.pos === start || buf[this.pos] !== 0x7d || buf[this.pos + 1] !== 0x0d || buf[this.pos + 2] !== 0x0a) unsure()
      const size = Number(buf.toString('latin1', start, this.pos))
      this.pos += 3
      const lit = this.literals[this.literal++]
      if (!lit || lit.length !== size) unsure()
      return lit!
    }
    const a = this.atom()
    if (a === 'NIL') return null
    if (a.toUpperCase() === 'NIL') unsure()
    return a
  }
}

/** What the reader makes of one response: the fields the summary mapping reads, and what imapflow would note of the mailbox. */
export interface ParsedSummaryFetch {
  message: Pick<FetchMessageObject, 'uid' | 'flags' | 'envelope' | 'size' | 'internalDate' | 'bodyStructure' | 'headers'>
  /** Its message sequence number. */
  seq: number
  /** The MODSEQ the response carried, when it carried one (imapflow raises the mailbox's highestModseq to it). */
  modseq?: bigint
}

const isDigits = (s: Node, max: number): s is string => typeof s === 'string' && s.length > 0 && s.length <= max && /^[0-9]+$/.test(s)
/**
 * libmime's decodeWords, as imapflow applies it to the envelope's subject; skipped without `=?`,
 * where it leaves a string as it is (each of its patterns needs one; its join marker holds NUL
 * bytes, which no quoted string here has).
 */
const decodeWords = (s: string): string => (s.includes('=?') ? libmime.decodeWords(s) : s)

/** The response's `* <seq> FETCH (` prefix, then its items as key → value. */
function items(r: Reader): { seq: number; out: Map<string, Node> } {
  r.expect('* ')
  const seq = r.atom()
  if (!isDigits(seq, 10) || !(Number(seq) > 0)) unsure()
  r.expect(' FETCH (')
  const out = new Map<string, Node>()
  for (;;) {
    let key: string
    if (r.buf[r.pos] === 0x42 && r.buf.toString('latin1', r.pos, r.pos + 19).toUpperCase() === 'BODY[HEADER.FIELDS ') {
      // The header section: BODY[HEADER.FIELDS (NAME …)], no partial <origin>.
      const end = r.buf.indexOf(0x5d, r.pos)
      if (end < 0 || end - r.pos > 1000) unsure()
      if (!/^BODY\[HEADER\.FIELDS \([A-Za-z0-9-]+( [A-Za-z0-9-]+)*\)$/i.test(r.buf.toString('latin1', r.pos, end))) unsure()
      r.pos = end + 1
      key = 'HEADER'
    } else {
      key = r.atom().toUpperCase()
    }
    if (out.has(key)) unsure()
    r.expect(' ')
    out.set(key, r.value(0))
    const d = r.buf[r.pos]
    if (d === RPAREN) { r.pos++; break }
    if (d !== SP) unsure()
    r.pos++
  }
  if (r.pos !== r.buf.length || r.literal !== r.literals.length) unsure()
  return { seq: Number(seq), out }
}

const EXPECTED = ['UID', 'FLAGS', 'ENVELOPE', 'RFC822.SIZE', 'INTERNALDATE', 'BODYSTRUCTURE', 'HEADER']
const OPTIONAL = new Set(['MODSEQ', 'EMAILID'])

/**
 * An envelope field as imapflow's parseEnvelope reads it (getStrValue): a quoted string as it is,
 * a literal — how Dovecot sends a name or subject in 8-bit UTF-8 — decoded as UTF-8 with
 * Buffer's toString, as imapflow does; null for NIL.
 */
function field(x: Node | undefined): string | null {
  if (x === null || x === undefined) return null
  if (typeof x === 'string') return x
  if (Buffer.isBuffer(x)) return x.toString()
  return unsure()
}

/** libmime's decodeWords on a literal's text: its shortcut (decodeWords above) is only certain of quoted strings. */
const decodeLiteralWords = (x: Node | undefined, s: string): string => (Buffer.isBuffer(x) ? libmime.decodeWords(s) : decodeWords(s))

/** imapflow's decodeText for a field: encoded words, then the surrounding quotes some servers leave. */
function nameOf(x: Node | undefined): string {
  const s = field(x)
  if (s === null) return ''
  const v = decodeLiteralWords(x, s)
  return v.length > 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v
}

/** An address list of the envelope, as imapflow's parseEnvelope makes it (undefined when NIL or empty). */
function addresses(list: Node): MessageAddressObject[] | undefined {
  if (list === null) return undefined
  if (!Array.isArray(list)) unsure()
  const out: MessageAddressObject[] = []
  for (const addr of list as Node[]) {
    if (addr === null) continue
    if (!Array.isArray(addr) || addr.length !== 4) unsure()
    const [n, adl, m, h] = addr as Node[]
    if (adl !== null && typeof adl !== 'string' && !Buffer.isBuffer(adl)) unsure()
    const name = nameOf(n)
    const mailbox = field(m) || ''
    const host = field(h) || ''
    // A NIL host: a group's name in the mailbox field, decoded as a name (RFC 9051 7.5.2).
    const a = host ? { name, address: `${mailbox}@${host}` } : { name: name || (mailbox && nameOf(m)), address: '' }
    if (a.name || a.address) out.push(a)
  }
  return (list as Node[]).length ? out : undefined
}

function envelopeOf(e: Node): MessageEnvelopeObject {
  if (!Array.isArray(e) || e.length !== 10) unsure()
  const f = e as Node[]
  const env: Partial<MessageEnvelopeObject> & Record<string, unknown> = {}
  // imapflow takes a field when its token's value is truthy: a non-empty string, or any literal (a Buffer, even empty).
  const given = (x: Node | undefined) => (typeof x === 'string' ? x.length > 0 : Buffer.isBuffer(x))
  const date = field(f[0])
  if (given(f[0])) { const d = new Date(date!); env.date = (d.toString() === 'Invalid Date' ? date : d) as Date }
  const subject = field(f[1])
  if (given(f[1])) env.subject = decodeLiteralWords(f[1], subject!)
  const lists = ['from', 'sender', 'replyTo', 'to', 'cc', 'bcc'] as const
  lists.forEach((k, i) => { const a = addresses(f[2 + i]!); if (a) env[k] = a })
  const inReplyTo = field(f[8])
  if (given(f[8])) env.inReplyTo = inReplyTo!.trim()
  const messageId = field(f[9])
  if (given(f[9])) env.messageId = messageId!.trim()
  return env as MessageEnvelopeObject
}

/** Whether a nested message's envelope has a shape imapflow's parseEnvelope reads without surprise (its content is not needed). */
function envelopeShape(e: Node): void {
  if (e === null) return
  if (!Array.isArray(e)) unsure()
  for (const f of e as Node[]) {
    if (f === null || typeof f === 'string') continue
    if (!Array.isArray(f)) unsure()
    for (const a of f as Node[]) if (a !== null && (!Array.isArray(a) || (a as Node[]).some((x) => x !== null && typeof x !== 'string'))) unsure()
  }
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** Body parameters as imapflow's getStructuredParams makes them, for plain ones only (no RFC 2231, no encoded words). */
function params(list: Node): Record<string, string> {
  if (!Array.isArray(list)) unsure()
  const out: Record<string, string> = {}
  const l = list as Node[]
  for (let j = 0; j + 1 < l.length; j += 2) {
    const k = l[j]!
    const v = l[j + 1]!
    if ((k !== null && typeof k !== 'string') || (v !== null && typeof v !== 'string')) unsure()
    const key = ((k as string | null) ?? '').toLowerCase()
    const value = (v as string | null) ?? ''
    if (key.includes('*') || UNSAFE_KEYS.has(key) || value.includes('=?')) unsure()
    if (key === 'filename' && value.includes("'")) unsure()
    out[key] = value
  }
  if (l.length % 2) {
    // imapflow reads the odd key and sets nothing for it; only a plain one is certain.
    const k = l[l.length - 1]!
    if (k !== null && typeof k !== 'string') unsure()
  }
  return out
}

const text = (x: Node | undefined): string => (typeof x === 'string' ? x : x === null || x === undefined || Array.isArray(x) ? '' : unsure())
const present = (x: Node | undefined): boolean => x !== null && x !== undefined

/** The body structure as imapflow's parseBodystructure walks it, keeping the fields the attachment mark reads. */
function structure(node: Node, depth: number): MessageStructureObject {
  if (!Array.isArray(node) || depth > MAX_DEPTH) unsure()
  const n = node as Node[]
  const cur: Partial<MessageStructureObject> & Record<string, unknown> = {}
  let i = 0
  if (Array.isArray(n[0])) {
    const children: MessageStructureObject[] = []
    while (Array.isArray(n[i])) children.push(structure(n[i++]!, depth + 1))
    cur.childNodes = children
    cur.type = 'multipart/' + text(n[i++]).toLowerCase()
    if (i < n.length) { if (present(n[i])) cur.parameters = params(n[i]!); i++ }
  } else {
    cur.type = text(n[i++]).toLowerCase() + '/' + text(n[i++]).toLowerCase()
    if (present(n[i])) cur.parameters = params(n[i]!)
    i++
    if (present(n[i])) cur.id = text(n[i])
    i++
    i += 3 // description, encoding, size
    if (cur.type === 'message/rfc822') {
      envelopeShape(n[i] ?? null)
      i++
      if (present(n[i])) cur.childNodes = [structure(n[i]!, depth + 1)]
      i++
      i++ // line count
    }
    if (/^text\//.test(cur.type)) {
      // imapflow's reading of servers that leave out a text part's line count.
      if (!(n.length === 11 && Array.isArray(n[i + 1]) && !Array.isArray(n[i + 2]))) i++
    }
    if (i < n.length) i++ // md5
  }
  if (i < n.length) {
    const disposition = n[i]
    if (Array.isArray(disposition) && disposition.length) {
      cur.disposition = text(disposition[0]).toLowerCase()
      if (Array.isArray(disposition[1])) cur.dispositionParameters = params(disposition[1])
    }
  }
  // Language and location are not read by the mark; their shape is imapflow's to tolerate.
  return cur as MessageStructureObject
}

/**
 * Reads one raw untagged response (imapflow's framing: the line with its literal markers, and
 * the literals) as a summary FETCH; null when it is not one, or not one this reader is certain of.
 */
export function parseSummaryFetch(payload: Buffer, literals: Buffer[]): ParsedSummaryFetch | null {
  try {
    const r = new Reader(payload, literals)
    const { seq, out: it } = items(r)
    for (const k of EXPECTED) if (!it.has(k)) return null
    for (const k of it.keys()) if (!EXPECTED.includes(k) && !OPTIONAL.has(k)) return null
    const uidText = it.get('UID')!
    if (!isDigits(uidText, 10)) return null
    const uid = Number(uidText)
    if (!(uid > 0)) return null
    const flagList = it.get('FLAGS')!
    if (!Array.isArray(flagList)) return null
    const flags = new Set<string>()
    for (const f of flagList) { if (typeof f !== 'string') return null; flags.add(f) }
    const sizeText = it.get('RFC822.SIZE')!
    if (!isDigits(sizeText, 15)) return null
    const dateText = it.get('INTERNALDATE')!
    if (typeof dateText !== 'string') return null
    const d = new Date(dateText)
    const internalDate = d.toString() === 'Invalid Date' ? dateText : d
    const envelope = envelopeOf(it.get('ENVELOPE')!)
    const bodyStructure = structure(it.get('BODYSTRUCTURE')!, 0)
    const h = it.get('HEADER')!
    if (Array.isArray(h)) return null
    const headers = h === null ? undefined : typeof h === 'string' ? Buffer.from(h) : h
    let modseq: bigint | undefined
    if (it.has('MODSEQ')) {
      const m = it.get('MODSEQ')!
      if (!Array.isArray(m) || m.length !== 1 || !isDigits(m[0]!, 19)) return null
      modseq = BigInt(m[0] as string)
    }
    if (it.has('EMAILID')) {
      const e = it.get('EMAILID')!
      if (!Array.isArray(e) || e.length !== 1 || typeof e[0] !== 'string') return null
    }
    return {
      seq,
      message: { uid, flags, envelope, size: Number(sizeText) || 0, internalDate: internalDate as Date, bodyStructure, headers: headers as Buffer },
      ...(modseq !== undefined ? { modseq } : {}),
    }
  } catch (e) {
    if (e instanceof Unsure) return null
    throw e
  }
}
