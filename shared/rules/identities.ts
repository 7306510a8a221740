import type { ApiError } from '../api/errors'
import type { Grants, Identity, Mailbox } from '../domain'

export interface Person { address: string; name: string }
export interface SharedWithGrants { mailbox: Mailbox; grants: Grants }

const R4_REASON = 'Mail from a shared mailbox cannot be encrypted: the mailbox has no key of its own (R4).'

/**
 * The identities a person may send as: themselves, each shared mailbox they hold Send As for
 * (R2), and each they may send on behalf of (R3). Nothing else.
 */
export function identitiesFor(me: Person, own: Mailbox, shared: SharedWithGrants[]): Identity[] {
  const self = me.address.toLowerCase()
  const out: Identity[] = [{
    id: `self:${self}`, kind: 'self', mailboxId: own.id,
    from: { name: me.name, address: self }, sender: null,
    label: me.name ? `${me.name} <${self}>` : self, noEncryption: null,
  }]
  for (const { mailbox, grants } of shared) {
    const has = (list: string[]) => list.some((a) => a.toLowerCase() === self)
    if (has(grants.sendAs)) {
      out.push({
        id: `sendAs:${mailbox.address}`, kind: 'sendAs', mailboxId: mailbox.id,
        from: { name: mailbox.name, address: mailbox.address }, sender: null,
        label: `${mailbox.name} <${mailbox.address}>`, noEncryption: R4_REASON,
      })
    }
    if (has(grants.sendOnBehalf)) {
      out.push({
        id: `onBehalf:${mailbox.address}`, kind: 'onBehalf', mailboxId: mailbox.id,
        from: { name: mailbox.name, address: mailbox.address }, sender: { name: me.name, address: self },
        label: `${me.name || self} on behalf of ${mailbox.name}`, noEncryption: R4_REASON,
      })
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
    const [kind, address] = req.identityId.split(':')
    const rule = kind === 'onBehalf' ? 'R3' : 'R2'
    const what = kind === 'onBehalf' ? `send on behalf of ${address}` : `send as ${address ?? 'that address'}`
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
