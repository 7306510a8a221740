import type { ImapFlow } from 'imapflow'
import { formatIn, type Locale } from '../../../shared/i18n'
import { dropped } from './sync'

/**
 * A desktop notification of new mail, as main shows it (Electron). The window only names which
 * messages of which Inbox are new; main reads their senders and subjects from the server itself,
 * shows only mail that is there and unread, writes the words from the catalogue, and never more
 * often than NoticeLimiter allows — a compromised window can make main show nothing of its own.
 */

/** The most messages one notification reads (the newest are named; the count says the rest). */
export const NOTICE_UIDS = 50
/** How many senders a notification of several messages names. */
const SENDERS = 5

export interface NewMailNotice { title: string; body: string; newest: number }

/** The notice for these UIDs of an Inbox: from their envelopes and flags on the server; null when none of them is there unread. */
export async function newMailNotice(client: ImapFlow, path: string, mailbox: string, uids: number[], locale: Locale): Promise<NewMailNotice | null> {
  const wanted = [...new Set(uids)].sort((a, b) => b - a).slice(0, NOTICE_UIDS)
  if (!wanted.length) return null
  const found: { uid: number; sender: string; subject: string }[] = []
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    for await (const m of client.fetch(wanted.join(','), { uid: true, envelope: true, flags: true }, { uid: true })) {
      if (m.flags?.has('\\Seen')) continue
      const from = m.envelope?.from?.[0]
      found.push({ uid: m.uid, sender: from?.name || from?.address || formatIn(locale, 'list.unknownSender'), subject: m.envelope?.subject || formatIn(locale, 'list.noSubject') })
    }
    dropped(client)
  } finally {
    lock.release()
  }
  if (!found.length) return null
  found.sort((a, b) => b.uid - a.uid)
  const newest = found[0]!
  // Everything a sender wrote goes in the body, which every platform's notification shows as
  // plain text once platformText has escaped it; the title names the mailbox only.
  if (found.length === 1) return { title: mailbox, body: formatIn(locale, 'notify.oneBody', { sender: newest.sender, subject: newest.subject }), newest: newest.uid }
  return {
    title: formatIn(locale, 'notify.many', { mailbox, count: found.length }),
    body: formatIn(locale, 'notify.manyBody', { senders: [...new Set(found.map((f) => f.sender))].slice(0, SENDERS).join(', ') }),
    newest: newest.uid,
  }
}

/** The most characters of a notification's title and body (the system cuts them shorter anyway). */
const MAX_TITLE = 200
const MAX_BODY = 500

/**
 * A notification's words as the platform shows them, as plain text. Linux's notification servers
 * (the freedesktop spec, libnotify) read the body as markup — `<a href=…>`, `<img src=…>` in a
 * sender's name would be rendered — so there the body is escaped (the title is plain text by the
 * spec, and holds no sender's words); control and bidirectional-override characters are dropped
 * everywhere (a subject must not reorder the text around it); both are bounded.
 */
export function platformText(text: string, platform: NodeJS.Platform, field: 'title' | 'body'): string {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
  const cut = [...plain].slice(0, field === 'title' ? MAX_TITLE : MAX_BODY).join('')
  if (platform !== 'linux' || field === 'title') return cut
  return cut.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/**
 * At most one notification per mailbox every PER_MAILBOX_MS and PER_MINUTE a minute in all:
 * what the window asks beyond that is not shown (the next real arrival is).
 */
export class NoticeLimiter {
  private readonly last = new Map<string, number>()
  private recent: number[] = []
  constructor(private readonly perMailboxMs = 3000, private readonly perMinute = 10) {}

  allow(mailboxId: string, now = Date.now()): boolean {
    this.recent = this.recent.filter((t) => now - t < 60_000)
    if (this.recent.length >= this.perMinute) return false
    if (now - (this.last.get(mailboxId) ?? -Infinity) < this.perMailboxMs) return false
    this.last.set(mailboxId, now)
    this.recent.push(now)
    return true
  }
}
