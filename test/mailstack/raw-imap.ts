import { Socket } from 'node:net'

/**
 * A bare IMAP connection for tests that must see the server's exact words (the greeting's
 * capabilities, NAMESPACE, a refusal's text) or send a command no library would send as it is.
 * Literals are not supported: every command is one line.
 */
export class RawImap {
  private buffer = ''
  private waiting: (() => void) | null = null
  private tag = 0
  private closed = false

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => { this.buffer += d; this.waiting?.() })
    socket.on('close', () => { this.closed = true; this.waiting?.() })
    socket.on('error', () => undefined)
  }

  /** Connects and returns the connection with the server's greeting line. */
  static async connect(port: number, host = '127.0.0.1'): Promise<{ imap: RawImap; greeting: string }> {
    const socket = new Socket()
    await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.connect(port, host, () => resolve()) })
    const imap = new RawImap(socket)
    const greeting = await imap.line()
    return { imap, greeting }
  }

  private async line(): Promise<string> {
    for (;;) {
      const at = this.buffer.indexOf('\r\n')
      if (at >= 0) {
        const l = this.buffer.slice(0, at)
        this.buffer = this.buffer.slice(at + 2)
        return l
      }
      if (this.closed) throw new Error('the server closed the connection')
      await new Promise<void>((r) => { this.waiting = r })
      this.waiting = null
    }
  }

  /** Sends one command line; resolves with the untagged lines and the tagged answer. */
  async command(text: string): Promise<{ untagged: string[]; tagged: string }> {
    const tag = `t${++this.tag}`
    this.socket.write(`${tag} ${text}\r\n`)
    const untagged: string[] = []
    for (;;) {
      const l = await this.line()
      if (l.startsWith(`${tag} `)) return { untagged, tagged: l.slice(tag.length + 1) }
      // A continuation request (XOAUTH2's error details): answered with an empty line, as RFC 7628 says.
      if (l.startsWith('+')) this.socket.write('\r\n')
      else untagged.push(l)
    }
  }

  /** AUTHENTICATE XOAUTH2 with the initial response (SASL-IR). */
  authenticate(user: string, token: string): Promise<{ untagged: string[]; tagged: string }> {
    return this.command(`AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}`)
  }

  close(): void {
    this.socket.destroy()
  }
}
