import { describe, expect, it } from 'vitest'
import { assignable } from '../../../shared/team/authors'
import { memberFolderName, memberOfFolderName } from '../../../electron/service/operations/team-authors'

describe('whom a member may assign to', () => {
  const base = { me: 'bo@litware.test', listed: ['ana@litware.test'], mailbox: 'desk@litware.test' }
  it('never an address a record only names; where authors are claimed, who wrote records inside the organisation', () => {
    expect(assignable({ ...base, members: [], mode: 'claimed', authors: ['cy@litware.test', 'mallory@evil.example', 'Ana@Litware.test'] }))
      .toEqual(['ana@litware.test', 'bo@litware.test', 'cy@litware.test'])
  })
  it('where authors are confirmed, the members with a folder of their own, not what records claim', () => {
    expect(assignable({ ...base, members: ['dee@litware.test'], mode: 'confirmed', authors: ['cy@litware.test'] }))
      .toEqual(['ana@litware.test', 'bo@litware.test', 'dee@litware.test'])
    expect(assignable({ ...base, members: [], mode: null, authors: [] })).toEqual(['ana@litware.test', 'bo@litware.test'])
  })
})

describe('a member\'s own folder under the team folder', () => {
  it('is named by the address, %-escaped: no dot, no separator, nothing two addresses share', () => {
    expect(memberFolderName('Alice@Contoso.test')).toBe('alice@contoso%2Etest')
    expect(memberFolderName('a.b@x.test')).not.toBe(memberFolderName('a_b@x.test'))
    expect(memberFolderName('a/b.c@x.test')).toBe('a%2Fb%2Ec@x%2Etest')
    expect(memberFolderName('josé@x.test')).toBe('jos%C3%A9@x%2Etest')
    for (const a of ['alice@contoso.test', 'ana.maria+billing@sub.example-domain.test']) expect(memberOfFolderName(memberFolderName(a))).toBe(a)
  })
  it('names no one when it is not such a name', () => {
    for (const name of ['alice@contoso.test', 'Alice@contoso%2Etest', 'not an address', '%ZZ', 'alice@contoso%2etest']) expect(memberOfFolderName(name)).toBeNull()
  })
})
