import { createServer, type Server } from 'node:http'
import { randomUUID } from 'node:crypto'
import * as client from 'openid-client'
import { ApiFailure, fail } from '../../../shared/api/errors'
import type { OAuthSettings } from '../../../shared/domain'
import { authorizationParams, issuerAllowed, needsRenewal, refreshRefusal } from '../../../shared/rules/oauth'
import type { Logger } from '../logger'
import type { SecretStore } from '../storage/secret-store'

/**
 * Signing in with the organisation's OpenID provider, as RFC 8252 says a desktop app does: the
 * authorization code flow with PKCE in the person's own browser, back to a loopback listener on a
 * random port; state and nonce checked (openid-client). Tokens stay in main: the refresh token in
 * the secret store (the OS keychain under Electron), the access token in memory.
 */

const FLOW_TIMEOUT_MS = 10 * 60_000

const signInAgain = (issuer: string) => fail({ code: 'auth.expired', key: 'errors.auth.expired', params: { host: new URL(issuer).host } })

async function configFor(settings: OAuthSettings): Promise<client.Configuration> {
  if (!issuerAllowed(settings.issuer)) {
    throw fail({ code: 'security.insecure', field: 'server', key: 'errors.auth.providerNotHttps', params: { issuer: settings.issuer } })
  }
  const insecure = new URL(settings.issuer).protocol === 'http:'
  try {
    const auth = settings.clientSecret ? client.ClientSecretPost(settings.clientSecret) : client.None()
    return await client.discovery(new URL(settings.issuer), settings.clientId, undefined, auth, insecure ? { execute: [client.allowInsecureRequests] } : undefined)
  } catch (e) {
    throw fail({ code: 'network.unreachable', field: 'server', key: 'errors.auth.providerUnreachable', params: { issuer: settings.issuer }, cause: (e as Error).message })
  }
}

export interface OAuthResult {
  /** The person's address, from the ID token (the provider's word, not what was typed). */
  address: string
  name: string | null
  tokens: TokenSource
}

interface Flow {
  settings: OAuthSettings
  config: client.Configuration
  server: Server
  verifier: string
  state: string
  nonce: string
  redirectUri: string
  result: Promise<URL>
  cancel: (why: ApiFailure) => void
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><title>${title}</title></head><body style="font-family:system-ui;margin:3em"><h1>${title}</h1><p>${text}</p></body></html>`

/** Sign-ins in progress, each with its own loopback listener. */
export class OAuthFlows {
  private readonly flows = new Map<string, Flow>()
  /** Flows whose finish() is waiting for the browser (it closes their listener itself). */
  private readonly waiting = new Set<string>()

  constructor(private readonly secrets: SecretStore, private readonly log: Logger) {}

  /**
   * Prepares a sign-in: the URL the person's browser opens. `loginHint`: the address the person
   * typed; `selectAccount`: the provider asks which account (prompt=select_account).
   */
  async begin(settings: OAuthSettings, opts: { loginHint?: string; selectAccount?: boolean } = {}): Promise<{ flowId: string; url: string }> {
    const { loginHint, selectAccount = false } = opts
    const config = await configFor(settings)
    const verifier = client.randomPKCECodeVerifier()
    const state = client.randomState()
    const nonce = client.randomNonce()
    let settle!: { resolve: (u: URL) => void; reject: (e: ApiFailure) => void }
    const result = new Promise<URL>((resolve, reject) => { settle = { resolve, reject } })
    result.catch(() => undefined)
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      if (url.pathname !== '/callback') { res.statusCode = 404; res.end(); return }
      res.setHeader('content-type', 'text/html; charset=utf-8')
      if (url.searchParams.get('state') !== state) {
        res.statusCode = 400
        res.end(page('Sign-in not recognised', 'This answer does not belong to the sign-in Tandem started. Return to Tandem and start again.'))
        return
      }
      const error = url.searchParams.get('error')
      res.end(error
        ? page('Sign-in not completed', 'You can close this tab and return to Tandem.')
        : page('Signed in', 'You are signed in. You can close this tab and return to Tandem.'))
      settle.resolve(new URL(`${redirectBase()}${url.pathname}${url.search}`))
    })
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', () => resolve()) })
    const redirectBase = () => `http://127.0.0.1:${(server.address() as { port: number }).port}`
    const redirectUri = `${redirectBase()}/callback`
    const flowId = randomUUID()
    const timer = setTimeout(() => cancel(fail({ code: 'auth.cancelled', key: 'errors.auth.timedOut' })), FLOW_TIMEOUT_MS)
    timer.unref()
    // Cancelled or timed out: the listener goes too, also when nobody waits for the result any more.
    const cancel = (why: ApiFailure) => {
      clearTimeout(timer)
      settle.reject(why)
      if (!this.waiting.has(flowId)) this.close(flowId)
    }
    this.flows.set(flowId, { settings, config, server, verifier, state, nonce, redirectUri, result, cancel })
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...authorizationParams(settings, selectAccount),
      ...(loginHint ? { login_hint: loginHint } : {}),
    })
    return { flowId, url: url.href }
  }

  /** Waits for the browser to come back, then redeems the code for tokens. */
  async finish(flowId: string, accountKey: (address: string) => string): Promise<OAuthResult> {
    const flow = this.flows.get(flowId)
    if (!flow) throw fail({ code: 'request.invalid', key: 'errors.request.flowGone' })
    this.waiting.add(flowId)
    try {
      const back = await flow.result
      const error = back.searchParams.get('error')
      if (error) {
        const cancelled = error === 'access_denied'
        const description = back.searchParams.get('error_description')
        throw fail(cancelled
          ? { code: 'auth.cancelled', key: 'errors.auth.cancelledInBrowser' }
          : { code: 'auth.refused', key: 'errors.auth.providerRefused', reply: `${error}${description ? `: ${description}` : ''}` })
      }
      let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>
      try {
        tokens = await client.authorizationCodeGrant(flow.config, back, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true })
      } catch (e) {
        throw fail({ code: 'auth.refused', key: 'errors.auth.notCompleted', cause: (e as Error).message })
      }
      const claims = tokens.claims()
      const address = typeof claims?.email === 'string' ? claims.email.toLowerCase() : typeof claims?.preferred_username === 'string' ? claims.preferred_username.toLowerCase() : null
      if (!address || !/^[^@\s]+@[^@\s]+$/.test(address)) throw fail({ code: 'auth.refused', key: 'errors.auth.noEmailClaim' })
      if (!tokens.refresh_token) this.log('warn', `${flow.settings.issuer} gave no refresh token, so the sign-in lasts only until the access token expires`)
      const source = new TokenSource(flow.settings, flow.config, this.secrets, accountKey(address), this.log, tokens.refresh_token ?? null, tokens.access_token, tokens.expiresIn())
      await source.keep()
      return { address, name: typeof claims?.name === 'string' ? claims.name : null, tokens: source }
    } finally {
      this.waiting.delete(flowId)
      this.close(flowId)
    }
  }

  private close(flowId: string): void {
    const flow = this.flows.get(flowId)
    if (!flow) return
    this.flows.delete(flowId)
    flow.server.close()
    flow.server.closeAllConnections()
  }

  cancel(flowId: string): void {
    this.flows.get(flowId)?.cancel(fail({ code: 'auth.cancelled', key: 'errors.auth.cancelled' }))
  }

  /** The tokens of a session kept from an earlier launch (the refresh token from the secret store). */
  async resume(settings: OAuthSettings, key: string): Promise<TokenSource | null> {
    const refresh = await this.secrets.get(key)
    if (!refresh) return null
    return new TokenSource(settings, null, this.secrets, key, this.log, refresh, null, undefined)
  }
}

/**
 * One account's access token: renewed before it expires, once more when a server refuses it,
 * never two renewals at once. A refused refresh token ends the sign-in (auth.expired).
 */
export class TokenSource {
  private expiresAt: number | null
  private lifetimeMs: number | undefined
  private renewing: Promise<string> | null = null

  constructor(
    private readonly settings: OAuthSettings,
    private config: client.Configuration | null,
    private readonly secrets: SecretStore,
    private readonly key: string,
    private readonly log: Logger,
    private refreshToken: string | null,
    private accessToken: string | null,
    expiresIn: number | undefined,
  ) {
    this.lifetimeMs = expiresIn !== undefined ? expiresIn * 1000 : undefined
    this.expiresAt = expiresIn !== undefined ? Date.now() + expiresIn * 1000 : null
  }

  get issuer(): string {
    return this.settings.issuer
  }

  /** Keeps the refresh token in the secret store. */
  async keep(): Promise<void> {
    if (this.refreshToken) await this.secrets.set(this.key, this.refreshToken)
  }

  async forget(): Promise<void> {
    await this.secrets.delete(this.key)
  }

  /** An access token to use now; `renew` after a server refused the current one. */
  async token(renew = false): Promise<string> {
    if (!renew && this.accessToken && !needsRenewal(this.expiresAt, Date.now(), this.lifetimeMs)) return this.accessToken
    this.renewing ??= this.renew().finally(() => { this.renewing = null })
    return this.renewing
  }

  private async renew(): Promise<string> {
    if (!this.refreshToken) throw signInAgain(this.settings.issuer)
    this.config ??= await configFor(this.settings)
    let tokens: Awaited<ReturnType<typeof client.refreshTokenGrant>>
    try {
      tokens = await client.refreshTokenGrant(this.config, this.refreshToken)
    } catch (e) {
      const error = (e as { error?: string }).error
      if (refreshRefusal(error) === 'signInAgain') {
        this.log('warn', `${this.settings.issuer} refused the refresh token (${error}): sign-in needed`)
        this.refreshToken = null
        this.accessToken = null
        await this.forget()
        throw signInAgain(this.settings.issuer)
      }
      throw fail({ code: 'network.unreachable', key: 'errors.auth.renewLater', params: { host: new URL(this.settings.issuer).host }, cause: (e as Error).message })
    }
    this.accessToken = tokens.access_token
    const expiresIn = tokens.expiresIn()
    this.lifetimeMs = expiresIn !== undefined ? expiresIn * 1000 : undefined
    this.expiresAt = expiresIn !== undefined ? Date.now() + expiresIn * 1000 : null
    // Providers may rotate the refresh token with each use.
    if (tokens.refresh_token && tokens.refresh_token !== this.refreshToken) {
      this.refreshToken = tokens.refresh_token
      await this.keep()
    }
    return tokens.access_token
  }
}
