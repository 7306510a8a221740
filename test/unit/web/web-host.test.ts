import { mkdtemp, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createDispatcher, serviceHandlers } from '../../../electron/api/dispatcher'
import { MailService } from '../../../electron/service/mail-service'
import { MemorySecretStore } from '../../../electron/service/storage/secret-store'
import { MemoryStateStore } from '../../../electron/service/storage/state-store'
import { WebHost } from '../../../electron/web/web-host'

let host: WebHost
let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tandem-renderer-'))
  await mkdir(join(root, 'assets'))
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Tandem</title>')
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)')
  await writeFile(join(tmpdir(), 'tandem-secret.txt'), 'not for you')
  const service = new MailService({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), emit: () => undefined, host: 'web', version: '9.9.9' })
  await service.start()
  host = new WebHost({ rendererDir: root, dispatch: createDispatcher(serviceHandlers(service)) })
  await host.start()
})
afterAll(async () => { await host.stop() })

function connect(opts: { token?: string; origin?: string; path?: string }): Promise<{ ws: WebSocket | null; status: number | null }> {
  const url = `${host.origin.replace('http', 'ws')}${opts.path ?? '/api'}?token=${opts.token ?? ''}`
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin: opts.origin })
    ws.once('open', () => resolve({ ws, status: null }))
    ws.once('unexpected-response', (_req, res) => resolve({ ws: null, status: res.statusCode ?? null }))
    ws.once('error', () => resolve({ ws: null, status: -1 }))
  })
}

function call(ws: WebSocket, name: string, input: unknown, id = 1): Promise<unknown> {
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(d.toString())))
    ws.send(JSON.stringify({ type: 'call', id, name, input }))
  })
}

describe('the web host', () => {
  it('binds to loopback only', () => {
    expect(host.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(host.url).toBe(`${host.origin}/#token=${host.token}`)
  })

  it('refuses a WebSocket without the launch token', async () => {
    expect((await connect({ origin: host.origin })).status).toBe(401)
    expect((await connect({ origin: host.origin, token: 'x'.repeat(host.token.length) })).status).toBe(401)
  })

  it('refuses a WebSocket from another origin, even with the token', async () => {
    expect((await connect({ token: host.token, origin: 'http://evil.test' })).status).toBe(403)
    expect((await connect({ token: host.token })).status).toBe(403)
    expect((await connect({ token: host.token, origin: 'http://localhost:1' })).status).toBe(403)
  })

  it('answers calls from its own page with the token', async () => {
    const { ws } = await connect({ token: host.token, origin: host.origin })
    expect(ws).not.toBeNull()
    expect(await call(ws!, 'app.info', {})).toEqual({ type: 'result', id: 1, result: { ok: true, value: { name: 'Tandem', version: '9.9.9', host: 'web', suggestedServer: null, secretsPersist: false, oauthClients: {} } } })
    expect(await call(ws!, 'folders.list', { mailboxId: 'own:x' }, 2)).toMatchObject({ id: 2, result: { ok: false, error: { code: 'session.required' } } })
    expect(await call(ws!, 'session.signIn', { address: 'nope' }, 3)).toMatchObject({ id: 3, result: { ok: false, error: { code: 'request.invalid' } } })
    ws!.close()
  })

  it('closes a socket that sends something that is not a call', async () => {
    const { ws } = await connect({ token: host.token, origin: host.origin })
    const closed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)))
    ws!.send('{"type":"exec","cmd":"rm -rf /"}')
    expect(await closed).toBe(1008)
  })

  it('serves the renderer with a strict CSP and nothing outside its folder', async () => {
    const res = await fetch(`${host.origin}/`)
    expect(res.status).toBe(200)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-eval')
    const scriptSrc = csp.split(';').find((d) => d.trim().startsWith('script-src'))!
    expect(scriptSrc.trim()).toBe("script-src 'self'")
    expect((await fetch(`${host.origin}/assets/app.js`)).status).toBe(200)
    expect((await fetch(`${host.origin}/..%2ftandem-secret.txt`)).status).toBe(404)
    expect((await fetch(`${host.origin}/assets/..%2f..%2ftandem-secret.txt`)).status).toBe(404)
    expect((await fetch(`${host.origin}/`, { method: 'POST' })).status).toBe(405)
  })

  it('serves nothing to another Host (DNS rebinding), page or socket', async () => {
    const { request } = await import('node:http')
    const status = (path: string, hostHeader: string, upgrade = false) => new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: Number(new URL(host.origin).port), path, headers: { host: hostHeader, ...(upgrade ? { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', origin: host.origin } : {}) } }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
      req.once('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode ?? 101) })
      req.once('error', () => resolve(-1))
      req.end()
    })
    expect(await status('/', 'evil.example')).toBe(421)
    expect(await status('/', `evil.example:${new URL(host.origin).port}`)).toBe(421)
    expect(await status(`/api?token=${host.token}`, 'evil.example', true)).toBe(421)
    expect(await status('/', new URL(host.origin).host)).toBe(200)
  })

  it('closes a socket that sends a large message outside a send, and refuses a flood of calls', async () => {
    const { ws } = await connect({ token: host.token, origin: host.origin })
    const closed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)))
    ws!.send(JSON.stringify({ type: 'call', id: 1, name: 'messages.setFlags', input: { pad: 'x'.repeat(2 * 1024 * 1024) } }))
    expect(await closed).toBe(1009)
    const second = (await connect({ token: host.token, origin: host.origin })).ws!
    const replies: { result: { ok: boolean; error?: { message: string } } }[] = []
    const all = new Promise<void>((resolve) => second.on('message', (d) => { replies.push(JSON.parse(d.toString())); if (replies.length === 200) resolve() }))
    for (let i = 0; i < 200; i++) second.send(JSON.stringify({ type: 'call', id: i, name: 'content.remoteImage', input: { url: 'http://127.0.0.1:9/never.png' } }))
    await all
    expect(replies.filter((r) => r.result.error?.message.includes('Too many requests')).length).toBeGreaterThan(0)
    second.close()
  })
})

