/**
 * R1: a person sees exactly the shared mailboxes an administrator made them a member of. The
 * server's word on memberships is compared with what the device holds: new ones are opened,
 * lost ones are stopped and everything cached of them is purged. The person's own mailbox is
 * never part of the change.
 */

interface MailboxRef { id: string; kind: 'own' | 'shared' }

export interface MembershipChange {
  /** Shared mailboxes to open (ids). */
  add: string[]
  /** Shared mailboxes to stop and purge from this device (ids). */
  remove: string[]
  /** Shared mailboxes that stay. */
  keep: string[]
}

export function membershipChange(held: MailboxRef[], granted: string[]): MembershipChange {
  const wanted = new Set(granted)
  const shared = held.filter((m) => m.kind === 'shared')
  const have = new Set(shared.map((m) => m.id))
  return {
    add: [...wanted].filter((id) => !have.has(id)),
    remove: shared.filter((m) => !wanted.has(m.id)).map((m) => m.id),
    keep: shared.filter((m) => wanted.has(m.id)).map((m) => m.id),
  }
}
