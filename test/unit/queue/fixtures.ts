import type { MessageSummary } from '../../../shared/domain'
import { mailboxOfFolder, messageKey } from '../../../shared/ids'
import { TandemDb } from '../../../renderer/src/cache/db'

export const FOLDER = 'shared:helpdesk@fabrikam.test|INBOX'
export const ARCHIVE = 'shared:helpdesk@fabrikam.test|Archief'

export function row(folderId: string, uid: number, flags: string[] = []): MessageSummary {
  return {
    id: messageKey(folderId, uid), folderId, mailboxId: mailboxOfFolder(folderId), uid, messageId: `<m${uid}@fabrikam.test>`, inReplyTo: null,
    subject: `message ${uid}`, from: [{ name: 'Noor', address: 'noor@fabrikam.test' }], to: [], cc: [], date: uid * 1000, size: 100, flags, hasAttachments: false, sender: null, draftBy: null, referencesRoot: null, threadIndex: null, conversationId: `message ${uid}`,
  }
}

let n = 0
const opened: TandemDb[] = []
/** A fresh cache (fake-indexeddb), closed and deleted by `closeAll`. */
export function freshDb(): TandemDb {
  const db = new TandemDb(`tasks-${process.pid}-${++n}@fabrikam.test`)
  opened.push(db)
  return db
}
export async function closeAll(): Promise<void> {
  for (const db of opened.splice(0)) { db.close(); await db.delete() }
}

export async function flagsOf(db: TandemDb, folderId: string, uid: number): Promise<string[] | undefined> {
  return (await db.summaries.get([messageKey(folderId, uid)]))[0]?.flags
}
