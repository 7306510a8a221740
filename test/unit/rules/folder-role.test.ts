import { describe, expect, it } from 'vitest'
import { compareFolders, folderRole } from '../../../shared/rules/folder-role'

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
    // No SPECIAL-USE mark: no guess from the name.
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
