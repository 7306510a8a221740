import { createServer, Socket } from 'node:net'

/**
 * Below Linux's ephemeral range (32768-60999): ports the kernel also hands out as the source
 * ports of outgoing connections. A port found free there could be taken by one of the many IMAP
 * and SMTP connections of tests running side by side before the server meant for it binds it
 * (Postfix then exits 1 without a word in its log). These are never given out that way.
 */
const LOW = 20_000
const HIGH = 32_000

/** Free loopback ports (all distinct, each bound once to be sure), so stacks can run side by side. */
export async function freePorts(count: number): Promise<number[]> {
  const held: ReturnType<typeof createServer>[] = []
  const ports: number[] = []
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > 1000) throw new Error(`no ${count} free ports between ${LOW} and ${HIGH}`)
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW))
    if (ports.includes(port)) continue
    const s = await new Promise<ReturnType<typeof createServer> | null>((resolve) => {
      const srv = createServer()
      srv.once('error', () => resolve(null))
      srv.listen(port, '127.0.0.1', () => resolve(srv))
    })
    if (!s) continue
    held.push(s)
    ports.push(port)
  }
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))))
  return ports
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = new Socket()
      sock.once('connect', () => { sock.destroy(); resolve(true) })
      sock.once('error', () => { sock.destroy(); resolve(false) })
      sock.connect(port, '127.0.0.1')
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing is listening on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
