import type { FolderRole } from '../domain'

const SPECIAL_USE: Record<string, FolderRole> = {
  '\\sent': 'sent',
  '\\drafts': 'drafts',
  '\\trash': 'trash',
  '\\junk': 'junk',
  '\\archive': 'archive',
}

/**
 * A folder's role from what the server says: RFC 6154 SPECIAL-USE first (also as LIST flags),
 * INBOX by its reserved name. Names count only on servers without SPECIAL-USE (withNameRoles):
 * a server that has it and marks nothing gets plain folders, never a wrong "Sent".
 */
export function folderRole(path: string, flags: Iterable<string>, specialUse?: string | null): FolderRole {
  if (path.toUpperCase() === 'INBOX') return 'inbox'
  const candidates = [specialUse ?? '', ...flags].map((f) => f.toLowerCase())
  for (const c of candidates) {
    const role = SPECIAL_USE[c]
    if (role) return role
  }
  return 'other'
}

/** The role a folder's name suggests (from a table of well-known names), and whether the name is exactly a known one. */
export interface NameGuess { role: FolderRole; exact: boolean }

/**
 * Roles for a server that marks none (no SPECIAL-USE: Exchange Online's IMAP, many hosted
 * servers), from well-known names. `guess` gives the role a folder's name suggests; the caller
 * asks only for folders at the top of the mailbox (a "Sent" inside a project folder is not the
 * mailbox's Sent). A role the server marked itself is not given again, and each role goes to
 * one folder: an exact name before a decorated one ("Sent Mail"), then by path.
 */
export function withNameRoles<T extends { role: FolderRole; path: string }>(folders: T[], guess: (f: T) => NameGuess | null): T[] {
  const taken = new Set<FolderRole>(folders.map((f) => f.role).filter((r) => r !== 'other'))
  const candidates = folders
    .flatMap((f) => {
      const g = f.role === 'other' ? guess(f) : null
      return g && g.role !== 'other' && g.role !== 'inbox' ? [{ f, ...g }] : []
    })
    .sort((a, b) => Number(b.exact) - Number(a.exact) || a.f.path.localeCompare(b.f.path))
  const roles = new Map<T, FolderRole>()
  for (const c of candidates) {
    if (taken.has(c.role) || roles.has(c.f)) continue
    roles.set(c.f, c.role)
    taken.add(c.role)
  }
  return folders.map((f) => (roles.has(f) ? { ...f, role: roles.get(f)! } : f))
}

/** Order in the sidebar: the well-known roles first, then the rest by name. */
export const ROLE_ORDER: FolderRole[] = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash', 'other']

export function compareFolders(a: { role: FolderRole; path: string }, b: { role: FolderRole; path: string }): number {
  const r = ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role)
  return r !== 0 ? r : a.path.localeCompare(b.path, undefined, { sensitivity: 'base', numeric: true })
}
