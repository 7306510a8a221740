import { createConnection, createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxRuntime } from '../../electron/service/imap/mailbox-runtime'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, passwordOf } from './helpers'

let stack: MailStack
let proxy: Server
let proxyPort = 0
let connections = 0

beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO))
  // In front of the real Dovecot: every session is cut at its first command after signing in
  // (the login and imapflow's own set-up go through), as a server does that accepts the
  // password and then drops the session (overloaded, misconfigured).
  proxy = createServer((client) => {
    connections++
    const server = createConnection({ host: stack.host, port: stack.ports.imap })
    client.on('data', (d: Buffer) => {
      if (/^\S+ (NOOP|SELECT|EXAMINE|LIST|STATUS|IDLE|GETQUOTAROOT|UID)\b/im.test(d.toString('latin1'))) { client.destroy(); server.destroy(); return }
      server.write(d)
    })
    server.on('data', (d: Buffer) => client.write(d))
    const end = () => { client.destroy(); server.destroy() }
    client.on('error', end); server.on('error', end); client.on('close', end); server.on('close', end)
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()))
  proxyPort = (proxy.address() as AddressInfo).port
})
afterAll(async () => { proxy?.close(); await stack?.stop() })

describe('a server that accepts the login and drops right after (R9)', () => {
  it('is retried with backoff, not in a tight loop', async () => {
    const states: string[] = []
    const runtime = new MailboxRuntime(
      { id: 'own:alice@contoso.test', accountId: 'alice@contoso.test', kind: 'own', address: 'alice@contoso.test', name: 'alice@contoso.test', quota: null },
      { endpoint: { host: '127.0.0.1', port: proxyPort, security: 'none' }, user: 'alice@contoso.test', password: passwordOf(stack, 'alice@contoso.test') },
      { kind: 'session' },
      { emit: (name, payload) => { if (name === 'connection.state') states.push((payload as { state: string }).state) }, backoff: { baseMs: 200, maxMs: 1000, random: () => 0.5 } },
    )
    await runtime.connection().catch(() => undefined)
    await new Promise((r) => setTimeout(r, 3000))
    await runtime.stop()
    // 200, 400, 800, 1000… ms apart: a handful in three seconds, where a loop makes hundreds.
    expect(connections).toBeGreaterThan(2)
    expect(connections).toBeLessThan(12)
    expect(states).toContain('offline')
  })
})
