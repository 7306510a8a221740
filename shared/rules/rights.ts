import type { FolderRights } from '../domain'

/**
 * What a person may do in a folder, from RFC 4314 MYRIGHTS. Delete needs t (set \Deleted) or e
 * (expunge) and, because we move to Deleted Items, the right to insert there (checked there).
 * The obsolete RFC 2086 letters c and d still come from some servers.
 */
export function folderRights(myRights: string | null): FolderRights {
  if (myRights === null) return { read: true, write: true, seen: true, insert: true, delete: true }
  const has = (c: string) => myRights.includes(c)
  return {
    read: has('r'),
    write: has('w'),
    seen: has('s'),
    insert: has('i'),
    delete: (has('t') && has('e')) || has('d'),
  }
}
