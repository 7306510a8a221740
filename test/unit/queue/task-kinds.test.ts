import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultTargets } from '../../../shared/rules/response-targets'
import { flagsTask, type FlagsTask } from '../../../renderer/src/queue/tasks/flags'
import { deleteTask, moveTask, type MoveTask } from '../../../renderer/src/queue/tasks/relocate'
import { discardDraftTask, draftTask, sendTask, type SendTask } from '../../../renderer/src/queue/tasks/outgoing'
import { kindOf, overlaying, overlayRow, type Task } from '../../../renderer/src/queue/tasks'
import type { Call } from '../../../renderer/src/queue/tasks/types'
import { ARCHIVE, FOLDER, closeAll, flagsOf, freshDb, row } from './fixtures'

afterEach(closeAll)

const base = { mailboxId: 'shared:helpdesk@fabrikam.test', status: 'applied' as const, createdAt: 0, attempts: 0, error: null }
const flags = (over: Partial<FlagsTask> = {}): FlagsTask => ({ ...base, kind: 'flags', id: 'f1', folderId: FOLDER, uids: [1, 2], add: ['\\Seen'], remove: [], ...over })
const move = (over: Partial<MoveTask> = {}): MoveTask => ({
  ...base, kind: 'move', id: 'm1', folderId: FOLDER, uids: [1, 2], messageIds: ['<m1@fabrikam.test>', '<m2@fabrikam.test>'], toFolderId: ARCHIVE, before: [row(FOLDER, 1), row(FOLDER, 2)], ...over,
})

/** Records the calls a task makes; answers with `answer`. */
function recorder(answer: unknown = { ok: true }) {
  const calls: [string, unknown][] = []
  const call = (async (name: string, input: unknown) => { calls.push([name, input]); return answer }) as unknown as Call
  return { calls, call }
}

describe('flags task', () => {
  it('lays its flags over a row: added, removed, and the same row when nothing changes', () => {
    expect(flagsTask.overlay(flags(), row(FOLDER, 1, ['\\Flagged']))!.flags.sort()).toEqual(['\\Flagged', '\\Seen'])
    expect(flagsTask.overlay(flags({ add: [], remove: ['\\Seen'] }), row(FOLDER, 1, ['\\Seen', '\\Flagged']))!.flags).toEqual(['\\Flagged'])
    const already = row(FOLDER, 1, ['\\Seen'])
    expect(flagsTask.overlay(flags(), already)).toBe(already)
  })

  it('is undone by the opposite change on the same messages', () => {
    expect(flagsTask.inverse(flags(), { ok: true, gone: [] })).toMatchObject({ kind: 'flags', folderId: FOLDER, uids: [1, 2], add: [], remove: ['\\Seen'] })
  })

  it('takes its effect back in the cache', async () => {
    const db = freshDb()
    await db.summaries.put([row(FOLDER, 1, ['\\Seen']), row(FOLDER, 2, ['\\Seen', '\\Flagged'])])
    await flagsTask.revert(flags(), db)
    expect(await flagsOf(db, FOLDER, 1)).toEqual([])
    expect(await flagsOf(db, FOLDER, 2)).toEqual(['\\Flagged'])
  })

  it('calls messages.setFlags with exactly its change, and is dropped (not held) when refused', async () => {
    const { calls, call } = recorder({ ok: true, gone: [] })
    await flagsTask.run(flags(), call)
    expect(calls).toEqual([['messages.setFlags', { folderId: FOLDER, uids: [1, 2], add: ['\\Seen'], remove: [] }]])
    expect(flagsTask.refused).toBe('drop')
  })
})

describe('move and delete tasks', () => {
  it('take their rows away while pending, and put them back when taken back', async () => {
    const db = freshDb()
    expect(moveTask.overlay(move(), row(FOLDER, 1))).toBeNull()
    await moveTask.revert(move(), db)
    expect((await db.summaries.folder(FOLDER)).map((m) => m.uid)).toEqual([2, 1])
  })

  it('are undone by a move back from where they went, under their new UIDs, showing them home at once', async () => {
    const back = moveTask.inverse(move(), { toFolderId: ARCHIVE, uidMap: [[1, 41], [2, 42]], gone: [] }) as MoveTask
    expect(back).toMatchObject({ kind: 'move', folderId: ARCHIVE, uids: [41, 42], toFolderId: FOLDER, messageIds: ['<m1@fabrikam.test>', '<m2@fabrikam.test>'] })
    expect(back.arrive!.map((m) => m.id)).toEqual([row(FOLDER, 1).id, row(FOLDER, 2).id])
    // Only what really moved comes back; nothing moved, nothing to undo.
    expect((moveTask.inverse(move(), { toFolderId: ARCHIVE, uidMap: [[2, 42]], gone: [1] }) as MoveTask).arrive!.map((m) => m.uid)).toEqual([2])
    expect(moveTask.inverse(move(), { toFolderId: ARCHIVE, uidMap: [], gone: [1, 2] })).toBeNull()
    const db = freshDb()
    await moveTask.applyMore!(back, db)
    expect((await db.summaries.folder(FOLDER)).map((m) => m.uid)).toEqual([2, 1])
    await moveTask.revert(back, db)
    expect(await db.summaries.folder(FOLDER)).toEqual([])
  })

  it('carry the Message-IDs a replay recognises them by; a delete asks for Deleted Items (R10)', async () => {
    const { calls, call } = recorder()
    await moveTask.run(move(), call)
    await deleteTask.run(move({ kind: 'delete', toFolderId: null }), call)
    expect(calls).toEqual([
      ['messages.move', { folderId: FOLDER, uids: [1, 2], toFolderId: ARCHIVE, messageIds: ['<m1@fabrikam.test>', '<m2@fabrikam.test>'] }],
      ['messages.delete', { folderId: FOLDER, uids: [1, 2], messageIds: ['<m1@fabrikam.test>', '<m2@fabrikam.test>'] }],
    ])
  })
})

describe('outgoing tasks', () => {
  const request = { identityId: 'sendAs:helpdesk@fabrikam.test', to: [], cc: [], bcc: [], subject: 'Hallo', text: 'x', html: null, inReplyTo: null, references: [], encrypt: false, attachments: [], queuedAt: 5 }
  it('a send goes with its outbox id (it fixes the Message-ID) and is held in the Outbox when refused', async () => {
    const { calls, call } = recorder()
    const t: SendTask = { ...base, kind: 'send', id: 'out-1', request }
    await sendTask.run(t, call)
    expect(calls).toEqual([['messages.send', { ...request, outboxId: 'out-1', queuedAt: 5 }]])
    expect(sendTask.refused).toBe('hold')
    expect(sendTask.rows(t)).toBeNull()
    expect(sendTask.inverse(t, {})).toBeNull()
  })

  it("a send stored by an earlier version with a decision in it (resend, alreadySent) goes without it: only main's journal can authorise another attempt", async () => {
    const { calls, call } = recorder()
    const legacy = { ...request, resend: true, alreadySent: true } as SendTask['request']
    await sendTask.run({ ...base, kind: 'send', id: 'out-2', request: legacy }, call)
    expect(calls).toEqual([['messages.send', { ...request, outboxId: 'out-2', queuedAt: 5 }]])
  })

  it('a draft version is saved under its key and number; a discard removes every version', async () => {
    const { calls, call } = recorder()
    await draftTask.run({ ...base, kind: 'draft', id: 'd.1', key: 'd', n: 1, request: { ...request, outboxId: 'x', resend: true } as SendTask['request'] }, call)
    await discardDraftTask.run({ ...base, kind: 'discardDraft', id: 'dd', key: 'd' }, call)
    const { queuedAt: _q, ...draft } = request
    expect(calls).toEqual([['drafts.save', { draft, version: { key: 'd', n: 1 } }], ['drafts.delete', { mailboxId: base.mailboxId, key: 'd' }]])
    expect(draftTask.refused).toBe('hold')
    expect(discardDraftTask.refused).toBe('drop')
  })
})

describe('the registry', () => {
  it('every kind, replayed after a crash, makes the same call again, naming what main recognises it by', async () => {
    const request = { identityId: 'sendAs:helpdesk@fabrikam.test', to: [], cc: [], bcc: [], subject: 'Hallo', text: 'x', html: null, inReplyTo: null, references: [], encrypt: false, attachments: [], queuedAt: 5 }
    const about = { folderId: FOLDER, uid: 1, messageId: '<m1@fabrikam.test>' }
    const tasks: Record<Task['kind'], Task> = {
      flags: flags(),
      move: move(),
      delete: move({ kind: 'delete', id: 'd1', toFolderId: null }),
      send: { ...base, kind: 'send', id: 'out-1', request },
      draft: { ...base, kind: 'draft', id: 'k.3', key: 'k', n: 3, request },
      discardDraft: { ...base, kind: 'discardDraft', id: 'dd', key: 'k' },
      team: { ...base, kind: 'team', id: '7d1f0e52-6a4b-4c1e-9b3a-2f0c8d9e1a77', conversationId: 'c'.repeat(32), about, action: { kind: 'status', status: 'done' }, at: 9, locale: 'en' },
      targets: { ...base, kind: 'targets', id: '5c2b7d4e-1f3a-4b6c-8d9e-0a1b2c3d4e5f', targets: defaultTargets('Europe/Amsterdam'), at: 9, locale: 'nl' },
    }
    // What main finds an earlier attempt by (its journal, the Message-ID it fixes, the folder it looks in).
    const recognisedBy: Record<Task['kind'], (input: Record<string, unknown>) => unknown> = {
      flags: (i) => [i.uids, i.add, i.remove],
      move: (i) => i.messageIds,
      delete: (i) => i.messageIds,
      send: (i) => i.outboxId,
      draft: (i) => i.version,
      discardDraft: (i) => i.key,
      team: (i) => [i.id, i.about],
      targets: (i) => i.id,
    }
    for (const [kind, task] of Object.entries(tasks) as [Task['kind'], Task][]) {
      const { calls, call } = recorder()
      await kindOf(task).run(task, call)
      await kindOf(task).run(task, call)
      expect(calls, kind).toHaveLength(2)
      expect(calls[1], kind).toEqual(calls[0])
      const key = recognisedBy[kind](calls[0]![1] as Record<string, unknown>)
      expect(key, kind).toBeDefined()
      expect(JSON.stringify(key), kind).not.toMatch(/^(null|\[\]|\[null.*)$/)
    }
    expect(Object.keys(tasks).sort()).toEqual(['delete', 'discardDraft', 'draft', 'flags', 'move', 'send', 'targets', 'team'])
  })

  it('lays open tasks, and those done after a sync asked, over a row in queue order', () => {
    const tasks: Task[] = [
      { ...flags({ id: 'a', seq: 1, uids: [1], add: ['\\Seen'] }) },
      { ...flags({ id: 'b', seq: 2, uids: [1], add: [], remove: ['\\Seen'] }), status: 'done', finishedAt: 2000 },
      { ...flags({ id: 'c', seq: 3, uids: [1], add: ['\\Flagged'] }), status: 'done', finishedAt: 500 },
      { ...flags({ id: 'd', seq: 4, uids: [1], add: ['\\Answered'] }), status: 'failed', finishedAt: 3000 },
      { ...flags({ id: 'e', seq: 5, uids: [1], folderId: ARCHIVE, add: ['$Label1'] }) },
    ]
    const over = overlaying(tasks, FOLDER, 1000)
    expect(over.map((t) => t.id)).toEqual(['a', 'b'])
    expect(overlayRow(over, row(FOLDER, 1))!.flags).toEqual([])
    expect(overlayRow(over, row(FOLDER, 2))).toEqual(row(FOLDER, 2))
    expect(overlayRow([move({ seq: 9 })], row(FOLDER, 2))).toBeNull()
  })
})
