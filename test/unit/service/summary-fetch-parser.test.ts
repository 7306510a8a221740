import { describe, expect, it } from 'vitest'
// imapflow's own framing, tokenizer and FETCH mapping: the reference the purpose-built reader must equal.
import { ImapStream } from 'imapflow/lib/handler/imap-stream.js'
import { parser } from 'imapflow/lib/handler/imap-handler.js'
import { formatMessageResponse } from 'imapflow/lib/tools.js'
import type { FetchMessageObject, MailboxObject } from 'imapflow'
import { parseSummaryFetch } from '../../../electron/service/imap/summary-fetch-parser'
import { toWireSummary } from '../../../electron/service/operations/summaries'

interface Frame { payload: Buffer; literals: Buffer[] }

/** Raw server bytes framed by imapflow's own stream, exactly as its connection hands them on. */
async function frames(raw: Buffer): Promise<Frame[]> {
  const stream = new ImapStream({ logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, trace: () => undefined } })
  const out: Frame[] = []
  const done = new Promise<void>((resolve, reject) => {
    stream.on('readable', () => {
      let item: (Frame & { next: () => void }) | null
      while ((item = stream.read()) !== null) { out.push({ payload: item.payload, literals: item.literals }); item.next() }
    })
    stream.on('end', resolve)
    stream.on('error', reject)
  })
  stream.end(raw)
  await done
  return out
}

const MAILBOX = () => ({ path: 'INBOX', delimiter: '/', flags: new Set<string>(), exists: 0, uidValidity: 1n, uidNext: 1, highestModseq: 1n }) as MailboxObject

/** imapflow's reading of one frame, mapped for the wire; null when imapflow cannot parse it. */
async function reference(f: Frame): Promise<{ wire: unknown; flags: string[] } | null> {
  let parsed
  try { parsed = await parser(f.payload, { literals: f.literals }) } catch { return null }
  const m = await formatMessageResponse(parsed, MAILBOX()) as FetchMessageObject
  return { wire: toWireSummary(m), flags: [...(m.flags ?? [])] }
}

/** The purpose-built reader's answer and imapflow's, for one raw response. */
async function both(raw: string | Buffer): Promise<{ fast: { wire: unknown; flags: string[] } | null; ref: { wire: unknown; flags: string[] } | null }> {
  const [f] = await frames(Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1'))
  const p = parseSummaryFetch(f!.payload, f!.literals)
  return { fast: p ? { wire: toWireSummary(p.message), flags: [...(p.message.flags ?? [])] } : null, ref: await reference(f!) }
}

const HDR = 'BODY[HEADER.FIELDS (REFERENCES THREAD-INDEX X-TANDEM-DRAFT-BY)]'
const lit = (s: string) => `{${Buffer.byteLength(s, 'latin1')}}\r\n${s}`
const env = (o: Partial<Record<'date' | 'subject' | 'from' | 'sender' | 'replyTo' | 'to' | 'cc' | 'bcc' | 'inReplyTo' | 'messageId', string>> = {}) =>
  `(${o.date ?? '"Tue, 01 Dec 2026 10:00:00 +0000"'} ${o.subject ?? '"Invoice question"'} ${o.from ?? '(("Maya Jansen" NIL "maya" "customer.example"))'} ${o.sender ?? '(("Maya Jansen" NIL "maya" "customer.example"))'} ${o.replyTo ?? '(("Maya Jansen" NIL "maya" "customer.example"))'} ${o.to ?? '((NIL NIL "support" "org.example"))'} ${o.cc ?? 'NIL'} ${o.bcc ?? 'NIL'} ${o.inReplyTo ?? 'NIL'} ${o.messageId ?? '"<a1@customer.example>"'})`
const PLAIN = '("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 120 4 NIL NIL NIL NIL)'
const ATTACHED = '(("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL NIL NIL NIL)("application" "pdf" ("name" "invoice.pdf") NIL NIL "base64" 4096 NIL ("attachment" ("filename" "invoice.pdf")) NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL)'
/** A Dovecot-shaped response; `parts` replace items by name. */
function response(parts: Partial<Record<'seq' | 'uid' | 'flags' | 'bs' | 'env' | 'date' | 'size' | 'hdr' | 'extra', string>> = {}): string {
  return `* ${parts.seq ?? '7'} FETCH (UID ${parts.uid ?? '42'} FLAGS ${parts.flags ?? '(\\Seen $Forwarded)'} BODYSTRUCTURE ${parts.bs ?? PLAIN} ENVELOPE ${parts.env ?? env()} INTERNALDATE ${parts.date ?? '"01-Dec-2026 10:00:05 +0000"'} RFC822.SIZE ${parts.size ?? '2048'}${parts.extra ?? ''} ${HDR} ${parts.hdr ?? lit('References: <r0@x.example> <r1@x.example>\r\nThread-Index: AQHZ\r\n\r\n')})\r\n`
}

/** Shapes the reader takes: it must give exactly imapflow's result. */
const TAKEN: [string, string][] = [
  ['a plain message', response()],
  ['an attachment in a multipart', response({ bs: ATTACHED })],
  ['no flags, an empty header section', response({ flags: '()', hdr: lit('\r\n') })],
  ['MODSEQ, as a server with CONDSTORE enabled adds it', response({ extra: ' MODSEQ (12345)' })],
  ['a group in the recipients (NIL host) and a NIL entry', response({ env: env({ to: '((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL))' }) })],
  ['missing envelope fields', response({ env: '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)' })],
  ['an empty subject and empty names', response({ env: env({ subject: '""', from: '(("" NIL "a" "b.example"))' }) })],
  ['a Sender other than From', response({ env: env({ sender: '(("Desk" NIL "desk" "org.example"))' }) })],
  ['an invalid internal date, the envelope\'s date instead', response({ date: '"not a date"' })],
  ['both dates invalid', response({ date: '"x"', env: env({ date: '"y"' }) })],
  ['an inline image with a Content-ID (not a file to list)', response({ bs: '(("text" "html" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL NIL NIL NIL)("image" "png" ("name" "logo.png") "<logo@x>" NIL "base64" 400 NIL ("inline" ("filename" "logo.png")) NIL NIL) "related" ("boundary" "b") NIL NIL NIL)' })],
  ['a text part without its line count (as some servers send)', response({ bs: '("text" "plain" ("name" "notes.txt") NIL NIL "7bit" 12 NIL ("attachment" ("filename" "notes.txt")) NIL NIL)' })],
  ['a forwarded message (message/rfc822) holding a file', response({ bs: `(("text" "plain" NIL NIL NIL "7bit" 3 1 NIL NIL NIL NIL)("message" "rfc822" NIL NIL NIL "7bit" 900 ${env()} (("text" "plain" NIL NIL NIL "7bit" 3 1 NIL NIL NIL NIL)("application" "zip" ("name" "a.zip") NIL NIL "base64" 30 NIL NIL NIL NIL) "mixed" ("boundary" "c") NIL NIL NIL) 20 NIL NIL NIL NIL) "mixed" ("boundary" "d") NIL NIL NIL)` })],
  ['a filename parameter that is NIL', response({ bs: '("application" "octet-stream" NIL NIL NIL "base64" 30 NIL ("attachment" ("filename" NIL)) NIL NIL)' })],
  ['a name parameter on a text part, no disposition', response({ bs: '("text" "plain" ("name" "readme.txt") NIL NIL "7bit" 3 1 NIL NIL NIL NIL)' })],
  ['the header section as a quoted string', response({ hdr: '"References: <q@x.example>"' })],
  ['the header section NIL', response({ hdr: 'NIL' })],
  ['a draft author header', response({ hdr: lit('X-Tandem-Draft-By: "Bob" <bob@org.example>\r\n\r\n') })],
  ['a References header of thousands of ids', response({ hdr: lit(`References: ${Array.from({ length: 5000 }, (_, i) => `<r${i}@x.example>`).join(' ')}\r\n\r\n`) })],
  ['a header section with 8-bit and NUL bytes (a literal: read as bytes)', response({ hdr: lit('References: <caf\xe9\x00@x.example>\r\n\r\n') })],
  ['\\Recent and keywords', response({ flags: '(\\Recent \\Flagged $Label1 NonJunk)' })],
  ['the same flag twice', response({ flags: '(\\Seen \\Seen)' })],
  ['a huge size', response({ size: '123456789012345' })],
  ['deep multiparts (30 levels)', response({ bs: `${'('.repeat(30)}${PLAIN.slice(1, -1)}${' "mixed")'.repeat(30)}` })],
  ['a message id with spaces around, and In-Reply-To', response({ env: env({ messageId: '" <m@x.example> "', inReplyTo: '"<p@x.example> <q@x.example>"' }) })],
  ['an unsafe-looking but harmless parameter key', response({ bs: '("application" "pdf" ("hasownproperty" "x" "name" "a.pdf") NIL NIL "base64" 30 NIL NIL NIL NIL)' })],
  ['an encoded word in the subject', response({ env: env({ subject: '"=?utf-8?q?Caf=C3=A9?="' }) })],
  ['an encoded word in a name', response({ env: env({ from: '(("=?utf-8?b?w6k=?=" NIL "a" "x.example"))' }) })],
  ['encoded words side by side, Q and B, in a subject', response({ env: env({ subject: '"Re: =?utf-8?q?R=C3=A9sum=C3=A9?= =?utf-8?q?_du_dossier?= and =?utf-8?b?w6k=?= =?iso-8859-1?b?6Q==?="' }) })],
  ['an encoded word in an unknown charset, and one broken', response({ env: env({ subject: '"=?x-klingon?q?Qapla?= =?utf-8?q?half"', from: '(("=?utf-8?x?odd?=" NIL "a" "x.example"))' }) })],
  ['an encoded name that decodes to quotes', response({ env: env({ from: '(("=?utf-8?q?=22Bob_Baker=22?=" NIL "bob" "x.example"))' }) })],
  ['an encoded group name (NIL host)', response({ env: env({ to: '((NIL NIL "=?utf-8?q?=C3=89quipe?=" NIL)(NIL NIL NIL NIL))' }) })],
  ['a name in the quotes some servers leave', response({ env: env({ from: '(("\'Maya\'" NIL "maya" "x.example"))' }) })],
  ['a subject as a literal (8-bit, not UTF-8)', response({ env: env({ subject: lit('Caf\xe9') }) })],
  ['a subject as a literal in UTF-8', response({ env: env({ subject: lit('Caf\xc3\xa9 \xe2\x82\xac') }) })],
  ['an empty literal subject', response({ env: env({ subject: lit('') }) })],
  ['a name as a literal in UTF-8, as Dovecot sends 8-bit names', response({ env: env({ from: `((${lit('Tom\xc3\xa1s Herrera')} NIL "c1" "customers.example"))` }) })],
  ['a literal name with encoded words, quotes and a NUL byte', response({ env: env({ from: `((${lit('"=?utf-8?q?Caf=C3=A9?= \x00x"')} NIL "a" "x.example"))` }) })],
  ['a literal group name (NIL host)', response({ env: env({ to: `((NIL NIL ${lit('\xc3\x89quipe')} NIL)(NIL NIL NIL NIL))` }) })],
  ['literal mailbox, host, date, In-Reply-To and Message-ID', response({ env: env({ from: `(("A" NIL ${lit('caf\xc3\xa9')} ${lit('x.example')}))`, date: lit('Tue, 01 Dec 2026 10:00:00 +0000'), inReplyTo: lit(' <r@x> '), messageId: lit('') }) })],
  ['fifty-five recipients (the wire keeps 50)', response({ env: env({ to: `(${Array.from({ length: 55 }, (_, i) => `("P${i}" NIL "p${i}" "x.example")`).join('')})` }) })],
]

/** Shapes the reader leaves to imapflow: it must answer null, never a guess. */
const REFUSED: [string, string | Buffer][] = [
  ['an escaped quote in a name', response({ env: env({ from: '(("Maya \\"M\\" Jansen" NIL "maya" "x.example"))' }) })],
  ['8-bit in a quoted string', Buffer.concat([Buffer.from(response({ env: env({ subject: '"Caf\xc3\xa9"' }) }), 'latin1')])],
  ['an RFC 2231 filename', response({ bs: '("application" "pdf" NIL NIL NIL "base64" 30 NIL ("attachment" ("filename*" "utf-8\'\'caf%C3%A9.pdf")) NIL NIL)' })],
  ['a filename that looks RFC 2231-encoded', response({ bs: '("application" "pdf" NIL NIL NIL "base64" 30 NIL ("attachment" ("filename" "utf-8\'\'x.pdf")) NIL NIL)' })],
  ['a __proto__ parameter', response({ bs: '("application" "pdf" ("__proto__" "x") NIL NIL "base64" 30 NIL NIL NIL NIL)' })],
  ['an item not asked for', response({ extra: ' X-GM-LABELS (a)' })],
  ['a missing item', '* 7 FETCH (UID 42 FLAGS (\\Seen))\r\n'],
  ['an unsolicited flag change', '* 7 FETCH (FLAGS (\\Seen) UID 42 MODSEQ (9))\r\n'],
  ['ENVELOPE NIL', response({ env: 'NIL' })],
  ['BODYSTRUCTURE NIL', response({ bs: 'NIL' })],
  ['an envelope of another length', response({ env: '(NIL NIL NIL NIL NIL NIL NIL NIL NIL)' })],
  ['a partial header section', response().replace(`${HDR} `, `${HDR}<0> `)],
  ['UID 0', response({ uid: '0' })],
  ['a lower-case nil', response({ hdr: 'nil' })],
  ['nesting deeper than the reader goes', response({ bs: `${'('.repeat(60)}${PLAIN.slice(1, -1)}${' "mixed")'.repeat(60)}` })],
  ['a flag imapflow reads its own way', response({ flags: '(\\Seen [x])' })],
  ['a double space', response().replace('UID 42 ', 'UID 42  ')],
  ['a tagged line', 'A1 OK Fetch completed.\r\n'],
  ['another untagged response', '* 3 EXISTS\r\n'],
]

describe('the summary FETCH reader', () => {
  it.each(TAKEN)('reads %s exactly as imapflow does', async (_name, raw) => {
    const { fast, ref } = await both(raw)
    expect(ref).not.toBeNull()
    expect(fast).not.toBeNull()
    expect(fast).toEqual(ref)
  })

  it.each(REFUSED)('leaves %s to imapflow', async (_name, raw) => {
    const { fast } = await both(raw)
    expect(fast).toBeNull()
  })

  it('reads the attachment mark, sizes and addresses of a plain message as the list needs them', async () => {
    const { fast } = await both(response({ bs: ATTACHED }))
    const w = fast!.wire as unknown[]
    expect(w[0]).toBe(42)
    expect(w[3]).toBe('Invoice question')
    expect(w[4]).toEqual(['Maya Jansen', 'maya@customer.example'])
    expect(w[10]).toBe(1)
    expect(w[12]).toBe('<r0@x.example>')
  })

  it('reports the sequence number and the MODSEQ imapflow notes in the mailbox', async () => {
    const [f] = await frames(Buffer.from(response({ seq: '9', extra: ' MODSEQ (77)' }), 'latin1'))
    const p = parseSummaryFetch(f!.payload, f!.literals)!
    expect(p.seq).toBe(9)
    expect(p.modseq).toBe(77n)
  })

  it('never disagrees with imapflow over thousands of mangled responses: equal, or left to imapflow', async () => {
    // Deterministic mutations of the shapes above with the bytes that matter to IMAP's grammar.
    let seed = 12345
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
    const alphabet = ['(', ')', ' ', '"', '\\', 'NIL', '{3}\r\nabc', '=?', '*', "'", '0', '9', 'a', 'Z', '\xe9', '\x00', '[', ']', '<', '>', '\r\n']
    const bases = TAKEN.map(([, raw]) => raw).filter((raw) => raw.length < 4000)
    let taken = 0
    for (let i = 0; i < 3000; i++) {
      let raw = bases[Math.floor(rnd() * bases.length)]!.replace(/\r\n$/, '')
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) {
        const at = Math.floor(rnd() * raw.length)
        const op = rnd()
        const piece = alphabet[Math.floor(rnd() * alphabet.length)]!
        raw = op < 0.4 ? raw.slice(0, at) + raw.slice(at + 1 + Math.floor(rnd() * 3)) : op < 0.8 ? raw.slice(0, at) + piece + raw.slice(at) : raw.slice(0, at) + piece + raw.slice(at + piece.length)
      }
      const framed = await frames(Buffer.from(raw + '\r\n', 'latin1')).catch(() => [])
      if (framed.length !== 1) continue
      const f = framed[0]!
      const p = parseSummaryFetch(f.payload, f.literals)
      if (!p) continue
      taken++
      const ref = await reference(f)
      expect(ref, raw).not.toBeNull()
      expect({ wire: toWireSummary(p.message), flags: [...(p.message.flags ?? [])] }, raw).toEqual(ref)
    }
    // The mutations must have left the reader something to take, or this test proves nothing.
    expect(taken).toBeGreaterThan(300)
  }, 300_000) // 3 000 responses through imapflow's stream: seconds on a quiet machine, never a time limit.
})
