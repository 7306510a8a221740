import { describe, expect, it } from 'vitest'
import { MAX_HISTORY, MAX_NOTES, TeamFold } from '../../../shared/team/fold'
import { conversationIdFromRoot } from '../../../shared/conversation'
import { parseTeamRecord, serialiseTeamRecord, type StoredTeamRecord, type TeamAction } from '../../../shared/team/records'

const conv = conversationIdFromRoot('m:<printer.on.fire@customer.example>')
let n = 0
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
const rec = (uid: number, by: string, action: TeamAction, id = uuid()): StoredTeamRecord => ({ v: 1, id, conv, at: 1_700_000_000_000 + uid, by, action, uid })

describe('team fold', () => {
  it('a claim counts only while the conversation is still as the claimer saw it; the loser learns who has it', () => {
    const f = new TeamFold()
    const a = rec(1, 'alice@x.test', { kind: 'assign', to: 'alice@x.test', expect: null })
    const b = rec(2, 'bob@x.test', { kind: 'assign', to: 'bob@x.test', expect: null })
    f.add([b, a])
    expect(f.get(conv).assignee).toBe('alice@x.test')
    expect(f.outcomeOf(conv, b.id)).toMatchObject({ outcome: 'lost', holder: 'alice@x.test' })
    // A reassignment without expect always counts; a claim that saw it then counts too.
    f.add([rec(3, 'alice@x.test', { kind: 'assign', to: 'carol@x.test' }), rec(4, 'dave@x.test', { kind: 'assign', to: 'dave@x.test', expect: 'carol@x.test' })])
    expect(f.get(conv)).toMatchObject({ assignee: 'dave@x.test', assignedBy: 'dave@x.test' })
  })

  it('gives the same state for the same records however they are batched, and counts a replayed record once', () => {
    const note = uuid()
    const records = [
      rec(1, 'a@x.test', { kind: 'status', status: 'waiting' }),
      rec(2, 'b@x.test', { kind: 'note', note, text: 'called them' }),
      rec(4, 'a@x.test', { kind: 'noteDelete', note }),
      rec(7, 'b@x.test', { kind: 'status', status: 'done' }),
      rec(9, 'a@x.test', { kind: 'assign', to: null }),
    ]
    const once = new TeamFold()
    once.add(records)
    const batched = new TeamFold()
    for (const r of [...records].reverse()) batched.add([r]) // only above lastUid: a later batch never goes back
    const inOrder = new TeamFold()
    for (const r of records) inOrder.add([r])
    expect(inOrder.get(conv)).toEqual(once.get(conv))
    expect(batched.get(conv)).not.toEqual(once.get(conv))
    // The same record appended twice (a crash after APPEND): its second copy changes nothing.
    const twice = new TeamFold()
    twice.add([...records, { ...records[1]!, uid: 12 }, { ...records[0]!, uid: 13, action: { kind: 'status', status: 'open' } }])
    expect(twice.get(conv).status).toBe('done')
    expect(twice.get(conv).history).toHaveLength(5)
    expect(once.get(conv).notes[0]).toMatchObject({ by: 'b@x.test', deleted: { by: 'a@x.test' } })
  })

  it('ignores deleting a note that is not there or twice, and restores a deleted one', () => {
    const f = new TeamFold()
    const note = uuid()
    f.add([rec(1, 'a@x.test', { kind: 'noteDelete', note }), rec(2, 'a@x.test', { kind: 'note', note, text: 'x' }), rec(3, 'b@x.test', { kind: 'noteDelete', note }), rec(4, 'c@x.test', { kind: 'noteDelete', note }), rec(5, 'a@x.test', { kind: 'noteRestore', note })])
    expect(f.get(conv).history.map((e) => e.outcome)).toEqual(['ignored', 'applied', 'applied', 'ignored', 'applied'])
    expect(f.get(conv).notes[0]!.deleted).toBeNull()
  })

  it('keeps who deleted which messages of a conversation in its history (R10)', () => {
    const f = new TeamFold()
    f.add([rec(1, 'bob@x.test', { kind: 'deleted', messageIds: ['<a@x>', '<b@x>'], count: 2 })])
    expect(f.get(conv).history).toEqual([expect.objectContaining({ by: 'bob@x.test', outcome: 'applied', action: { kind: 'deleted', messageIds: ['<a@x>', '<b@x>'], count: 2 } })])
    expect(parseTeamRecord(JSON.stringify({ v: 1, id: uuid(), conv, at: 1, by: 'a@x.test', action: { kind: 'deleted', messageIds: [], count: 1 } }))).toBeNull()
  })

  it('keeps the newest notes and history of a conversation, and counts the older ones: 5 000 notes are bounded, alike in every fold', () => {
    const text = '\u2603'.repeat(10_000)
    const records = Array.from({ length: 5000 }, (_, i) => rec(i + 1, i % 2 ? 'a@x.test' : 'b@x.test', { kind: 'note', note: uuid(), text }))
    const f = new TeamFold()
    f.add(records)
    const s = f.get(conv)
    expect(s.notes).toHaveLength(MAX_NOTES)
    expect(s.olderNotes).toBe(5000 - MAX_NOTES)
    expect(s.notes[0]!.id).toBe((records[5000 - MAX_NOTES]!.action as { note: string }).note)
    expect(s.history).toHaveLength(MAX_HISTORY)
    expect(s.olderEvents).toBe(5000 - MAX_HISTORY)
    expect(s.history.at(-1)!.uid).toBe(5000)
    // Its JSON stays small enough to store (5 000 whole notes made a 229 MB row at 2 000).
    expect(JSON.stringify(s).length).toBeLessThan(MAX_NOTES * 10_000 * 3 + MAX_HISTORY * 2_000)
    // Page by page, the same.
    const paged = new TeamFold()
    for (let i = 0; i < records.length; i += 333) paged.add(records.slice(i, i + 333))
    expect(paged.get(conv)).toEqual(s)
    // Deleting a note no longer kept changes nothing, and says so.
    const gone = (records[0]!.action as { note: string }).note
    f.add([rec(5001, 'a@x.test', { kind: 'noteDelete', note: gone })])
    expect(f.get(conv).history.at(-1)!.outcome).toBe('ignored')
  })

  it('keeps who is writing until they stop, out of the history', () => {
    const f = new TeamFold()
    f.add([rec(1, 'a@x.test', { kind: 'writing', until: 2_000 }), rec(2, 'b@x.test', { kind: 'writing', until: 3_000 }), rec(3, 'a@x.test', { kind: 'writing', until: 0 })])
    expect(f.get(conv).writing).toEqual({ 'b@x.test': 3_000 })
    expect(f.get(conv).history).toEqual([])
  })
})

describe('team records', () => {
  it('survive any transfer encoding: ASCII only, and read back the same', () => {
    const r = { v: 1 as const, id: uuid(), conv, at: 1, by: 'ines@northwind.test', action: { kind: 'note' as const, note: uuid(), text: 'Klant belt terug — “morgen” 🙂' } }
    const json = serialiseTeamRecord(r)
    expect(json).toMatch(/^[\x20-\x7e]*$/)
    expect(parseTeamRecord(json)).toEqual(r)
  })

  it('refuse what is not a well-formed record: other versions, unknown fields, bad ids, oversize text', () => {
    const good = { v: 1, id: uuid(), conv, at: 1, by: 'a@x.test', action: { kind: 'status', status: 'done' } }
    expect(parseTeamRecord(JSON.stringify(good))).not.toBeNull()
    for (const bad of [
      { ...good, v: 2 },
      { ...good, extra: 1 },
      { ...good, id: 'x' },
      { ...good, conv: '<script>' },
      { ...good, by: 'not an address' },
      { ...good, action: { kind: 'status', status: 'closed' } },
      { ...good, action: { kind: 'note', note: uuid(), text: 'x'.repeat(10_001) } },
      { ...good, action: { kind: 'assign', to: 'a@x.test', admin: true } },
    ]) expect(parseTeamRecord(JSON.stringify(bad))).toBeNull()
    expect(parseTeamRecord('{')).toBeNull()
    expect(parseTeamRecord('x'.repeat(70_000))).toBeNull()
  })

  it('name a conversation by its id of today or of before, nothing else', () => {
    const good = { v: 1, id: uuid(), conv, at: 1, by: 'a@x.test', action: { kind: 'status', status: 'done' } }
    expect(parseTeamRecord(JSON.stringify(good))).not.toBeNull()
    expect(parseTeamRecord(JSON.stringify({ ...good, conv: '0b91ea8b7868450cde174f2845eb' }))).not.toBeNull()
    expect(parseTeamRecord(JSON.stringify({ ...good, conv: 'printer on fire|customer@example.net' }))).toBeNull()
  })
})
