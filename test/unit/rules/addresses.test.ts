import { describe, expect, it } from 'vitest'
import { formatAddress, parseAddressList, replySubject } from '../../../shared/rules/addresses'

describe('address lists', () => {
  it('reads names, bare addresses, commas and semicolons, and quoted names with commas', () => {
    expect(parseAddressList('Dave Dunn <Dave@Contoso.test>, carol@contoso.test; "Baker, Bob" <bob@contoso.test>')).toEqual({
      addresses: [{ name: 'Dave Dunn', address: 'dave@contoso.test' }, { name: '', address: 'carol@contoso.test' }, { name: 'Baker, Bob', address: 'bob@contoso.test' }],
      invalid: [],
    })
  })
  it('reports what it cannot read', () => {
    expect(parseAddressList('dave, someone@, ok@x.test').invalid).toEqual(['dave', 'someone@'])
  })
  it('formats back what it reads', () => {
    expect(formatAddress({ name: 'Baker, Bob', address: 'bob@contoso.test' })).toBe('"Baker, Bob" <bob@contoso.test>')
    expect(parseAddressList(formatAddress({ name: 'Baker, Bob', address: 'bob@contoso.test' })).addresses[0]!.name).toBe('Baker, Bob')
  })
  it('prefixes reply and forward subjects once', () => {
    expect(replySubject('Re: AW: Order 1', 'Re')).toBe('Re: Order 1')
    expect(replySubject('Order 1', 'Fwd')).toBe('Fwd: Order 1')
  })
})
