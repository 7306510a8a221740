import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  foldSavedReplies, MAX_REPLY_FILES, MAX_REPLY_FILES_BYTES, MAX_REPLY_HISTORY, MAX_REPLY_HTML, MAX_SAVED_REPLIES, parseSavedReplyRecord, SAVED_REPLY_FILES_VERSION, SAVED_REPLY_VERSION, savedReplyRecordsOf,
  serialiseSavedReplyRecord, type SavedReplyRecord,
} from '../../../shared/rules/saved-replies'
import { fillPlaceholders, firstNameOf } from '../../../shared/rules/reply-placeholders'

const REPLY = '0d4f5c2a-1b3e-4c5d-8e9f-0a1b2c3d4e5f'
let uid = 0
const rec = (op: 'save' | 'delete' | 'restore', extra: Partial<SavedReplyRecord> = {}, by = 'eva@proseware.test'): SavedReplyRecord & { uid: number } => {
  const r = { v: SAVED_REPLY_VERSION, id: randomUUID(), reply: REPLY, at: 1_764_760_000_000, by, op, ...(op === 'save' ? { name: 'Refund', html: '<p>Hi</p>' } : {}), ...extra } as SavedReplyRecord
  return { ...r, uid: ++uid }
}
const bare = ({ uid: _, ...r }: SavedReplyRecord & { uid: number }): SavedReplyRecord => r as SavedReplyRecord
const message = (u: number, r: (SavedReplyRecord & { uid: number }) | string, extra: Record<string, string> = {}) =>
  ({ uid: u, fields: new Map<string, string>([['x-tandem-saved-reply', Buffer.from(typeof r === 'string' ? r : serialiseSavedReplyRecord(bare(r))).toString('base64').replace(/(.{76})/g, '$1 ')], ...Object.entries(extra)]) })

describe('saved replies folded from their records (R10)', () => {
  it('takes the newest save by UID, whatever the clocks say, and names who changed it last', () => {
    const first = rec('save', { html: '<p>Second by the clock</p>', at: 2_000_000_000_000 })
    const second = rec('save', { html: '<p>First by the clock</p>', at: 1 }, 'finn@proseware.test')
    const [reply] = foldSavedReplies([second, first])
    expect(reply).toMatchObject({ id: REPLY, html: '<p>First by the clock</p>', changedBy: 'finn@proseware.test', deleted: null, uid: second.uid })
    expect(reply!.history.map((h) => h.by)).toEqual(['finn@proseware.test', 'eva@proseware.test'])
  })

  it('keeps a delete as a record: who deleted it, and a restore brings the text back', () => {
    const save = rec('save', { html: '<p>Kept</p>' })
    const del = rec('delete', {}, 'finn@proseware.test')
    expect(foldSavedReplies([save, del])[0]).toMatchObject({ html: '<p>Kept</p>', deleted: { by: 'finn@proseware.test' } })
    const restore = rec('restore', {}, 'gus@proseware.test')
    expect(foldSavedReplies([save, del, restore])[0]).toMatchObject({ html: '<p>Kept</p>', deleted: null, changedBy: 'gus@proseware.test' })
    expect(foldSavedReplies([save, del, restore])[0]!.history.map((h) => h.op)).toEqual(['restore', 'delete', 'save'])
  })

  it('counts a replayed record once, at its first UID; a delete of a reply never saved changes nothing', () => {
    const save = rec('save')
    const del = rec('delete')
    const replay = { ...save, uid: ++uid }
    expect(foldSavedReplies([save, del, replay])[0]!.deleted).not.toBeNull()
    expect(foldSavedReplies([rec('delete', { reply: randomUUID() })])).toEqual([])
  })

  it('marks only the records the server confirms as confirmed', () => {
    const save = rec('save')
    expect(foldSavedReplies([save], new Set([save.id]))[0]!.changedConfirmed).toBe(true)
    expect(foldSavedReplies([save])[0]!.changedConfirmed).toBe(false)
  })

  it('is bounded: at most MAX_SAVED_REPLIES replies, each with at most MAX_REPLY_HISTORY changes', () => {
    const many = Array.from({ length: MAX_SAVED_REPLIES + 50 }, (_, i) => rec('save', { reply: randomUUID(), name: `r${i}` }))
    const folded = foldSavedReplies(many)
    expect(folded).toHaveLength(MAX_SAVED_REPLIES)
    // Those changed last are kept.
    expect(folded.some((r) => r.name === `r${MAX_SAVED_REPLIES + 49}`)).toBe(true)
    expect(folded.some((r) => r.name === 'r0')).toBe(false)
    const edits = Array.from({ length: 60 }, () => rec('save'))
    expect(foldSavedReplies(edits)[0]!.history).toHaveLength(MAX_REPLY_HISTORY)
  })

  it('reads only appended, well-formed records: delivered mail, junk, wrong shapes and oversize are skipped and counted', () => {
    const good = rec('save', { html: '<p>Grüße</p>' })
    expect(serialiseSavedReplyRecord(bare(good))).toMatch(/^[\x20-\x7e]+$/)
    const { records, skipped } = savedReplyRecordsOf([
      message(1, good),
      message(2, rec('save'), { received: 'from mx.example.net' }),
      message(3, 'not json'),
      message(4, JSON.stringify({ ...bare(rec('save')), extra: 1 })),
      message(5, rec('save', { html: 'x'.repeat(MAX_REPLY_HTML + 1) })),
      message(6, rec('save', {}, 'not an address')),
      { uid: 7, fields: new Map([['x-tandem-saved-reply', '%%%']]) },
    ])
    expect(records.map((r) => r.uid)).toEqual([1])
    expect(records[0]!.op === 'save' && records[0]!.html).toBe('<p>Grüße</p>')
    expect(skipped).toBe(6)
    expect(parseSavedReplyRecord(JSON.stringify(bare(rec('save', { name: '   ' }))))).toBeNull()
  })

  it('a save with files is version 2, lists each file bounded, and the reply keeps the files of its last save', () => {
    const file = { name: 'form.pdf', type: 'application/pdf', size: 1200, sha256: 'a'.repeat(64) }
    const withFiles = rec('save', { v: SAVED_REPLY_FILES_VERSION, files: [file] } as Partial<SavedReplyRecord>)
    expect(parseSavedReplyRecord(serialiseSavedReplyRecord(bare(withFiles)))).toMatchObject({ v: 2, files: [file] })
    // Version 1 carries no files, version 2 at least one; names, types, sizes, hashes and counts are bounded.
    const bad: Record<string, unknown>[] = [
      { ...bare(withFiles), v: SAVED_REPLY_VERSION },
      { ...bare(withFiles), files: [] },
      { ...bare(withFiles), files: [{ ...file, sha256: 'xyz' }] },
      { ...bare(withFiles), files: [{ ...file, type: 'pdf' }] },
      { ...bare(withFiles), files: [{ ...file, name: 'n'.repeat(256) }] },
      { ...bare(withFiles), files: [{ ...file, size: MAX_REPLY_FILES_BYTES + 1 }] },
      { ...bare(withFiles), files: Array.from({ length: MAX_REPLY_FILES + 1 }, () => ({ ...file, size: 1 })) },
      { ...bare(withFiles), files: [{ ...file, size: MAX_REPLY_FILES_BYTES / 2 + 1 }, { ...file, size: MAX_REPLY_FILES_BYTES / 2 }] },
      { ...bare(rec('delete')), v: SAVED_REPLY_FILES_VERSION, files: [file] },
    ]
    for (const b of bad) expect(parseSavedReplyRecord(JSON.stringify(b))).toBeNull()
    // The fold: the files and the UID that holds them follow the last save; a later plain save drops them; a delete keeps them.
    const del = rec('delete')
    expect(foldSavedReplies([withFiles, del])[0]).toMatchObject({ files: [file], filesUid: withFiles.uid, uid: del.uid })
    expect(foldSavedReplies([withFiles, del, rec('save')])[0]).toMatchObject({ files: [], filesUid: null })
  })
})

describe('placeholders in a saved reply', () => {
  it('fills what the message knows, escaped as text, and never inside a tag', () => {
    const { html, left } = fillPlaceholders('<p>Dear {customer.firstName},</p><p><a href="https://x.example/{subject}">{subject}</a></p><p>{me.name}</p>',
      { 'customer.firstName': 'Dana', subject: 'Invoice <42> & more', 'me.name': 'Eva Evers' })
    expect(html).toBe('<p>Dear Dana,</p><p><a href="https://x.example/{subject}">Invoice &#60;42&#62; &#38; more</a></p><p>Eva Evers</p>')
    expect(left).toEqual([])
  })

  it('leaves an unknown or empty placeholder visibly in place for the person to fill', () => {
    const { html, left } = fillPlaceholders('<p>Hi {customer.firstName}, order {order.number} — {me.name}</p>', { 'customer.firstName': '  ', 'me.name': 'Eva' })
    expect(html).toBe('<p>Hi {customer.firstName}, order {order.number} — Eva</p>')
    expect(left.sort()).toEqual(['customer.firstName', 'order.number'])
  })

  it('takes a first name from how an address shows its person', () => {
    expect(firstNameOf('Dana Scully')).toBe('Dana')
    expect(firstNameOf('"Scully, Dana"')).toBe('Dana')
    expect(firstNameOf('dana@example.net')).toBe('')
    expect(firstNameOf('')).toBe('')
    expect(firstNameOf(null)).toBe('')
  })
})
