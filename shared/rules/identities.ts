import { apiError, text, type ApiError, type Text } from '../api/errors'
import type { MessageKey, Params } from '../i18n'
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

const R4_REASON = text('compose.noEncryptionShared')

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
export function defaultIdentity(identities: Identity[], mailboxId: string | null, mailboxName = ''): { identity: Identity; note: Text | null } {
  const self = identities.find((i) => i.kind === 'self')!
  if (!mailboxId || mailboxId === self.mailboxId) return { identity: self, note: null }
  const asShared = identities.find((i) => i.mailboxId === mailboxId && i.kind === 'sendAs')
    ?? identities.find((i) => i.mailboxId === mailboxId && i.kind === 'onBehalf')
  if (asShared) return { identity: asShared, note: null }
  return { identity: self, note: text('compose.fromOwnNote', { mailbox: mailboxName }) }
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
    return { ok: false, error: apiError({ code: 'send.notAllowed', rule, field: 'from', key: rule === 'R3' ? 'errors.send.notAllowedOnBehalf' : 'errors.send.notAllowedAs', params: { address: asked?.address ?? '?' } }) }
  }
  if (req.encrypt && identity.kind !== 'self') {
    return { ok: false, error: apiError({ code: 'send.encryptionShared', rule: 'R4', field: 'from', key: 'errors.send.encryptionShared', params: { mailbox: identity.from.name ?? identity.from.address } }) }
  }
  const mailbox = mailboxes.find((m) => m.id === identity.mailboxId)
  if (mailbox?.quota?.level === 'full') {
    return { ok: false, error: apiError({ code: 'send.mailboxFull', rule: 'R6', field: 'from', key: 'errors.send.mailboxFull', params: { mailbox: mailbox.name } }) }
  }
  return { ok: true, identity }
}

/**
 * What a submission server's refusal means for the identity: an R2/R3 refusal of Send As or On
 * Behalf (Postfix's "553 5.7.1 … not owned by user", at RCPT with its default delay; Exchange's
 * "554 5.2.252 SendAsDenied"), SMTP AUTH switched off for the tenant (Exchange's 535 5.7.139),
 * or null for anything else.
 */
export function smtpRefusal(kind: Identity['kind'], code: number | undefined, text: string): { rule?: 'R2' | 'R3'; key: MessageKey; params?: Params; reply: string } | null {
  const denied = /SendAsDenied|5\.2\.252|not owned by user|5\.7\.60\b/i.test(text) || (code === 553 && /5\.7\.1\b/.test(text))
  if (denied && kind !== 'self') {
    const rule = kind === 'onBehalf' ? 'R3' : 'R2'
    return { rule, key: rule === 'R3' ? 'errors.send.refusedOnBehalf' : 'errors.send.refusedAs', reply: text.trim() }
  }
  if (code === 535 && /5\.7\.139/.test(text)) return { key: 'errors.send.smtpAuthDisabled', reply: text.trim() }
  return null
}
