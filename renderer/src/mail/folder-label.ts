import type { Folder } from '../../../shared/domain'

/** A folder as people call it: the server's INBOX is "Inbox", every other folder keeps its own name. */
export const folderLabel = (f: Pick<Folder, 'role' | 'name'>): string => (f.role === 'inbox' ? 'Inbox' : f.name)
