import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { acceptedLanguages, formatIn, pickLocale, type Locale, type MessageKey } from '../../shared/i18n'
import type { Text } from '../../shared/api/errors'
import type { ConfirmQuestion } from '../service/confirm'

/**
 * The web host's way for main to ask the person (electron/service/confirm.ts): a page the host
 * serves itself, on a loopback origin of its own, never the window's. The window learns only
 * that a question waits and where the page is; it cannot read the page (another origin, no
 * CORS) nor answer it: an answer must carry the question's nonce, which only the page shows,
 * come from the page's own origin (Origin checked; a window's form post carries its own), to
 * this host's name (DNS rebinding). The page may not be framed (clickjacking).
 */

interface Waiting { id: string; nonce: string; question: ConfirmQuestion; settle: (yes: boolean) => void }

export interface ConfirmPageOptions {
  /** Tells the window a question waits on the page (its URL), and when it is settled. */
  announce?: (e: { kind: 'waiting'; id: string; title: Text; url: string } | { kind: 'settled'; id: string }) => void
  /** How long a question waits for its answer before it counts as no. */
  timeoutMs?: number
}

const MAX_FORM = 4096
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

export class ConfirmPage {
  private server: Server | null = null
  private port = 0
  private readonly waiting = new Map<string, Waiting>()

  constructor(private readonly opts: ConfirmPageOptions = {}) {}

  get origin(): string { return `http://127.0.0.1:${this.port}` }
  /** Where the person answers. */
  get url(): string { return `${this.origin}/` }

  async start(): Promise<void> {
    const server = createServer((req, res) => { void this.handle(req, res).catch(() => { if (!res.headersSent) res.writeHead(500); res.end() }) })
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()) })
    this.server = server
    this.port = (server.address() as { port: number }).port
  }

  async stop(): Promise<void> {
    for (const w of [...this.waiting.values()]) w.settle(false)
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server?.closeAllConnections()
    this.server = null
  }

  /** The Confirm of electron/service/confirm.ts: resolves with the person's answer (no after the timeout, or at stop). */
  readonly confirm = (question: ConfirmQuestion): Promise<boolean> => new Promise<boolean>((resolve) => {
    const id = randomUUID()
    const timer = setTimeout(() => settle(false), this.opts.timeoutMs ?? 10 * 60_000)
    timer.unref()
    const settle = (yes: boolean) => {
      if (!this.waiting.delete(id)) return
      clearTimeout(timer)
      this.opts.announce?.({ kind: 'settled', id })
      resolve(yes)
    }
    this.waiting.set(id, { id, nonce: randomBytes(24).toString('base64url'), question, settle })
    this.opts.announce?.({ kind: 'waiting', id, title: question.title, url: this.url })
  })

  private headers(): Record<string, string> {
    return {
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      // Not no-referrer: under it Chromium sends "Origin: null" with the page's own form post.
      'Referrer-Policy': 'same-origin',
      'Cache-Control': 'no-store',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const locale = pickLocale(acceptedLanguages(req.headers['accept-language']))
    if (req.headers.host !== `127.0.0.1:${this.port}`) { res.writeHead(421, this.headers()).end(); return }
    const url = new URL(req.url ?? '/', this.origin)
    const path = url.pathname
    if (req.method === 'GET' && path === '/') { this.page(res, locale, url.searchParams.has('answered')); return }
    if (req.method === 'POST' && path === '/answer') { await this.answer(req, res); return }
    res.writeHead(404, this.headers()).end()
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only the page itself: a form posted from the window (or any other page) names its own origin.
    if (req.headers.origin !== this.origin) { res.writeHead(403, this.headers()).end(); return }
    const chunks: Buffer[] = []
    let size = 0
    for await (const c of req) {
      size += (c as Buffer).length
      if (size > MAX_FORM) { res.writeHead(413, this.headers()).end(); return }
      chunks.push(c as Buffer)
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    const w = this.waiting.get(form.get('id') ?? '')
    const given = Buffer.from(form.get('nonce') ?? '')
    if (!w || given.length !== Buffer.from(w.nonce).length || !timingSafeEqual(given, Buffer.from(w.nonce))) { res.writeHead(400, this.headers()).end(); return }
    w.settle(form.get('answer') === 'accept')
    // Post/redirect/get: a reload does not answer twice.
    res.writeHead(303, { ...this.headers(), Location: '/?answered=1' }).end()
  }

  private page(res: ServerResponse, locale: Locale, answered: boolean): void {
    const t = (x: Text) => escape(formatIn(locale, x.key as MessageKey, x.params ?? {}))
    const k = (key: MessageKey) => escape(formatIn(locale, key))
    const questions = [...this.waiting.values()].map((w) => `
<section class="question" aria-labelledby="q-${w.id}">
  <h2 id="q-${w.id}">${t(w.question.title)}</h2>
  ${w.question.body.map((p) => `<p>${t(p)}</p>`).join('\n  ')}
  ${w.question.warning ? `<p class="warning" role="alert">${t(w.question.warning)}</p>` : ''}
  <form method="post" action="/answer">
    <input type="hidden" name="id" value="${w.id}"><input type="hidden" name="nonce" value="${w.nonce}">
    <button type="submit" name="answer" value="refuse">${t(w.question.refuse)}</button>
    <button type="submit" name="answer" value="accept" class="primary">${t(w.question.accept)}</button>
  </form>
</section>`).join('\n')
    res.writeHead(200, { ...this.headers(), 'Content-Type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${k('confirm.pageTitle')} — Tandem</title><style>${STYLE}</style></head>
<body><main><h1>${k('confirm.pageTitle')}</h1><p class="lead">${k('confirm.pageLead')}</p>
${questions || `<p class="none" role="status">${k(answered ? 'confirm.pageAnswered' : 'confirm.pageNone')}</p>`}
</main></body></html>`)
  }
}

/** The page's look: Tandem's tokens (renderer/src/styles.css) in light and dark, nothing loaded from elsewhere. */
const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --surface: #ffffff; --text: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0b5cad; --on-accent: #ffffff; --warn-bg: #fff4e5; --warn: #7a4100; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171a; --surface: #1d2125; --text: #e6e9ed; --muted: #a3acb6; --line: #3a4149; --accent: #5aa2f0; --on-accent: #0b1320; --warn-bg: #3a2a12; --warn: #ffcf8a; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 1rem/1.5 system-ui, sans-serif; }
main { max-width: 40rem; margin: 3rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
.lead, .none { color: var(--muted); }
.question { background: var(--surface); border: 1px solid var(--line); border-radius: .5rem; padding: 1.25rem 1.5rem; margin: 1.5rem 0; }
.question h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
.warning { background: var(--warn-bg); color: var(--warn); border-radius: .375rem; padding: .5rem .75rem; font-weight: 600; }
form { display: flex; gap: .75rem; justify-content: flex-end; margin-top: 1rem; flex-wrap: wrap; }
button { font: inherit; padding: .5rem 1rem; border-radius: .375rem; border: 1px solid var(--line); background: var(--surface); color: var(--text); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--on-accent); }
button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
`
