import { describe, expect, it } from 'vitest'
import { IN_VIEW, ViewTally, type InboxRow, type ViewCounts } from '../../../renderer/src/components/sidebar/view-tally'
import type { ConversationRef } from '../../../renderer/src/stores/team'

const MAILBOX = 'shared:support@contoso.test'

/** A small random generator, the same every run. */
function random(seed: number): () => number {
  let s = seed
  return () => { s = (s * 1103515245 + 12345) % 2 ** 31; return s / 2 ** 31 }
}

/** The counts from scratch, as the sidebar counted every Inbox row before (one pass, a conversation once in that view). */
function recount(rows: Map<number, InboxRow>, classify: (c: ConversationRef) => number, asConversations: boolean): ViewCounts {
  const c: ViewCounts = { unassigned: 0, mine: 0, waiting: 0, snoozed: 0 }
  const seen = new Set<string>()
  for (const r of rows.values()) {
    if (asConversations) { if (seen.has(r.conversationId)) continue; seen.add(r.conversationId) }
    const bits = classify(r)
    for (const v of ['unassigned', 'mine', 'waiting', 'snoozed'] as const) if (bits & IN_VIEW[v]) c[v]++
  }
  return c
}

describe('the team views\' counts, kept per change', () => {
  it('equal a recount of every row after every change of the rows and of the team state, as conversations and as messages', () => {
    const rnd = random(11)
    const tally = new ViewTally()
    const truth = new Map<number, InboxRow>()
    // The team state: per conversation its views' bits; `epoch` changes when it does.
    const state = new Map<string, number>()
    let epoch = {}
    let asked = 0
    const classify = (c: ConversationRef) => { asked++; return state.get(c.conversationId) ?? IN_VIEW.unassigned }
    const bitsOf = () => [IN_VIEW.snoozed, IN_VIEW.unassigned, IN_VIEW.mine, IN_VIEW.unassigned | IN_VIEW.waiting, IN_VIEW.mine | IN_VIEW.waiting, 0][Math.floor(rnd() * 6)]!
    const put = (id: number, conversationId: string) => { const r = { mailboxId: MAILBOX, conversationId, from: 'a@customer.example', date: id }; tally.put(id, r); truth.set(id, r) }
    for (let i = 0; i < 400; i++) put(i, `c${Math.floor(rnd() * 120)}`)
    for (let i = 0; i < 120; i++) state.set(`c${i}`, bitsOf())
    expect(tally.counts([epoch], classify, true)).toEqual(recount(truth, classify, true))
    let next = 400
    for (let step = 0; step < 300; step++) {
      const r = rnd()
      if (r < 0.35) put(next++, `c${Math.floor(rnd() * 130)}`)
      else if (r < 0.6) { const id = [...truth.keys()][Math.floor(rnd() * truth.size)]!; expect(tally.remove(id)).toBe(true); truth.delete(id) }
      else if (r < 0.8) put([...truth.keys()][Math.floor(rnd() * truth.size)]!, `c${Math.floor(rnd() * 130)}`)
      else { state.set(`c${Math.floor(rnd() * 130)}`, bitsOf()); epoch = {} }
      const asConversations = rnd() < 0.5
      expect(tally.counts([epoch], classify, asConversations)).toEqual(recount(truth, classify, asConversations))
      expect(tally.size).toBe(truth.size)
    }
    // A change of one message asks about its conversation alone.
    asked = 0
    put(next, 'c3')
    tally.counts([epoch], classify, true)
    expect(asked).toBe(1)
    expect(tally.remove(-1)).toBe(false)
    expect(tally.rowsOf('c3').length).toBe([...truth.values()].filter((x) => x.conversationId === 'c3').length)
  })
})
