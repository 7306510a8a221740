import { apiError, type ApiError } from '../api/errors'

/**
 * R10: members cannot be prevented from deleting in a shared mailbox. So deleting is a move to
 * the mailbox's Deleted Items — never an expunge, never \Deleted — and can be undone; in a shared
 * mailbox the person is told first that it affects every member.
 */

interface FolderLike { id: string; role: string | null; name: string }
interface MailboxLike { name: string; kind: 'own' | 'shared' }

export type DeleteVerdict = { ok: true; to: FolderLike } | { ok: false; error: ApiError }

/** Where deleting from `fromId` goes: the mailbox's Deleted Items, or why Tandem will not delete there. */
export function deleteDestination(mailbox: MailboxLike, folders: FolderLike[], fromId: string): DeleteVerdict {
  const trash = folders.find((f) => f.role === 'trash')
  if (!trash) {
    return {
      ok: false,
      error: apiError({ code: 'folder.missing', rule: 'R10', key: mailbox.kind === 'shared' ? 'errors.folder.noTrashShared' : 'errors.folder.noTrash', params: { mailbox: mailbox.name } }),
    }
  }
  if (trash.id === fromId) {
    return {
      ok: false,
      error: apiError({ code: 'permission.denied', rule: 'R10', key: 'errors.permission.alreadyInTrash', params: { folder: trash.name } }),
    }
  }
  return { ok: true, to: trash }
}

/** Whether the person must confirm first: in a shared mailbox a deletion is every member's. */
export const deleteNeedsConfirmation = (mailbox: Pick<MailboxLike, 'kind'>): boolean => mailbox.kind === 'shared'

/**
 * A flag change Tandem refuses: \Deleted is the first half of an expunge (with only the w right
 * a crafted call could otherwise mark anyone's mail for removal). Null when allowed.
 */
export function refusedFlagChange(flags: string[]): ApiError | null {
  if (!flags.some((f) => f.toLowerCase() === '\\deleted')) return null
  return apiError({ code: 'permission.denied', rule: 'R10', key: 'errors.permission.deletedFlag' })
}
