import 'fake-indexeddb/auto'
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { TandemDb } from '../../../renderer/src/cache/db'
import { bucketOf } from '../../../renderer/src/cache/db'
import { MailboxTeam } from '../../../renderer/src/sync/team-cache'
import { TeamFold } from '../../../shared/team/fold'
import { conversationIdFromRoot } from '../../../shared/conversation'
import { type StoredTeamRecord, type TeamAction } from '../../../shared/team/records'

const MAILBOX = 'shared:support@example.test'
let uid = 0
const rec = (conv: string, by: string, action: TeamAction): StoredTeamRecord => ({ v: 1, id: randomUUID(), conv, at: 1_764_000_000_000 + uid, by, action, uid: ++uid })
const convs = Array.from({ length: 600 }, (_, i) => conversationIdFromRoot(`m:<conversation.${i}@example.test>`))

let db: TandemDb
afterEach(() => db?.close())

async function stored(records: StoredTeamRecord[]): Promise<MailboxTeam> {
  db = new TandemDb(`team-cache.${randomUUID()}`)
  const team = await MailboxTeam.open(db, MAILBOX)
  team.apply(records)
  await team.save(new Set(records.map((r) => bucketOf(r.conv))), { cursor: { uidValidity: '1', uidNext: uid + 1 } }, false)
  return team
}

describe('a shared mailbox\'s team state on a device', () => {
  it('starts from the briefs alone: who has each conversation, its status and who writes, the people named; whole states wait for their bucket', async () => {
    const records = convs.map((c, i) => rec(c, i % 2 ? 'ana@example.test' : 'bo@example.test', { kind: 'assign', to: i % 3 ? 'cy@example.test' : null }))
    records.push(rec(convs[1]!, 'bo@example.test', { kind: 'status', status: 'waiting' }), rec(convs[1]!, 'dee@example.test', { kind: 'writing', until: 1_800_000_000_000 }))
    await stored(records)
    const again = await MailboxTeam.open(db, MAILBOX)
    expect(again.briefs.size).toBe(convs.length)
    expect(again.briefs.get(convs[1]!)).toEqual({ assignee: 'cy@example.test', status: 'waiting', writing: { 'dee@example.test': 1_800_000_000_000 } })
    expect(again.briefs.get(convs[0]!)).toEqual({ assignee: null, status: 'open' })
    // Who wrote records (and who is writing), not whom they assign to.
    expect([...again.authors].sort()).toEqual(['ana@example.test', 'bo@example.test', 'dee@example.test'])
    expect(again.isLoaded(convs[1]!)).toBe(false)
    expect(again.stateNow(convs[1]!)).toBeUndefined()
    await again.load([bucketOf(convs[1]!)])
    expect(again.stateNow(convs[1]!)?.history.map((e) => e.action.kind)).toEqual(['assign', 'status'])
    // Only that bucket came into memory.
    expect(again.fold.conversations.size).toBeLessThan(convs.length / 100)
  })

  it('folds new records onto the conversations it loaded, exactly as a device that folded everything does, and stores them', async () => {
    const first = convs.map((c) => rec(c, 'ana@example.test', { kind: 'assign', to: 'ana@example.test', expect: null }))
    await stored(first)
    const later = [rec(convs[5]!, 'bo@example.test', { kind: 'assign', to: 'bo@example.test', expect: 'ana@example.test' }), rec(convs[5]!, 'bo@example.test', { kind: 'status', status: 'done' })]
    // A replay of a record this device folded before its restart counts once.
    const replay = { ...first[7]!, uid: ++uid, action: { kind: 'assign' as const, to: 'eve@example.test' } }
    const again = await MailboxTeam.open(db, MAILBOX)
    const fresh = [...later, replay]
    await again.load(fresh.map((r) => bucketOf(r.conv)))
    again.apply(fresh)
    const everything = new TeamFold()
    everything.add([...first, ...fresh])
    expect(again.stateNow(convs[5]!)).toEqual(everything.get(convs[5]!))
    expect(again.stateNow(convs[7]!)).toEqual(everything.get(convs[7]!))
    expect(again.briefs.get(convs[7]!)?.assignee).toBe('ana@example.test')
    await again.save(new Set(fresh.map((r) => bucketOf(r.conv))), { cursor: { uidValidity: '1', uidNext: uid + 1 } }, false)
    const third = await MailboxTeam.open(db, MAILBOX)
    expect([...(await third.loadAll()).conversations.entries()].sort()).toEqual([...everything.conversations.entries()].sort())
    expect(third.briefs.get(convs[5]!)).toEqual({ assignee: 'bo@example.test', status: 'done' })
  })

  it('loads a bucket once however often it is asked for, and never over what was folded since', async () => {
    await stored([rec(convs[3]!, 'ana@example.test', { kind: 'status', status: 'waiting' })])
    const again = await MailboxTeam.open(db, MAILBOX)
    const bucket = bucketOf(convs[3]!)
    await Promise.all([again.load([bucket]), again.load([bucket])])
    again.apply([rec(convs[3]!, 'bo@example.test', { kind: 'status', status: 'done' })])
    await again.load([bucket])
    expect(again.stateNow(convs[3]!)?.status).toBe('done')
    expect(again.stateNow(convs[3]!)?.history).toHaveLength(2)
  })
})

describe('a pull onto a restarted device', () => {
  it('loads the buckets of the conversations a page touches before folding it: their history is kept, the window is told before the cache is written', async () => {
    const first = convs.slice(0, 50).map((c) => rec(c, 'ana@example.test', { kind: 'status', status: 'waiting' }))
    await stored(first)
    const next = rec(convs[9]!, 'bo@example.test', { kind: 'status', status: 'done' })
    const told: number[] = []
    const { TeamSync } = await import('../../../renderer/src/sync/team-sync')
    const { toTeamWire } = await import('../../../shared/team/wire')
    const sync = new TeamSync(db, (async (name: string) => {
      if (name !== 'team.read') throw new Error('offline')
      return { exists: true, cursor: { uidValidity: '1', uidNext: next.uid + 1 }, records: toTeamWire([next]), more: false, skipped: 0, reset: false, batches: [] }
    }) as never, undefined, undefined, (team) => told.push(team.briefs.size))
    const changed = await sync.pull(MAILBOX)
    expect([...changed.keys()]).toEqual([convs[9]])
    expect(told).toEqual([50])
    const team = await sync.team(MAILBOX)
    expect(team.stateNow(convs[9]!)?.history.map((e) => e.by)).toEqual(['ana@example.test', 'bo@example.test'])
    expect((await db.teamCursors.get(MAILBOX))?.cursor.uidNext).toBe(next.uid + 1)
  })
})

describe('a mailbox whose cache was purged while its team state was in memory', () => {
  it('folds everything again when the membership comes back, and stores it', async () => {
    db = new TandemDb(`team-cache.${randomUUID()}`)
    const records = convs.slice(0, 20).map((c) => rec(c, 'ana@example.test', { kind: 'status', status: 'done' }))
    const { TeamSync } = await import('../../../renderer/src/sync/team-sync')
    const { toTeamWire } = await import('../../../shared/team/wire')
    const sync = new TeamSync(db, (async (name: string, input: { since: unknown }) => {
      if (name !== 'team.read') throw new Error('offline')
      return input.since
        ? { exists: true, cursor: { uidValidity: '1', uidNext: uid + 1 }, records: toTeamWire([]), more: false, skipped: 0, reset: false, batches: [] }
        : { exists: true, cursor: { uidValidity: '1', uidNext: uid + 1 }, records: toTeamWire(records), more: false, skipped: 0, reset: true, batches: [] }
    }) as never)
    await sync.pull(MAILBOX)
    await db.purgeMailbox(MAILBOX) // R1: access removed …
    await sync.pull(MAILBOX) // … and given back
    const again = await MailboxTeam.open(db, MAILBOX)
    expect(again.briefs.size).toBe(20)
    expect((await again.loadAll()).conversations.size).toBe(20)
  })
})
