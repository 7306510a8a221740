/**
 * Whether a message came through mail delivery rather than being placed by a mail client or an
 * administrator's tool. Delivery (LMTP, LDA, an MTA's local transport) stamps trace fields:
 * `Return-Path` and `Delivered-To` at final delivery, `Received` at every hop (RFC 5321 §4.4);
 * IMAP APPEND and `doveadm save` add none. Where a server files `local+folder@` into that folder
 * (Dovecot's lmtp_save_to_detail_mailbox, Sieve's fileinto, Cyrus' anyone:p), anybody on the
 * Internet can put a message into any folder: such a message is never a directory entry or a
 * team record, whatever it says.
 *
 * `headers`: the message's header block as text (the whole source is fine: only the part before
 * the first empty line is looked at), or the header fields a FETCH returned.
 */
export const DELIVERY_TRACE_FIELDS = ['received', 'return-path', 'delivered-to'] as const

export function isDeliveredMail(headers: string): boolean {
  const end = headers.search(/\r?\n\r?\n/)
  const block = end < 0 ? headers : headers.slice(0, end)
  return /(^|\n)(received|return-path|delivered-to)[ \t]*:/i.test(block)
}
