/**
 * Wraps a job so that only one run is under way at a time: a call while it runs asks for one
 * more run right after (not one per call) and gets the running one's promise.
 */
export function oneAtATime(job: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  let again = false
  const run = (): Promise<void> => {
    if (running) { again = true; return running }
    running = job().finally(() => {
      running = null
      if (again) { again = false; void run() }
    })
    return running
  }
  return run
}
