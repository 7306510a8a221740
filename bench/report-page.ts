// The Report on screen at scale (docs/team-state.md, "Response times"): 100 000 conversations'
// figures of 50 members in the device's cache (written into IndexedDB as the window keeps them),
// the whole app in Debian's Chromium, the Report for this quarter. Printed from the page's own
// measures: `tandem:report-compute` (the report's pass) and `tandem:report-paint` (from the same
// start to the frame after the charts and tables are in the page), each time the period changes.
// Usage: npx tsx bench/report-page.ts [--conversations 100000] [--members 50] [--rounds 6]
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { loadOrganisation } from '../test/mailstack/organisation'
import { startMailStack } from '../test/mailstack/stack'
import { imapSession, passwordOf } from '../test/mailstack/sessions'
import { projectRoot, startWebApp } from '../electron/web/web-app'
import { targetsMessage } from '../electron/service/operations/response-targets'
import { defaultTargets, RESPONSE_TARGETS_VERSION, type ResponseTargets } from '../shared/rules/response-targets'
import { CHROMIUM_ARGS } from '../playwright.config'

const arg = (name: string, d: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : d }

async function main(): Promise<void> {
  const n = arg('conversations', 100_000)
  const members = arg('members', 50)
  const rounds = arg('rounds', 6)
  const stack = await startMailStack(await loadOrganisation(join(projectRoot, 'test', 'fixtures', 'orgs', 'contoso.json')))
  const imap = await imapSession(stack, 'support@contoso.test*alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
  try {
    await imap.mailboxCreate('Tandem Team').catch(() => undefined)
    const t: ResponseTargets = { v: RESPONSE_TARGETS_VERSION, id: randomUUID(), at: Date.now(), by: 'alice@contoso.test', ...defaultTargets('Europe/Amsterdam'), firstReply: 240, nextReply: 480, holidays: ['2026-12-25'] }
    await imap.append('Tandem Team', await targetsMessage(t, 'Alice Archer', 'bench', 'bench'), ['\\Seen'])
  } finally {
    await imap.logout()
  }
  const server = { imap: { host: stack.host, port: stack.ports.imap, security: 'none' as const }, smtp: { host: stack.host, port: stack.ports.submission, security: 'none' as const }, delegateLogin: '{shared}*{user}' }
  const web = await startWebApp({ suggestedServer: server, log: () => undefined })
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.goto(web.url)
    await page.locator('#address').fill('bob@contoso.test')
    await page.locator('#password').fill(passwordOf(stack, 'bob@contoso.test'))
    await page.locator('#password').press('Enter')
    await page.getByTestId('signed-in-as').waitFor()
    await page.waitForTimeout(3000)
    // tsx names the functions it compiles with a helper the page does not have.
    await page.evaluate('window.__name = (f) => f')
    // The figures, as the window stores them, for the shared mailbox: a quarter of seeded history.
    const written = await page.evaluate(async ({ n, members }) => {
      const open = () => new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open('tandem:bob@contoso.test'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error) })
      const db = await open()
      const all = <T>(store: string) => new Promise<T[]>((res, rej) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => res(r.result as T[]); r.onerror = () => rej(r.error) })
      const folders = await all<{ mailboxId: string }>('folders')
      const mailboxId = folders.map((f) => f.mailboxId).find((m) => m.includes('support'))!
      let seed = 42
      const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
      const now = Date.now()
      const d = new Date(now)
      const qStart = new Date(d.getFullYear(), Math.floor(d.getMonth() / 3) * 3, 1).getTime()
      const H = 3_600_000
      const who = Array.from({ length: members }, (_, i) => `member${i}@contoso.test`)
      const rows: { conv: string; [k: string]: unknown }[] = []
      for (let i = 0; i < n; i++) {
        const opened = qStart + Math.floor(rnd() * (now - qStart))
        const events: unknown[] = []
        let t = opened
        let first: { from: number; at: number; by: string } | null = null
        const next: { from: number; at: number; by: string }[] = []
        let pending: number | null = null
        for (let k = 0; k < 1 + Math.floor(rnd() * 4); k++) {
          events.push({ key: `c${i}-${k}`, at: t, customer: true, by: null })
          pending = t
          t += Math.floor(rnd() * 30 * H)
          if (t > now) break
          const by = who[Math.floor(rnd() * members)]!
          events.push({ key: `r${i}-${k}`, at: t, customer: false, by })
          const reply = { from: pending, at: t, by }
          if (first === null) first = reply; else next.push(reply)
          pending = null
          t += Math.floor(rnd() * 48 * H)
        }
        rows.push({ mailboxId, conv: i.toString(16).padStart(32, '0'), events, opened, first, next, waitingSince: pending, done: rnd() < 0.7 ? [{ at: Math.min(now, t), by: who[Math.floor(rnd() * members)]!, uid: i + 1 }] : [] })
      }
      // A bucket a record (cache/db.ts ResponseBucketRow: by the id's last two hex digits), packed as JSON bytes.
      const buckets = new Map<string, unknown[]>()
      for (const r of rows) { const b = r.conv.slice(-2); const list = buckets.get(b); if (list) list.push(r); else buckets.set(b, [r]) }
      await new Promise<void>((res, rej) => {
        const tx = db.transaction('responseBuckets', 'readwrite')
        const s = tx.objectStore('responseBuckets')
        for (const [bucket, figures] of buckets) s.put({ mailboxId, bucket, figures: new TextEncoder().encode(JSON.stringify(figures)) })
        tx.oncomplete = () => res()
        tx.onerror = () => rej(tx.error)
      })
      db.close()
      return rows.length
    }, { n, members })
    // A new start: the window reads the figures from its cache as every start does.
    await page.reload()
    await page.getByTestId('signed-in-as').waitFor()
    await page.waitForTimeout(8000)
    await page.keyboard.press('g')
    await page.keyboard.press('r')
    await page.getByTestId('report').waitFor()
    const periods = ['This quarter', 'Last 30 days']
    for (let i = 0; i < rounds; i++) {
      await page.getByTestId('report-period').click()
      await page.getByRole('option', { name: periods[i % 2], exact: true }).click()
      await page.waitForTimeout(1500)
    }
    const m = await page.evaluate(() => ({
      compute: performance.getEntriesByName('tandem:report-compute').map((e) => [e.duration, (e as PerformanceMeasure).detail as { conversations: number }] as const),
      paint: performance.getEntriesByName('tandem:report-paint').map((e) => e.duration),
    }))
    const quarter = m.compute.map(([d, x], i) => ({ d, c: x.conversations, p: m.paint[i] })).filter((x) => x.c >= n * 0.9)
    const fmt = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms (${s[0]!.toFixed(0)}–${s.at(-1)!.toFixed(0)})` }
    console.log(`report on screen: ${written} conversations' figures in the cache, ${members} members; quarter reports measured: ${quarter.length}`)
    console.log(`  compute: ${fmt(quarter.map((x) => x.d))}`)
    console.log(`  compute to painted: ${fmt(quarter.map((x) => x.p ?? NaN).filter((x) => !Number.isNaN(x)))}`)
  } finally {
    await browser.close()
    await web.stop()
    await stack.stop()
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1) })
