import { readdirSync, readFileSync } from 'node:fs'

/** Resident memory of a process, from /proc. */
export function rssMB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return Number(kb ?? 0) / 1024
}

/** The fields of /proc/PID/stat after the command's closing parenthesis (state is [0], ppid [1]). */
const statOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')

/** CPU time a process has used (user + system), from /proc, in ms. */
export function cpuMs(pid: number): number {
  // utime and stime are the 12th and 13th fields after the command, in clock ticks (100 Hz).
  const f = statOf(pid)
  return (Number(f[11]) + Number(f[12])) * 10
}

/** CPU time of a process and every process below it (Chromium's or Thunderbird's helpers), in ms. */
export function treeCpuMs(root: number): number {
  const stats = new Map<number, string[]>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try { stats.set(Number(d), statOf(Number(d))) } catch { /* gone meanwhile */ }
  }
  const inTree = (pid: number): boolean => { for (let p: number | undefined = pid; p && p > 1; p = Number(stats.get(p)?.[1])) if (p === root) return true; return false }
  let total = 0
  for (const [pid, f] of stats) if (inTree(pid)) total += (Number(f[11]) + Number(f[12])) * 10
  return total
}

/** Busy CPU time of the whole machine so far (all cores, every process), from /proc/stat, in ms. */
export function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  return (f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!) * 10
}

/** The newest process named `name` whose parent is this process (a browser Playwright started). */
export function childNamed(name: string): number | null {
  const mine = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8').includes(`(${name})`) && Number(statOf(pid)[1]) === process.pid
    } catch { return false }
  })
  return mine.length ? Math.max(...mine) : null
}
