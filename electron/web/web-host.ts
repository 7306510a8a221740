import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { clientMessageSchema, type ServerMessage } from '../../shared/api/wire'
import type { Dispatch } from '../api/dispatcher'
import { readStatic, resolveStatic } from './static-files'
import { contentSecurityPolicy } from '../security/csp'
import { attachmentHeaders, type OpenedAttachment } from '../service/operations/attachments'
import { apiError } from '../../shared/api/errors'
import { acceptedLanguages, formatIn, pickLocale } from '../../shared/i18n'

export interface WebHostOptions {
  /** The built renderer (electron-vite's out/renderer). */
  rendererDir: string
  dispatch: Dispatch
  /** 0 picks a free port. */
  port?: number
  /** Streams an attachment for a one-time ticket issued through the API. */
  attachment?: (ticket: string) => Promise<OpenedAttachment | null>
  log?: (line: string) => void
}

/** Calls that may carry attachments; every other message must stay under SMALL_MESSAGE. */
const LARGE_CALLS = new Set(['messages.send', 'drafts.save', 'replies.change'])
const SMALL_MESSAGE = 1024 * 1024
/** Calls one socket may have running at once (the renderer needs a handful; a flood is refused). */
const MAX_IN_FLIGHT = 64

/**
 * Serves the built renderer on 127.0.0.1 and the API over a WebSocket. It exists because the
 * Electron runtime cannot be downloaded on our build machines; the renderer cannot tell the two
 * apart. The socket requires the per-launch token (given to the person in the URL's fragment,
 * which browsers never send to a server) and an Origin of this very host, so neither another
 * local program nor a web page in the same browser can drive the service.
 */
export class WebHost {
  readonly token = randomBytes(24).toString('base64url')
  private server: Server | null = null
  // Room for a send (or draft) with attachments; every other call must be small (below).
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 80 * 1024 * 1024 })
  private readonly sockets = new Set<WebSocket>()
  private port = 0

  constructor(private readonly opts: WebHostOptions) {}

  get origin(): string { return `http://127.0.0.1:${this.port}` }

  /** The address to open: the token rides in the fragment. */
  get url(): string { return `${this.origin}/#token=${this.token}` }

  async start(): Promise<void> {
    const server = createServer((req, res) => { void this.serveFile(req, res) })
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.opts.port ?? 0, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.port = (server.address() as { port: number }).port
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate()
    this.wss.close()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server = null
  }

  /** Pushes an event to every connected renderer. */
  broadcast(name: string, payload: unknown): void {
    const msg: ServerMessage = { type: 'event', name, payload }
    const text = JSON.stringify(msg)
    for (const s of this.sockets) if (s.readyState === s.OPEN) s.send(text)
  }

  /**
   * DNS rebinding: a web page on evil.example whose name later resolves to 127.0.0.1 reaches
   * this port from the person's browser with Host: evil.example. Only our own host is served.
   */
  private ownHost(req: IncomingMessage): boolean {
    return req.headers.host === `127.0.0.1:${this.port}`
  }

  private async serveFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = {
      'Content-Security-Policy': contentSecurityPolicy({ connect: [`ws://127.0.0.1:${this.port}`] }),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    }
    if (!this.ownHost(req)) {
      res.writeHead(421, { ...headers, 'Content-Type': 'text/plain' }).end('Misdirected request')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers).end()
      return
    }
    const pathname = new URL(req.url ?? '/', this.origin).pathname
    const ticket = /^\/attachments\/([A-Za-z0-9_-]{20,64})$/.exec(pathname)?.[1]
    if (ticket && this.opts.attachment) {
      const file = await this.opts.attachment(ticket).catch(() => null)
      if (!file) {
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(formatIn(pickLocale(acceptedLanguages(req.headers['accept-language'])), 'app.attachmentExpired'))
        return
      }
      // Shown in place only for checked types that run nothing (images, PDF, plain text), and
      // even then sandboxed; anything else is a download, never rendered on this origin.
      res.writeHead(200, { ...headers, ...attachmentHeaders(file) })
      file.stream.pipe(res)
      return
    }
    const found = await resolveStatic(this.opts.rendererDir, pathname)
    if (!found) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('Not found')
      return
    }
    res.writeHead(200, { ...headers, 'Content-Type': found.type })
    res.end(req.method === 'HEAD' ? undefined : await readStatic(found.file))
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.origin)
    const refuse = (status: number, text: string) => {
      this.opts.log?.(`web host: refused a WebSocket (${text})`)
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n\r\n`)
    }
    if (!this.ownHost(req)) return refuse(421, 'Misdirected Request')
    if (url.pathname !== '/api') return refuse(404, 'Not Found')
    if (req.headers.origin !== this.origin) return refuse(403, 'Forbidden')
    const given = Buffer.from(url.searchParams.get('token') ?? '')
    const expected = Buffer.from(this.token)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse(401, 'Unauthorized')
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws))
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws)
    const inFlight = { n: 0 }
    ws.on('close', () => this.sockets.delete(ws))
    ws.on('message', (data) => { void this.onMessage(ws, data.toString(), inFlight) })
  }

  private async onMessage(ws: WebSocket, text: string, inFlight: { n: number }): Promise<void> {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      ws.close(1007, 'not JSON')
      return
    }
    const parsed = clientMessageSchema.safeParse(raw)
    if (!parsed.success) {
      ws.close(1008, 'not a call')
      return
    }
    if (text.length > SMALL_MESSAGE && !LARGE_CALLS.has(parsed.data.name)) {
      ws.close(1009, 'message too big')
      return
    }
    if (inFlight.n >= MAX_IN_FLIGHT) {
      const busy: ServerMessage = { type: 'result', id: parsed.data.id, result: { ok: false, error: apiError({ code: 'request.invalid', key: 'errors.request.tooMany' }) } }
      ws.send(JSON.stringify(busy))
      return
    }
    inFlight.n++
    const result = await this.opts.dispatch(parsed.data.name, parsed.data.input).finally(() => { inFlight.n-- })
    const reply: ServerMessage = { type: 'result', id: parsed.data.id, result }
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply))
  }
}
