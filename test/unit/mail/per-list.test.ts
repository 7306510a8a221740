import { describe, expect, it } from 'vitest'
import type { MessageSummary } from '../../../shared/domain'
import { unreadConversations, unreadCount } from '../../../renderer/src/mail/per-list'

const row = (uid: number, conversationId: string, seen: boolean) => ({ id: `f|${uid}`, uid, mailboxId: 'own:a@x', conversationId, flags: seen ? ['\\Seen'] : [] }) as unknown as MessageSummary

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
})
