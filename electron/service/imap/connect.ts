import { ImapFlow } from 'imapflow'
import type { Endpoint } from '../../../shared/domain'
import { ApiFailure, fail } from '../../../shared/api/errors'
import { explainSignInRefusal, namesSharedMailbox } from '../../../shared/rules/sign-in'
import { insecureEndpointReason } from '../../../shared/rules/connection-security'
import type { ConnectionBudget, Slot, SlotOwner } from './connection-budget'

export interface ImapLogin {
  endpoint: Endpoint
  /** The login name: the person's address, or a delegate login for a shared mailbox. */
  user: string
  /** Empty when the person signed in with OAuth2 (then `accessToken` is used). */
  password: string
  /** For a delegate login, the person whose password it is (errors name them, not the login). */
  person?: string
  /**
   * OAuth2: the person's access token (XOAUTH2 / OAUTHBEARER, whichever the server offers);
   * `renew` after the server refused one. A delegate login uses the same person's token.
   */
  accessToken?: (renew?: boolean) => Promise<string>
  /** The person's connection budget (R9): every connection of this login and its delegate logins takes a slot. */
  budget?: ConnectionBudget
}

interface ImapError extends Error {
  code?: string
  authenticationFailed?: boolean
  serverResponseCode?: string
  response?: string
  responseText?: string
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'NoConnection', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'ClosedAfterConnectText', 'EConnectionClosed'])

/** Options for one connection: a watcher IDLEs at once instead of after imapflow's 15 s. */
export interface ConnectOptions {
  autoIdleDelay?: number
  /** At sign-in: the people who signed in on this device (a generic refusal of anyone else may be R8). */
  knownPeople?: ReadonlySet<string>
  /** What the connection is for, in the person's budget (default: a short look). */
  slot?: SlotOwner
  /** Only if a slot is free now (an IDLE watcher of a mailbox at rest); else fails with `noSlot`. */
  onlyIfFree?: boolean
}

/** The failure of a connection that would not fit the person's budget now (ConnectOptions.onlyIfFree). */
export const noSlot = () => fail({ code: 'network.unreachable', rule: 'R9', key: 'errors.network.noSlot' })

/**
 * Opens an authenticated IMAP connection, or fails with an ApiFailure written for people. With
 * the person's budget (login.budget, R9) it first waits for a slot, held until the connection closes.
 */
export async function connectImap(login: ImapLogin, knownShared: ReadonlySet<string> = new Set(), opts: ConnectOptions = {}): Promise<ImapFlow> {
  const insecure = insecureEndpointReason('IMAP', login.endpoint)
  if (insecure) throw new ApiFailure(insecure)
  if (!login.budget) return open(login, knownShared, opts)
  // The person's budget (R9): a slot first, held until the connection has closed.
  const slot: Slot | null = await login.budget.acquire(opts.slot ?? { kind: 'probe', mailboxId: '' }, !opts.onlyIfFree)
  if (!slot) throw noSlot()
  try {
    const client = await open(login, knownShared, opts)
    slot.attach(client)
    return client
  } catch (e) {
    slot.release()
    throw e
  }
}

async function open(login: ImapLogin, knownShared: ReadonlySet<string>, opts: ConnectOptions): Promise<ImapFlow> {
  try {
    return await attempt(login, opts, login.accessToken ? await login.accessToken() : null)
  } catch (e) {
    const err = e as ImapError
    // A token the server refuses may have been revoked or have lapsed early: renewed once —
    // unless the server said the account is a shared mailbox (R8, R11: a converted one), which
    // no token changes.
    if (!(login.accessToken && err.authenticationFailed) || namesSharedMailbox(err.response ?? err.responseText)) throw describeConnectError(err, login, knownShared, opts.knownPeople)
  }
  try {
    return await attempt(login, opts, await login.accessToken!(true))
  } catch (e) {
    throw describeConnectError(e as ImapError, login, knownShared, opts.knownPeople)
  }
}

async function attempt(login: ImapLogin, opts: ConnectOptions, accessToken: string | null): Promise<ImapFlow> {
  const { host, port, security } = login.endpoint
  const client = new ImapFlow({
    host,
    port,
    secure: security === 'tls',
    doSTARTTLS: security === 'starttls' ? true : security === 'none' ? false : undefined,
    auth: accessToken ? { user: login.user, accessToken } : { user: login.user, pass: login.password },
    logger: false,
    // QRESYNC (RFC 7162) when the server has it: a sync learns which UIDs vanished from the
    // VANISHED (EARLIER) answer to its CHANGEDSINCE fetch instead of listing every UID.
    qresync: true,
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 5 * 60_000,
    ...(opts.autoIdleDelay !== undefined ? { autoIdleDelay: opts.autoIdleDelay } : {}),
  })
  // An 'error' event without a listener would crash the process; failures reach the caller below.
  client.on('error', () => undefined)
  try {
    await client.connect()
    return client
  } catch (e) {
    client.close()
    throw e
  }
}

/**
 * Whether the server turned the connection away for having too many (RFC 5530's [LIMIT] code,
 * Dovecot's "Maximum number of connections", Exchange's throttling "User is authenticated but not
 * connected"): R9, try again later — never a refused sign-in or a lost membership.
 */
export function tooManyConnections(err: ImapError): boolean {
  const text = `${err.response ?? ''} ${err.responseText ?? ''}`
  return err.serverResponseCode?.toUpperCase() === 'LIMIT' || /\[LIMIT\]|too many (connections|sessions)|maximum number of connections|connection limit|authenticated but not connected/i.test(text)
}

export function describeConnectError(err: ImapError | ApiFailure, login: ImapLogin, knownShared: ReadonlySet<string>, knownPeople?: ReadonlySet<string>): ApiFailure {
  const { host, port } = login.endpoint
  if (err instanceof ApiFailure) return err
  if (tooManyConnections(err)) {
    return fail({ code: 'network.unreachable', rule: 'R9', key: 'errors.network.tooManyConnections', params: { host }, reply: (err.response ?? err.responseText ?? err.message).slice(0, 300) })
  }
  if (err.authenticationFailed && login.accessToken && !namesSharedMailbox(err.response ?? err.responseText)) {
    return fail({ code: 'auth.failed', field: 'address', key: 'errors.auth.tokenRefused', params: { host, user: login.user }, reply: err.response ?? '' })
  }
  if (err.authenticationFailed) {
    const address = login.person ?? login.user
    return new ApiFailure(explainSignInRefusal({
      address,
      responseCode: err.serverResponseCode,
      responseText: err.response ?? err.responseText,
    }, knownShared, knownPeople))
  }
  if (err.code && NETWORK_CODES.has(err.code)) {
    return fail({ code: 'network.unreachable', field: 'server', key: 'errors.network.unreachable', params: { host, port }, cause: err.code })
  }
  if (/certificate|TLS|SSL|self.signed/i.test(`${err.code ?? ''} ${err.message}`)) {
    return fail({ code: 'security.tls', field: 'server', key: 'errors.security.tls', params: { host, port }, cause: err.message })
  }
  return fail({ code: 'server.error', key: 'errors.server.unexpected', params: { host, port }, reply: err.message })
}

/** The error for a connection lost during a command (R9): the renderer keeps what it has and retries. */
export function connectionLost(): ApiFailure {
  return fail({ code: 'network.unreachable', rule: 'R9', key: 'errors.network.dropped' })
}

/** A lost connection during a command (imapflow's or the socket's codes), as the renderer understands it; anything else unchanged. */
export function asConnectionLoss(e: unknown): unknown {
  const code = (e as { code?: string } | null)?.code
  return code && (NETWORK_CODES.has(code) || code === 'EPIPE') ? connectionLost() : e
}
