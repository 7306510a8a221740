import { describe, expect, it } from 'vitest'
import { oneAtATime } from '../../../renderer/src/queue/one-at-a-time'

/** A job whose runs finish when the test says, each seeing the work there was when it started. */
function controlledJob() {
  const work: string[] = []
  const runs: { saw: string[]; finish: () => void; fail: (e: Error) => void }[] = []
  const job = () => new Promise<void>((finish, fail) => { runs.push({ saw: [...work], finish, fail }) })
  return { work, runs, job }
}
const tick = () => new Promise((r) => setTimeout(r, 0))

describe('oneAtATime', () => {
  it('answers a call made while a run is under way with the run after it, which sees what was added', async () => {
    const { work, runs, job } = controlledJob()
    const run = oneAtATime(job)
    const first = run()
    expect(runs).toHaveLength(1)
    work.push('task added while the first run works')
    let secondDone = false
    const second = run().then(() => { secondDone = true })
    const third = run()
    expect(runs).toHaveLength(1)
    runs[0]!.finish()
    await first
    await tick()
    // The first run is over, but the calls made during it wait for the run they asked for.
    expect(secondDone).toBe(false)
    expect(runs).toHaveLength(2)
    expect(runs[1]!.saw).toEqual(['task added while the first run works'])
    runs[1]!.finish()
    await Promise.all([second, third])
    expect(runs).toHaveLength(2)
  })

  it('runs once more after a failed run, and the failure goes to its own callers only', async () => {
    const { runs, job } = controlledJob()
    const run = oneAtATime(job)
    const first = run()
    const second = run()
    runs[0]!.fail(new Error('server gone'))
    await expect(first).rejects.toThrow('server gone')
    await tick()
    expect(runs).toHaveLength(2)
    runs[1]!.finish()
    await expect(second).resolves.toBeUndefined()
    // Idle again: the next call starts a run at once.
    void run()
    expect(runs).toHaveLength(3)
    runs[2]!.finish()
  })
})
