import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { AdminError } from './errors'

/**
 * doveadm's HTTP API (Dovecot 2.3: `service doveadm { inet_listener http }` with
 * `doveadm_api_key`): commands are POSTed as JSON `[[command, params, tag], …]` with the header
 * `Authorization: X-Dovecot-API <base64 key>`, and answered `[["doveadmResponse", data, tag]]` or
 * `[["error", {type, exitCode}, tag]]`. `GET /doveadm/v1` lists the commands the server has.
 * Every command tandem-admin uses was checked against a running 2.3.19 (docs/admin.md).
 */

/** doveadm's exit codes (sysexits.h and Dovecot's own) that have words in the catalogue (admin.exit.*). */
export const EXIT_CODES = [1, 2, 64, 65, 67, 68, 69, 70, 75, 77, 78] as const

/**
 * The doveadm commands tandem-admin uses, as the HTTP API names them; each run checks the server
 * lists them all (acl* and quota* come with Dovecot's acl and quota plugins).
 */
export const NEEDED_COMMANDS = [
  'mailboxList', 'mailboxCreate', 'mailboxDelete', 'aclGet', 'aclSet', 'aclDelete', 'aclRecalc',
  'save', 'fetch', 'expunge', 'kick', 'user', 'authCacheFlush', 'quotaGet',
] as const

/** A command the server answered with an error: the command, doveadm's exit code and the error type it named, as the server said them. */
export class DoveadmCommandError extends Error {
  constructor(readonly command: string, readonly exitCode: number, readonly type: string) {
    // The API names most errors only `exitCode`: then the code is all it said.
    super(`doveadm ${command}: exit code ${exitCode}${type && type !== 'exitCode' ? `, ${type}` : ''}`)
  }
}

/** Whether a URL's host is this machine itself (the only place the key may go without TLS). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost') return true
  if (isIP(h) === 4) return h.startsWith('127.')
  return h === '::1'
}

export interface DoveadmOptions {
  /** PEM of a CA the API's certificate chains to (https with a private CA). */
  ca?: string
  timeoutMs?: number
}

export class Doveadm {
  private readonly url: URL
  private readonly auth: string
  private readonly ca: string | undefined
  private tag = 0

  constructor(url: string, key: string, private readonly opts: DoveadmOptions = {}) {
    this.url = new URL(url)
    // The key goes with every request: never in clear text to another machine.
    if (this.url.protocol === 'http:' && !isLoopback(this.url.hostname)) throw new AdminError('keyInsecure', { url })
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new AdminError('keyInsecure', { url })
    this.auth = `X-Dovecot-API ${Buffer.from(key, 'utf8').toString('base64')}`
    this.ca = opts.ca ? readFileSync(opts.ca, 'utf8') : undefined
  }

  /** The commands the server offers; refuses when the server does not take the key (R12). */
  async commands(): Promise<string[]> {
    const list = await this.request('GET', null) as { command: string }[]
    return list.map((c) => c.command)
  }

  /** Runs one command; its data, or a DoveadmCommandError with doveadm's exit code. */
  async run<T = unknown>(command: string, params: Record<string, unknown> = {}): Promise<T> {
    const [result] = await this.batch([[command, params]])
    if (result instanceof DoveadmCommandError) throw result
    return result as T
  }

  /** Runs commands in one request, in order; each answer is its data or a DoveadmCommandError. */
  async batch(commands: [string, Record<string, unknown>][]): Promise<unknown[]> {
    const tags = commands.map(() => `t${++this.tag}`)
    const body = commands.map(([c, p], i) => [c, p, tags[i]])
    const answer = await this.request('POST', body)
    if (!Array.isArray(answer)) throw new AdminError('doveadmHttp', { url: this.url.href }, { reply: 'not a list of answers' })
    return tags.map((tag, i) => {
      const a = (answer as unknown[][]).find((x) => Array.isArray(x) && x[2] === tag)
      if (!a) return new DoveadmCommandError(commands[i]![0], 70, 'no answer')
      if (a[0] === 'error') {
        const e = a[1] as { type?: string; exitCode?: number }
        return new DoveadmCommandError(commands[i]![0], e.exitCode ?? 70, e.type ?? 'error')
      }
      return a[1]
    })
  }

  private request(method: 'GET' | 'POST', body: unknown): Promise<unknown> {
    const payload = body === null ? null : Buffer.from(JSON.stringify(body), 'utf8')
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const req = send(this.url, {
        method,
        headers: {
          Authorization: this.auth, Accept: 'application/json',
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
        },
        ...(this.ca ? { ca: this.ca } : {}),
        timeout: this.opts.timeoutMs ?? 60_000,
      }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const status = res.statusCode ?? 0
          if (status === 401 || status === 403) return reject(new AdminError('keyRefused', { url: this.url.href }, { rule: 'R12', reply: `HTTP ${status} ${res.statusMessage ?? ''}`.trim() }))
          if (status !== 200) return reject(new AdminError('doveadmHttp', { url: this.url.href }, { reply: `HTTP ${status} ${res.statusMessage ?? ''} ${text.slice(0, 200)}`.trim() }))
          try { resolve(JSON.parse(text)) } catch { reject(new AdminError('doveadmHttp', { url: this.url.href }, { reply: `not JSON: ${text.slice(0, 200)}` })) }
        })
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(new Error('timed out')))
      req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof AdminError ? e : new AdminError('doveadmUnreachable', { url: this.url.href }, { reply: e.code ?? e.message })))
      req.end(payload ?? undefined)
    })
  }
}
