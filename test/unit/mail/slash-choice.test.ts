import { describe, expect, it } from 'vitest'
import { matchChoices, slashQueryBefore } from '../../../renderer/src/components/compose/slash-choice'

describe('the composer\'s / list of saved replies', () => {
  it('opens for a / at the start of a line or after a space, never inside a word, an address or a link', () => {
    expect(slashQueryBefore('/')).toBe('')
    expect(slashQueryBefore('/ref')).toBe('ref')
    expect(slashQueryBefore('Hello /Ref')).toBe('Ref')
    expect(slashQueryBefore('line one\n/ord')).toBe('ord')
    expect(slashQueryBefore('and/or')).toBeNull()
    expect(slashQueryBefore('see https://example.net/help')).toBeNull()
    expect(slashQueryBefore('/ref ')).toBeNull()
    expect(slashQueryBefore('')).toBeNull()
  })

  it('filters by name as the person types: names that start with it first, then names that hold it', () => {
    const all = [{ name: 'Order delayed' }, { name: 'Refund on its way' }, { name: 'Partial refund' }, { name: 'Password reset' }]
    expect(matchChoices(all, '').map((c) => c.name)).toEqual(all.map((c) => c.name))
    expect(matchChoices(all, 'REF').map((c) => c.name)).toEqual(['Refund on its way', 'Partial refund'])
    expect(matchChoices(all, 'zzz')).toEqual([])
  })
})
