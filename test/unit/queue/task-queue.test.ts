import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiFailure } from '../../../shared/api/errors'
import { FINISHED_KEPT_MS, TaskQueue, type MoveTask, type NewTask } from '../../../renderer/src/queue/task-queue'
import type { Call } from '../../../renderer/src/queue/tasks/types'
import { ARCHIVE, FOLDER, closeAll, flagsOf, freshDb, row } from './fixtures'

afterEach(closeAll)

const MAILBOX = 'shared:helpdesk@fabrikam.test'
const seen = (uids: number[]): NewTask => ({ kind: 'flags', id: crypto.randomUUID(), mailboxId: MAILBOX, folderId: FOLDER, uids, add: ['\\Seen'], remove: [] })

/** main, as far as these tests need it: answers by call name; `offline` refuses everything as unreachable. */
function main(answers: Record<string, (input: never) => unknown>) {
  const calls: string[] = []
  let offline = false
  const call = (async (name: string, input: never) => {
    calls.push(name)
    if (offline) throw new ApiFailure({ code: 'network.unreachable', rule: 'R9', message: 'offline' })
    const a = answers[name]
    if (!a) throw new Error(`unexpected call ${name}`)
    return a(input)
  }) as unknown as Call
  return { calls, call, setOffline: (v: boolean) => { offline = v } }
}

describe('the task lifecycle', () => {
  it('shows a change at once (applied), waits offline, and is done when main did it, with its result kept', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1), row(FOLDER, 2)])
    const m = main({ 'messages.setFlags': () => ({ ok: true, gone: [] }) })
    m.setOffline(true)
    const q = new TaskQueue(db, m.call)
    const t = await q.add(seen([1]))
    await q.kick()
    expect(await flagsOf(db, FOLDER, 1)).toEqual(['\\Seen'])
    expect(await db.tasks.get(t.seq!)).toMatchObject({ status: 'applied', error: { code: 'network.unreachable' } })
    // Waiting for the network is not a failed attempt, however often the queue is kicked (syncs do).
    await q.kick(); await q.kick()
    expect((await db.tasks.get(t.seq!))!.attempts).toBe(0)
    m.setOffline(false)
    await q.kick()
    expect(await db.tasks.get(t.seq!)).toMatchObject({ status: 'done', result: { ok: true, gone: [] }, error: null })
  })

  it('a surprise counts as an attempt: after a few the task is given up with the reason', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1)])
    let n = 0
    const dropped: string[] = []
    const q = new TaskQueue(db, main({ 'messages.setFlags': () => { n++; throw new ApiFailure({ code: 'internal', message: 'odd answer' }) } }).call, { dropped: (_t, e) => dropped.push(e.message) })
    const t = await q.add(seen([1]))
    for (let i = 0; i < 10 && (await db.tasks.get(t.seq!))!.status !== 'failed'; i++) await q.kick()
    expect(await db.tasks.get(t.seq!)).toMatchObject({ status: 'failed' })
    // Five more attempts after the first surprise, then given up.
    expect(n).toBe(6)
    expect(dropped).toEqual(['odd answer'])
  })

  it('a refused change is failed and taken back on screen, with the reason', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1, ['\\Flagged'])])
    const dropped: string[] = []
    const q = new TaskQueue(db, main({ 'messages.setFlags': () => { throw new ApiFailure({ code: 'permission.denied', message: 'no w right' }) } }).call, { dropped: (_t, e) => dropped.push(e.message) })
    const t = await q.add(seen([1]))
    await q.kick()
    expect(await flagsOf(db, FOLDER, 1)).toEqual(['\\Flagged'])
    expect(await db.tasks.get(t.seq!)).toMatchObject({ status: 'failed', error: { code: 'permission.denied' } })
    expect(dropped).toEqual(['no w right'])
  })

  it('a refused send is held in the Outbox, and runs again once changed', async () => {
    const db = freshDb()
    let allow = false
    const q = new TaskQueue(db, main({ 'messages.send': () => { if (!allow) throw new ApiFailure({ code: 'send.notAllowed', rule: 'R2', message: 'no Send As' }); return { messageId: '<x@fabrikam.test>' } } }).call)
    const request = { identityId: 'sendAs:helpdesk@fabrikam.test', to: [], cc: [], bcc: [], subject: 's', text: 't', html: null, inReplyTo: null, references: [], encrypt: false, attachments: [] }
    const t = await q.add({ kind: 'send', id: 'out-1', mailboxId: MAILBOX, request })
    await q.kick()
    expect(await db.tasks.get(t.seq!)).toMatchObject({ status: 'held', error: { rule: 'R2' } })
    allow = true
    await q.update('out-1', {})
    await q.kick()
    expect((await db.tasks.get(t.seq!))!.status).toBe('done')
  })

  it('a task stored just before a crash (queued, not yet shown) is shown and run on the next start', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 3)])
    await db.tasks.add({ ...seen([3]), status: 'queued', createdAt: Date.now(), attempts: 0, error: null } as never)
    const m = main({ 'messages.setFlags': () => ({ ok: true, gone: [] }) })
    await new TaskQueue(db, m.call).kick()
    expect(await flagsOf(db, FOLDER, 3)).toEqual(['\\Seen'])
    expect((await db.tasks.toArray()).map((t) => t.status)).toEqual(['done'])
    expect(m.calls).toEqual(['messages.setFlags'])
  })

  it('undo before the task ran takes it back without calling main', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1), row(FOLDER, 2)])
    const m = main({})
    m.setOffline(true)
    const q = new TaskQueue(db, m.call)
    const t = await q.add({ kind: 'move', id: 'mv', mailboxId: MAILBOX, folderId: FOLDER, uids: [1], messageIds: ['<m1@fabrikam.test>'], toFolderId: ARCHIVE, before: [row(FOLDER, 1)] })
    await q.kick()
    expect((await db.summaries.folder(FOLDER)).map((r) => r.uid)).toEqual([2])
    expect(await q.undo(t.id)).toBe('cancelled')
    expect((await db.summaries.folder(FOLDER)).map((r) => r.uid)).toEqual([2, 1])
    expect(await db.tasks.count()).toBe(0)
  })

  it('undo after it ran queues the inverse: the move back, from the new UIDs', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1)])
    const moves: unknown[] = []
    const q = new TaskQueue(db, main({ 'messages.move': (input: { folderId: string }) => { moves.push(input); return input.folderId === FOLDER ? { toFolderId: ARCHIVE, uidMap: [[1, 70]], gone: [] } : { toFolderId: FOLDER, uidMap: [[70, 9]], gone: [] } } }).call)
    const t = await q.add({ kind: 'move', id: 'mv', mailboxId: MAILBOX, folderId: FOLDER, uids: [1], messageIds: ['<m1@fabrikam.test>'], toFolderId: ARCHIVE, before: [row(FOLDER, 1)] })
    await q.kick()
    expect(await q.undo(t.id)).toBe('reversed')
    await q.kick()
    expect(moves[1]).toEqual({ folderId: ARCHIVE, uids: [70], toFolderId: FOLDER, messageIds: ['<m1@fabrikam.test>'] })
    // Home at once, before the next sync brings them under their new UID.
    expect((await db.summaries.folder(FOLDER)).map((r) => r.uid)).toEqual([1])
    const back = (await db.tasks.toArray()).find((x) => x.id !== 'mv') as MoveTask
    expect(back.status).toBe('done')
  })

  it('finished tasks are kept a minute, then go', async () => {
    const db = freshDb()
    const q = new TaskQueue(db, main({ 'messages.setFlags': () => ({ ok: true, gone: [] }) }).call)
    const t = await q.add(seen([1]))
    await q.kick()
    expect(await db.tasks.count()).toBe(1)
    await db.tasks.update(t.seq!, { finishedAt: Date.now() - FINISHED_KEPT_MS - 1 })
    await q.kick()
    expect(await db.tasks.count()).toBe(0)
  })
})

describe('undo racing the queue', () => {
  it('an undo while the task is being carried out, which then cannot reach the server, takes it back: main never does it', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1)])
    const line: { drop: (() => void) | null } = { drop: null }
    let calls = 0
    const q = new TaskQueue(db, main({
      // The first call hangs until the line drops; the line then stays down.
      'messages.setFlags': () => {
        calls++
        const down = new ApiFailure({ code: 'network.unreachable', message: 'line dropped' })
        return line.drop ? Promise.reject(down) : new Promise((_r, reject) => { line.drop = () => reject(down) })
      },
    }).call)
    const t = await q.add(seen([1]))
    while (!line.drop) await new Promise((r) => setTimeout(r, 5))
    const undone = q.undo(t.id)
    line.drop()
    expect(await undone).toBe('cancelled')
    await q.kick()
    // Tried again once more at most while the undo waited (still unreachable): never carried out.
    expect(calls).toBeLessThanOrEqual(2)
    expect(await db.tasks.count()).toBe(0)
    expect(await flagsOf(db, FOLDER, 1)).toEqual([])
  })

  /**
   * z pressed while the queue is picking the task up: either the task is taken back before main
   * hears of it, or it runs and its inverse runs after it — never "taken back" on screen while the
   * server does it anyway. The server here keeps the flags; the screen must end as the server.
   */
  it('a change undone at once ends the same on screen and on the server, whatever moment the undo hits', async () => {
    for (let round = 0; round < 40; round++) {
      const db = freshDb()
      await db.summaries.put([row(FOLDER, 1, ['\\Seen'])])
      const server = new Set(['\\Seen'])
      const q = new TaskQueue(db, main({
        'messages.setFlags': async (input: { add: string[]; remove: string[] }) => {
          await new Promise((r) => setTimeout(r, round % 4))
          for (const f of input.remove) server.delete(f)
          for (const f of input.add) server.add(f)
          return { ok: true, gone: [] }
        },
      }).call)
      const unread: NewTask = { kind: 'flags', id: crypto.randomUUID(), mailboxId: MAILBOX, folderId: FOLDER, uids: [1], add: [], remove: ['\\Seen'] }
      const t = await q.add(unread)
      // A different moment each round: straight away, or after a few turns of the event loop.
      for (let i = 0; i < round % 5; i++) await new Promise((r) => setImmediate(r))
      const outcome = await q.undo(t.id)
      expect(['cancelled', 'reversed']).toContain(outcome)
      await q.kick()
      expect(await flagsOf(db, FOLDER, 1), `round ${round} (${outcome})`).toEqual(['\\Seen'])
      expect([...server], `round ${round} (${outcome})`).toEqual(['\\Seen'])
      q.stop()
      db.close()
    }
  }, 30_000) // forty rounds of IndexedDB in memory: seconds on a busy machine, never a question of speed
})
