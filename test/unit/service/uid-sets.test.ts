import { describe, expect, it } from 'vitest'
import { MAX_SET_OCTETS, uidSets } from '../../../electron/service/imap/uid-sets'

/** Every UID a set names ("1:3,7" → 1, 2, 3, 7). */
function expand(set: string): number[] {
  return set.split(',').flatMap((r) => {
    const [a, b = a] = r.split(':').map(Number) as [number, number?]
    return Array.from({ length: b! - a + 1 }, (_, i) => a + i)
  })
}

describe('UID sets that fit a command line', () => {
  it('writes neighbours as ranges, ascending, each UID once', () => {
    expect(uidSets([5, 1, 2, 3, 3, 9, 10, 12])).toEqual(['1:3,5,9:10,12'])
    expect(uidSets([])).toEqual([])
    expect(uidSets([0, -1, 1.5, 7])).toEqual(['7'])
  })

  it('keeps 5 000 neighbouring UIDs in one short set', () => {
    expect(uidSets(Array.from({ length: 5000 }, (_, i) => i + 1))).toEqual(['1:5000'])
  })

  it('splits UIDs no range can join into sets of at most the budget, naming each UID exactly once', () => {
    const uids = Array.from({ length: 5000 }, (_, i) => 100_000 + 3 * i)
    const sets = uidSets(uids)
    // As one list this would be ~35 000 octets: over every limit servers are known to have.
    expect(uids.join(',').length).toBeGreaterThan(30_000)
    expect(sets.length).toBeGreaterThan(30)
    for (const s of sets) expect(s.length).toBeLessThanOrEqual(MAX_SET_OCTETS)
    expect(sets.flatMap(expand)).toEqual(uids)
  })

  it('takes a smaller budget when asked', () => {
    const sets = uidSets([1, 3, 5, 7, 9, 11], 5)
    expect(sets).toEqual(['1,3,5', '7,9', '11'])
  })
})
