import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** How long the service must have been quiet after a big job before its garbage is collected. */
const QUIET_MS = 1500

/**
 * A full garbage collection, when V8 lets us have one. A first sync of 20 000 messages leaves
 * about 100 MB of parsed FETCH answers and JSON behind; V8 collects its old generation lazily, so
 * the process kept that as resident memory until much later (the service's RSS rose from 90 to
 * 200 MB over a few big syncs with 23 MB live). `--expose-gc` set at run time applies to contexts
 * created after it: the `gc` of a fresh one is V8's own. Null when the runtime refuses.
 */
const collect: (() => void) | null = (() => {
  try {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as unknown
    return typeof gc === 'function' ? (gc as () => void) : null
  } catch {
    return null
  }
})()

/** One full collection now; false when the runtime gives no way to ask for one. */
export function collectNow(): boolean {
  collect?.()
  return !!collect
}

let timer: ReturnType<typeof setTimeout> | null = null

/**
 * After a job that allocated a lot (a big first sync): one full collection once the service has
 * been quiet for a moment, never during the job, at most one per quiet spell. A few milliseconds
 * for the service's live heap of tens of megabytes.
 */
export function releaseMemorySoon(): void {
  if (!collect) return
  if (timer) clearTimeout(timer)
  timer = setTimeout(() => { timer = null; collectNow() }, QUIET_MS)
  timer.unref?.()
}
