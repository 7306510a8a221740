/**
 * The organisation's domains: what Tandem takes to be "inside" (R7, and which shared mailboxes a
 * person may open by address). Only what an administrator controls says so — the domains the
 * directory lists and those of its entries (session/directory.ts reads it where no person can
 * write) — plus the signed-in person's own domain, which their server vouched for when they
 * signed in. Nothing a window, a colleague or a delivered message says adds a domain.
 */

/** The domain of an address, lower case ('' when it has none). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@')
  return at < 0 ? '' : address.slice(at + 1).trim().toLowerCase()
}

/** Whether an address is in one of the domains. */
export function addressInDomains(address: string, domains: readonly string[]): boolean {
  const d = domainOf(address)
  return d !== '' && domains.includes(d)
}
