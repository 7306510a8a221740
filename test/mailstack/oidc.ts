import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto'
import Provider, { interactionPolicy } from 'oidc-provider'
import type { Organisation } from './organisation'
import { freePorts } from './ports'
import { R8_REASON } from './dovecot-config'

/**
 * The organisation's OpenID provider, as Microsoft Entra ID is for a Microsoft 365 tenant: a real
 * oidc-provider on 127.0.0.1 with the organisation's people (their own passwords, on its own login
 * page), issuing JWT access tokens signed with a key Dovecot validates locally. Tandem registers
 * as a public native client (no secret) with a loopback redirect on any port (RFC 8252).
 */
export interface OidcStack {
  issuer: string
  clientId: string
  /** Scopes for mail, as Tandem asks for them. */
  scopes: string[]
  /** The key Dovecot checks tokens with: id and SPKI PEM. */
  signingKey: { kid: string; alg: 'RS256'; publicPem: string }
  /** Ends every grant of a person (their refresh tokens stop working), as an administrator would. */
  revoke(address: string): Promise<void>
  /**
   * A mail access token for a person, made without their sign-in: for the tests' independent
   * witnesses on a server that takes tokens only. The same issuer, key, claims and lifetime as
   * the provider's own (RFC 9068 shape, header typ "JWT" for Dovecot).
   */
  accessToken(address: string): string
  stop(): Promise<void>
}

export interface OidcOptions {
  /** Access token lifetime in seconds (tests make it short: 30–60 s). */
  accessTokenTtl?: number
  port?: number
  /**
   * Whether the organisation's account store blocks an account's sign-in (a shared mailbox, a
   * converted one: R8, R11). Asked at each sign-in and each refresh, as Entra ID asks its
   * directory: a blocked account gets no tokens and its refresh tokens are refused.
   */
  blocked?: (address: string) => Promise<boolean>
}

export const TANDEM_CLIENT_ID = 'tandem-desktop'
/** The resource server the mail scopes belong to (Microsoft's is https://outlook.office.com). */
export const MAIL_RESOURCE = 'urn:tandem:test-mail'
export const MAIL_SCOPES = ['IMAP.AccessAsUser.All', 'SMTP.Send']

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

function loginPage(uid: string, orgName: string, error: string | null, login = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in — ${escapeHtml(orgName)}</title></head>
<body><main><h1>Sign in to ${escapeHtml(orgName)}</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label>Email <input name="login" type="email" autocomplete="username" value="${escapeHtml(login)}" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${uid}/abort">Cancel</a></p></main></body></html>`
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/**
 * The usual prompts plus select_account (OpenID Connect Core §3.1.2.1), as Entra ID and Google
 * offer: the login page even when the browser is signed in already.
 */
function selectAccountPolicy() {
  const policy = interactionPolicy.base()
  policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0)
  return policy
}

export async function startOidcProvider(org: Organisation, opts: OidcOptions = {}): Promise<OidcStack> {
  const port = opts.port ?? (await freePorts(1))[0]!
  const issuer = `http://127.0.0.1:${port}`
  const kid = `tandem-${randomBytes(4).toString('hex')}`
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
  const people = new Map(org.users.map((u) => [u.address.toLowerCase(), u]))
  const ttl = opts.accessTokenTtl ?? 600

  const provider = new Provider(issuer, {
    clients: [{
      client_id: TANDEM_CLIENT_ID,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    }],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, id) {
      const u = people.get(id.toLowerCase())
      if (!u || await opts.blocked?.(u.address)) return undefined
      return { accountId: u.address, claims: async () => ({ sub: u.address, email: u.address, email_verified: true, name: u.name }) }
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => MAIL_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== MAIL_RESOURCE) throw new Error(`unknown resource ${resource}`)
          return { scope: MAIL_SCOPES.join(' '), audience: MAIL_RESOURCE, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }
        },
      },
    },
    // Dovecot 2.3 accepts only typ "JWT" in a token's header (RFC 9068's at+jwt is refused).
    formats: { customizers: { jwt: async (_ctx, _token, jwt) => { jwt.header = { typ: 'JWT' } } } },
    // The person's address as the token's subject: Dovecot takes the user name from it.
    async extraTokenClaims(_ctx, token) {
      return 'accountId' in token && token.accountId ? { email: token.accountId } : undefined
    },
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: { AccessToken: ttl, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 14 * 86_400, Interaction: 600, Session: 3600, Grant: 14 * 86_400 },
    interactions: { policy: selectAccountPolicy(), url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = 'html'
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in error</h1><pre>${escapeHtml(JSON.stringify(out))}</pre></body></html>`
    },
  })

  const grants = new Map<string, Set<string>>()

  async function interaction(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    res.setHeader('cache-control', 'no-store')
    const details = await provider.interactionDetails(req, res)
    const [, uid, action] = path.split('/').filter(Boolean) as [string, string, string | undefined]
    // Asked to choose an account (prompt=select_account): the login page, whoever is signed in.
    if (!action && (details.prompt.name === 'login' || details.prompt.name === 'select_account')) {
      res.setHeader('content-type', 'text/html; charset=utf-8')
      res.end(loginPage(uid, org.name, null))
      return
    }
    if (!action && details.prompt.name === 'consent') {
      // The organisation's own app: consent is given by the administrator for everyone.
      const grant = details.grantId ? (await provider.Grant.find(details.grantId))! : new provider.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id as string })
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> }
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims)
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '))
      const grantId = await grant.save()
      const account = details.session!.accountId
      grants.set(account, (grants.get(account) ?? new Set()).add(grantId))
      await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true })
      return
    }
    if (action === 'login' && req.method === 'POST') {
      const form = await formBody(req)
      const login = (form.get('login') ?? '').trim().toLowerCase()
      const u = people.get(login)
      if (!u || u.password !== form.get('password')) {
        res.statusCode = 200
        res.setHeader('content-type', 'text/html; charset=utf-8')
        res.end(loginPage(uid, org.name, 'That email address or password is not right.', login))
        return
      }
      // An account the administrator blocked (R8, R11): the provider says why, as Dovecot does.
      if (await opts.blocked?.(u.address)) {
        res.statusCode = 200
        res.setHeader('content-type', 'text/html; charset=utf-8')
        res.end(loginPage(uid, org.name, R8_REASON, login))
        return
      }
      await provider.interactionFinished(req, res, { login: { accountId: u.address }, select_account: {} }, { mergeWithLastSubmission: false })
      return
    }
    if (action === 'abort') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The person cancelled the sign-in.' }, { mergeWithLastSubmission: false })
      return
    }
    res.statusCode = 404
    res.end()
  }

  const handle = provider.callback()
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', issuer).pathname
    if (path.startsWith('/interaction/')) {
      interaction(req, res, path).catch((e: Error) => {
        if (!res.headersSent) { res.statusCode = 400; res.setHeader('content-type', 'text/plain') }
        res.end(`Sign-in failed: ${e.message}`)
      })
      return
    }
    void handle(req, res)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))

  return {
    issuer,
    clientId: TANDEM_CLIENT_ID,
    scopes: ['openid', 'email', 'offline_access', ...MAIL_SCOPES],
    signingKey: { kid, alg: 'RS256', publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString() },
    accessToken(address) {
      const u = people.get(address.toLowerCase())
      if (!u) throw new Error(`${address} is not a person of ${org.name}`)
      const now = Math.floor(Date.now() / 1000)
      // Entra ID dates iat and nbf five minutes back, for clock skew; a server whose idea of
      // "now" lags by a second under load (Dovecot keeps a cached loop time) would otherwise
      // refuse a token issued this very second as "issued in the future".
      const issued = now - 300
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')
      const signed = `${b64({ typ: 'JWT', alg: 'RS256', kid })}.${b64({
        iss: issuer, sub: u.address, email: u.address, aud: MAIL_RESOURCE, client_id: TANDEM_CLIENT_ID,
        scope: MAIL_SCOPES.join(' '), jti: randomBytes(12).toString('hex'), iat: issued, nbf: issued, exp: now + ttl,
      })}`
      return `${signed}.${createSign('RSA-SHA256').update(signed).sign(privateKey).toString('base64url')}`
    },
    async revoke(address) {
      for (const id of grants.get(address) ?? []) await (await provider.Grant.find(id))?.destroy()
      grants.delete(address)
    },
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

