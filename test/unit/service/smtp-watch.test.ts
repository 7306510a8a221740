import { afterEach, describe, expect, it, vi } from 'vitest'
import { PROBE, SmtpWatch } from '../../../electron/service/operations/smtp-watch'
import { ApiFailure } from '../../../shared/api/errors'
import type { Endpoint } from '../../../shared/domain'

const SMTP: Endpoint = { host: 'smtp.example.test', port: 587, security: 'starttls' }
const error = { code: 'network.unreachable' as const, message: 'refused' }

afterEach(() => { vi.useRealTimers() })

describe('noticing that the submission server is back', () => {
  it('probes with backoff capped so that a server back at any moment is noticed within 5 s, and tells when', async () => {
    vi.useFakeTimers()
    const changes: boolean[] = []
    let backAt = Infinity
    const probes: number[] = []
    const watch = new SmtpWatch((_e, up) => changes.push(up), PROBE, async () => { probes.push(Date.now()); return Date.now() >= backAt })
    const start = Date.now()
    watch.lost(SMTP, error)
    expect(changes).toEqual([false])
    // While it is down, a send fails at once with the error that took it down (no connection).
    expect(() => watch.check(SMTP)).toThrow(ApiFailure)
    // Down for a minute, back at 60.3 s.
    backAt = start + 60_300
    await vi.advanceTimersByTimeAsync(70_000)
    expect(changes).toEqual([false, true])
    const noticed = probes.find((t) => t >= backAt)!
    expect(noticed - backAt).toBeLessThanOrEqual(5000)
    // Every gap between probes is within the cap (plus its jitter), never growing past it.
    const gaps = probes.slice(1).map((t, i) => t - probes[i]!)
    expect(Math.max(...gaps)).toBeLessThanOrEqual(PROBE.maxMs * 1.1)
    // Backoff: the first probes come sooner than the later ones.
    expect(gaps[0]!).toBeLessThan(gaps.at(-1)!)
    expect(() => watch.check(SMTP)).not.toThrow()
    // No more probes once it is back.
    const n = probes.length
    await vi.advanceTimersByTimeAsync(30_000)
    expect(probes.length).toBe(n)
  })

  it('a send that reaches the server ends the probing; a second loss does not start a second probe', async () => {
    vi.useFakeTimers()
    const changes: boolean[] = []
    let probes = 0
    const watch = new SmtpWatch((_e, up) => changes.push(up), PROBE, async () => { probes++; return false })
    watch.lost(SMTP, error)
    watch.lost({ ...SMTP, host: 'SMTP.example.test' }, error)
    await vi.advanceTimersByTimeAsync(10_000)
    const during = probes
    expect(during).toBeGreaterThan(1)
    expect(during).toBeLessThanOrEqual(5)
    watch.reached(SMTP)
    expect(changes).toEqual([false, true])
    await vi.advanceTimersByTimeAsync(30_000)
    expect(probes).toBe(during)
  })

  it('stops probing at sign-out', async () => {
    vi.useFakeTimers()
    let probes = 0
    const watch = new SmtpWatch(() => undefined, PROBE, async () => { probes++; return false })
    watch.lost(SMTP, error)
    watch.stop()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(probes).toBe(0)
    expect(() => watch.check(SMTP)).not.toThrow()
  })
})
