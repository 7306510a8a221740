import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  deltaDecode, deltaEncode, foldOwnRead, hasUid, isRanges, MAX_DELTA_NUMBERS, MAX_OWN_READ_JSON, MAX_STATE_NUMBERS, MAX_UID, OWN_READ_HEADER, parseOwnRead, rangesOf,
  serialiseOwnRead, snapshotOver, subtractRanges, unionRanges, uidCount, type StoredOwnRead,
} from '../../../shared/team/own-read'
import { ownReadOf } from '../../../electron/service/operations/own-read'

let n = 0
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
const ME = 'alice@example.org'
const rec = (uid: number, kind: 'snapshot' | 'delta', read: number[], unread: number[] = [], extra: Partial<StoredOwnRead> = {}): StoredOwnRead =>
  ({ uid, id: uuid(), by: ME, at: 1_700_000_000_000, folder: 'INBOX', uidValidity: 7, kind, read, unread, ...extra })

describe('own read ranges', () => {
  it('are made from UIDs in any order, joined where they touch, and found by binary search', () => {
    const r = rangesOf([5, 1, 2, 3, 9, 10, 3, 12])
    expect(r).toEqual([1, 3, 5, 5, 9, 10, 12, 12])
    expect([0, 1, 3, 4, 5, 6, 9, 10, 11, 12, 13].map((u) => hasUid(r, u))).toEqual([false, true, true, false, true, false, true, true, false, true, false])
    expect(uidCount(r)).toBe(7)
    expect(hasUid([], 1)).toBe(false)
  })

  it('union and difference agree with sets', () => {
    const rnd = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const r = rnd(42)
    for (let round = 0; round < 200; round++) {
      const a = new Set<number>(); const b = new Set<number>()
      for (let i = 0; i < 40; i++) { a.add(1 + Math.floor(r() * 60)); b.add(1 + Math.floor(r() * 60)) }
      const u = unionRanges(rangesOf(a), rangesOf(b))
      const d = subtractRanges(rangesOf(a), rangesOf(b))
      for (let x = 0; x <= 61; x++) {
        expect(hasUid(u, x)).toBe(a.has(x) || b.has(x))
        expect(hasUid(d, x)).toBe(a.has(x) && !b.has(x))
      }
      expect(isRanges(u) && isRanges(d)).toBe(true)
    }
  })

  it('a snapshot runs over UIDs with no message (moved, deleted) and starts at 1 as a watermark', () => {
    // Messages 2, 4, 6, 8, 10 exist; 2-6 read, 8 unread, 10 read; 11-12 read on another device, not synced here.
    const read = rangesOf([2, 4, 6, 10, 11, 12])
    expect(snapshotOver(read, [2, 4, 6, 8, 10])).toEqual([1, 6, 10, 12])
    // 100 000 messages all read but one in the middle: two ranges.
    const all = Array.from({ length: 100_000 }, (_, i) => i * 3 + 1)
    const readAll = subtractRanges([1, all.at(-1)!], [all[50_000]!, all[50_000]!])
    expect(snapshotOver(readAll, all)).toEqual([1, all[49_999]!, all[50_001]!, all.at(-1)!])
  })

  it('are carried delta-encoded, and what is not well-formed ranges is refused', () => {
    const r = [1, 6, 10, 12, 4_000_000_000, MAX_UID]
    expect(deltaDecode(deltaEncode(r))).toEqual(r)
    expect(deltaDecode([1])).toBeNull()
    expect(deltaDecode([0, 3])).toBeNull()
    expect(deltaDecode([5, -1])).toBeNull()
    expect(deltaDecode([1, 3, 0, 1])).toBeNull()
    expect(deltaDecode([MAX_UID, 1])).toBeNull()
    expect(isRanges([3, 1])).toBe(false)
    expect(isRanges([1, 3, 3, 4])).toBe(false)
  })
})

describe('the fold of one member\'s snapshots and deltas', () => {
  it('is the newest snapshot and the deltas after it, in UID order; deltas before it are in it', () => {
    const states = foldOwnRead([
      rec(9, 'delta', [20, 20], [3, 3]),
      rec(1, 'snapshot', [1, 5]),
      rec(2, 'delta', [7, 8]),
      rec(5, 'snapshot', [1, 10]),
      rec(7, 'delta', [12, 12]),
    ]).states
    expect(states).toEqual([{ folder: 'INBOX', uidValidity: 7, read: [1, 2, 4, 10, 12, 12, 20, 20], deltas: 2 }])
  })

  it('a read and then a mark unread of the same message, and back, follow the order', () => {
    expect(foldOwnRead([rec(1, 'delta', [4, 4]), rec(2, 'delta', [], [4, 4]), rec(3, 'delta', [5, 5])]).states[0]!.read).toEqual([5, 5])
    expect(foldOwnRead([rec(1, 'delta', [], [4, 4]), rec(2, 'delta', [4, 4])]).states[0]!.read).toEqual([4, 4])
  })

  it('a replayed delta counts once and changes nothing; a renumbered folder starts afresh', () => {
    const d = rec(2, 'delta', [3, 3])
    expect(foldOwnRead([rec(1, 'snapshot', [1, 2]), d, { ...d, uid: 3 }]).states[0]).toMatchObject({ read: [1, 3], deltas: 1 })
    const renumbered = foldOwnRead([rec(1, 'snapshot', [1, 100]), rec(2, 'delta', [5, 5], [], { uidValidity: 8 })]).states
    expect(renumbered).toEqual([{ folder: 'INBOX', uidValidity: 8, read: [5, 5], deltas: 1 }])
  })

  it('keeps folders apart', () => {
    const states = foldOwnRead([rec(1, 'snapshot', [1, 5]), rec(2, 'snapshot', [1, 2], [], { folder: 'Archive' })]).states
    expect(Object.fromEntries(states.map((s) => [s.folder, s.read]))).toEqual({ INBOX: [1, 5], Archive: [1, 2] })
  })

  it('does not let records grow a folder\'s state past its bound (R15)', () => {
    const big = Array.from({ length: MAX_STATE_NUMBERS / 2 }, (_, i) => [i * 4 + 1, i * 4 + 1]).flat()
    const r = foldOwnRead([rec(1, 'snapshot', big), rec(2, 'delta', [MAX_UID - 1, MAX_UID - 1])])
    expect(r.skipped).toBe(1)
    expect(r.states[0]!.read.length).toBe(MAX_STATE_NUMBERS)
  })
})

describe('a read-state message as the service reads it', () => {
  const fieldsOf = (json: string | Buffer) => new Map([[OWN_READ_HEADER.toLowerCase(), gzipSync(json).toString('base64')]])
  const why: string[] = []
  const log = (line: string) => { why.push(line) }

  it('round-trips: serialised, gzipped, read back by its member', async () => {
    const r = rec(0, 'delta', [1, 6, 10, 12], [8, 8])
    const back = await ownReadOf(fieldsOf(serialiseOwnRead(r)), 42, ME, log)
    expect(back).toEqual({ ...r, uid: 42 })
  })

  it('is refused when it names another member, when delivered, or when not well-formed', async () => {
    const r = rec(0, 'snapshot', [1, 6])
    why.length = 0
    expect(await ownReadOf(fieldsOf(serialiseOwnRead(r)), 1, 'bob@example.org', log)).toBeNull()
    expect(why.pop()).toMatch(/in the name of alice@example.org/)
    const delivered = fieldsOf(serialiseOwnRead(r))
    delivered.set('received', 'from somewhere')
    expect(await ownReadOf(delivered, 1, ME, log)).toBeNull()
    expect(why.pop()).toMatch(/delivered/)
    expect(await ownReadOf(fieldsOf(JSON.stringify({ ...JSON.parse(serialiseOwnRead(r)), read: [5, -2] })), 1, ME, log)).toBeNull()
    expect(await ownReadOf(fieldsOf('{"v":1'), 1, ME, log)).toBeNull()
    expect(await ownReadOf(new Map([[OWN_READ_HEADER.toLowerCase(), 'not gzip at all']]), 1, ME, log)).toBeNull()
    // A snapshot with "unread", a delta bigger than a delta may be.
    expect(parseOwnRead(JSON.stringify({ ...JSON.parse(serialiseOwnRead(r)), unread: [3, 0] }), 1)).toBeNull()
    const huge = new Array(MAX_DELTA_NUMBERS + 2).fill(1)
    expect(parseOwnRead(JSON.stringify({ ...JSON.parse(serialiseOwnRead(rec(0, 'delta', []))), read: huge }), 1)).toBeNull()
  })

  it('a zip bomb is stopped at its bound, never parsed, and says why', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 32))
    why.length = 0
    expect(await ownReadOf(new Map([[OWN_READ_HEADER.toLowerCase(), bomb.toString('base64')]]), 1, ME, log)).toBeNull()
    expect(why.pop()).toMatch(new RegExp(`more than ${MAX_OWN_READ_JSON} bytes`))
  })

  it('millions of ranges or huge UIDs are refused by the schema', async () => {
    const many = JSON.stringify({ ...JSON.parse(serialiseOwnRead(rec(0, 'snapshot', []))), read: new Array(2_000_000).fill(1) })
    expect(await ownReadOf(fieldsOf(many), 1, ME, log)).toBeNull()
    const past = JSON.stringify({ ...JSON.parse(serialiseOwnRead(rec(0, 'snapshot', []))), read: [MAX_UID + 1, 0] })
    expect(await ownReadOf(fieldsOf(past), 1, ME, log)).toBeNull()
  })
})
