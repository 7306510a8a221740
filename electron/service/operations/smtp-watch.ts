import { connect as tcpConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { ApiFailure, type ApiError } from '../../../shared/api/errors'
import type { Endpoint } from '../../../shared/domain'

/** How often a lost submission server is looked for: backing off, but never less often than `maxMs`. */
export interface ProbePolicy {
  firstMs: number
  /** The cap: the server's return is noticed within this (plus jitter and one probe's time). */
  maxMs: number
  /** One probe gives up after this. */
  timeoutMs: number
}

/**
 * A queued message must go soon after the submission server is back, also when IMAP never went
 * away (then nothing else would notice). While the server cannot be reached, a light probe — a
 * connection and the server's 220 greeting, then QUIT; no login — runs with backoff and jitter
 * (R9) whose interval is capped, so the return is noticed within about 5 s. Meanwhile sends fail
 * at once with the error that took the server down, without a connection of their own: a folder
 * sync that flushes the queue costs the server nothing and counts no attempt.
 */
export const PROBE: ProbePolicy = { firstMs: 1000, maxMs: 4000, timeoutMs: 3000 }

interface Down { endpoint: Endpoint; error: ApiError; timer: NodeJS.Timeout | null; tries: number }

export class SmtpWatch {
  private readonly down = new Map<string, Down>()

  constructor(
    /** Told when a server is lost (false) and when it answers again (true). */
    private readonly changed: (endpoint: Endpoint, reachable: boolean) => void,
    private readonly policy: ProbePolicy = PROBE,
    private readonly probe: (endpoint: Endpoint, timeoutMs: number) => Promise<boolean> = greets,
  ) {}

  /** Throws the error that took the server down while it is known to be unreachable. */
  check(endpoint: Endpoint): void {
    const d = this.down.get(keyOf(endpoint))
    if (d) throw new ApiFailure(d.error)
  }

  /** A submission could not reach the server: probe until it answers. */
  lost(endpoint: Endpoint, error: ApiError): void {
    const key = keyOf(endpoint)
    if (this.down.has(key)) return
    const d: Down = { endpoint, error, timer: null, tries: 0 }
    this.down.set(key, d)
    this.changed(endpoint, false)
    this.schedule(key, d)
  }

  /** A submission reached the server. */
  reached(endpoint: Endpoint): void {
    this.back(keyOf(endpoint))
  }

  /** Forgets every lost server and stops probing (sign-out, shutdown). */
  stop(): void {
    for (const d of this.down.values()) if (d.timer) clearTimeout(d.timer)
    this.down.clear()
  }

  private schedule(key: string, d: Down): void {
    const base = Math.min(this.policy.maxMs, this.policy.firstMs * 2 ** d.tries)
    // Jitter spreads the probes of many clients; it never stretches past the cap by more than 10 %.
    const wait = Math.round(base * (0.85 + Math.random() * 0.25))
    d.tries++
    d.timer = setTimeout(() => {
      d.timer = null
      void this.probe(d.endpoint, this.policy.timeoutMs).then((up) => {
        if (this.down.get(key) !== d) return
        if (up) this.back(key)
        else this.schedule(key, d)
      })
    }, wait)
    d.timer.unref?.()
  }

  private back(key: string): void {
    const d = this.down.get(key)
    if (!d) return
    if (d.timer) clearTimeout(d.timer)
    this.down.delete(key)
    this.changed(d.endpoint, true)
  }
}

const keyOf = (e: Endpoint) => `${e.host.toLowerCase()}:${e.port}`

/** Whether the server greets: a connection (TLS where the endpoint is), a 220, then QUIT. */
export function greets(endpoint: Endpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let socket: Socket | null = null
    let settled = false
    let heard = ''
    const done = (up: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (up) socket?.end('QUIT\r\n')
      else socket?.destroy()
      resolve(up)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    const options = { host: endpoint.host, port: endpoint.port }
    socket = endpoint.security === 'tls' ? tlsConnect({ ...options, servername: endpoint.host }) : tcpConnect(options)
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      // The greeting is one line (or several, 220-…); only its code matters. Bounded.
      heard = (heard + chunk).slice(0, 512)
      if (/^220[ -]/.test(heard)) done(true)
      else if (heard.includes('\n')) done(false)
    })
    socket.on('error', () => done(false))
    socket.on('close', () => done(false))
  })
}
