import type { ImapFlow } from 'imapflow'
import { ApiFailure } from '../../shared/api/errors'
import type { Folder, Mailbox } from '../../shared/domain'

const SYSTEM_SEEN = '\\Seen'

/** Refuses what the folder's rights do not allow, before the server is asked. */
export function checkFlagRights(folder: Folder, flags: string[]): void {
  for (const f of flags) {
    const allowed = f.toLowerCase() === SYSTEM_SEEN.toLowerCase() ? folder.rights.seen : folder.rights.write
    if (!allowed) {
      throw new ApiFailure({ code: 'permission.denied', message: `You may not change ${f} in ${folder.name}: the mailbox's owner has not given you that right.` })
    }
  }
}

export async function setFlags(client: ImapFlow, folder: Folder, uids: number[], add: string[], remove: string[]): Promise<void> {
  checkFlagRights(folder, [...add, ...remove])
  const lock = await client.getMailboxLock(folder.path)
  try {
    const range = uids.join(',')
    if (add.length) await client.messageFlagsAdd(range, add, { uid: true })
    if (remove.length) await client.messageFlagsRemove(range, remove, { uid: true })
  } finally {
    lock.release()
  }
}

/** Moves within one mailbox (MOVE, or COPY + expunge on servers without it); returns the new UIDs. */
export async function moveMessages(client: ImapFlow, from: Folder, to: Folder, uids: number[]): Promise<[number, number][]> {
  if (!from.rights.delete) {
    throw new ApiFailure({ code: 'permission.denied', message: `You may not remove messages from ${from.name}.` })
  }
  if (!to.rights.insert) {
    throw new ApiFailure({ code: 'permission.denied', message: `You may not put messages into ${to.name}.` })
  }
  const lock = await client.getMailboxLock(from.path)
  try {
    const result = await client.messageMove(uids.join(','), to.path, { uid: true })
    if (!result) {
      throw new ApiFailure({ code: 'message.gone', message: `The messages are no longer in ${from.name}; another member may have moved them.` })
    }
    return result.uidMap ? [...result.uidMap.entries()] : []
  } finally {
    lock.release()
  }
}

/**
 * Deleting is a move to the mailbox's Deleted Items (R10): in a shared mailbox it affects every
 * member, so it must stay recoverable. No Deleted Items, or already in it: refused, not expunged.
 */
export function trashFor(mailbox: Mailbox, folders: Folder[], from: Folder): Folder {
  const trash = folders.find((f) => f.role === 'trash')
  if (!trash) {
    throw new ApiFailure({
      code: 'folder.missing', rule: 'R10',
      message: `${mailbox.name} has no Deleted Items folder, so Tandem will not delete there: deleting would remove the message for good${mailbox.kind === 'shared' ? ' for every member' : ''}. Ask your administrator to create one.`,
    })
  }
  if (trash.id === from.id) {
    throw new ApiFailure({
      code: 'permission.denied', rule: 'R10',
      message: `These messages are already in ${trash.name}. Tandem does not erase mail for good; the server's retention removes it in time.`,
    })
  }
  return trash
}
