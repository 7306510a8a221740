import { describe, expect, it } from 'vitest'
import { collectNow } from '../../../electron/service/memory'

describe('releasing the garbage of a big sync', () => {
  it('gets a real full collection from V8: garbage the size of a big first sync leaves the heap', () => {
    // What a sync leaves behind: many small parsed objects and strings, no longer referenced.
    const holder: { junk: { uid: number; subject: string; from: string[] }[] | null } = { junk: null }
    holder.junk = Array.from({ length: 300_000 }, (_, i) => ({ uid: i, subject: `subject ${i} ${'x'.repeat(40)}`, from: [`name ${i}`, `a${i}@example.test`] }))
    const holding = process.memoryUsage().heapUsed
    expect(holder.junk.length).toBe(300_000)
    holder.junk = null
    expect(collectNow()).toBe(true)
    // At least 40 MB of the roughly 80 MB allocated is gone at once.
    expect(holding - process.memoryUsage().heapUsed).toBeGreaterThan(40 * 1024 * 1024)
    // Allocating 300 000 objects and a full collection take seconds on a busy two-core machine.
  }, 60_000)
})
