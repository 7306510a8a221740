import { describe, expect, it } from 'vitest'
import { formatDraftAuthor, parseDraftAuthor } from '../../../shared/rules/draft-author'

describe('a draft\'s author, as the draft says', () => {
  it.each([
    [{ name: 'Lars Visser', address: 'lars@tailspin.test' }, '"Lars Visser" <lars@tailspin.test>'],
    [{ name: 'Élodie Martin', address: 'elodie@contoso.test' }, '=?UTF-8?B?w4lsb2RpZSBNYXJ0aW4=?= <elodie@contoso.test>'],
    [{ name: '', address: 'kim@fabrikam.test' }, '"" <kim@fabrikam.test>'],
  ])('%o is written in ASCII and read back', (a, header) => {
    expect(formatDraftAuthor(a)).toBe(header)
    expect(parseDraftAuthor(header)).toEqual(a)
  })
  it('drops what would break the header, and reads nothing from a value of another shape', () => {
    expect(formatDraftAuthor({ name: 'Eve "the boss"\r\nBcc: x', address: 'eve@x.test' })).toBe('"Eve the bossBcc: x" <eve@x.test>')
    for (const bad of ['', 'lars@tailspin.test', '"Lars" lars@tailspin.test', '"Lars" <not an address>', null]) expect(parseDraftAuthor(bad)).toBeNull()
  })
})
