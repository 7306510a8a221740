import { randomBytes } from 'node:crypto'
import type { ImapFlow } from 'imapflow'

export interface AttachmentTicket {
  mailboxId: string
  path: string
  uid: number
  partId: string
  /** Shown in place (safe types only) rather than saved. */
  open: boolean
  expires: number
}

/** Types a browser shows without running anything; everything else is always saved. */
export const VIEWABLE = /^(image\/(png|jpeg|gif|webp|bmp)|application\/pdf|text\/plain)$/i

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

export interface OpenedAttachment { filename: string; contentType: string; inline: boolean; stream: NodeJS.ReadableStream }

/** Streams a ticket's part from the server, holding the folder only while it streams. */
export async function streamAttachment(client: ImapFlow, t: AttachmentTicket): Promise<OpenedAttachment | null> {
  const lock = await client.getMailboxLock(t.path, { readOnly: true })
  try {
    const dl = await client.download(String(t.uid), t.partId, { uid: true })
    if (!dl || !('content' in dl) || !dl.content) { lock.release(); return null }
    const meta = dl.meta as { filename?: string; contentType?: string }
    dl.content.once('end', () => lock.release())
    dl.content.once('error', () => lock.release())
    dl.content.once('close', () => lock.release())
    const contentType = (meta.contentType ?? 'application/octet-stream').toLowerCase()
    return { filename: meta.filename ?? 'attachment', contentType, inline: t.open && VIEWABLE.test(contentType), stream: dl.content }
  } catch (e) {
    lock.release()
    throw e
  }
}
