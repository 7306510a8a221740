// `npx tsx bench/profile-sync.ts [--size N]`: where the initial sync's time goes on the service's
// side, stage by stage, in one process against one seeded Dovecot: the bare FETCH, + the summary
// mapping, + the JSON for the hop. Prints figures; never fails on time.
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { projectRoot } from '../electron/web/web-app'
import { benchMessages } from './fixtures'
import { SUMMARY_QUERY, toWireSummary } from '../electron/service/operations/summaries'
import { fetchSummaries } from '../electron/service/imap/summary-fetch'

const { values } = parseArgs({ options: { size: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } } })
const SIZE = Number(values.size)
const RUNS = Number(values.runs)
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]! }

async function main(): Promise<void> {
  const org = await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json'))
  const stack = await startMailStack(org)
  try {
    await stack.seed('support@contoso.test', 'INBOX', benchMessages(SIZE, 'support@contoso.test'))
    const session = () => imapSession(stack, 'support@contoso.test*bob@contoso.test', passwordOf(stack, 'bob@contoso.test'))
    const stages: Record<string, (m: import('imapflow').FetchMessageObject, batch: unknown[]) => void> = {
      'bare FETCH': () => undefined,
      '+ toWireSummary': (m, batch) => { batch.push(toWireSummary(m)) },
      '+ toWireSummary + JSON per 1000': (m, batch) => {
        batch.push(toWireSummary(m))
        if (batch.length >= 1000) { JSON.stringify({ type: 'event', name: 'sync.messages', payload: { messages: batch } }); batch.length = 0 }
      },
    }
    const times: Record<string, number[]> = {}
    const c = await session()
    await c.mailboxOpen('INBOX', { readOnly: true })
    for await (const m of c.fetch('1:*', SUMMARY_QUERY, { uid: true })) void m
    for (let r = 0; r < RUNS; r++) {
      for (const [name, stage] of Object.entries(stages)) {
        const batch: unknown[] = []
        const t0 = performance.now()
        for await (const m of c.fetch('1:*', SUMMARY_QUERY, { uid: true })) stage(m, batch)
        ;(times[name] ??= []).push(performance.now() - t0)
      }
      // The purpose-built reader (imap/summary-fetch-parser.ts), as the sync uses it: CPU of this process too.
      const batch: unknown[] = []
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      const stats = await fetchSummaries(c, '1:*', SUMMARY_QUERY, { uid: true }, (m) => {
        batch.push(toWireSummary(m))
        if (batch.length >= 1000) { JSON.stringify({ type: 'event', name: 'sync.messages', payload: { messages: batch } }); batch.length = 0 }
      })
      ;(times['summary reader + toWireSummary + JSON'] ??= []).push(performance.now() - t0)
      const cpu = process.cpuUsage(cpu0)
      ;(times['… its CPU (this process)'] ??= []).push((cpu.user + cpu.system) / 1000)
      if (stats.fast + stats.generic < SIZE) throw new Error(`the reader took ${stats.fast} and imapflow ${stats.generic} of ${SIZE}`)
    }
    for (let r = 0; r < RUNS; r++) {
      const cpu0 = process.cpuUsage()
      const batch: unknown[] = []
      for await (const m of c.fetch('1:*', SUMMARY_QUERY, { uid: true })) {
        batch.push(toWireSummary(m))
        if (batch.length >= 1000) { JSON.stringify({ type: 'event', name: 'sync.messages', payload: { messages: batch } }); batch.length = 0 }
      }
      const cpu = process.cpuUsage(cpu0)
      ;(times['imapflow + toWireSummary + JSON: CPU (this process)'] ??= []).push((cpu.user + cpu.system) / 1000)
    }
    // toWireSummary alone, over objects already parsed.
    const parsed: import('imapflow').FetchMessageObject[] = []
    for await (const m of c.fetch('1:*', SUMMARY_QUERY, { uid: true })) parsed.push(m)
    for (let r = 0; r < RUNS; r++) {
      let t0 = performance.now()
      const rows = parsed.map((m) => toWireSummary(m))
      ;(times['toWireSummary alone'] ??= []).push(performance.now() - t0)
      t0 = performance.now()
      for (let i = 0; i < rows.length; i += 1000) JSON.stringify({ messages: rows.slice(i, i + 1000) })
      ;(times['JSON alone'] ??= []).push(performance.now() - t0)
    }
    await c.logout()
    for (const [name, xs] of Object.entries(times)) console.log(`${name.padEnd(32)} median ${Math.round(median(xs))} ms  (${xs.map(Math.round).join(', ')})`)
  } finally {
    await stack.stop()
  }
}
void main().catch((e) => { console.error(e); process.exit(1) })
