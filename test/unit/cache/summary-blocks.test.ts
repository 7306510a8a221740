import 'fake-indexeddb/auto'
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import type { MessageSummary } from '../../../shared/domain'
import { TandemDb } from '../../../renderer/src/cache/db'
import { BLOCK_UIDS, mergeNewest, type CacheChange, type KeyRow } from '../../../renderer/src/cache/summary-blocks'
import { mailboxOfFolder, messageKey } from '../../../shared/ids'

const FOLDER = 'shared:support@example.test|INBOX'
const OTHER = 'own:bob@example.test|INBOX'

function summary(folderId: string, uid: number, date = uid * 1000): MessageSummary {
  return {
    id: messageKey(folderId, uid), folderId, mailboxId: mailboxOfFolder(folderId), uid, messageId: `<m${uid}@example.test>`, inReplyTo: null,
    subject: `message ${uid}`, from: [{ name: 'Maya', address: 'maya@example.test' }], to: [], cc: [], date, size: 100, flags: [], hasAttachments: false, sender: null, draftBy: null, referencesRoot: null, threadIndex: null, conversationId: `message ${uid}|maya@example.test`,
  }
}

let db: TandemDb
let n = 0
afterEach(async () => { db.close(); await db.delete() })
const open = () => { db = new TandemDb(`blocks-${++n}@example.test`); return db }

describe('summaries stored in UID blocks', () => {
  it('stores a few hundred summaries as a handful of records and reads them back exactly', async () => {
    const d = open()
    const rows = Array.from({ length: 1000 }, (_, i) => summary(FOLDER, i + 1))
    await d.summaries.put(rows)
    await d.summaries.put([summary(OTHER, 7)])
    expect(await d.blocks.count()).toBe(Math.ceil(1001 / BLOCK_UIDS) + 1)
    expect(await d.keys.count()).toBe(await d.blocks.count())
    expect(await d.summaries.count(FOLDER)).toBe(1000)
    expect((await d.summaries.uids(FOLDER)).sort((a, b) => a - b)).toEqual(rows.map((m) => m.uid))
    const all = await d.summaries.folder(FOLDER)
    expect(all.map((m) => m.uid)).toEqual(rows.map((m) => m.uid).reverse())
    expect(all[0]).toEqual(rows[999])
    expect(await d.summaries.get([`${FOLDER}|5`, `${FOLDER}|5000`, `${OTHER}|7`])).toEqual([rows[4], undefined, summary(OTHER, 7)])
  })

  it('rows read share their repeated strings, addresses and flag lists, and read back equal to what was stored', async () => {
    const d = open()
    const rows = Array.from({ length: 600 }, (_, i) => ({ ...summary(FOLDER, i + 1), flags: i % 2 ? ['\\Seen'] : [], cc: i % 3 ? [] : [{ name: 'Ann', address: 'ann@example.test' }] }))
    await d.summaries.put(rows)
    const a = await d.summaries.folder(FOLDER)
    const b = await d.summaries.folderWhile(FOLDER, () => true)
    expect(a).toEqual([...rows].reverse())
    expect(b).toEqual(a)
    // Two reads, and two rows of one read: one object per address, one list per set of flags.
    expect(b![0]!.from[0]).toBe(a[0]!.from[0])
    expect(a[0]!.from[0]).toBe(a[1]!.from[0])
    const seen = a.filter((m) => m.flags.length)
    expect(seen[0]!.flags).toBe(seen[1]!.flags)
    expect(a.filter((m) => m.cc.length).every((m, _, all) => m.cc[0] === all[0]!.cc[0])).toBe(true)
  })

  it('reads a folder in pages as the whole read does, and stops when no longer wanted', async () => {
    const d = open()
    // Dates not in UID order: the pages come by UID, the answer is newest first.
    const rows = Array.from({ length: 2000 }, (_, i) => summary(FOLDER, i + 1, ((i * 7919) % 2000) * 1000))
    await d.summaries.put(rows)
    await d.summaries.put([summary(OTHER, 7)])
    const whole = await d.summaries.folder(FOLDER)
    let pages = 0
    const paged = await d.summaries.folderWhile(FOLDER, () => { pages++; return true }, 2)
    expect(paged).toEqual(whole)
    expect(paged!.length).toBe(2000)
    // 2000 UIDs in blocks of 256: 8 blocks, 2 a read, asked before each read and once at the end.
    expect(pages).toBe(Math.ceil(Math.ceil(2001 / BLOCK_UIDS) / 2) + 2)
    let asked = 0
    expect(await d.summaries.folderWhile(FOLDER, () => ++asked < 3, 2)).toBeNull()
    expect(asked).toBe(3)
    expect(await d.summaries.folderWhile(`${FOLDER}x`, () => true)).toEqual([])
  })

  it('walks every summary in pages with a pause between them, as the one-cursor walk does', async () => {
    const d = open()
    await d.summaries.put(Array.from({ length: 3000 }, (_, i) => summary(FOLDER, i + 1)))
    await d.summaries.put(Array.from({ length: 600 }, (_, i) => summary(OTHER, i + 1)))
    const blocks = await d.blocks.count()
    const whole: string[] = []
    await d.summaries.each((m) => whole.push(m.id))
    const paged: string[] = []
    let pauses = 0
    await d.summaries.eachPaged((m) => paged.push(m.id), async () => { pauses++ }, 3)
    expect(whole).toHaveLength(3600)
    expect(paged).toEqual(whole)
    // A pause after every full page: the walk never reads more than a page at once.
    expect(pauses).toBe(Math.floor(blocks / 3))
    // What changes between pages is read as it is then (not a snapshot): a page not yet read sees the new row.
    const seen: string[] = []
    await d.summaries.eachPaged((m) => seen.push(m.id), async () => { if (!seen.includes(`${FOLDER}|3500`)) await d.summaries.put([summary(FOLDER, 3500)]) }, 3)
    expect(seen).toContain(`${FOLDER}|3500`)
  })

  it('keeps each folder\'s unread count with its message count, through every kind of change', async () => {
    const d = open()
    const rows = Array.from({ length: 600 }, (_, i) => ({ ...summary(FOLDER, i + 1), flags: i % 3 ? ['\\Seen'] : [] }))
    await d.summaries.put(rows)
    expect(await d.summaries.tallyOf([FOLDER, OTHER])).toEqual([{ count: 600, unseen: 200 }, undefined])
    // Read two, unread one, across blocks; remove an unread one and a read one.
    await d.summaries.modify([messageKey(FOLDER, 1), messageKey(FOLDER, 301)], (m) => ({ ...m, flags: ['\\Seen'] }))
    await d.summaries.modify([messageKey(FOLDER, 2)], (m) => ({ ...m, flags: [] }))
    await d.summaries.remove([messageKey(FOLDER, 4), messageKey(FOLDER, 5)])
    const now = (await d.summaries.folder(FOLDER)).filter((m) => !m.flags.includes('\\Seen')).length
    expect(await d.summaries.tallyOf([FOLDER])).toEqual([{ count: 598, unseen: now }])
    expect(now).toBe(200 - 2 + 1 - 1)
  })

  it('finds the newest by date, not by UID, and from a date on', async () => {
    const d = open()
    // An old UID with the newest date (a message moved in keeps its date).
    await d.summaries.put([...Array.from({ length: 600 }, (_, i) => summary(FOLDER, i + 1)), summary(FOLDER, 3, 10_000_000)])
    const newest = await d.summaries.newest(FOLDER, 3)
    expect(newest.map((m) => m.uid)).toEqual([3, 600, 599])
    const since = await d.summaries.newest(FOLDER, Infinity, 595_000)
    expect(since.map((m) => m.uid)).toEqual([3, 600, 599, 598, 597, 596, 595])
    // Messages sharing the date at the cut: still exactly n rows, newest first.
    await d.summaries.put([summary(FOLDER, 700, 599_000), summary(FOLDER, 701, 599_000)])
    const tied = await d.summaries.newest(FOLDER, 4)
    expect(tied).toHaveLength(4)
    expect(tied.slice(0, 2).map((m) => m.uid)).toEqual([3, 600])
    expect(tied.slice(2).every((m) => m.date === 599_000)).toBe(true)
    expect(await d.summaries.newest(FOLDER, 10_000)).toHaveLength(602)
  })

  it('reads only the newest blocks for the first page, and still finds an old UID with a late date', async () => {
    const d = open()
    // 5 000 messages in 20 blocks; the first UID of every block carries a late date.
    const rows = Array.from({ length: 5000 }, (_, i) => summary(FOLDER, i + 1, (i + 1) % BLOCK_UIDS === 0 ? 1e9 + i : (i + 1) * 1000))
    await d.summaries.put(rows)
    const brute = (n: number, since = -Infinity) => rows.filter((m) => m.date >= since).sort((a, b) => b.date - a.date).slice(0, n).map((m) => m.uid)
    for (const n of [1, 3, 10, 150, 300, 5000, Infinity]) expect((await d.summaries.newest(FOLDER, n)).map((m) => m.uid)).toEqual(brute(n))
    expect((await d.summaries.newest(FOLDER, 50, 4_990_000)).map((m) => m.uid)).toEqual(brute(50, 4_990_000))
    // The first page of a folder in date order reads 4 key rows, not all 20.
    await d.summaries.put(Array.from({ length: 5000 }, (_, i) => summary(OTHER, i + 1)))
    const reads: number[] = []
    const spy = (k: KeyRow) => { reads.push(k.block); return k }
    d.keys.hook('reading', spy)
    expect((await d.summaries.newest(OTHER, 10)).map((m) => m.uid)).toEqual(Array.from({ length: 10 }, (_, i) => 5000 - i))
    d.keys.hook('reading').unsubscribe(spy)
    expect(reads).toEqual([19, 18, 17, 16])
  })

  it('gives key rows written before version 4 their latest date on upgrade', async () => {
    const name = `tandem:upgrade-${++n}@example.test`
    const old = new Dexie(name)
    old.version(3).stores({ folders: 'id, mailboxId', bodies: 'id, mailboxId', sync: 'folderId, mailboxId', tasks: '++seq, &id, mailboxId', settings: 'key', blocks: '[folderId+block], mailboxId', keys: '[folderId+block], mailboxId' })
    const rows = [summary(FOLDER, 1, 5000), summary(FOLDER, 2, 9000), summary(FOLDER, 300, 7000)]
    await old.table('blocks').bulkPut([{ folderId: FOLDER, block: 0, mailboxId: rows[0]!.mailboxId, rows: rows.slice(0, 2) }, { folderId: FOLDER, block: 1, mailboxId: rows[0]!.mailboxId, rows: rows.slice(2) }])
    await old.table('keys').bulkPut([{ folderId: FOLDER, block: 0, mailboxId: rows[0]!.mailboxId, uids: [1, 2], dates: [5000, 9000] }, { folderId: FOLDER, block: 1, mailboxId: rows[0]!.mailboxId, uids: [300], dates: [7000] }])
    old.close()
    db = new TandemDb(name.slice('tandem:'.length))
    expect((await db.keys.toArray()).map((k) => k.maxDate)).toEqual([9000, 7000])
    expect((await db.summaries.newest(FOLDER, 2)).map((m) => m.uid)).toEqual([2, 300])
    // Version 6 counts what the blocks hold.
    expect(await db.summaries.count(FOLDER)).toBe(3)
  })

  it('keeps each folder\'s count equal to its rows through every kind of write, and not through a rolled-back one', async () => {
    const d = open()
    const counted = async (folderId: string) => {
      const n = await d.summaries.count(folderId)
      expect(n).toBe((await d.summaries.uids(folderId)).length)
      return n
    }
    await d.summaries.put(Array.from({ length: 700 }, (_, i) => summary(FOLDER, i + 1)))
    await d.summaries.put([summary(OTHER, 1), summary(OTHER, 2)])
    expect(await counted(FOLDER)).toBe(700)
    // Replacing rows adds nothing.
    await d.summaries.put([summary(FOLDER, 5), summary(FOLDER, 600), summary(FOLDER, 900)])
    expect(await counted(FOLDER)).toBe(701)
    await d.summaries.modify([`${FOLDER}|1`, `${FOLDER}|2`, `${OTHER}|1`], (m) => (m.uid === 1 ? null : { ...m, flags: ['\\Seen'] }))
    expect(await counted(FOLDER)).toBe(700)
    expect(await counted(OTHER)).toBe(1)
    // A whole block goes.
    await d.summaries.remove(Array.from({ length: BLOCK_UIDS }, (_, i) => `${FOLDER}|${BLOCK_UIDS + i}`))
    expect(await counted(FOLDER)).toBe(700 - BLOCK_UIDS)
    await expect(d.transaction('rw', [...d.summaries.tables, d.sync], async () => {
      await d.summaries.remove([`${FOLDER}|3`])
      throw new Error('rolled back')
    })).rejects.toThrow('rolled back')
    expect(await counted(FOLDER)).toBe(700 - BLOCK_UIDS)
    await d.summaries.clearFolder(FOLDER, new Set([`${FOLDER}|3`]))
    expect(await counted(FOLDER)).toBe(1)
    await d.purgeMailbox(mailboxOfFolder(OTHER))
    expect(await counted(OTHER)).toBe(0)
    expect(await d.tallies.count()).toBe(1)
  })

  it('updates and removes single messages, drops emptied blocks, and says what changed', async () => {
    const d = open()
    const heard: CacheChange[] = []
    d.summaries.onChange((c) => heard.push(c))
    await d.summaries.put([summary(FOLDER, 1), summary(FOLDER, 2), summary(FOLDER, BLOCK_UIDS * 3)])
    await d.summaries.update(new Map([[`${FOLDER}|2`, { flags: ['\\Seen'], snippet: 'hello' }], [`${FOLDER}|99`, { flags: ['\\Flagged'] }]]))
    const [two, missing] = await d.summaries.get([`${FOLDER}|2`, `${FOLDER}|99`])
    expect(two).toMatchObject({ uid: 2, flags: ['\\Seen'], snippet: 'hello', subject: 'message 2' })
    expect(missing).toBeUndefined()
    const removed = await d.summaries.remove([`${FOLDER}|${BLOCK_UIDS * 3}`, `${FOLDER}|1`, `${FOLDER}|12345`])
    expect(removed.map((m) => m.uid).sort((a, b) => a - b)).toEqual([1, BLOCK_UIDS * 3])
    expect(await d.blocks.count()).toBe(1)
    expect(await d.summaries.uids(FOLDER)).toEqual([2])
    // Additions, the change (before and after: the unread counts follow it) and the removals.
    expect(heard).toHaveLength(3)
    expect(heard[0]).toEqual({ added: [summary(FOLDER, 1), summary(FOLDER, 2), summary(FOLDER, BLOCK_UIDS * 3)] })
    expect(heard[1]).toEqual({ changed: [{ before: summary(FOLDER, 2), after: { ...summary(FOLDER, 2), flags: ['\\Seen'], snippet: 'hello' } }] })
    expect((heard[2] as { removed: string[] }).removed.sort()).toEqual([`${FOLDER}|1`, `${FOLDER}|${BLOCK_UIDS * 3}`])
  })

  it('modifies rows with one function: a new row is written, the same row is not, null removes it', async () => {
    const d = open()
    await d.summaries.put([summary(FOLDER, 1), summary(FOLDER, 2), summary(FOLDER, 3)])
    const heard: CacheChange[] = []
    d.summaries.onChange((c) => heard.push(c))
    await d.summaries.modify([`${FOLDER}|1`, `${FOLDER}|2`, `${FOLDER}|3`, `${FOLDER}|77`], (m) => (m.uid === 1 ? { ...m, flags: ['\\Flagged'] } : m.uid === 2 ? null : m))
    const rows = await d.summaries.get([`${FOLDER}|1`, `${FOLDER}|2`, `${FOLDER}|3`])
    expect(rows.map((m) => m?.flags)).toEqual([['\\Flagged'], undefined, []])
    expect(heard).toEqual([
      { changed: [{ before: summary(FOLDER, 1), after: { ...summary(FOLDER, 1), flags: ['\\Flagged'] } }] },
      { removed: [`${FOLDER}|2`] },
    ])
  })

  it('keeps only what a sync after a UIDVALIDITY change wrote, and purges a mailbox (R1)', async () => {
    const d = open()
    await d.summaries.put([summary(FOLDER, 1), summary(FOLDER, 2), summary(FOLDER, 400), summary(OTHER, 1)])
    const dropped = await d.summaries.clearFolder(FOLDER, new Set([`${FOLDER}|2`]))
    expect(dropped.sort()).toEqual([`${FOLDER}|1`, `${FOLDER}|400`])
    expect(await d.summaries.uids(FOLDER)).toEqual([2])
    const heard: CacheChange[] = []
    d.summaries.onChange((c) => heard.push(c))
    await d.purgeMailbox('shared:support@example.test')
    expect(await d.summaries.count(FOLDER)).toBe(0)
    expect(await d.summaries.count(OTHER)).toBe(1)
    expect(heard).toEqual([{ reset: true }])
  })

  it('tells of a change made inside a larger transaction only once that commits, never when it rolls back', async () => {
    const d = open()
    await d.summaries.put([summary(FOLDER, 1), summary(FOLDER, 2)])
    const heard: CacheChange[] = []
    d.summaries.onChange((c) => heard.push(c))
    await expect(d.transaction('rw', [...d.summaries.tables, d.sync], async () => {
      await d.summaries.remove([`${FOLDER}|1`])
      expect(heard).toEqual([])
      throw new Error('the sync failed half-way')
    })).rejects.toThrow('half-way')
    expect(heard).toEqual([])
    expect(await d.summaries.uids(FOLDER)).toEqual([1, 2])
    await d.transaction('rw', [...d.summaries.tables, d.sync], async () => {
      await d.summaries.remove([`${FOLDER}|1`])
      expect(heard).toEqual([])
    })
    expect(heard).toEqual([{ removed: [`${FOLDER}|1`] }])
  })

  it('walks every summary, or stops after a number of blocks (contacts read no more than they need)', async () => {
    const d = open()
    await d.summaries.put(Array.from({ length: BLOCK_UIDS * 4 }, (_, i) => summary(FOLDER, i)))
    let all = 0
    await d.summaries.each(() => { all++ })
    expect(all).toBe(BLOCK_UIDS * 4)
    let some = 0
    await d.summaries.each(() => { some++ }, 2)
    expect(some).toBe(BLOCK_UIDS * 2)
  })
})

describe('mergeNewest', () => {
  it('merges newest first, keeps rows already listed (a pending local change wins) and drops repeats', () => {
    const listed = [summary(FOLDER, 9), summary(FOLDER, 5), summary(FOLDER, 2)]
    listed[1] = { ...listed[1]!, flags: ['\\Flagged'] }
    const merged = mergeNewest(listed, [summary(FOLDER, 1), summary(FOLDER, 5), summary(FOLDER, 7), summary(FOLDER, 7), summary(FOLDER, 10)])
    expect(merged.map((m) => m.uid)).toEqual([10, 9, 7, 5, 2, 1])
    expect(merged.find((m) => m.uid === 5)!.flags).toEqual(['\\Flagged'])
    expect(mergeNewest(listed, [summary(FOLDER, 9)])).toBe(listed)
  })
})
