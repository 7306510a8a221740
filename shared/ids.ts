/**
 * The keys Tandem gives mailboxes, folders and messages, built and parsed here only.
 *
 * - mailbox: `own:<address>` or `shared:<address>` (an address never holds a `|`)
 * - folder:  `<mailbox>|<path>` — the path is the server's, with its own separator, and may hold `|`
 * - message: `<folder>|<uid>` — the cache key of one message in one folder (not the Message-ID
 *   header: that is `MessageSummary.messageId`, the same for every copy of a message)
 */

export type MailboxKind = 'own' | 'shared'

export const mailboxKey = (kind: MailboxKind, address: string): string => `${kind}:${address}`

/** The kind and address of a mailbox key; null when it is not one. */
export function parseMailboxKey(key: string): { kind: MailboxKind; address: string } | null {
  const m = /^(own|shared):([^|]+)$/.exec(key)
  return m ? { kind: m[1] as MailboxKind, address: m[2]! } : null
}

/** A mailbox key's address (`own:a@b` → `a@b`). */
export const addressOfMailbox = (mailboxId: string): string => mailboxId.slice(mailboxId.indexOf(':') + 1)

export const folderKey = (mailboxId: string, path: string): string => `${mailboxId}|${path}`

/** Splits a folder key at its first `|`: mailbox keys never contain one, paths may. */
export function parseFolderKey(folderId: string): { mailboxId: string; path: string } {
  const at = folderId.indexOf('|')
  if (at < 0) return { mailboxId: folderId, path: '' }
  return { mailboxId: folderId.slice(0, at), path: folderId.slice(at + 1) }
}

export const mailboxOfFolder = (folderId: string): string => parseFolderKey(folderId).mailboxId

export const messageKey = (folderId: string, uid: number): string => `${folderId}|${uid}`

/** Splits a message key at its last `|` (the folder's path may hold one, a UID never does). */
export function parseMessageKey(key: string): { folderId: string; uid: number } {
  const at = key.lastIndexOf('|')
  return { folderId: key.slice(0, at), uid: Number(key.slice(at + 1)) }
}

export const uidOfMessage = (key: string): number => parseMessageKey(key).uid

/** How a person sends: as themselves, as a shared mailbox (R2), on its behalf (R3). */
export type IdentityKind = 'self' | 'sendAs' | 'onBehalf'

/** `self:<address>`, `sendAs:<shared address>`, `onBehalf:<shared address>`. */
export const identityKey = (kind: IdentityKind, address: string): string => `${kind}:${address}`

/** The kind and address an identity key names; null when it is not one (a renderer may send anything). */
export function parseIdentityKey(key: string): { kind: IdentityKind; address: string } | null {
  const m = /^(self|sendAs|onBehalf):(.+)$/.exec(key)
  return m ? { kind: m[1] as IdentityKind, address: m[2]! } : null
}
