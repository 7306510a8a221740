import { describe, expect, it } from 'vitest'
import type { MessageSummary } from '../../../shared/domain'
import { ConversationIndex } from '../../../renderer/src/mail/conversation-index'
import { ConversationList } from '../../../renderer/src/mail/conversation-list'

const MAILBOX = 'shared:support@contoso.test'
const INBOX = `${MAILBOX}|INBOX`
const SENT = `${MAILBOX}|Sent Items`
const ARCHIVE = `${MAILBOX}|Archive`

let uid = 0
function msg(folderId: string, conversationId: string, date: number, opts: Partial<MessageSummary> = {}): MessageSummary {
  const u = ++uid
  return {
    id: `${folderId}|${u}`, folderId, mailboxId: MAILBOX, uid: u, messageId: `<m${u}@x>`, inReplyTo: null, subject: conversationId,
    from: [{ name: 'Élodie Martin', address: 'elodie@customer.example' }], to: [{ name: 'Support', address: 'support@contoso.test' }], cc: [],
    date, size: 1, flags: [], hasAttachments: false, sender: null, draftBy: null, referencesRoot: null, threadIndex: null, conversationId, ...opts,
  }
}

describe('the conversations of a mailbox, kept by every change', () => {
  it('one row per conversation with a message in the folder, by its newest there; the team\'s replies in Sent count', () => {
    const a1 = msg(INBOX, 'a', 1)
    const b1 = msg(INBOX, 'b', 2)
    const a2 = msg(INBOX, 'a', 3, { flags: ['\\Seen'] })
    const aSent = msg(SENT, 'a', 4, { from: [{ name: 'Support', address: 'support@contoso.test' }], to: [{ name: 'Élodie Martin', address: 'elodie@customer.example' }], sender: { name: 'Bob Baker', address: 'bob@contoso.test' } })
    const cArch = msg(ARCHIVE, 'c', 5)
    const index = new ConversationIndex(MAILBOX, new Set([INBOX, SENT, ARCHIVE]), false)
    index.put([a1, b1, a2, aSent, cArch])
    const list = new ConversationList(index, INBOX, SENT, 'support@contoso.test')
    list.rebuild([a2, b1, a1])
    expect(list.rows.map((m) => m.id)).toEqual([a2.id, b1.id])
    expect(list.info('a')).toMatchObject({ count: 3, unread: 1, people: [{ address: 'elodie@customer.example' }] })
    expect(list.info('a').inFolder.map((m) => m.id)).toEqual([a1.id, a2.id])
    expect(index.messages('a').map((m) => m.folderId)).toEqual([INBOX, INBOX, SENT])
  })

  it('a new message moves its conversation to the top; a removed one takes the row back to the one before; a row whose conversation became known moves', () => {
    const a1 = msg(INBOX, 'a', 1)
    const b1 = msg(INBOX, 'b', 2)
    const index = new ConversationIndex(MAILBOX, new Set([INBOX]), false)
    index.put([a1, b1])
    const list = new ConversationList(index, INBOX, null, 'support@contoso.test')
    list.rebuild([b1, a1])
    const a2 = msg(INBOX, 'a', 3)
    expect(list.update(index.put([a2]))).toBe(true)
    expect(list.rows.map((m) => m.id)).toEqual([a2.id, b1.id])
    list.update(index.remove([a2.id]))
    expect(list.rows.map((m) => m.id)).toEqual([b1.id, a1.id])
    // Its References arrived: b1 belongs to a after all.
    list.update(index.put([{ ...b1, conversationId: 'a' }]))
    expect(list.rows.map((m) => m.id)).toEqual([b1.id])
    expect(list.info('a').count).toBe(2)
    expect(index.messages('b')).toEqual([])
  })

  it('keeps the ids of before of a conversation\'s messages, for team records carried over', () => {
    const index = new ConversationIndex(MAILBOX, new Set([INBOX]), true)
    const first = msg(INBOX, 'a', 1, { subject: 'Printer on fire' })
    const edited = msg(INBOX, 'a', 2, { subject: 'Re: Printer on fire - now smoking' })
    index.put([first, edited])
    expect(index.legacyIds('a')).toHaveLength(2)
    index.remove([edited.id])
    expect(index.legacyIds('a')).toHaveLength(1)
  })

  it('keeps each row\'s info until its conversation changes: the same object for a row drawn again, a new one after a batch touched it', () => {
    const a1 = msg(INBOX, 'a', 1)
    const b1 = msg(INBOX, 'b', 2)
    const aSent = msg(SENT, 'a', 3, { from: [{ name: 'Support', address: 'support@contoso.test' }], to: [{ name: 'Élodie Martin', address: 'elodie@customer.example' }] })
    const index = new ConversationIndex(MAILBOX, new Set([INBOX, SENT, ARCHIVE]), false)
    index.put([a1, b1, aSent])
    const list = new ConversationList(index, INBOX, SENT, 'support@contoso.test')
    list.rebuild([b1, a1])
    const a = list.info('a')
    list.info('b')
    expect(a).toMatchObject({ count: 2, unread: 1, newest: { id: aSent.id } })
    expect(list.info('a')).toBe(a)
    // Another open of the folder (a new list over the same index) reads what is kept.
    const again = new ConversationList(index, INBOX, SENT, 'support@contoso.test')
    expect(again.info('a')).toBe(a)
    // A batch: a read a1 and a new b2; b's info is redone, a's too; an untouched conversation keeps its object.
    const c1 = msg(INBOX, 'c', 4)
    index.put([c1])
    const c = list.info('c')
    const b2 = msg(INBOX, 'b', 5, { from: [{ name: 'Marc Dubois', address: 'marc@customer.example' }] })
    list.update(index.put([{ ...a1, flags: ['\\Seen'] }, b2]))
    expect(list.info('a')).not.toBe(a)
    expect(list.info('a')).toMatchObject({ count: 2, unread: 0 })
    expect(list.info('b')).toMatchObject({ count: 2, unread: 2, newest: { id: b2.id } })
    expect(list.info('b').people.map((p) => p.address)).toEqual(['elodie@customer.example', 'marc@customer.example'])
    expect(list.info('c')).toBe(c)
    // Removed: the row's info says so (nothing left in the folder), not what it was.
    index.remove([c1.id])
    expect(list.info('c')).toMatchObject({ count: 0, unread: 0, newest: null })
    // The same conversation shown in another folder has its own info.
    const inSent = new ConversationList(index, SENT, SENT, 'support@contoso.test')
    expect(inSent.info('a')).toMatchObject({ count: 1, inFolder: [{ id: aSent.id }] })
    expect(list.info('a')).toMatchObject({ count: 2 })
  })

  it('leaves out folders it does not cover', () => {
    const index = new ConversationIndex(MAILBOX, new Set([INBOX]), false)
    expect(index.put([msg(`${MAILBOX}|Junk`, 'j', 1)]).size).toBe(0)
    expect(index.size).toBe(0)
  })
})
