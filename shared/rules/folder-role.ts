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
 * INBOX by its reserved name. No guessing from localised names: a server that marks nothing gets
 * plain folders, never a wrong "Sent".
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

/** Order in the sidebar: the well-known roles first, then the rest by name. */
export const ROLE_ORDER: FolderRole[] = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash', 'other']

export function compareFolders(a: { role: FolderRole; path: string }, b: { role: FolderRole; path: string }): number {
  const r = ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role)
  return r !== 0 ? r : a.path.localeCompare(b.path, undefined, { sensitivity: 'base', numeric: true })
}
