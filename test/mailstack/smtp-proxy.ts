import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * Where an SMTP transaction is cut, as a crash or a lost line would cut it:
 * - `mail`: the client's MAIL FROM never reaches the server;
 * - `rcpt`: the envelope reached the server and was answered; DATA never reaches it;
 * - `data`: part of the message reached the server, then the client stopped (the proxy stops
 *   reading from it first, so the client is held mid-message, as a slow line holds it);
 * - `dot`: the whole message reached the server except its final dot;
 * - `reply`: everything reached the server, which accepted it; its answer never reaches the client.
 */
export type Cut = 'mail' | 'rcpt' | 'data' | 'dot' | 'reply'

export interface Transaction {
  /** The Message-ID header of the message, once its DATA was seen. */
  messageId: string | null
  cut: Cut | null
  /** The server's answer to the final dot, when it came. */
  reply: string | null
}

export interface SmtpProxy {
  port: number
  /** Every transaction that began (a MAIL FROM the client sent), cut or not. */
  transactions: Transaction[]
  /** Connections the proxy accepted (a probe's included). */
  connections: number
  /**
   * The next transaction that begins is cut there; `before` runs first (kill the client
   * process, say), then both sides of the connection are dropped.
   */
  cutNext(cut: Cut, before?: () => Promise<void>): void
  /** Refuses connections (the port is closed), like a server that is down. */
  down(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

const FINAL_DOT = Buffer.from('\r\n.\r\n')

/**
 * An SMTP proxy in front of a real server, with a delay each way (a slow link), that can cut a
 * transaction at a chosen point of the conversation. The tests' kill points land exactly there.
 */
export async function startSmtpProxy(target: { host: string; port: number }, opts: { latencyMs?: number; port?: number } = {}): Promise<SmtpProxy> {
  const latency = opts.latencyMs ?? 0
  const plans: { cut: Cut; before?: () => Promise<void> }[] = []
  const open = new Set<Socket>()
  let server: Server | null = null
  let port = opts.port ?? 0
  const proxy: SmtpProxy = {
    port: 0,
    transactions: [],
    connections: 0,
    cutNext(cut, before) { plans.push({ cut, before }) },
    async down() {
      const s = server
      server = null
      for (const sock of open) sock.destroy()
      if (s) await new Promise<void>((r) => s.close(() => r()))
    },
    async up() {
      if (server) return
      server = createServer(handle)
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject)
        server!.listen(port, '127.0.0.1', () => resolve())
      })
      port = (server.address() as { port: number }).port
      proxy.port = port
    },
    close() { return proxy.down() },
  }

  const later = (fn: () => void) => (latency ? setTimeout(fn, latency) : setImmediate(fn))

  function handle(client: Socket): void {
    proxy.connections++
    const upstream = connect(target.port, target.host)
    open.add(client)
    open.add(upstream)
    client.on('close', () => {
      open.delete(client)
      upstream.destroy()
      // A transaction that ended (a kill, a lost line) before its planned cut point leaves the
      // plan for the next one: the cut is meant to land at that point of some transaction.
      if (plan && !cutting) {
        plans.unshift(plan)
        if (tx) tx.cut = null
        plan = null
      }
    })
    upstream.on('close', () => { open.delete(upstream); client.destroy() })
    client.on('error', () => undefined)
    upstream.on('error', () => undefined)

    let mode: 'command' | 'body' | 'awaitReply' = 'command'
    let line = Buffer.alloc(0)
    let tail = Buffer.alloc(0)
    let headers = ''
    let tx: Transaction | null = null
    let plan: (typeof plans)[number] | null = null
    let cutting = false

    const toServer = (b: Buffer) => later(() => { if (!upstream.destroyed) upstream.write(b) })
    /** Stops reading from the client at once; after `delayMs`, runs the plan's `before`, then drops both sides. */
    const cut = (delayMs = 0) => {
      if (cutting) return
      cutting = true
      client.pause()
      setTimeout(() => {
        void (async () => {
          await plan?.before?.()
          client.destroy()
          upstream.destroy()
        })()
      }, delayMs)
    }

    client.on('data', (chunk: Buffer) => {
      if (cutting) return
      let rest = chunk
      while (rest.length && !cutting) {
        if (mode === 'command') {
          const nl = rest.indexOf(10)
          if (nl < 0) { line = Buffer.concat([line, rest]); return }
          const cmd = Buffer.concat([line, rest.subarray(0, nl + 1)])
          line = Buffer.alloc(0)
          rest = rest.subarray(nl + 1)
          const verb = cmd.toString('latin1').slice(0, 10).toUpperCase()
          if (verb.startsWith('MAIL FROM')) {
            plan = plans.shift() ?? null
            tx = { messageId: null, cut: plan?.cut ?? null, reply: null }
            proxy.transactions.push(tx)
            if (plan?.cut === 'mail') { cut(); return }
          }
          if (verb.startsWith('DATA')) {
            if (plan?.cut === 'rcpt') {
              // The envelope's answers reach the client first (it pipelines MAIL, RCPT and DATA).
              cut(4 * latency + 200)
              return
            }
            mode = 'body'
            tail = Buffer.alloc(0)
            headers = ''
          }
          toServer(cmd)
          continue
        }
        if (mode === 'body') {
          if (headers.length < 65_536) {
            headers += rest.toString('latin1')
            const m = /^message-id:\s*(<[^>\r\n]*>)/im.exec(headers)
            if (m && tx && !tx.messageId) tx.messageId = m[1]!
          }
          if (plan?.cut === 'data') {
            // Part of the message goes on; the client is held mid-message, then cut.
            toServer(rest.subarray(0, Math.max(1, rest.length >> 1)))
            cut()
            return
          }
          const joined = Buffer.concat([tail, rest])
          const end = joined.indexOf(FINAL_DOT)
          if (end < 0) {
            toServer(rest)
            tail = joined.subarray(Math.max(0, joined.length - 4))
            return
          }
          // The end of DATA is in this chunk: what of it lies before the final dot.
          const upToDot = end + 2 - tail.length
          if (plan?.cut === 'dot') {
            if (upToDot > 0) toServer(rest.subarray(0, upToDot))
            cut()
            return
          }
          const after = end + FINAL_DOT.length - tail.length
          toServer(rest.subarray(0, after))
          rest = rest.subarray(after)
          mode = 'awaitReply'
          continue
        }
        // Commands after the message (QUIT, RSET): passed on.
        toServer(rest)
        return
      }
    })

    // The server's answer to the final dot is held until it is whole: it may be swallowed.
    let answer = Buffer.alloc(0)
    upstream.on('data', (chunk: Buffer) => {
      let out = chunk
      if (mode === 'awaitReply' && tx) {
        answer = Buffer.concat([answer, chunk])
        const nl = answer.indexOf(10)
        if (nl < 0) return
        tx.reply = answer.subarray(0, nl).toString('latin1').trim()
        out = answer
        answer = Buffer.alloc(0)
        mode = 'command'
        if (plan?.cut === 'reply') { cut(); return }
      }
      later(() => { if (!client.destroyed) client.write(out) })
    })
  }

  await proxy.up()
  return proxy
}
