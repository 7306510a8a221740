import { describe, expect, it } from 'vitest'
import { folderKey, identityKey, mailboxKey, mailboxOfFolder, messageKey, parseFolderKey, parseIdentityKey, parseMailboxKey, parseMessageKey, uidOfMessage } from '../../../shared/ids'

describe('typed keys', () => {
  it.each([
    // The server's own separators and prefixes: a path may hold '|', '/', '.', spaces.
    ['own:noor@fabrikam.test', 'INBOX', 42],
    ['shared:helpdesk@fabrikam.test', 'Verwijderde items', 7],
    ['shared:finance@woodgrove.test', 'INBOX.Archief.2026', 1],
    ['shared:ops@northwind.test', 'Projects|Q1/Notes', 900000],
  ])('%s / %s / %d builds and parses back', (mailbox, path, uid) => {
    const folder = folderKey(mailbox, path)
    expect(parseFolderKey(folder)).toEqual({ mailboxId: mailbox, path })
    expect(mailboxOfFolder(folder)).toBe(mailbox)
    const message = messageKey(folder, uid)
    expect(parseMessageKey(message)).toEqual({ folderId: folder, uid })
    expect(uidOfMessage(message)).toBe(uid)
    expect(mailboxOfFolder(parseMessageKey(message).folderId)).toBe(mailbox)
  })

  it('mailbox and identity keys name their kind and address, and refuse anything else', () => {
    expect(parseMailboxKey(mailboxKey('shared', 'helpdesk@fabrikam.test'))).toEqual({ kind: 'shared', address: 'helpdesk@fabrikam.test' })
    expect(parseMailboxKey('helpdesk@fabrikam.test')).toBeNull()
    expect(parseMailboxKey('shared:a@b.test|INBOX')).toBeNull()
    expect(parseIdentityKey(identityKey('onBehalf', 'helpdesk@fabrikam.test'))).toEqual({ kind: 'onBehalf', address: 'helpdesk@fabrikam.test' })
    expect(parseIdentityKey('sendAs:')).toBeNull()
    expect(parseIdentityKey('admin:root@fabrikam.test')).toBeNull()
  })
})
