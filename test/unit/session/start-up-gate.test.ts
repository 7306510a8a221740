import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { StartUpGate } from '../../../renderer/src/session/start-up-gate'

describe('start-up work not on screen waits for the list', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })
  // Idle moments as a queue the test runs, so that "not yet" is a fact and not a timing.
  const idleQueue = () => {
    const queued: (() => void)[] = []
    return { queued, idle: (fn: () => void) => { queued.push(fn) }, runIdle: () => { for (const fn of queued.splice(0)) fn() } }
  }

  it('holds work back until the list is shown, then runs it in idle moments, in order', () => {
    const { idle, queued, runIdle } = idleQueue()
    const gate = new StartUpGate(idle, 15_000)
    const ran: string[] = []
    gate.after(() => ran.push('search index'))
    gate.after(() => ran.push('offline round'))
    vi.advanceTimersByTime(5000)
    expect(queued).toHaveLength(0)
    gate.open()
    expect(ran).toEqual([])
    runIdle()
    expect(ran).toEqual(['search index', 'offline round'])
    // Once open, later work only waits for an idle moment.
    gate.after(() => ran.push('later'))
    runIdle()
    expect(ran).toEqual(['search index', 'offline round', 'later'])
  })

  it('runs what waited after its longest wait when no list is ever shown (no folder, offline)', () => {
    const { idle, runIdle } = idleQueue()
    const gate = new StartUpGate(idle, 15_000)
    const ran: string[] = []
    gate.after(() => ran.push('refetch'))
    vi.advanceTimersByTime(14_999)
    runIdle()
    expect(ran).toEqual([])
    vi.advanceTimersByTime(1)
    runIdle()
    expect(ran).toEqual(['refetch'])
  })

  it('a folder being opened holds back what has not begun, also what was already due in the next idle moment', () => {
    const { idle, runIdle } = idleQueue()
    const gate = new StartUpGate(idle, 15_000)
    const ran: string[] = []
    gate.open()
    gate.after(() => ran.push('search index'))
    gate.hold()
    runIdle()
    expect(ran).toEqual([])
    gate.open()
    runIdle()
    expect(ran).toEqual(['search index'])
    // An open that never finishes (the window went offline) holds it no longer than the longest wait.
    gate.hold()
    gate.after(() => ran.push('offline round'))
    vi.advanceTimersByTime(15_000)
    runIdle()
    expect(ran).toEqual(['search index', 'offline round'])
  })

  it('a new start holds back again and forgets what the last one held back', () => {
    const { idle, runIdle } = idleQueue()
    const gate = new StartUpGate(idle, 15_000)
    const ran: string[] = []
    gate.open()
    gate.reset()
    gate.after(() => ran.push('new start'))
    runIdle()
    expect(ran).toEqual([])
    gate.reset()
    gate.open()
    runIdle()
    expect(ran).toEqual([])
    vi.advanceTimersByTime(60_000)
    runIdle()
    expect(ran).toEqual([])
  })
})
