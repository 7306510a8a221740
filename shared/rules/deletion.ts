import type { ApiError } from '../api/errors'

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
      error: {
        code: 'folder.missing', rule: 'R10',
        message: `${mailbox.name} has no Deleted Items folder, so Tandem will not delete there: deleting would remove the message for good${mailbox.kind === 'shared' ? ' for every member' : ''}. Ask your administrator to create one.`,
      },
    }
  }
  if (trash.id === fromId) {
    return {
      ok: false,
      error: { code: 'permission.denied', rule: 'R10', message: `These messages are already in ${trash.name}. Tandem does not erase mail for good; the server's retention removes it in time.` },
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
  return { code: 'permission.denied', rule: 'R10', message: 'Tandem does not set or clear \\Deleted: deleting moves messages to Deleted Items, so they can be restored (R10).' }
}
