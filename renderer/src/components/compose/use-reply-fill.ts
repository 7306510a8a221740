import { parseAddressList } from '../../../../shared/rules/addresses'
import { fillPlaceholders, firstNameOf, type PlaceholderValues } from '../../../../shared/rules/reply-placeholders'
import { tr } from '../../i18n'
import { useComposeStore } from '../../stores/compose'
import { useNoticesStore } from '../../stores/notices'
import { useSessionStore } from '../../stores/session'

/**
 * Fills a saved reply's placeholders from the message being written (shared/rules/reply-placeholders.ts):
 * the customer is the first To recipient, "me" the person (their own identity's name), the
 * subject without its Re:/Fwd:. What stays open is said once it is in the message.
 */
export function useReplyFill(): { html: (saved: string) => string; tell: () => void } {
  const compose = useComposeStore()
  const session = useSessionStore()
  const notices = useNoticesStore()
  let left: string[] = []

  function values(): PlaceholderValues {
    const customer = parseAddressList(compose.to).addresses[0]
    const me = compose.identities.find((i) => i.kind === 'self')?.from.name ?? ''
    const mailbox = session.session?.mailboxes.find((m) => m.id === compose.identity?.mailboxId)?.name ?? ''
    return {
      'customer.firstName': firstNameOf(customer?.name), 'customer.name': customer?.name ?? '',
      'me.name': me, 'me.firstName': firstNameOf(me),
      subject: compose.subject.replace(/^(\s*(re|fw|fwd|aw|antw|wg)\s*:\s*)+/i, ''),
      mailbox,
    }
  }

  return {
    html: (saved) => { const r = fillPlaceholders(saved, values()); left = r.left; return r.html },
    tell: () => { if (left.length) notices.show(tr('replies.left', { list: left.map((p) => `{${p}}`).join(', ') })) },
  }
}
