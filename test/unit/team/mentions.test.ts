import { describe, expect, it } from 'vitest'
import { conversationIdFromRoot } from '../../../shared/conversation'
import { parseTeamRecord, serialiseTeamRecord, type StoredTeamRecord, type TeamAction } from '../../../shared/team/records'
import { foldMentions, insideOf, MAX_MENTIONS, mentionedIn, mentionProblem, mentionQueryAt, mentionsOf, notePieces, type Mention } from '../../../shared/team/mentions'

const conv = conversationIdFromRoot('m:<printer.on.fire@customer.example>')
let n = 0
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
const rec = (uid: number, by: string, action: TeamAction, id = uuid()): StoredTeamRecord => ({ v: 1, id, conv, at: 1_700_000_000_000 + uid, by, action, uid })
const inside = insideOf(['contoso.test'])

describe('mentions in a note', () => {
  it('finds @address at the start or after a space or opening mark, each once, lower case; not inside a word, not the full stop after it', () => {
    expect(mentionedIn('@Bob@Contoso.test can you look? (@carol@contoso.test). Thanks @bob@contoso.test.')).toEqual(['bob@contoso.test', 'carol@contoso.test'])
    expect(mentionedIn('mail alice@contoso.test or x@bob@contoso.test')).toEqual([])
    expect(mentionedIn('@bob@contoso')).toEqual([])
  })

  it('counts only addresses inside the organisation (R7), at most MAX_MENTIONS', () => {
    expect(mentionsOf('@bob@contoso.test and @mallory@evil.example', inside)).toEqual(['bob@contoso.test'])
    const many = Array.from({ length: 30 }, (_, i) => `@m${i}@contoso.test`).join(' ')
    expect(mentionsOf(many, inside)).toHaveLength(MAX_MENTIONS)
  })

  it("the record's check refuses an outside address and more than MAX_MENTIONS, and lets the rest through", () => {
    expect(mentionProblem('@bob@contoso.test please', ['contoso.test'])).toBeNull()
    expect(mentionProblem('no mention at all', ['contoso.test'])).toBeNull()
    expect(mentionProblem('@bob@contoso.test and @mallory@evil.example', ['contoso.test'])).toEqual({ outside: ['mallory@evil.example'] })
    const many = Array.from({ length: MAX_MENTIONS + 1 }, (_, i) => `@m${i}@contoso.test`).join(' ')
    expect(mentionProblem(many, ['contoso.test'])).toEqual({ tooMany: MAX_MENTIONS + 1 })
  })

  it('splits a note into text and mention chips; an outside address stays text', () => {
    expect(notePieces('Hi @bob@contoso.test, and @eve@evil.example.', inside)).toEqual([
      { text: 'Hi ' }, { mention: 'bob@contoso.test', text: '@bob@contoso.test' }, { text: ', and @eve@evil.example.' },
    ])
    expect(notePieces('plain', inside)).toEqual([{ text: 'plain' }])
  })

  it('is linear on hostile text (10 000 characters of near-mentions)', () => {
    const hostile = `@${'a.'.repeat(4_999)}`
    const t = performance.now()
    expect(mentionedIn(hostile)).toEqual([])
    expect(mentionQueryAt(hostile, hostile.length)).toBeNull()
    expect(performance.now() - t).toBeLessThan(1000)
  })

  it('finds the @ being typed at the caret', () => {
    expect(mentionQueryAt('Hi @bo', 6)).toEqual({ start: 3, query: 'bo' })
    expect(mentionQueryAt('@', 1)).toEqual({ start: 0, query: '' })
    expect(mentionQueryAt('mail bob@con', 12)).toBeNull()
    expect(mentionQueryAt('Hi @bob done', 12)).toBeNull()
  })

  it('is in the text, so a note with mentions is a record every Tandem of before reads (the schemas are strict)', () => {
    const r = rec(1, 'alice@contoso.test', { kind: 'note', note: uuid(), text: '@bob@contoso.test please call them' })
    const { uid: _uid, ...record } = r
    expect(parseTeamRecord(serialiseTeamRecord(record))).toEqual(record)
  })
})

describe("the person's mentions, folded from records", () => {
  const me = 'bob@contoso.test'
  it('a note naming the person is a mention; the author never gets their own; an outside address or someone else is not the person', () => {
    const kept = new Map<string, Mention>()
    const a = rec(1, 'alice@contoso.test', { kind: 'note', note: uuid(), text: '@bob@contoso.test have a look' })
    const own = rec(2, 'bob@contoso.test', { kind: 'note', note: uuid(), text: 'note to self @bob@contoso.test' })
    const other = rec(3, 'alice@contoso.test', { kind: 'note', note: uuid(), text: '@carol@contoso.test yours' })
    const { added } = foldMentions(kept, 'mb', [other, own, a], me, inside)
    expect(added.map((m) => m.uid)).toEqual([1])
    expect(added[0]).toMatchObject({ mailboxId: 'mb', conv, by: 'alice@contoso.test', rid: a.id, deleted: null })
    // Outside the organisation (a forged domain in "me" cannot make it count either).
    expect(foldMentions(new Map(), 'mb', [rec(4, 'alice@contoso.test', { kind: 'note', note: uuid(), text: '@bob@evil.example' })], 'bob@evil.example', inside).added).toEqual([])
  })

  it('the same note seen again is the same mention; a delete marks it, a restore clears it', () => {
    const kept = new Map<string, Mention>()
    const note = uuid()
    const write = rec(1, 'alice@contoso.test', { kind: 'note', note, text: '@bob@contoso.test?' })
    foldMentions(kept, 'mb', [write], me, inside)
    expect(foldMentions(kept, 'mb', [{ ...write, uid: 9 }], me, inside).added).toEqual([])
    const del = foldMentions(kept, 'mb', [rec(10, 'carol@contoso.test', { kind: 'noteDelete', note })], me, inside)
    expect(del.changed.map((m) => m.deleted?.by)).toEqual(['carol@contoso.test'])
    expect(foldMentions(kept, 'mb', [rec(11, 'carol@contoso.test', { kind: 'noteRestore', note })], me, inside).changed[0]!.deleted).toBeNull()
    // A delete of a note this fold never saw changes nothing.
    expect(foldMentions(kept, 'mb', [rec(12, 'carol@contoso.test', { kind: 'noteDelete', note: uuid() })], me, inside)).toEqual({ added: [], changed: [] })
  })
})
