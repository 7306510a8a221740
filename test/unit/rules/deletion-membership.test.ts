import { describe, expect, it } from 'vitest'
import { deleteDestination, deleteNeedsConfirmation, refusedFlagChange } from '../../../shared/rules/deletion'
import { membershipChange } from '../../../shared/rules/membership'

const shared = { name: 'Helpdesk', kind: 'shared' as const }
const own = { name: 'noor@fabrikam.test', kind: 'own' as const }
const inbox = { id: 'm|INBOX', role: 'inbox', name: 'INBOX' }
const trash = { id: 'm|Verwijderde items', role: 'trash', name: 'Verwijderde items' }
const archive = { id: 'm|Archief', role: 'archive', name: 'Archief' }

describe('R10: deleting moves to Deleted Items, never erases', () => {
  it.each([
    ['from INBOX to the mailbox\'s Deleted Items, whatever it is called', shared, [inbox, trash, archive], inbox.id, { ok: true, to: trash }],
    ['from Archive too', own, [inbox, archive, trash], archive.id, { ok: true, to: trash }],
    ['refused without Deleted Items, saying it would be for every member', shared, [inbox, archive], inbox.id, { ok: false, code: 'folder.missing', says: 'for every member' }],
    ['refused without Deleted Items in the person\'s own mailbox', own, [inbox], inbox.id, { ok: false, code: 'folder.missing', says: 'remove the message for good.' }],
    ['refused inside Deleted Items: Tandem does not expunge', shared, [inbox, trash], trash.id, { ok: false, code: 'permission.denied', says: 'already in Verwijderde items' }],
  ])('%s', (_what, mailbox, folders, from, expected) => {
    const v = deleteDestination(mailbox, folders, from)
    if (expected.ok) {
      expect(v).toEqual(expected)
    } else {
      expect(v.ok).toBe(false)
      if (v.ok) return
      const refusal = expected as { code: string; says: string }
      expect(v.error).toMatchObject({ code: refusal.code, rule: 'R10' })
      expect(v.error.message).toContain(refusal.says)
    }
  })

  it.each([[shared, true], [own, false]])('confirmation first in a %o mailbox: %s', (mailbox, confirm) => {
    expect(deleteNeedsConfirmation(mailbox)).toBe(confirm)
  })

  it.each([
    [['\\Seen'], false], [['\\Flagged', '$label1'], false], [['\\Deleted'], true], [['\\DELETED'], true], [['\\Seen', '\\deleted'], true],
  ])('flag change %j refused: %s', (flags, refused) => {
    const r = refusedFlagChange(flags)
    expect(r !== null).toBe(refused)
    if (r) expect(r).toMatchObject({ code: 'permission.denied', rule: 'R10' })
  })
})

describe('R1: exactly the shared mailboxes the server grants', () => {
  const me = { id: 'own:noor@fabrikam.test', kind: 'own' as const }
  const a = { id: 'shared:helpdesk@fabrikam.test', kind: 'shared' as const }
  const b = { id: 'shared:finance@fabrikam.test', kind: 'shared' as const }
  it.each([
    ['first sign-in: every granted one is added', [me], [a.id, b.id], { add: [a.id, b.id], remove: [], keep: [] }],
    ['nothing changed', [me, a, b], [a.id, b.id], { add: [], remove: [], keep: [a.id, b.id] }],
    ['access removed: stopped and purged', [me, a, b], [a.id], { add: [], remove: [b.id], keep: [a.id] }],
    ['all removed; the own mailbox is never part of it', [me, a], [], { add: [], remove: [a.id], keep: [] }],
    ['one removed, another granted', [me, a], [b.id], { add: [b.id], remove: [a.id], keep: [] }],
  ])('%s', (_what, held, granted, expected) => {
    expect(membershipChange(held, granted)).toEqual(expected)
  })
})
