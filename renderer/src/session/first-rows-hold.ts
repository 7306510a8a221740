/** A hold ends by itself after this long, so that an open that never paints cannot stall the syncs. */
const MAX_HOLD_MS = 1000

/**
 * While a folder's first rows are being read and painted, work in the background that writes or
 * walks the cache waits: a sync's writes into IndexedDB (of the folder opened before, or of
 * another one), the completion of summaries of before, bodies fetched for snippets. Done
 * alongside, it queued IndexedDB reads and main-thread work in front of the 150 rows the person
 * waits for. Nothing is dropped: what waits runs in the order it came once the rows are on
 * screen. Shorter than the start-up gate (session/start-up-gate.ts), which holds work not
 * begun until the folder is shown in full. Plain TypeScript; one per window (`firstRows`).
 */
export class FirstRowsHold {
  private opens = 0
  private held = new Set<number>()
  private waiting: (() => void)[] = []
  private timers = new Map<number, ReturnType<typeof setTimeout>>()

  constructor(private readonly maxHoldMs = MAX_HOLD_MS) {}

  /** An open begins reading its first rows: returns its end (called once they are painted; more calls do nothing). */
  begin(): () => void {
    const id = ++this.opens
    this.held.add(id)
    this.timers.set(id, setTimeout(() => this.end(id), this.maxHoldMs))
    return () => this.end(id)
  }

  /** Whether an open's first rows are being read or painted now. */
  get holding(): boolean {
    return this.held.size > 0
  }

  /** At once when no open is painting its first rows, else once none is (each open's hold ends by itself at the latest). */
  wait(): Promise<void> {
    if (!this.holding) return Promise.resolve()
    return new Promise((resolve) => { this.waiting.push(resolve) })
  }

  private end(id: number): void {
    if (!this.held.delete(id)) return
    clearTimeout(this.timers.get(id))
    this.timers.delete(id)
    if (this.holding) return
    for (const resume of this.waiting.splice(0)) resume()
  }
}

/** The next frame (a macrotask where the page draws none, as the stores' tests in Node). */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => resolve())
    else setTimeout(resolve, 0)
  })
}

/** Runs `fn` once the frame drawn next is on screen: after that frame's callbacks, in a task of its own. */
export function afterNextFrame(fn: () => void): void {
  void nextFrame().then(() => { setTimeout(fn, 0) })
}

/** This window's hold. */
export const firstRows = new FirstRowsHold()
