import type { Address, MessageSummary } from '../../../shared/domain'
import { tr } from '../i18n'

const nameOf = (a: Address | undefined): string => a?.name || a?.address || tr('list.unknownSender')

/**
 * Who wrote a message, as Outlook shows it: "Bob Baker on behalf of Support Desk" where its
 * Sender names a member who wrote for the mailbox in From (R3), else From. The Sender is what
 * the message says: a claim like From itself, which the mailbox's grants decided on sending.
 */
export function authorOf(m: Pick<MessageSummary, 'from' | 'sender'>): string {
  return m.sender ? tr('list.onBehalf', { sender: nameOf(m.sender), from: nameOf(m.from[0]) }) : nameOf(m.from[0])
}

/** "To: Élodie Martin, Marc Dubois": a sent message's recipients (the mailbox's own Sent Items). */
export function recipientsOf(m: Pick<MessageSummary, 'to' | 'cc'>): string {
  const names = [...m.to, ...m.cc].map((a) => a.name || a.address)
  return tr('list.to', { names: names.length ? names.join(', ') : tr('list.unknownSender') })
}

/** The people of a conversation, by name, the first few. */
export function peopleOf(people: Address[], max = 3): string {
  const names = people.slice(0, max).map((a) => a.name || a.address)
  return people.length > max ? `${names.join(', ')} +${people.length - max}` : names.join(', ')
}
