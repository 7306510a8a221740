import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import type { CallOutput } from '../../../shared/api/contract'
import { messageKey } from '../../../shared/ids'
import { FolderSync } from '../../../renderer/src/sync/folder-sync'
import type { Call } from '../../../renderer/src/queue/tasks/types'
import type { Task } from '../../../renderer/src/queue/tasks'
import { ARCHIVE, FOLDER, closeAll, flagsOf, freshDb, row } from '../queue/fixtures'

afterEach(closeAll)

const MAILBOX = 'shared:helpdesk@fabrikam.test'
type SyncAnswer = CallOutput<'messages.sync'>
const answer = (over: Partial<SyncAnswer> = {}): SyncAnswer => ({
  state: { uidValidity: '1', uidNext: 10, highestModseq: '5', count: 3 }, reset: false, changed: [], vanished: [], present: null, added: 0, received: 0, ...over,
})
const taskRow = (t: Partial<Task>): Task => ({ mailboxId: MAILBOX, createdAt: 0, attempts: 0, error: null, status: 'applied', ...t } as Task)

/** A sync whose server answer is `res`; `during` runs after the sync asked, before the answer comes. */
function syncer(db: ReturnType<typeof freshDb>, res: SyncAnswer, during: () => Promise<void> = async () => undefined) {
  const call = (async () => { await during(); return res }) as unknown as Call
  return new FolderSync(db, call, async () => undefined)
}

describe('a folder sync reconciles the server\'s answer with what the person did', () => {
  it('a pending flag survives a sync that answers the old state', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1, ['\\Seen']), row(FOLDER, 2)])
    await db.tasks.add(taskRow({ kind: 'flags', id: 'read', folderId: FOLDER, uids: [1], add: ['\\Seen'], remove: [] }))
    // The server has not heard of it yet, and says another member flagged both.
    await syncer(db, answer({ changed: [{ uid: 1, flags: ['\\Flagged'] }, { uid: 2, flags: ['\\Flagged'] }] })).sync(FOLDER)
    expect((await flagsOf(db, FOLDER, 1))!.sort()).toEqual(['\\Flagged', '\\Seen'])
    expect(await flagsOf(db, FOLDER, 2)).toEqual(['\\Flagged'])
  })

  it('a change carried out after the sync asked is kept too (the answer predates it); one done before is the server\'s word', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1, ['\\Seen']), row(FOLDER, 2, ['\\Flagged'])])
    await db.tasks.add(taskRow({ kind: 'flags', id: 'early', folderId: FOLDER, uids: [2], add: [], remove: ['\\Flagged'], status: 'done', finishedAt: Date.now() - 5000 }))
    const sync = syncer(db, answer({ changed: [{ uid: 1, flags: [] }, { uid: 2, flags: ['\\Flagged'] }] }), async () => {
      await db.tasks.add(taskRow({ kind: 'flags', id: 'late', folderId: FOLDER, uids: [1], add: ['\\Seen'], remove: [], status: 'done', finishedAt: Date.now() + 1 }))
    })
    await sync.sync(FOLDER)
    expect(await flagsOf(db, FOLDER, 1)).toEqual(['\\Seen'])
    expect(await flagsOf(db, FOLDER, 2)).toEqual(['\\Flagged'])
  })

  it('a pending move keeps its rows away though the server still lists them; what vanished goes', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1), row(FOLDER, 2), row(FOLDER, 3)])
    await db.tasks.add(taskRow({ kind: 'move', id: 'mv', folderId: FOLDER, uids: [1], messageIds: [null], toFolderId: ARCHIVE }))
    // A full resync (UIDVALIDITY kept, `present` given) lists 1 and 2; 3 is gone.
    const sync = syncer(db, answer({ vanished: null, present: [1, 2], changed: [{ uid: 1, flags: ['\\Seen'] }] }))
    sync.batch(FOLDER, [row(FOLDER, 1)])
    await sync.sync(FOLDER)
    expect((await db.summaries.folder(FOLDER)).map((m) => m.uid)).toEqual([2])
    expect(await db.sync.get(FOLDER)).toMatchObject({ uidNext: 10, mailboxId: MAILBOX })
  })

  it('a UIDVALIDITY reset keeps only what this sync wrote, with pending flags laid over it', async () => {
    const db = freshDb()
    await db.sync.put({ folderId: FOLDER, mailboxId: MAILBOX, uidValidity: '1', uidNext: 5, highestModseq: null, count: 2 })
    await db.summaries.put([row(FOLDER, 1), row(FOLDER, 2)])
    await db.tasks.add(taskRow({ kind: 'flags', id: 'flag', folderId: FOLDER, uids: [7], add: ['\\Flagged'], remove: [] }))
    // The new rows arrive as batches while the sync runs.
    const sync: FolderSync = syncer(db, answer({ reset: true, state: { uidValidity: '2', uidNext: 8, highestModseq: null, count: 1 } }), async () => sync.batch(FOLDER, [row(FOLDER, 7)]))
    await sync.sync(FOLDER)
    expect((await db.summaries.folder(FOLDER)).map((m) => m.id)).toEqual([messageKey(FOLDER, 7)])
    expect(await flagsOf(db, FOLDER, 7)).toEqual(['\\Flagged'])
  })

  it('batches that come while a write runs are written together by the next one, in the order they came', async () => {
    const db = freshDb()
    const puts: number[][] = []
    let release!: () => void
    const gate = new Promise<void>((r) => { release = r })
    const put = db.summaries.put.bind(db.summaries)
    db.summaries.put = async (rows) => { puts.push(rows.map((m) => m.uid)); if (puts.length === 1) await gate; return put(rows) }
    const sync: FolderSync = syncer(db, answer({ state: { uidValidity: '1', uidNext: 6, highestModseq: null, count: 5 } }), async () => {
      sync.batch(FOLDER, [row(FOLDER, 1), row(FOLDER, 2)])
      await new Promise((r) => setTimeout(r, 10))
      // The first write is held: these two wait, and go as one.
      sync.batch(FOLDER, [row(FOLDER, 3), row(FOLDER, 5)])
      sync.batch(FOLDER, [row(FOLDER, 4), row(FOLDER, 5, ['\\Seen'])])
      release()
    })
    await sync.sync(FOLDER)
    expect(puts).toEqual([[1, 2], [3, 5, 4, 5]])
    expect((await db.summaries.folder(FOLDER)).map((m) => m.uid)).toEqual([5, 4, 3, 2, 1])
    // The later batch's row is the one kept.
    expect(await flagsOf(db, FOLDER, 5)).toEqual(['\\Seen'])
  })

  it('batches joined into one write stop at 2 000 rows: a write holds the tables an opened folder reads', async () => {
    const db = freshDb()
    const puts: number[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => { release = r })
    const put = db.summaries.put.bind(db.summaries)
    db.summaries.put = async (rows) => { puts.push(rows.length); if (puts.length === 1) await gate; return put(rows) }
    const batchOf = (from: number) => Array.from({ length: 1000 }, (_, i) => row(FOLDER, from + i))
    const sync: FolderSync = syncer(db, answer({ state: { uidValidity: '1', uidNext: 5001, highestModseq: null, count: 5000 } }), async () => {
      sync.batch(FOLDER, batchOf(1))
      await new Promise((r) => setTimeout(r, 10))
      for (const from of [1001, 2001, 3001, 4001]) sync.batch(FOLDER, batchOf(from))
      release()
    })
    await sync.sync(FOLDER)
    expect(puts).toEqual([1000, 2000, 2000])
    expect(await db.summaries.count(FOLDER)).toBe(5000)
  })

  it('a batch that could not be stored fails its sync, and the next sync\'s batches are written', async () => {
    const db = freshDb()
    const put = db.summaries.put.bind(db.summaries)
    let refuse = true
    db.summaries.put = async (rows) => { if (refuse) { refuse = false; throw new Error('QuotaExceededError') } return put(rows) }
    const failed: string[] = []
    const res = answer({ state: { uidValidity: '1', uidNext: 3, highestModseq: null, count: 2 } })
    const sync: FolderSync = new FolderSync(db, (async () => { sync.batch(FOLDER, [row(FOLDER, batchUid++)]); await new Promise((r) => setTimeout(r, 5)); return res }) as unknown as Call,
      async () => undefined, { failed: (folderId) => { failed.push(folderId) } })
    let batchUid = 1
    await sync.sync(FOLDER)
    expect(failed).toEqual([FOLDER])
    // Not marked synced: the next sync asks from the state before.
    expect(await db.sync.get(FOLDER)).toBeUndefined()
    await sync.sync(FOLDER)
    expect(failed).toEqual([FOLDER])
    expect((await db.summaries.folder(FOLDER)).map((m) => m.uid)).toEqual([2])
    expect(await db.sync.get(FOLDER)).toMatchObject({ uidNext: 3 })
  })

  it('asking during a sync gets one more sync after it, not a second one at the same time', async () => {
    const db = freshDb()
    let running = 0
    let most = 0
    let asked = 0
    const call = (async () => { asked++; running++; most = Math.max(most, running); await new Promise((r) => setTimeout(r, 20)); running--; return answer() }) as unknown as Call
    const sync = new FolderSync(db, call, async () => undefined)
    await Promise.all([sync.sync(FOLDER), sync.sync(FOLDER), sync.sync(FOLDER)])
    expect(most).toBe(1)
    expect(asked).toBe(2)
  })
})
