import { describe, expect, it } from 'vitest'
import { batchFromWire, fromWire, toWire, type WireSummary } from '../../../shared/api/summary-wire'
import { events } from '../../../shared/api/contract'
import type { MessageSummary } from '../../../shared/domain'
import { conversationIdFromRoot } from '../../../shared/conversation'

const folderId = 'shared:helpdesk@fabrikam.test|Postvak IN|Team'
const summary: MessageSummary = {
  id: `${folderId}|42`, folderId, mailboxId: 'shared:helpdesk@fabrikam.test', uid: 42, messageId: '<a@x>', inReplyTo: null,
  subject: 'Re: Printer on fire', from: [{ name: 'Ana García', address: 'ana@customers.example' }], to: [{ name: '', address: 'helpdesk@fabrikam.test' }],
  cc: [{ name: 'B', address: 'b@x.example' }, { name: '', address: 'c@x.example' }], date: 1_790_000_000_000, size: 2048, flags: ['\\Seen', '$Forwarded'],
  hasAttachments: true, sender: { name: 'Bob Baker', address: 'bob@fabrikam.test' }, draftBy: null, referencesRoot: '<root@customers.example>', threadIndex: null,
  conversationId: conversationIdFromRoot('m:<root@customers.example>'),
}

describe('message summaries on the wire of a sync batch', () => {
  it('round-trips every field; the cache key, the mailbox and the conversation (from References\' root) are rebuilt', () => {
    const { id: _i, folderId: _f, mailboxId: _m, conversationId: _c, ...rest } = summary
    const wire = toWire(rest)
    expect(JSON.stringify(wire).length).toBeLessThan(JSON.stringify(summary).length * 0.6)
    expect(batchFromWire(folderId, JSON.parse(JSON.stringify([wire])))).toEqual([summary])
  })

  it('refuses a batch with any row off the shape, through the contract as the renderer reads it', () => {
    const { id: _i, folderId: _f, mailboxId: _m, conversationId: _c, ...rest } = summary
    const good = toWire(rest)
    const bad: unknown[] = [
      good.slice(0, 10), [0, ...good.slice(1)], [1.5, ...good.slice(1)],
      good.map((x, i) => (i === 4 ? ['only a name'] : x)), good.map((x, i) => (i === 9 ? [7] : x)),
      good.map((x, i) => (i === 10 ? true : x)), good.map((x, i) => (i === 8 ? -1 : x)), good.map((x, i) => (i === 3 ? null : x)),
      good.map((x, i) => (i === 11 ? ['a', 'b', 'c', 'd'] : x)), good.map((x, i) => (i === 12 ? 7 : x)), 'row',
    ]
    for (const b of bad) expect(fromWire(folderId, 'shared:helpdesk@fabrikam.test', b)).toBeNull()
    const event = (rows: unknown[]) => events['sync.messages'].safeParse({ folderId, rows, done: rows.length, total: 10 })
    expect(event([good, good]).success).toBe(true)
    expect(event([good, bad[0]]).success).toBe(false)
    const parsed = event([good as WireSummary])
    expect(parsed.success && parsed.data.messages[0]!.id).toBe(`${folderId}|42`)
  })
})
