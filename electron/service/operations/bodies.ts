import type { ImapFlow, MessageStructureObject } from 'imapflow'
import type { Attachment, MessageBody } from '../../../shared/domain'
import { attachmentsOf, textPartsOf } from './summaries'
import { text as note, type Text } from '../../../shared/api/errors'
import { headerField, messageIdsIn } from '../../../shared/conversation'

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

/** A multipart/signed message's signed entity (exactly as on the wire), its signature, and its From. */
export interface SignedParts { content: Buffer; signature: Buffer; from: string }

const SIGNATURE_LIMIT = 64 * 1024
const SIGNED_LIMIT = 8 * 1024 * 1024

/**
 * For signed mail, the bytes the signature covers: the first part of the multipart/signed, with
 * its MIME headers (BODY[n.MIME] + BODY[n]), and the detached signature beside it.
 */
async function signedParts(client: ImapFlow, uid: number, structure: MessageStructureObject | undefined, attachments: Attachment[], from: string | null): Promise<SignedParts | null> {
  const sigPart = attachments.find((a) => /^application\/(x-)?pkcs7-signature$/.test(a.contentType))
  if (!structure || !sigPart || !from || sigPart.size > SIGNATURE_LIMIT) return null
  const parentId = sigPart.partId.includes('.') ? sigPart.partId.slice(0, sigPart.partId.lastIndexOf('.')) : ''
  const parent = parentId ? findPart(structure, parentId) : structure
  if (!parent || parent.type.toLowerCase() !== 'multipart/signed' || (parent.childNodes?.length ?? 0) !== 2) return null
  const contentId = parentId ? `${parentId}.1` : '1'
  if ((parent.childNodes![0]!.size ?? 0) > SIGNED_LIMIT) return null
  const parts = await client.fetchOne(String(uid), { bodyParts: [`${contentId}.mime`, contentId, sigPart.partId] }, { uid: true }).catch(() => false as const)
  const get = (k: string) => (parts ? parts.bodyParts?.get(k) ?? null : null)
  const headers = get(`${contentId}.mime`)
  const content = get(contentId)
  const rawSignature = get(sigPart.partId)
  if (!headers || !content || !rawSignature) return null
  // The signature part is base64 on the wire; the signed entity is taken byte for byte.
  const signature = Buffer.from(rawSignature.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')
  return { content: Buffer.concat([headers, content]), signature, from }
}

function findPart(node: MessageStructureObject, part: string): MessageStructureObject | null {
  if (node.part === part) return node
  for (const c of node.childNodes ?? []) {
    const found = findPart(c, part)
    if (found) return found
  }
  return null
}

/**
 * Loads what the reader shows of one message: the HTML and plain-text parts only (attachments
 * stay on the server until asked for), decoded to UTF-8 by imapflow. Broken structure or an
 * unknown charset gives what can be shown plus a warning, never a failure of the list.
 */
export async function loadBody(client: ImapFlow, folderId: string, path: string, uid: number): Promise<{ body: MessageBody; signed: SignedParts | null }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const warnings: Text[] = []
    const msg = await client.fetchOne(String(uid), { uid: true, bodyStructure: true, envelope: true, headers: ['references'] }, { uid: true })
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
          warnings.push(note('notes.charset', { charset }))
        }
        return r.text.toString('utf8')
      } catch (e) {
        warnings.push(note('notes.unreadablePart', { detail: (e as Error).message }))
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
      warnings.push(note('notes.rawContent'))
    }
    const signed = await signedParts(client, uid, structure, attachments, msg.envelope?.from?.[0]?.address ?? null)
    // The whole chain (at most 100 ids), for the References of a reply to it (shared/conversation.ts).
    const references = messageIdsIn(headerField(msg.headers ? msg.headers.subarray(0, 128 * 1024).toString('latin1') : '', 'references'), 100)
    const body = { folderId, uid, html: html?.trim() ? html : null, text: text?.trim() ? text : fallback, attachments, warnings, truncated, references }
    return { body, signed }
  } finally {
    lock.release()
  }
}
