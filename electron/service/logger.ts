/** Where the service writes what an administrator or developer may need to know. Never passwords or tokens. */
export type Logger = (level: 'info' | 'warn' | 'error', line: string) => void

export const consoleLogger: Logger = (level, line) => {
  if (level === 'error') console.error(`tandem: ${line}`)
  else if (level === 'warn') console.warn(`tandem: ${line}`)
}

/**
 * What may look like a credential in a line: a value after password/token/secret/authorization,
 * a Bearer token, a SASL PLAIN or XOAUTH2 payload, a JWT. A server's error text can echo what
 * it was sent; a log line must not carry it on.
 */
const SECRETS: [RegExp, string][] = [
  [/\b(pass(?:word)?|passwd|pwd|secret)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, '$1$2[redacted]'],
  // Token values are long; "token: the …" in a sentence is not one.
  [/\b(token|access_token|refresh_token|id_token|code_verifier|authorization|auth)(["']?\s*[:=]\s*["']?)[\w\-.~+/]{12,}=*/gi, '$1$2[redacted]'],
  [/\bBearer\s+[\w\-.~+/]+=*/gi, 'Bearer [redacted]'],
  [/\b(AUTHENTICATE\s+(?:PLAIN|XOAUTH2|OAUTHBEARER|LOGIN)\s+)\S+/gi, '$1[redacted]'],
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, '[redacted jwt]'],
]

export function withoutSecrets(line: string): string {
  return SECRETS.reduce((s, [re, to]) => s.replace(re, to), line)
}

/** A logger that strips anything credential-like before the line reaches `inner`. */
export const redacting = (inner: Logger): Logger => (level, line) => inner(level, withoutSecrets(line))

/** An error as one line for the log: its stack where it has one (what a developer needs), else its text. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`
  try { return typeof e === 'string' ? e : JSON.stringify(e) ?? String(e) } catch { return String(e) }
}

/**
 * What a host hands the one door (api/dispatcher.ts) for internal failures, and uses for its own
 * (a session that could not resume, an unhandled rejection): the error's stack, redacted — an
 * IMAP or OAuth error may quote what was sent, a password or a token among it.
 */
export const internalErrors = (inner: Logger = consoleLogger) => {
  const log = redacting(inner)
  return (what: string, e: unknown): void => log('error', `${what}: ${describeError(e)}`)
}
