import type { ImapFlow } from 'imapflow'
import PostalMime from 'postal-mime'
import { fail } from '../../../shared/api/errors'
import type { CallOutput } from '../../../shared/api/contract'
import { firstMessageId, headerField, messageIdsIn } from '../../../shared/conversation'
import { parseDraftAuthor } from '../../../shared/rules/draft-author'
import { emailAddressSchema } from '../../../shared/domain'
import { DRAFT_AUTHOR_HEADER } from './send'

/** The most of a draft read back into the composer (the server's SIZE limit bounds what can be sent anyway). */
const DRAFT_LIMIT = 30 * 1024 * 1024

type DraftRequest = Omit<CallOutput<'drafts.open'>['draft'], 'identityId'>

/** A saved draft, parsed: its fields as the composer takes them, who it is from, and who the draft says wrote it. */
export async function readDraft(client: ImapFlow, path: string, uid: number): Promise<{ request: DraftRequest; from: string; sender: string | null; messageId: string | null; by: { name: string; address: string } | null }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  let raw: Buffer
  try {
    const dl = await client.download(String(uid), undefined, { uid: true, maxBytes: DRAFT_LIMIT })
    if (!dl || !('content' in dl) || !dl.content) throw fail({ code: 'message.gone', key: 'errors.folder.gone' })
    const chunks: Buffer[] = []
    for await (const c of dl.content as AsyncIterable<Buffer>) chunks.push(c)
    raw = Buffer.concat(chunks)
  } finally {
    lock.release()
  }
  const m = await PostalMime.parse(raw)
  const list = (xs: { name?: string; address?: string }[] | undefined) => (xs ?? [])
    .map((a) => ({ name: (a.name ?? '').slice(0, 200), address: emailAddressSchema.safeParse(a.address ?? '') }))
    .filter((a) => a.address.success).map((a) => ({ name: a.name, address: a.address.data! })).slice(0, 500)
  const by = parseDraftAuthor(headerField(raw.subarray(0, 256 * 1024).toString('latin1').split(/\r?\n\r?\n/, 1)[0]!, DRAFT_AUTHOR_HEADER))
  return {
    request: {
      to: list(m.to), cc: list(m.cc), bcc: list(m.bcc), subject: (m.subject ?? '').slice(0, 998),
      text: (m.text ?? '').slice(0, 5 * 1024 * 1024), html: m.html ? m.html.slice(0, 10 * 1024 * 1024) : null,
      inReplyTo: firstMessageId(m.inReplyTo), references: messageIdsIn(m.references, 100), encrypt: false,
      attachments: m.attachments.filter((a) => a.filename).slice(0, 100).map((a) => ({
        filename: a.filename!.slice(0, 255), contentType: (a.mimeType || 'application/octet-stream').slice(0, 200),
        contentBase64: Buffer.from(a.content as ArrayBuffer).toString('base64'),
      })),
    },
    from: m.from?.address ?? '',
    sender: m.sender?.address ?? null,
    messageId: m.messageId ?? null,
    by,
  }
}
