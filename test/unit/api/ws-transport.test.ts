import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket as NodeWebSocket } from 'ws'
import { wsTransport } from '../../../renderer/src/api/ws-transport'

/**
 * The web host's transport when the service goes away mid-handshake (the kill-point test kills
 * it at random moments): a call must come back as "unreachable", never hang or throw elsewhere.
 */
let server: Server | null = null
afterEach(() => new Promise<void>((r) => { if (server) server.close(() => r()); else r() }))

describe('wsTransport', () => {
  it('answers a call with network.unreachable when the connection is cut during the handshake', async () => {
    // Accepts the TCP connection, then hangs up before any HTTP answer: "socket hang up".
    server = createServer((socket) => socket.destroy())
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()))
    const { port } = server.address() as { port: number }
    ;(globalThis as { WebSocket?: unknown }).WebSocket = NodeWebSocket
    const transport = wsTransport('token', `ws://127.0.0.1:${port}/api`)
    const result = await Promise.race([
      transport.call('app.info', {}),
      new Promise((r) => setTimeout(() => r('hung'), 2000)),
    ])
    expect(result).toMatchObject({ ok: false, error: { code: 'network.unreachable' } })
  })
})
