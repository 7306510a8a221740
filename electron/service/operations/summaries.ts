import type { FetchMessageObject, MessageAddressObject, MessageStructureObject } from 'imapflow'
import type { Attachment } from '../../../shared/domain'
import type { WireSummary } from '../../../shared/api/summary-wire'
import { safeFilename, viewableType } from '../../../shared/rules/attachments'
import { firstMessageId, headerField, referencesRoot, threadIndexRoot } from '../../../shared/conversation'
import { parseDraftAuthor } from '../../../shared/rules/draft-author'

/**
 * The header fields threading needs besides the envelope (which has Message-ID, In-Reply-To and
 * Sender): References and Outlook's Thread-Index, as BODY.PEEK[HEADER.FIELDS (…)].
 */
export const THREADING_HEADERS = ['references', 'thread-index', 'x-tandem-draft-by']

/** What every header sync fetches: enough for the list and its conversations, nothing of the body. */
export const SUMMARY_QUERY = { uid: true, flags: true, envelope: true, size: true, internalDate: true, bodyStructure: true, headers: THREADING_HEADERS } as const

/** \Recent belongs to one session (RFC 3501), never to the shared cache. */
export const cacheableFlags = (flags: Iterable<string> | undefined): string[] => [...(flags ?? [])].filter((f) => f.toLowerCase() !== '\\recent')

/** An address list as the wire carries it, bounded: at most 50, names and addresses cut to size. */
const flatAddresses = (list: MessageAddressObject[] | undefined): string[] => {
  const n = Math.min(50, list?.length ?? 0)
  const out = new Array<string>(2 * n)
  for (let i = 0; i < n; i++) { out[2 * i] = (list![i]!.name ?? '').slice(0, 200); out[2 * i + 1] = (list![i]!.address ?? '').slice(0, 320) }
  return out
}

/** The Sender where it names someone other than the first From (R3); the envelope repeats From when there is none. */
function senderOf(env: FetchMessageObject['envelope']): string[] {
  const s = env?.sender?.[0]
  const from = env?.from?.[0]
  if (!s?.address || (from?.address ?? '').toLowerCase() === s.address.toLowerCase()) return []
  return [(s.name ?? '').slice(0, 200), s.address.slice(0, 320)]
}

/** References' root and Thread-Index's, from the header block fetched with THREADING_HEADERS (bounded: the root only). */
export function threadingOf(headers: Buffer | undefined): { referencesRoot: string | null; threadIndex: string | null } {
  // A References header of thousands of ids is read no further than its first.
  const raw = headers ? headers.subarray(0, 64 * 1024).toString('latin1') : ''
  return { referencesRoot: referencesRoot(headerField(raw, 'references')), threadIndex: threadIndexRoot(headerField(raw, 'thread-index')) }
}

/** A draft's author as it says (shared/rules/draft-author.ts), flat for the wire; [] when none or malformed. */
function draftByOf(headers: Buffer | undefined): string[] {
  const a = parseDraftAuthor(headerField(headers ? headers.subarray(0, 64 * 1024).toString('latin1') : '', 'x-tandem-draft-by'))
  return a ? [a.name, a.address] : []
}

/** The fields of a fetched message the mapping reads (imapflow's object, or the summary reader's: imap/summary-fetch-parser.ts). */
export type SummaryFields = Pick<FetchMessageObject, 'uid' | 'flags' | 'envelope' | 'size' | 'internalDate' | 'bodyStructure' | 'headers'>

/**
 * A fetched message as a sync batch carries it (shared/api/summary-wire.ts): everything the
 * list needs, bounded, in one pass and one array; the renderer derives the cache key and the
 * conversation key.
 */
export function toWireSummary(m: SummaryFields): WireSummary {
  const env = m.envelope
  const threading = threadingOf(m.headers)
  const date = (m.internalDate instanceof Date ? m.internalDate : env?.date instanceof Date ? env.date : new Date(0)).getTime()
  return [
    m.uid,
    firstMessageId(env?.messageId) ?? env?.messageId?.slice(0, 998) ?? null,
    firstMessageId(env?.inReplyTo),
    (env?.subject ?? '').slice(0, 1000),
    flatAddresses(env?.from),
    flatAddresses(env?.to),
    flatAddresses(env?.cc),
    Number.isFinite(date) ? date : 0,
    m.size ?? 0,
    cacheableFlags(m.flags),
    m.bodyStructure && hasFiles(m.bodyStructure) ? 1 : 0,
    senderOf(env),
    threading.referencesRoot,
    threading.threadIndex,
    draftByOf(m.headers),
  ]
}

/** The filename a leaf part offers, when it is a file (see attachmentsOf). */
function fileNameOf(n: MessageStructureObject): string | undefined | false {
  const filename = n.dispositionParameters?.filename ?? n.parameters?.name
  const isText = /^text\/(plain|html)$/i.test(n.type)
  return (n.disposition === 'attachment' || (filename && !isText) || (filename && n.disposition !== 'inline')) ? filename : false
}

/** A file shown inside the text (inline, referenced by its Content-ID), not one to list. */
const isInline = (n: MessageStructureObject): boolean => n.disposition === 'inline' && !!n.id

/** Whether a message has a part attachmentsOf would list as not inline, without building the list. */
function hasFiles(n: MessageStructureObject): boolean {
  if (n.childNodes?.length) return n.childNodes.some(hasFiles)
  return fileNameOf(n) !== false && !isInline(n)
}

/** The parts of a message that are files: a filename or an attachment disposition. */
export function attachmentsOf(node: MessageStructureObject): Attachment[] {
  const out: Attachment[] = []
  const walk = (n: MessageStructureObject) => {
    if (n.childNodes?.length) { n.childNodes.forEach(walk); return }
    const filename = fileNameOf(n)
    if (filename !== false) {
      const contentType = n.type.toLowerCase()
      const viewAs = viewableType(contentType, filename)
      out.push({
        partId: n.part ?? '1',
        // The sender's name, cleaned as it will be saved (no bidi tricks, no path parts).
        filename: safeFilename(filename, viewAs ?? undefined),
        contentType,
        viewable: viewAs !== null,
        size: n.size ?? 0,
        inline: isInline(n),
      })
    }
  }
  walk(node)
  return out
}

/** The best text parts to show: the first text/html and text/plain that are not attachments. */
export function textPartsOf(node: MessageStructureObject): { html: MessageStructureObject | null; text: MessageStructureObject | null } {
  let html: MessageStructureObject | null = null
  let text: MessageStructureObject | null = null
  const walk = (n: MessageStructureObject) => {
    if (n.childNodes?.length) { n.childNodes.forEach(walk); return }
    if (n.disposition === 'attachment') return
    const t = n.type.toLowerCase()
    if (t === 'text/html' && !html) html = n
    if (t === 'text/plain' && !text) text = n
  }
  walk(node)
  return { html, text }
}
