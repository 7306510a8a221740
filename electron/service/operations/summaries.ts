import { messageKey } from '../../../shared/ids'
import type { FetchMessageObject, MessageAddressObject, MessageStructureObject } from 'imapflow'
import type { Address, Attachment, MessageSummary } from '../../../shared/domain'
import { safeFilename, viewableType } from '../../../shared/rules/attachments'

/** What every header sync fetches: enough for the list, nothing of the body. */
export const SUMMARY_QUERY = { uid: true, flags: true, envelope: true, size: true, internalDate: true, bodyStructure: true } as const

/** \Recent belongs to one session (RFC 3501), never to the shared cache. */
export const cacheableFlags = (flags: Iterable<string> | undefined): string[] => [...(flags ?? [])].filter((f) => f.toLowerCase() !== '\\recent')

const addresses = (list: MessageAddressObject[] | undefined): Address[] =>
  (list ?? []).slice(0, 50).map((a) => ({ name: (a.name ?? '').slice(0, 200), address: (a.address ?? '').slice(0, 320) }))

/** "Re: Fwd: AW: Order 1" → "order 1": conversations group by what people keep of the subject. */
export function normaliseSubject(subject: string): string {
  return subject.replace(/^\s*((re|fwd?|aw|wg|sv|vs|tr|ref)\s*(\[\d+\])?\s*:\s*)+/i, '').trim().toLowerCase()
}

/**
 * A conversation is the same subject between the same people: "Change delivery address" from
 * two customers is two conversations. The mailbox's own address is left out of the people.
 */
export function threadKey(subject: string, people: Address[], mailboxId: string): string {
  const self = mailboxId.slice(mailboxId.indexOf(':') + 1).toLowerCase()
  const others = [...new Set(people.map((p) => p.address.toLowerCase()).filter((a) => a && a !== self))].sort()
  return `${normaliseSubject(subject)}|${others.join(',')}`
}

export function toSummary(m: FetchMessageObject, folderId: string, mailboxId: string): MessageSummary {
  const env = m.envelope
  const subject = (env?.subject ?? '').slice(0, 1000)
  const date = (m.internalDate instanceof Date ? m.internalDate : env?.date instanceof Date ? env.date : new Date(0)).getTime()
  return {
    id: messageKey(folderId, m.uid),
    folderId,
    mailboxId,
    uid: m.uid,
    messageId: env?.messageId ?? null,
    inReplyTo: env?.inReplyTo ?? null,
    subject,
    from: addresses(env?.from),
    to: addresses(env?.to),
    cc: addresses(env?.cc),
    date: Number.isFinite(date) ? date : 0,
    size: m.size ?? 0,
    flags: cacheableFlags(m.flags),
    hasAttachments: m.bodyStructure ? attachmentsOf(m.bodyStructure).some((a) => !a.inline) : false,
    threadKey: threadKey(subject, [...addresses(env?.from), ...addresses(env?.to), ...addresses(env?.cc)], mailboxId),
  }
}

/** The parts of a message that are files: a filename or an attachment disposition. */
export function attachmentsOf(node: MessageStructureObject): Attachment[] {
  const out: Attachment[] = []
  const walk = (n: MessageStructureObject) => {
    if (n.childNodes?.length) { n.childNodes.forEach(walk); return }
    const filename = n.dispositionParameters?.filename ?? n.parameters?.name
    const isText = /^text\/(plain|html)$/i.test(n.type)
    if (n.disposition === 'attachment' || (filename && !isText) || (filename && n.disposition !== 'inline')) {
      const contentType = n.type.toLowerCase()
      const viewAs = viewableType(contentType, filename)
      out.push({
        partId: n.part ?? '1',
        // The sender's name, cleaned as it will be saved (no bidi tricks, no path parts).
        filename: safeFilename(filename, viewAs ?? undefined),
        contentType,
        viewable: viewAs !== null,
        size: n.size ?? 0,
        inline: n.disposition === 'inline' && !!n.id,
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
