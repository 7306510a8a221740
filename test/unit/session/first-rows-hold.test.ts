import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { CallOutput } from '../../../shared/api/contract'
import { FirstRowsHold } from '../../../renderer/src/session/first-rows-hold'
import { FolderSync } from '../../../renderer/src/sync/folder-sync'
import { ThreadingRefetch } from '../../../renderer/src/sync/threading-refetch'
import type { Call } from '../../../renderer/src/queue/tasks/types'
import { FOLDER, closeAll, freshDb, row } from '../queue/fixtures'

afterEach(async () => { vi.useRealTimers(); await closeAll() })

/** Whether a promise has settled by now (after the microtasks and timers due). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false
  void p.then(() => { done = true })
  await new Promise((r) => setTimeout(r, 10))
  return done
}

describe('work on the cache waits while a folder\'s first rows are painted', () => {
  it('nothing waits when no folder is opening', async () => {
    const hold = new FirstRowsHold()
    expect(hold.holding).toBe(false)
    expect(await settled(hold.wait())).toBe(true)
  })

  it('what waits resumes, in the order it came, once every open under way has painted', async () => {
    const hold = new FirstRowsHold()
    const ran: string[] = []
    const first = hold.begin()
    void hold.wait().then(() => ran.push('sync write'))
    // A second open before the first painted (the person went on): both must be on screen first.
    const second = hold.begin()
    void hold.wait().then(() => ran.push('refetch page'))
    first()
    await settled(Promise.resolve())
    expect(ran).toEqual([])
    // Ending an open twice changes nothing.
    first()
    expect(hold.holding).toBe(true)
    second()
    await settled(Promise.resolve())
    expect(ran).toEqual(['sync write', 'refetch page'])
    expect(hold.holding).toBe(false)
  })

  it('a hold ends by itself after its longest wait (an open that never paints stalls nothing)', async () => {
    vi.useFakeTimers()
    const hold = new FirstRowsHold(1000)
    hold.begin()
    let resumed = false
    void hold.wait().then(() => { resumed = true })
    await vi.advanceTimersByTimeAsync(999)
    expect(resumed).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(resumed).toBe(true)
    expect(hold.holding).toBe(false)
  })
})

type SyncAnswer = CallOutput<'messages.sync'>
const answer = (over: Partial<SyncAnswer> = {}): SyncAnswer => ({
  state: { uidValidity: '1', uidNext: 10, highestModseq: '5', count: 3 }, reset: false, changed: [], vanished: [], present: null, added: 0, received: 0, ...over,
})

describe('a sync held while another folder opens loses nothing', () => {
  it('begun during the hold, it asks the server only after the rows are painted, then stores all it brought', async () => {
    const db = freshDb()
    const hold = new FirstRowsHold()
    let asked = 0
    const sync: FolderSync = new FolderSync(db, (async () => {
      asked++
      sync.batch(FOLDER, [row(FOLDER, 1), row(FOLDER, 2)])
      return answer({ changed: [{ uid: 1, flags: ['\\Seen'] }] })
    }) as unknown as Call, async () => undefined, {}, () => hold.wait())
    const painted = hold.begin()
    const done = sync.sync(FOLDER)
    expect(await settled(done)).toBe(false)
    expect(asked).toBe(0)
    painted()
    await done
    expect(asked).toBe(1)
    expect((await db.summaries.folder(FOLDER)).map((m) => [m.uid, m.flags])).toEqual([[2, []], [1, ['\\Seen']]])
    expect(await db.sync.get(FOLDER)).toMatchObject({ uidNext: 10 })
  })

  it('its batches arriving during the hold wait in memory, in order, and are all written after it', async () => {
    const db = freshDb()
    const hold = new FirstRowsHold()
    let answerNow: () => void = () => undefined
    const sync: FolderSync = new FolderSync(db, (async () => {
      await new Promise<void>((r) => { answerNow = r })
      return answer({ added: 3 })
    }) as unknown as Call, async () => undefined, {}, () => hold.wait())
    const done = sync.sync(FOLDER)
    await settled(Promise.resolve())
    // Another folder opens while this sync's batches stream in; a later batch brings uid 2 again, changed.
    const painted = hold.begin()
    sync.batch(FOLDER, [row(FOLDER, 1), row(FOLDER, 2)])
    sync.batch(FOLDER, [row(FOLDER, 2, ['\\Flagged']), row(FOLDER, 3)])
    answerNow()
    expect(await settled(done)).toBe(false)
    expect(await db.summaries.count(FOLDER)).toBe(0)
    expect(await db.sync.get(FOLDER)).toBeUndefined()
    painted()
    await done
    expect((await db.summaries.folder(FOLDER)).map((m) => [m.uid, m.flags])).toEqual([[3, []], [2, ['\\Flagged']], [1, []]])
    expect(await db.sync.get(FOLDER)).toMatchObject({ uidNext: 10 })
  })
})

describe('the completion of summaries of before waits too', () => {
  it('writes nothing during the hold, and completes every summary after it', async () => {
    const db = freshDb()
    await db.summaries.put([{ ...row(FOLDER, 1), threadingPending: true }, { ...row(FOLDER, 2), threadingPending: true }])
    const hold = new FirstRowsHold()
    const call = (async (_name: string, input: { uids: number[] }) => ({ rows: input.uids.map((u) => [u, [], null, null, []]) })) as unknown as Call
    const painted = hold.begin()
    const run = new ThreadingRefetch(db, call, () => undefined, () => hold.wait()).run()
    expect(await settled(run)).toBe(false)
    expect((await db.summaries.folder(FOLDER)).every((m) => m.threadingPending)).toBe(true)
    painted()
    await run
    expect((await db.summaries.folder(FOLDER)).some((m) => m.threadingPending)).toBe(false)
  })
})
