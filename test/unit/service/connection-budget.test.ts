import { EventEmitter } from 'node:events'
import type { ImapFlow } from 'imapflow'
import { describe, expect, it } from 'vitest'
import { ConnectionBudget, maxConnectionsFrom, type SlotKind, type SlotOwner } from '../../../electron/service/imap/connection-budget'

/**
 * The person's connection budget (R9) with stand-ins for connections: they close when given
 * back, and say whether a command is under way the way imapflow does.
 */
class Conn extends EventEmitter {
  usable = true
  busyNow = false
  idling = false
  connectionBusy(): boolean { return this.busyNow }
  close(): void {
    if (!this.usable) return
    this.usable = false
    // A server answers LOGOUT a moment later; the slot is free only then.
    setTimeout(() => this.emit('close'), 5)
  }
}

const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms))

/** Opens a "connection" the way connectImap does: a slot first, the connection attached. */
async function open(budget: ConnectionBudget, kind: SlotKind, mailboxId: string, opts: { lastUsed?: number; wait?: boolean } = {}) {
  const conn = new Conn()
  const owner: SlotOwner = { kind, mailboxId, lastUsed: () => opts.lastUsed ?? 0, giveBack: (c) => (c as unknown as Conn).close() }
  const slot = await budget.acquire(owner, opts.wait ?? true)
  slot?.attach(conn as unknown as ImapFlow)
  return { conn, slot }
}

/** Runs with the clock 10 s ahead: every connection opened before is past its grace. */
async function aged<T>(fn: () => Promise<T>): Promise<T> {
  const real = Date.now
  try {
    Date.now = () => real() + 10_000
    return await fn()
  } finally {
    Date.now = real
  }
}

describe('the connection budget (R9)', () => {
  it('hands out at most its limit; the next waits until one has closed', async () => {
    const budget = new ConnectionBudget(3)
    const held = await Promise.all(['a', 'b', 'c'].map((m) => open(budget, 'probe', m)))
    expect(budget.inUse).toBe(3)
    let fourth = false
    const waiting = open(budget, 'probe', 'd').then((x) => { fourth = true; return x })
    await tick()
    // Short looks are never taken back: it waits.
    expect(fourth).toBe(false)
    held[0]!.conn.close()
    await tick()
    expect(fourth).toBe(true)
    expect(budget.inUse).toBe(3)
    expect(budget.peak).toBe(3)
    await waiting
  })

  it('takes back an IDLE connection of a mailbox at rest first, then the least recently used working one, never the focused mailbox\'s', async () => {
    const budget = new ConnectionBudget(4)
    budget.focus('open')
    const openWork = await open(budget, 'work', 'open', { lastUsed: 1 })
    const openIdle = await open(budget, 'idle', 'open')
    const older = await open(budget, 'work', 'x', { lastUsed: 10 })
    const restIdle = await open(budget, 'idle', 'y')
    await aged(async () => {
      await open(budget, 'work', 'z', { lastUsed: 50 })
      expect(restIdle.conn.usable).toBe(false)
      expect([openWork, openIdle, older].every((h) => h.conn.usable)).toBe(true)
      await open(budget, 'work', 'w', { lastUsed: 60 })
      expect(older.conn.usable).toBe(false)
      expect(openWork.conn.usable && openIdle.conn.usable).toBe(true)
    })
    expect(budget.peak).toBe(4)
  })

  it('does not take back a connection in the middle of a command, nor one just handed out', async () => {
    const budget = new ConnectionBudget(2)
    const busy = await open(budget, 'work', 'x')
    const fresh = await open(budget, 'work', 'y')
    busy.conn.busyNow = true
    let got = false
    const waiting = open(budget, 'work', 'z').then((x) => { got = true; return x })
    await tick(100)
    expect(got).toBe(false)
    expect(busy.conn.usable && fresh.conn.usable).toBe(true)
    // The fresh one's grace ends (2 s): it is given back, not the busy one.
    await tick(2300)
    expect(got).toBe(true)
    expect(fresh.conn.usable).toBe(false)
    expect(busy.conn.usable).toBe(true)
    await waiting
  })

  it('opens a background IDLE connection only while a slot is free', async () => {
    const budget = new ConnectionBudget(2)
    await open(budget, 'work', 'x')
    expect((await open(budget, 'idle', 'y', { wait: false })).slot).not.toBeNull()
    expect((await open(budget, 'idle', 'z', { wait: false })).slot).toBeNull()
    expect(budget.inUse).toBe(2)
  })

  it('takes its size from the host: a whole number from 2 to 100, else the default', () => {
    expect(maxConnectionsFrom('6')).toBe(6)
    for (const bad of [undefined, '', '1', '1000', 'ten', '4.5']) expect(maxConnectionsFrom(bad)).toBeUndefined()
    expect(new ConnectionBudget().limit).toBe(10)
  })
})
