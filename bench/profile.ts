/** Reading V8 CPU profiles (`--profile DIR` of the benchmarks). */
export interface CpuProfile { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] }
/** Self time per function of a V8 CPU profile, most first. */
export function topSelfTime(p: CpuProfile, n: number): string[] {
  const byId = new Map(p.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  p.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
    self.set(name, (self.get(name) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000)
  })
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([name, ms]) => `  ${ms.toFixed(0).padStart(7)} ms ${(100 * ms / total).toFixed(1).padStart(5)}%  ${name}`)
}
