import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../../electron/service/imap/mailbox-runtime'

describe('reconnection backoff (R9)', () => {
  const policy = (r: number) => ({ baseMs: 1000, maxMs: 60_000, random: () => r })

  it('doubles the window with each failure, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, policy(1)))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000])
  })

  it('spreads clients over the upper half of the window (equal jitter), never to zero', () => {
    expect(backoffDelay(4, policy(0))).toBe(4000)
    expect(backoffDelay(4, policy(0.5))).toBe(6000)
    const many = Array.from({ length: 200 }, () => backoffDelay(5, { baseMs: 1000, maxMs: 60_000, random: Math.random }))
    expect(Math.min(...many)).toBeGreaterThanOrEqual(8000)
    expect(Math.max(...many)).toBeLessThanOrEqual(16_000)
    expect(new Set(many).size).toBeGreaterThan(50)
  })
})
