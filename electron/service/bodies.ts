import type { ImapFlow } from 'imapflow'
import type { MessageBody } from '../../shared/domain'
import { attachmentsOf, textPartsOf } from './summaries'

/** Bodies above this are cut: the reader shows the start and says so. */
export const BODY_LIMIT = 2 * 1024 * 1024

async function readLimited(stream: NodeJS.ReadableStream, limit: number): Promise<{ text: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    chunks.push(b)
    size += b.length
    if (size > limit) {
      ;(stream as unknown as { destroy?: () => void }).destroy?.()
      return { text: Buffer.concat(chunks).subarray(0, limit), truncated: true }
    }
  }
  return { text: Buffer.concat(chunks), truncated: false }
}

/**
 * Loads what the reader shows of one message: the HTML and plain-text parts only (attachments
 * stay on the server until asked for), decoded to UTF-8 by imapflow. Broken structure or an
 * unknown charset gives what can be shown plus a warning, never a failure of the list.
 */
export async function loadBody(client: ImapFlow, folderId: string, path: string, uid: number): Promise<{ body: MessageBody; signature: Buffer | null }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const warnings: string[] = []
    const msg = await client.fetchOne(String(uid), { uid: true, bodyStructure: true }, { uid: true })
    if (!msg) throw new Error(`message ${uid} is no longer in ${path}`)
    const structure = msg.bodyStructure
    const parts = structure ? textPartsOf(structure) : { html: null, text: null }
    const attachments = structure ? attachmentsOf(structure) : []
    let truncated = false
    const read = async (part: string | undefined): Promise<string | null> => {
      try {
        const dl = await client.download(String(uid), part ?? '1', { uid: true, maxBytes: BODY_LIMIT + 1 })
        if (!dl || !('content' in dl) || !dl.content) return null
        const r = await readLimited(dl.content, BODY_LIMIT)
        truncated ||= r.truncated
        const charset = (dl.meta as { charset?: string } | undefined)?.charset
        if (charset && !/^(utf-?8|us-ascii|iso-8859-\d+|windows-125\d)$/i.test(charset)) {
          warnings.push(`This message declares the character set "${charset}"; some characters may show wrongly.`)
        }
        return r.text.toString('utf8')
      } catch (e) {
        warnings.push(`Part of this message could not be read (${(e as Error).message}).`)
        return null
      }
    }
    const html = parts.html ? await read(parts.html.part) : null
    const text = parts.text ? await read(parts.text.part) : null
    let fallback: string | null = null
    if (!html?.trim() && !text?.trim()) {
      // No usable text part (broken or unusual MIME): show the raw source as text, cut short.
      const raw = await client.download(String(uid), undefined, { uid: true, maxBytes: 64 * 1024 }).catch(() => null)
      if (raw && 'content' in raw && raw.content) fallback = (await readLimited(raw.content, 64 * 1024)).text.toString('utf8')
      warnings.push('This message has no readable text part; its raw content is shown.')
    }
    let signature: Buffer | null = null
    const sigPart = attachments.find((a) => /^application\/(x-)?pkcs7-signature$/.test(a.contentType))
    if (sigPart && sigPart.size < 64 * 1024) {
      const dl = await client.download(String(uid), sigPart.partId, { uid: true }).catch(() => null)
      if (dl && 'content' in dl && dl.content) signature = (await readLimited(dl.content, 64 * 1024)).text
    }
    const body = { folderId, uid, html: html?.trim() ? html : null, text: text?.trim() ? text : fallback, attachments, warnings, truncated }
    return { body, signature }
  } finally {
    lock.release()
  }
}
