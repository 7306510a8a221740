import type { ApiError } from '../api/errors'
import type { Grants, Identity, Mailbox } from '../domain'
import { identityKey, parseIdentityKey } from '../ids'

export interface Person { address: string; name: string }
export interface SharedWithGrants {
  mailbox: Mailbox
  grants: Grants
  /** Where no grants are published: what the person added themselves, and which the server refused. */
  claimed?: { sendAs: boolean; sendOnBehalf: boolean; refused: ('sendAs' | 'onBehalf')[] }
}

const UNCONFIRMED = ' — not confirmed by the server'
const REFUSED = ' — refused by the server'

const R4_REASON = 'Mail from a shared mailbox cannot be encrypted: the mailbox has no key of its own (R4).'

/**
 * The identities a person may send as: themselves, each shared mailbox they hold Send As for
 * (R2), and each they may send on behalf of (R3). Where a mailbox publishes no grants (Exchange
 * publishes none over IMAP), also what the person added themselves, marked unconfirmed: there
 * the server decides when the message is submitted. Nothing else.
 */
export function identitiesFor(me: Person, own: Mailbox, shared: SharedWithGrants[]): Identity[] {
  const self = me.address.toLowerCase()
  const out: Identity[] = [{
    id: identityKey('self', self), kind: 'self', mailboxId: own.id,
    from: { name: me.name, address: self }, sender: null,
    label: me.name ? `${me.name} <${self}>` : self, noEncryption: null,
  }]
  for (const { mailbox, grants, claimed } of shared) {
    const has = (list: string[]) => list.some((a) => a.toLowerCase() === self)
    const mark = (kind: 'sendAs' | 'onBehalf', wanted: boolean | undefined) => (identity: Identity): Identity => {
      if (!wanted) return identity
      const refused = claimed!.refused.includes(kind)
      return { ...identity, label: identity.label + (refused ? REFUSED : UNCONFIRMED), unconfirmed: true, ...(refused ? { refused: true } : {}) }
    }
    const asClaimed = mark('sendAs', claimed?.sendAs && !has(grants.sendAs))
    const behalfClaimed = mark('onBehalf', claimed?.sendOnBehalf && !has(grants.sendOnBehalf))
    if (has(grants.sendAs) || claimed?.sendAs) {
      out.push(asClaimed({
        id: identityKey('sendAs', mailbox.address), kind: 'sendAs', mailboxId: mailbox.id,
        from: { name: mailbox.name, address: mailbox.address }, sender: null,
        label: `${mailbox.name} <${mailbox.address}>`, noEncryption: R4_REASON,
      }))
    }
    if (has(grants.sendOnBehalf) || claimed?.sendOnBehalf) {
      out.push(behalfClaimed({
        id: identityKey('onBehalf', mailbox.address), kind: 'onBehalf', mailboxId: mailbox.id,
        from: { name: mailbox.name, address: mailbox.address }, sender: { name: me.name, address: self },
        label: `${me.name || self} on behalf of ${mailbox.name}`, noEncryption: R4_REASON,
      }))
    }
  }
  return out
}

/**
 * The identity a reply, forward or new message from a mailbox starts with: Send As over On
 * Behalf; without either, the person's own address and a note saying why.
 */
export function defaultIdentity(identities: Identity[], mailboxId: string | null, mailboxName = 'this mailbox'): { identity: Identity; note: string | null } {
  const self = identities.find((i) => i.kind === 'self')!
  if (!mailboxId || mailboxId === self.mailboxId) return { identity: self, note: null }
  const asShared = identities.find((i) => i.mailboxId === mailboxId && i.kind === 'sendAs')
    ?? identities.find((i) => i.mailboxId === mailboxId && i.kind === 'onBehalf')
  if (asShared) return { identity: asShared, note: null }
  return { identity: self, note: `You may not send as or on behalf of ${mailboxName}, so this goes from your own address.` }
}

export interface SendCheck {
  identityId: string
  encrypt: boolean
}

/**
 * Whether a send may go, decided in the main process against identities it built itself:
 * R2/R3 (the identity must be one of the person's), R4 (no encryption from a shared mailbox),
 * R6 (no sending from a full mailbox). Returns the identity or the refusal.
 */
export function authoriseSend(req: SendCheck, identities: Identity[], mailboxes: Mailbox[]): { ok: true; identity: Identity } | { ok: false; error: ApiError } {
  const identity = identities.find((i) => i.id === req.identityId)
  if (!identity) {
    const asked = parseIdentityKey(req.identityId)
    const rule = asked?.kind === 'onBehalf' ? 'R3' : 'R2'
    const what = asked?.kind === 'onBehalf' ? `send on behalf of ${asked.address}` : `send as ${asked?.address ?? 'that address'}`
    return { ok: false, error: { code: 'send.notAllowed', rule, field: 'from', message: `You may not ${what} (${rule}): an administrator has not given you that permission. Choose another From address, or ask for the permission.` } }
  }
  if (req.encrypt && identity.kind !== 'self') {
    return { ok: false, error: { code: 'send.encryptionShared', rule: 'R4', field: 'from', message: `${identity.from.name} is a shared mailbox, and mail from it cannot be encrypted (R4): it has no key of its own. Send it unencrypted, or send from your own address to encrypt.` } }
  }
  const mailbox = mailboxes.find((m) => m.id === identity.mailboxId)
  if (mailbox?.quota?.level === 'full') {
    return { ok: false, error: { code: 'send.mailboxFull', rule: 'R6', field: 'from', message: `${mailbox.name} is full (R6): you can still read and file mail, but sending from it is blocked until an administrator frees space or assigns a licence.` } }
  }
  return { ok: true, identity }
}

/**
 * What a submission server's refusal means for the identity: an R2/R3 refusal of Send As or On
 * Behalf (Postfix's "553 5.7.1 … not owned by user", at RCPT with its default delay; Exchange's
 * "554 5.2.252 SendAsDenied"), SMTP AUTH switched off for the tenant (Exchange's 535 5.7.139),
 * or null for anything else.
 */
export function smtpRefusal(kind: Identity['kind'], code: number | undefined, text: string): { rule?: 'R2' | 'R3'; message: string } | null {
  const denied = /SendAsDenied|5\.2\.252|not owned by user|5\.7\.60\b/i.test(text) || (code === 553 && /5\.7\.1\b/.test(text))
  if (denied && kind !== 'self') {
    const rule = kind === 'onBehalf' ? 'R3' : 'R2'
    const what = kind === 'onBehalf' ? 'send on behalf of this mailbox' : 'send as this mailbox'
    return { rule, message: `The mail server refused to let you ${what} (${rule}): "${text.trim()}". Nothing was sent; the message stays in the Outbox. Choose another From address, or ask an administrator for the permission.` }
  }
  if (code === 535 && /5\.7\.139/.test(text)) {
    return { message: 'Your organisation has turned off SMTP sending for apps (535 5.7.139): ask your administrator to allow SMTP AUTH for your mailbox. Nothing was sent; the message stays in the Outbox.' }
  }
  return null
}
