import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { batchChain, batchHeaderValue, batchSlice, chainEnd, decodeBatch, encodeBatch, firstDifference, MAX_BATCH_BYTES, MAX_BATCH_RECORDS, parseBatchHeader, plausibleZipped, unzipLimit, type BatchInfo } from '../../../shared/team/batches'
import { conversationIdFromRoot } from '../../../shared/conversation'
import { type StoredTeamRecord } from '../../../shared/team/records'
import { fromTeamWire, joinTeamWires, toTeamWire } from '../../../shared/team/wire'

const rec = (uid: number, by = 'ana@litware.test', text?: string): StoredTeamRecord => ({
  v: 1, id: randomUUID(), conv: conversationIdFromRoot(`m:<c${uid}@example.net>`), at: 1_764_000_000_000 + uid, by,
  action: text ? { kind: 'note', note: randomUUID(), text } : { kind: 'assign', to: by, expect: null }, uid,
})
const info = (uid: number, from: number, upto: number, records = upto - from + 1): BatchInfo => ({ uid, from, upto, records, by: 'ana@litware.test' })

describe('team record batches', () => {
  it('round-trips records, people once, in ASCII whatever a note is written in', () => {
    const records = [rec(1), rec(2, 'bo@litware.test', 'Klant belt terug — ünïcødé, 漢字'), rec(5)]
    const json = encodeBatch(records)
    expect(json).toMatch(/^[\x20-\x7e]*$/)
    expect((JSON.parse(json) as { people: string[] }).people).toEqual(['ana@litware.test', 'bo@litware.test'])
    expect(fromTeamWire(decodeBatch(json, { from: 1, upto: 5, records: 3 })!)).toEqual(records)
  })

  it('refuses a batch that does not hold together: wrong count, UIDs outside its range or out of order, a bad record, a bad person index', () => {
    const records = [rec(3), rec(4)]
    const json = encodeBatch(records)
    expect(decodeBatch(json, { from: 3, upto: 4, records: 3 })).toBeNull()
    expect(decodeBatch(json, { from: 4, upto: 9, records: 2 })).toBeNull()
    expect(decodeBatch(json, { from: 1, upto: 3, records: 2 })).toBeNull()
    const swapped = JSON.parse(json) as { rows: unknown[][] }
    swapped.rows.reverse()
    expect(decodeBatch(JSON.stringify(swapped), { from: 3, upto: 4, records: 2 })).toBeNull()
    const hostile = JSON.parse(json) as { rows: unknown[][]; people: string[] }
    hostile.rows[0]![2] = '<script>'
    expect(decodeBatch(JSON.stringify(hostile), { from: 3, upto: 4, records: 2 })).toBeNull()
    const nobody = JSON.parse(json) as { rows: unknown[][] }
    nobody.rows[1]![4] = 7
    expect(decodeBatch(JSON.stringify(nobody), { from: 3, upto: 4, records: 2 })).toBeNull()
    expect(decodeBatch('{"v":2,"people":[],"rows":[]}', { from: 1, upto: 1, records: 0 })).toBeNull()
    expect(decodeBatch('not json', { from: 1, upto: 1, records: 1 })).toBeNull()
  })

  it('reads its header, and refuses one that claims more records than its range holds', () => {
    expect(parseBatchHeader(batchHeaderValue({ from: 1, upto: 2000, records: 1990 }))).toEqual({ from: 1, upto: 2000, records: 1990 })
    expect(parseBatchHeader('v=1; from=10; upto=12; records=4')).toBeNull()
    expect(parseBatchHeader('v=2; from=1; upto=12; records=4')).toBeNull()
    expect(parseBatchHeader('v=1; from=0; upto=12; records=4')).toBeNull()
    expect(parseBatchHeader('from=1; upto=2')).toBeNull()
  })

  it('chains batches in UID order from the first record on: duplicates and gaps are passed over, and so is a batch that covers itself or is distrusted', () => {
    const a = info(2001, 1, 2000)
    const twin = info(2002, 1, 2000)
    const b = info(4100, 2001, 4050)
    const gap = info(5000, 4060, 4900)
    const self = info(4200, 4051, 4300)
    expect(batchChain([b, twin, a, gap, self])).toEqual([a, b])
    expect(chainEnd([a, b])).toBe(4051)
    // The first is false: its twin takes its place, and the chain goes on from there.
    expect(batchChain([b, twin, a], new Set([2001]))).toEqual([twin, b])
    expect(batchChain([b])).toEqual([])
    expect(chainEnd([])).toBe(1)
  })

  it('finds where a batch differs from the log: a record changed, left out or added', () => {
    const log = [rec(1), rec(2), rec(3)]
    expect(firstDifference(log.map((r) => ({ ...r })), log)).toBeNull()
    expect(firstDifference([log[0]!, { ...log[1]!, by: 'eve@litware.test' }, log[2]!], log)).toBe(2)
    expect(firstDifference([log[0]!, log[2]!], log)).toBe(2)
    expect(firstDifference([...log, rec(4)], log)).toBe(4)
  })

  it('checks a batch as a record read on its own: addresses normalised, a bad id, time or action refuses the whole batch', () => {
    const r = rec(3)
    const json = JSON.parse(encodeBatch([r])) as { people: string[]; rows: unknown[][] }
    json.people[0] = ' Ana@Litware.TEST '
    ;(json.rows[0]![5] as { to: string }).to = 'Ana@Litware.test'
    expect(fromTeamWire(decodeBatch(JSON.stringify(json), { from: 3, upto: 3, records: 1 })!)).toEqual([r])
    for (const [i, bad] of [[1, 'not-a-uuid'], [3, -1], [3, 1.5], [5, { kind: 'assign', to: 'nobody' }], [5, { kind: 'status', status: 'closed' }], [5, { kind: 'status', status: 'done', extra: 1 }]] as const) {
      const broken = JSON.parse(encodeBatch([r])) as { rows: unknown[][] }
      broken.rows[0]![i] = bad
      expect(decodeBatch(JSON.stringify(broken), { from: 3, upto: 3, records: 1 }), `row field ${i}: ${JSON.stringify(bad)}`).toBeNull()
    }
  })
})

describe('bounded work for a batch, before it is unzipped', () => {
  it('refuses a header that claims more records than a batch may hold, or a zipped part its records could not fill', () => {
    expect(parseBatchHeader(`v=1; from=1; upto=${MAX_BATCH_RECORDS * 3}; records=${MAX_BATCH_RECORDS + 1}`)).toBeNull()
    expect(parseBatchHeader(`v=1; from=1; upto=9; records=9${' '.repeat(300)}`)).toBeNull()
    // A gzip of 318 KB that claims one record cannot be one: not unzipped at all.
    expect(plausibleZipped({ from: 1, upto: 1, records: 1 }, 318 * 1024)).toBe(false)
    expect(plausibleZipped({ from: 1, upto: 2500, records: 2500 }, 318 * 1024)).toBe(true)
    expect(plausibleZipped({ from: 1, upto: 20_000, records: 20_000 }, MAX_BATCH_BYTES + 1)).toBe(false)
    // Unzipped, at most what its records could take, and never more than MAX_BATCH_BYTES.
    expect(unzipLimit({ from: 1, upto: 2, records: 2 })).toBeLessThan(200 * 1024)
    expect(unzipLimit({ from: 1, upto: 20_000, records: 20_000 })).toBe(MAX_BATCH_BYTES)
    expect(decodeBatch(' '.repeat(unzipLimit({ from: 1, upto: 1, records: 1 }) + 1), { from: 1, upto: 1, records: 1 })).toBeNull()
  })

  it('a writer takes as many records as fit a batch, by count and by bytes, at least one', () => {
    const big = 'x'.repeat(10_000)
    const notes = Array.from({ length: 2000 }, (_, i) => rec(i + 1, 'ana@litware.test', big))
    const slice = batchSlice(notes)
    expect(slice.length).toBeLessThan(notes.length)
    expect(slice.length).toBeGreaterThan(500)
    expect(encodeBatch(slice).length).toBeLessThanOrEqual(MAX_BATCH_BYTES)
    expect(batchSlice(Array.from({ length: MAX_BATCH_RECORDS + 5 }, (_, i) => rec(i + 1)))).toHaveLength(MAX_BATCH_RECORDS)
    expect(batchSlice([rec(1)])).toHaveLength(1)
  })
})

describe('team records on the wire', () => {
  it('joins the wires of several batches: one list of people, rows renumbered, those below a UID left out', () => {
    const a = toTeamWire([rec(1, 'ana@litware.test'), rec(2, 'bo@litware.test')])
    const b = toTeamWire([rec(3, 'bo@litware.test'), rec(4, 'cy@litware.test')])
    const joined = joinTeamWires([a, b], 2)
    expect(joined.people).toEqual(['ana@litware.test', 'bo@litware.test', 'cy@litware.test'])
    expect(fromTeamWire(joined)).toEqual([...fromTeamWire(a).slice(1), ...fromTeamWire(b)])
    expect(joinTeamWires([])).toEqual({ people: [], rows: [] })
  })
})
