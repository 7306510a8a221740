import { randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import type { ImapFlow } from 'imapflow'
import { checkedType, safeFilename, viewableType } from '../../../shared/rules/attachments'

export interface AttachmentTicket {
  mailboxId: string
  path: string
  uid: number
  partId: string
  /** Shown in place (safe types only) rather than saved. */
  open: boolean
  expires: number
}

/**
 * One-time, short-lived capabilities for streaming an attachment: the renderer gets a URL with
 * an unguessable id, the host (web server or Electron protocol) redeems it once.
 */
export class AttachmentTickets {
  private readonly tickets = new Map<string, AttachmentTicket>()
  constructor(private readonly ttlMs = 60_000) {}

  issue(t: Omit<AttachmentTicket, 'expires'>): string {
    this.sweep()
    const id = randomBytes(24).toString('base64url')
    this.tickets.set(id, { ...t, expires: Date.now() + this.ttlMs })
    return id
  }

  redeem(id: string): AttachmentTicket | null {
    const t = this.tickets.get(id)
    this.tickets.delete(id)
    return t && t.expires > Date.now() ? t : null
  }

  private sweep(): void {
    const now = Date.now()
    for (const [id, t] of this.tickets) if (t.expires <= now) this.tickets.delete(id)
  }
}

export interface OpenedAttachment {
  /** Safe to show and save under (see safeFilename). */
  filename: string
  /** The type its first bytes prove for a viewable type, else application/octet-stream. */
  contentType: string
  /** Shown in place in a sandboxed viewer; otherwise only ever saved. */
  inline: boolean
  stream: NodeJS.ReadableStream
}

const SNIFF_BYTES = 16

/** The first bytes of a stream, and a stream that still gives all of it. */
async function peek(stream: NodeJS.ReadableStream): Promise<{ head: Uint8Array; whole: NodeJS.ReadableStream }> {
  const chunks: Buffer[] = []
  let size = 0
  let ended = false
  const readable = stream as NodeJS.ReadableStream & { read(): Buffer | string | null }
  while (size < SNIFF_BYTES && !ended) {
    const chunk = readable.read()
    if (chunk) { const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk; chunks.push(b); size += b.length; continue }
    const more = await new Promise<boolean>((resolve, reject) => {
      const done = (v: boolean) => { readable.off('readable', onReadable); readable.off('end', onEnd); readable.off('error', onError); resolve(v) }
      const onReadable = () => done(true)
      const onEnd = () => done(false)
      const onError = (e: Error) => { readable.off('readable', onReadable); readable.off('end', onEnd); reject(e) }
      readable.once('readable', onReadable)
      readable.once('end', onEnd)
      readable.once('error', onError)
    })
    ended = !more
  }
  const head = Buffer.concat(chunks)
  const whole = new PassThrough()
  if (ended) {
    whole.end(head)
  } else {
    whole.write(head)
    stream.pipe(whole)
    stream.once('error', (e) => whole.destroy(e as Error))
  }
  return { head, whole }
}

/**
 * Streams a ticket's part from the server, holding the folder only while it streams. The name
 * and type are the sender's: the name is cleaned, and a type Tandem would show is believed only
 * when the content's first bytes prove it.
 */
export async function streamAttachment(client: ImapFlow, t: AttachmentTicket): Promise<OpenedAttachment | null> {
  const lock = await client.getMailboxLock(t.path, { readOnly: true })
  try {
    const dl = await client.download(String(t.uid), t.partId, { uid: true })
    if (!dl || !('content' in dl) || !dl.content) { lock.release(); return null }
    const meta = dl.meta as { filename?: string; contentType?: string }
    dl.content.once('end', () => lock.release())
    dl.content.once('error', () => lock.release())
    dl.content.once('close', () => lock.release())
    const declared = (meta.contentType ?? 'application/octet-stream').toLowerCase()
    const { head, whole } = await peek(dl.content)
    const viewAs = viewableType(declared, meta.filename)
    const contentType = viewAs ? checkedType(viewAs, head) : 'application/octet-stream'
    const inline = t.open && contentType !== 'application/octet-stream'
    return { filename: safeFilename(meta.filename, contentType), contentType, inline, stream: whole }
  } catch (e) {
    lock.release()
    throw e
  }
}

/**
 * The HTTP headers an attachment is served with, by the web host and by Electron's protocol:
 * a checked viewable type in place under a sandbox that runs nothing, anything else as a
 * download that is never rendered.
 */
export function attachmentHeaders(file: Pick<OpenedAttachment, 'filename' | 'contentType' | 'inline'>): Record<string, string> {
  return {
    'Content-Type': file.inline ? (file.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : file.contentType) : 'application/octet-stream',
    'Content-Disposition': `${file.inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    'Content-Security-Policy': 'sandbox; default-src \'none\'; img-src \'self\'; object-src \'self\'',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  }
}
