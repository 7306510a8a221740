import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A TCP relay in front of the IMAP port that counts what crosses it: the octets each way, the
 * commands the client sent (tag and command name, with the first arguments) and the server's
 * [CLIENTBUG] answers. The benchmark reads its counters; tests read the commands.
 */
export interface WireTap {
  port: number
  /** Octets from the client to the server, and back. */
  sent: number
  received: number
  /** The client's command lines (at most the first 120 characters of each), in order. */
  commands: string[]
  /** How many answers carried Dovecot's [CLIENTBUG] code. */
  clientBugs: number
  close(): Promise<void>
}

export async function startWireTap(host: string, port: number, opts: { keepCommands?: boolean } = {}): Promise<WireTap> {
  const sockets = new Set<Socket>()
  const tap: WireTap = { port: 0, sent: 0, received: 0, commands: [], clientBugs: 0, close: async () => undefined }
  const server: Server = createServer((client) => {
    const upstream = connect(port, host)
    sockets.add(client).add(upstream)
    let line = ''
    let tail = ''
    client.on('data', (d: Buffer) => {
      tap.sent += d.length
      if (opts.keepCommands) {
        line += d.toString('latin1')
        for (let i = line.indexOf('\r\n'); i >= 0; i = line.indexOf('\r\n')) {
          tap.commands.push(line.slice(0, Math.min(i, 120)))
          line = line.slice(i + 2)
        }
        if (line.length > 100_000) line = ''
      }
    })
    upstream.on('data', (d: Buffer) => {
      tap.received += d.length
      const text = tail + d.toString('latin1')
      const bugs = text.split('[CLIENTBUG]').length - 1
      if (bugs && opts.keepCommands) tap.commands.push(`<< ${text.slice(Math.max(0, text.indexOf('[CLIENTBUG]') - 60), text.indexOf('[CLIENTBUG]') + 60)}`)
      tap.clientBugs += bugs
      // One character short of the code: a code cut across two reads is counted once, with the second.
      tail = text.slice(-10)
    })
    client.pipe(upstream)
    upstream.pipe(client)
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  tap.port = (server.address() as { port: number }).port
  tap.close = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  })
  return tap
}
