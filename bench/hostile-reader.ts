// The service alone, in a process of its own (bench/team-hostile.ts starts it): signs in, reads a
// shared mailbox's team folder the way a new device does (team.read page by page from nothing,
// then team.verify of the batches it started from, 100 a call), and reports its own event-loop
// delay and memory while doing it, as one JSON line on stdout. Uses only calls every version of
// the service has had, so the same harness measures before and after.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { MailService } from '../electron/service/mail-service'
import { MemorySecretStore } from '../electron/service/storage/secret-store'
import { MemoryStateStore } from '../electron/service/storage/state-store'

const [server, address, password, mailboxId] = [JSON.parse(process.argv[2]!), process.argv[3]!, process.argv[4]!, process.argv[5]!]

async function main(): Promise<void> {
  const service = new MailService({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), host: 'web', version: 'bench', emit: () => undefined, pollMs: 600_000, log: () => undefined })
  await service.start()
  await service.signIn({ address, password, server })
  await service.listFolders(mailboxId)
  global.gc?.()
  const base = process.memoryUsage()
  let peakRss = base.rss
  let peakHeap = base.heapUsed + base.external + base.arrayBuffers
  // RSS every 10 ms (cheap); the heap's break-down every 100 ms (memoryUsage() walks the heap).
  let tick = 0
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss())
    if (++tick % 10) return
    const m = process.memoryUsage()
    peakHeap = Math.max(peakHeap, m.heapUsed + m.external + m.arrayBuffers)
  }, 10)
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const started = performance.now()
  let pages = 0
  let records = 0
  let skipped = 0
  const batches: number[] = []
  let error: string | null = null
  let bad = 0
  try {
    let since = null
    for (;;) {
      const page = await service.teamRead(mailboxId, since)
      pages++
      records += page.records.rows.length
      skipped += page.skipped
      for (const b of page.batches) batches.push(b.uid)
      since = page.cursor
      if (!page.more || !since) break
    }
    for (let i = 0; i < batches.length; i += 100) bad += (await service.teamVerify(mailboxId, batches.slice(i, i + 100))).bad.length
  } catch (e) {
    error = e instanceof Error ? e.message : String(e)
  }
  const ms = performance.now() - started
  delay.disable()
  clearInterval(sampler)
  const after = process.memoryUsage()
  peakRss = Math.max(peakRss, after.rss)
  const mb = (n: number) => Math.round(n / 1048576)
  process.stdout.write(JSON.stringify({
    ms: Math.round(ms), pages, records, skipped, batches: batches.length, bad, error,
    loopP99: +(delay.percentile(99) / 1e6).toFixed(1), loopMax: +(delay.max / 1e6).toFixed(1),
    rssBase: mb(base.rss), rssPeak: mb(peakRss), rssDelta: mb(peakRss - base.rss), heapDelta: mb(peakHeap - (base.heapUsed + base.external + base.arrayBuffers)),
  }) + '\n')
  await service.stop()
  process.exit(0)
}

void main()
