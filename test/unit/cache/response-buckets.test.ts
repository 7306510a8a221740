import 'fake-indexeddb/auto'
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { TandemDb, bucketOf } from '../../../renderer/src/cache/db'
import { unpack } from '../../../renderer/src/cache/packed'
import { emptyFigures, type ResponseFigures } from '../../../shared/team/response-figures'

const SUPPORT = 'shared:support@example.test'
const SALES = 'shared:sales@example.test'

let db: TandemDb | null = null
afterEach(() => { db?.close(); db = null })

describe('response figures in the device cache', () => {
  it('move from a record per conversation to packed buckets on upgrade, none lost and none mixed up', async () => {
    const name = 'tandem:figures-upgrade@example.test'
    const old = new Dexie(name)
    // The tables as version 17 left them.
    old.version(17).stores({
      folders: 'id, mailboxId', bodies: 'id, mailboxId', sync: 'folderId, mailboxId', tasks: '++seq, &id, mailboxId', settings: 'key',
      blocks: '[folderId+block], mailboxId', keys: '[folderId+block], mailboxId, [folderId+maxDate]', tallies: 'folderId, mailboxId', teamCursors: 'mailboxId',
      teamBuckets: '[mailboxId+bucket], mailboxId', teamBriefs: '[mailboxId+bucket], mailboxId', savedReplies: 'mailboxId', mentions: '[mailboxId+note], mailboxId',
      mentionReads: 'mailboxId', ownReads: 'folderId, mailboxId', responseTargets: 'mailboxId', responseFigures: '[mailboxId+conv], mailboxId', figuresBuilt: 'mailboxId',
      savedReplyFiles: '[mailboxId+sha256], mailboxId',
    })
    const conv = (i: number) => i.toString(16).padStart(32, '0')
    const figures: ResponseFigures[] = []
    for (let i = 0; i < 600; i++) {
      const f = emptyFigures(i % 3 ? SUPPORT : SALES, conv(i))
      figures.push({ ...f, opened: 1000 + i, waitingSince: i % 2 ? 2000 + i : null, done: i % 5 ? [] : [{ at: 3000 + i, by: 'bob@example.test', uid: i + 1 }] })
    }
    await old.table('responseFigures').bulkPut(figures)
    await old.table('figuresBuilt').bulkPut([{ mailboxId: SUPPORT, at: 1 }, { mailboxId: SALES, at: 1 }])
    old.close()

    db = new TandemDb('figures-upgrade@example.test')
    const rows = await db.responseBuckets.toArray()
    expect(db.tables.map((t) => t.name)).not.toContain('responseFigures')
    // Each bucket holds its own mailbox's conversations with the bucket's last two hex digits.
    const back: ResponseFigures[] = []
    for (const r of rows) {
      const list = unpack<ResponseFigures[]>(r.figures)
      for (const f of list) { expect(f.mailboxId).toBe(r.mailboxId); expect(bucketOf(f.conv)).toBe(r.bucket) }
      back.push(...list)
    }
    const key = (f: ResponseFigures) => `${f.mailboxId} ${f.conv}`
    expect(back.sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...figures].sort((a, b) => key(a).localeCompare(key(b))))
    expect(new Set(rows.map((r) => `${r.mailboxId} ${r.bucket}`)).size).toBe(rows.length)
    // What the device built stays built (the done records in the figures come from the team folder, not the cache).
    expect(await db.figuresBuilt.count()).toBe(2)
    // A mailbox the person leaves takes its buckets with it (R1).
    await db.purgeMailbox(SALES)
    expect((await db.responseBuckets.toArray()).every((r) => r.mailboxId === SUPPORT)).toBe(true)
    expect((await db.responseBuckets.toArray()).length).toBeGreaterThan(0)
  })
})
