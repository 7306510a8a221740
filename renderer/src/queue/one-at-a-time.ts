/**
 * Wraps a job so that only one run is under way at a time. A call while it runs asks for one
 * more run right after it (one, however many calls) and gets that run's promise: whoever calls
 * is answered by a run that started after the call, so it sees what the caller did just before
 * (a task added to the queue, a change to keep offline), never only the run already under way.
 */
export function oneAtATime(job: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  let next: Promise<void> | null = null
  const run = (): Promise<void> => {
    if (!running) {
      running = job().finally(() => { running = null })
      return running
    }
    next ??= running.catch(() => undefined).then(() => {
      next = null
      return run()
    })
    return next
  }
  return run
}
