import type { Folder } from '../../../shared/domain'
import { tr } from '../i18n'

/**
 * A folder as people call it in their language: a top-level folder with a role (SPECIAL-USE, or
 * the server's INBOX) by the role's name ("Postvak IN", "Verzonden items"), as Outlook does;
 * every other folder by its own name.
 */
export const folderLabel = (f: Pick<Folder, 'role' | 'name'> & { parents?: string[] }): string =>
  (f.role && f.role !== 'other' && (f.role === 'inbox' || !f.parents?.length) ? tr(`folders.${f.role}`) : f.name)
