/** Work held back waits at most this long for the list, so that it still runs where no folder is ever opened. */
const MAX_WAIT_MS = 15_000
/** An idle moment is waited for at most this long once the list is there. */
const IDLE_TIMEOUT_MS = 2000

type Idle = (fn: () => void, opts: { timeout: number }) => unknown

/**
 * Start-up work that is not on screen (the search index, the completion of summaries of
 * before, mail kept for offline reading) waits until the folder on screen has been shown in
 * full — its rows read and grouped — and the page is idle: done at the start, it took the main
 * thread and IndexedDB from the first rows the person waits for. A folder being opened holds it
 * again (work not yet begun waits for that folder too). Plain TypeScript; one per window
 * (`startUp`), held and opened by the list.
 */
export class StartUpGate {
  private waiting: (() => void)[] = []
  private opened = false
  private timer: ReturnType<typeof setTimeout> | null = null

  constructor(private readonly idle: Idle = defaultIdle, private readonly maxWaitMs = MAX_WAIT_MS) {}

  /** The list on screen is shown in full: what waited runs in the next idle moments, one per moment. */
  open(): void {
    if (this.opened) return
    this.opened = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    for (const fn of this.waiting.splice(0)) this.soon(fn)
  }

  /** A folder is being opened: what has not begun waits until it is shown (or the longest wait is over). */
  hold(): void {
    if (!this.opened) return
    this.opened = false
    if (this.waiting.length) this.timer ??= setTimeout(() => this.open(), this.maxWaitMs)
  }

  /** Runs `fn` once the list is shown (at once in an idle moment if it is already); what is held back waits at most the gate's longest wait. */
  after(fn: () => void): void {
    if (this.opened) { this.soon(fn); return }
    this.waiting.push(fn)
    this.timer ??= setTimeout(() => this.open(), this.maxWaitMs)
  }

  /** In an idle moment, unless a folder began opening meanwhile: then it waits again. */
  private soon(fn: () => void): void {
    this.idle(() => { if (this.opened) fn(); else this.after(fn) }, { timeout: IDLE_TIMEOUT_MS })
  }

  /** A new start (signed out and in again, another cache): held back again until the list is shown. */
  reset(): void {
    this.opened = false
    this.waiting = []
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }
}

function defaultIdle(fn: () => void, opts: { timeout: number }): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => fn(), opts)
  else setTimeout(fn, 0)
}

/** This window's gate. */
export const startUp = new StartUpGate()
