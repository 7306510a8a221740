import { describe, expect, it } from 'vitest'
import { DEFAULT_FLAG_SCAN, FolderFlags, flagScanFrom } from '../../../electron/service/operations/flag-scan'

// The bookkeeping of flags without CONDSTORE; the scans themselves run against real servers
// (test/integration/flag-scan.test.ts).
describe('FolderFlags', () => {
  it('schedules the full scan first, then the window by its clock or a hint', () => {
    const f = new FolderFlags({ window: 1000, windowMs: 50_000, fullMs: 3_300_000 })
    expect(f.due(0)).toBe('full')
    f.complete = true
    f.lastFull = f.lastWindow = 0
    expect(f.due(49_999)).toBeNull()
    expect(f.due(50_000)).toBe('window')
    f.hinted = true
    expect(f.due(1)).toBe('window')
    expect(f.due(3_300_000)).toBe('full')
  })

  it('hands over every known message to a device without a token, then only changes; a lost answer is handed again', () => {
    const f = new FolderFlags()
    f.learn(1, ['\\Seen'])
    f.learn(2, new Set(['\\Recent']))
    const before = f.token
    expect(f.acknowledge(null)).toBe('unknown')
    expect(f.take(true)).toEqual([{ uid: 1, flags: ['\\Seen'] }, { uid: 2, flags: [] }])
    // The device lost that answer: it sends the token before it, and gets the same again.
    expect(f.acknowledge(before)).toBe('previous')
    expect(f.take(false).map((c) => c.uid)).toEqual([1, 2])
    // It kept this one: nothing more to hand over.
    expect(f.acknowledge(f.token)).toBe('current')
    expect(f.take(false)).toEqual([])
    // A token from another service (a restart) is unknown; so is an older one.
    expect(f.acknowledge('elsewhere:0')).toBe('unknown')
    expect(f.acknowledge(before)).toBe('unknown')
  })

  it('forgets messages that went, and marks the person\'s own changes unknown (reported at the next scan whatever it finds)', () => {
    const f = new FolderFlags()
    for (const uid of [1, 2, 3]) f.learn(uid, [])
    f.invalidate([2, 9])
    f.forget([3])
    f.acknowledge(null)
    expect(f.take(true).map((c) => c.uid)).toEqual([1])
    f.forget(null, [])
    f.acknowledge(f.token)
    expect(f.take(true)).toEqual([])
  })

  it('takes a compressed schedule from TANDEM_FLAG_SCAN, and the default from anything else', () => {
    expect(flagScanFrom('5000,60000')).toEqual({ ...DEFAULT_FLAG_SCAN, windowMs: 5000, fullMs: 60000 })
    for (const bad of [undefined, '', 'x', '5000', '60000,5000', '10,100']) expect(flagScanFrom(bad)).toEqual(DEFAULT_FLAG_SCAN)
  })
})
