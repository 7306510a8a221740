import { describe, expect, it } from 'vitest'
import type { MessageSummary } from '../../../shared/domain'
import { carryListCounts, perList, unreadConversations, unreadCount } from '../../../renderer/src/mail/per-list'
import { replaceRows } from '../../../renderer/src/mail/list-rows'
import { setOwnRanges } from '../../../renderer/src/mail/own-unread'

const row = (uid: number, conversationId: string, seen: boolean, date = uid) => ({ id: `f|${uid}`, folderId: 'f', uid, date, mailboxId: 'own:a@x', conversationId, flags: seen ? ['\\Seen'] : [] }) as unknown as MessageSummary
/** The figures counted from scratch, on a copy (a list not seen before). */
const recount = (rows: MessageSummary[]) => ({ messages: unreadCount([...rows]), conversations: unreadConversations([...rows]) })
const figures = (rows: MessageSummary[]) => ({ messages: unreadCount(rows), conversations: unreadConversations(rows) })

/** A small random generator, the same every run. */
function random(seed: number): () => number {
  let s = seed
  return () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31 }
}

describe('figures of a message list', () => {
  it('counts conversations and unread mail once per list, and again for a changed (new) list', () => {
    const list = [row(1, 'a', true), row(2, 'a', false), row(3, 'b', false)]
    expect(unreadCount(list)).toBe(2)
    expect(unreadConversations(list)).toBe(2)
    expect(unreadConversations([row(1, 'a', false), row(2, 'a', false)])).toBe(1)
    const read = list.map((m) => ({ ...m, flags: ['\\Seen'] }))
    expect(unreadCount(read)).toBe(0)
    expect(unreadConversations(read)).toBe(0)
    expect(unreadCount(list)).toBe(2)
  })

  it('carries the figures to the next list by the rows that changed, and they equal a recount after every change', () => {
    const rnd = random(7)
    const convs = ['a', 'b', 'c', 'd', 'e']
    // Newest first, several rows per date: the rows are found by date and then id.
    let list = Array.from({ length: 300 }, (_, i) => row(300 - i, convs[i % 5]!, rnd() < 0.5, Math.floor((300 - i) / 3)))
    figures(list)
    for (let step = 0; step < 200; step++) {
      const picked = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => list[Math.floor(rnd() * list.length)]!))]
      const was = list
      if (rnd() < 0.8) {
        const r = replaceRows(was, picked.map((before) => ({ before, after: { ...before, flags: rnd() < 0.5 ? ['\\Seen'] : [] } })))
        expect(r.gone).toEqual(picked)
        carryListCounts(was, r.rows, r.gone, r.came)
        list = r.rows
      } else {
        const gone = new Set(picked.map((m) => m.id))
        list = was.filter((m) => !gone.has(m.id))
        carryListCounts(was, list, picked, [])
      }
      expect(figures(list)).toEqual(recount(list))
    }
    expect(list.some((m) => m.flags.length) && list.some((m) => !m.flags.length)).toBe(true)
  })

  it('a carried figure is not counted again: only the changed rows are looked at', () => {
    let looked = 0
    const seen = perList<{ n: number }>({ start: () => ({ n: 0 }), add: (s, m, sign) => { looked++; if (m.flags.length) s.n += sign }, value: (s) => s.n })
    const list = Array.from({ length: 1000 }, (_, i) => row(1000 - i, 'a', i % 2 === 0))
    expect(seen(list)).toBe(500)
    expect(looked).toBe(1000)
    const r = replaceRows(list, [{ before: list[1]!, after: { ...list[1]!, flags: ['\\Seen'] } }])
    seen.carry(list, r.rows, r.gone, r.came)
    expect(seen(r.rows)).toBe(501)
    expect(looked).toBe(1002)
    // The list it was carried from is counted afresh if asked again (its tally moved on).
    expect(seen(list)).toBe(500)
    expect(looked).toBe(2002)
  })

  it('recounts when the person\'s own read state changed since the figures were counted', () => {
    const list = [row(1, 'a', false), row(2, 'b', false)]
    expect(figures(list)).toEqual({ messages: 2, conversations: 2 })
    setOwnRanges('f', [1, 1])
    const r = replaceRows(list, [{ before: list[1]!, after: { ...list[1]!, flags: ['\\Seen'] } }])
    carryListCounts(list, r.rows, r.gone, r.came)
    // Own read state: uid 1 read by the person; uid 2 unread for them whatever \Seen says.
    expect(figures(r.rows)).toEqual({ messages: 1, conversations: 1 })
    setOwnRanges('f', null)
    expect(figures(r.rows)).toEqual({ messages: 1, conversations: 1 })
  })

  it('replaces rows in place of the ones of the same id; a row not in the list is left out', () => {
    const list = [row(5, 'a', false, 9), row(4, 'b', false, 9), row(3, 'c', false, 7), row(2, 'd', false, 7), row(1, 'e', false, 1)]
    const r = replaceRows(list, [{ before: list[3]!, after: { ...list[3]!, flags: ['\\Seen'] } }, { before: row(9, 'z', false, 7), after: row(9, 'z', true, 7) }])
    expect(r.rows.map((m) => m.id)).toEqual(list.map((m) => m.id))
    expect(r.rows[3]!.flags).toEqual(['\\Seen'])
    expect(r.gone).toEqual([list[3]])
    expect(list[3]!.flags).toEqual([])
  })
})
