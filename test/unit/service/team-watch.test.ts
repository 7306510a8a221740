import { describe, expect, it } from 'vitest'
import { ownLookDue, TEAM_WATCH, DEFAULT_POLL_MS } from '../../../electron/service/imap/watcher'

/** When the poll asks about the team folder (watcher.ts, TEAM_WATCH): every poll while busy, every quietMs after. */
describe('the team folder\'s adaptive watch', () => {
  const tick = DEFAULT_POLL_MS
  const t0 = 10_000_000

  it('asks every poll while the team is busy (for busyForMs after the last activity)', () => {
    const look = { lastLook: t0, busyUntil: t0 + TEAM_WATCH.busyForMs }
    expect(ownLookDue(t0 + tick, look, TEAM_WATCH, tick)).toBe(true)
    expect(ownLookDue(t0 + TEAM_WATCH.busyForMs - 1, look, TEAM_WATCH, tick)).toBe(true)
  })

  it('after a quiet spell, asks only once quietMs passed since the last look; a timer firing a little early does not skip a turn', () => {
    const look = { lastLook: t0, busyUntil: t0 - 1 }
    expect(ownLookDue(t0 + tick, look, TEAM_WATCH, tick)).toBe(false)
    expect(ownLookDue(t0 + TEAM_WATCH.quietMs - 2 * tick, look, TEAM_WATCH, tick)).toBe(false)
    expect(ownLookDue(t0 + TEAM_WATCH.quietMs - 10, look, TEAM_WATCH, tick)).toBe(true)
    expect(ownLookDue(t0 + TEAM_WATCH.quietMs, look, TEAM_WATCH, tick)).toBe(true)
  })

  it('a folder never asked is asked at the first poll; the figures are those the docs promise (3 s while busy, 15 s after two quiet minutes)', () => {
    expect(ownLookDue(t0, { lastLook: 0, busyUntil: 0 }, TEAM_WATCH, tick)).toBe(true)
    expect([DEFAULT_POLL_MS, TEAM_WATCH.busyForMs, TEAM_WATCH.quietMs]).toEqual([3_000, 120_000, 15_000])
  })
})
