import { describe, expect, it } from 'vitest'
import { compareFolders, folderRole, withNameRoles, type NameGuess } from '../../../shared/rules/folder-role'
import { nameGuess } from '../../../electron/service/imap/folder-listing'
import type { FolderRole } from '../../../shared/domain'

describe('folderRole', () => {
  it.each([
    ['INBOX', [], undefined, 'inbox'],
    ['inbox', [], undefined, 'inbox'],
    ['Sent Items', ['\\HasNoChildren', '\\Sent'], undefined, 'sent'],
    ['Gesendet', [], '\\Sent', 'sent'],
    ['Deleted Items', ['\\Trash'], undefined, 'trash'],
    ['Junk Email', ['\\Junk'], undefined, 'junk'],
    ['Archive', ['\\Archive'], undefined, 'archive'],
    ['Drafts', ['\\Drafts'], undefined, 'drafts'],
    // No SPECIAL-USE mark: no guess from the name here (withNameRoles, for servers without SPECIAL-USE).
    ['Sent', ['\\HasNoChildren'], undefined, 'other'],
    ['Projects/2026', [], null, 'other'],
  ])('%s with %j and %s is %s', (path, flags, specialUse, role) => {
    expect(folderRole(path, flags, specialUse)).toBe(role)
  })

  it('orders the roles first, then the rest by name', () => {
    const folders = [
      { role: 'other', path: 'Zeta' }, { role: 'trash', path: 'Deleted Items' }, { role: 'inbox', path: 'INBOX' },
      { role: 'other', path: 'alpha' }, { role: 'sent', path: 'Sent Items' },
    ] as const
    expect([...folders].sort(compareFolders).map((f) => f.path)).toEqual(['INBOX', 'Sent Items', 'Deleted Items', 'alpha', 'Zeta'])
  })
})

describe('roles by well-known name, for a server without SPECIAL-USE', () => {
  const folder = (path: string, role: FolderRole = 'other') => ({ path, role, name: path.split('/').at(-1)! })
  const guessTop = (f: { path: string; name: string }): NameGuess | null => (f.path.includes('/') ? null : nameGuess(f.name))

  it('knows Exchange Online\'s names, in English and Dutch, and common server defaults', () => {
    expect(['Sent Items', 'Deleted Items', 'Junk Email', 'Drafts', 'Archive'].map((n) => nameGuess(n)?.role)).toEqual(['sent', 'trash', 'junk', 'drafts', 'archive'])
    expect(['Verzonden items', 'Verwijderde items', 'Ongewenste e-mail', 'Concepten'].map((n) => nameGuess(n)?.role)).toEqual(['sent', 'trash', 'junk', 'drafts'])
    expect(['Sent', 'Trash', 'Spam'].map((n) => nameGuess(n)?.role)).toEqual(['sent', 'trash', 'junk'])
    expect(nameGuess('Customers 2026')).toBeNull()
  })

  it('gives each role to one folder at the top of the mailbox, never one the server marked', () => {
    const folders = [folder('INBOX', 'inbox'), folder('Sent Items'), folder('Projects/Sent'), folder('Deleted Items'), folder('Trash'), folder('Bin', 'trash'), folder('Junk Email')]
    const roles = Object.fromEntries(withNameRoles(folders, guessTop).map((f) => [f.path, f.role]))
    expect(roles).toEqual({ 'INBOX': 'inbox', 'Sent Items': 'sent', 'Projects/Sent': 'other', 'Deleted Items': 'other', 'Trash': 'other', 'Bin': 'trash', 'Junk Email': 'junk' })
  })

  it('prefers an exact name to a decorated one', () => {
    // "Sent Mail" comes first by name, but is "Sent" decorated with a generic noun.
    const roles = withNameRoles([folder('Sent Mail'), folder('Sent Messages')], guessTop).map((f) => f.role)
    expect(roles).toEqual(['other', 'sent'])
  })
})
