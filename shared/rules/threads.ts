import type { Address } from '../domain'

/** "Re: Fwd: AW: Order 1" → "order 1": conversations group by what people keep of the subject. */
export function normaliseSubject(subject: string): string {
  return subject.replace(/^\s*((re|fwd?|aw|wg|sv|vs|tr|ref)\s*(\[\d+\])?\s*:\s*)+/i, '').trim().toLowerCase()
}

/**
 * A conversation is the same subject between the same people: "Change delivery address" from
 * two customers is two conversations. The mailbox's own address is left out of the people.
 */
export function threadKey(subject: string, people: Address[], mailboxId: string): string {
  const self = mailboxId.slice(mailboxId.indexOf(':') + 1).toLowerCase()
  const others = [...new Set(people.map((p) => p.address.toLowerCase()).filter((a) => a && a !== self))].sort()
  return `${normaliseSubject(subject)}|${others.join(',')}`
}
