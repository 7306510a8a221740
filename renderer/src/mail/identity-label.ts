import type { Identity } from '../../../shared/domain'
import { formatAddress } from '../../../shared/rules/addresses'
import { tr } from '../i18n'

/**
 * What the From picker shows for an identity, in the person's language: "Support Desk
 * <support@…>" (Send As, R2), "Ana on behalf of Support Desk" (R3), marked when the server
 * has not confirmed the grant or refused it. Main's English label stays for logs.
 */
export function identityLabel(i: Identity): string {
  const base = i.kind === 'onBehalf'
    ? tr('compose.onBehalf', { person: i.sender?.name || i.sender?.address || '', mailbox: i.from.name || i.from.address })
    : formatAddress(i.from)
  if (i.refused) return tr('compose.refused', { label: base })
  return i.unconfirmed ? tr('compose.unconfirmed', { label: base }) : base
}
