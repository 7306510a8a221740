import { emailAddressSchema } from '../domain'

/**
 * A member's folder's name under the team folder: the address in lower case, every character
 * but letters, digits, @, _, + and - written as %XX — no separator, no dot (Maildir++ forbids
 * them in a name), nothing two addresses share (alice@example.org → alice@example%2Eorg).
 */
export function memberFolderName(address: string): string {
  return address.toLowerCase().replace(/[^a-z0-9@_+-]/g, (c) => [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''))
}

/** The address a member folder's name stands for; null when it names none. */
export function memberOfFolderName(name: string): string | null {
  let address: string
  try { address = decodeURIComponent(name) } catch { return null }
  if (memberFolderName(address) !== name) return null
  const r = emailAddressSchema.safeParse(address)
  return r.success && r.data === address ? address : null
}

/**
 * Whom a member may assign a conversation to (docs/team-state.md, "Authors"): the members the
 * administrator's directory entry lists, the members who have a folder of their own under the
 * team folder (where authors are confirmed), the person — and, where authors are only claimed,
 * the people whose records are in the log, inside the person's or the mailbox's domain (R7).
 * Never an address a record merely names: a forged "assigned to mallory@evil.example" does not
 * put Mallory in the list. Sorted, each once.
 */
export function assignable(o: {
  me: string
  /** The directory entry's members. */
  listed: readonly string[]
  /** Members with a folder of their own (team.authors). */
  members: readonly string[]
  /** How this mailbox's authors can be told; null while not yet asked. */
  mode: 'confirmed' | 'claimed' | null
  /** Who wrote the records folded so far (as they say). */
  authors: Iterable<string>
  /** The shared mailbox's address. */
  mailbox: string
}): string[] {
  const domainOf = (a: string) => a.slice(a.lastIndexOf('@') + 1).toLowerCase()
  const inside = new Set([domainOf(o.me), domainOf(o.mailbox)])
  const acted = o.mode === 'confirmed' ? [] : [...o.authors].filter((a) => inside.has(domainOf(a)))
  return [...new Set([o.me, ...o.listed, ...o.members, ...acted].map((a) => a.toLowerCase()))].filter(Boolean).sort()
}
