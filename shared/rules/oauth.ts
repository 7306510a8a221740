/**
 * Pure parts of signing in with OAuth2 (RFC 6749, RFC 8252 for desktop apps): what goes on the
 * wire for IMAP and SMTP, when an access token is renewed, and what a provider's error means.
 */

/** SASL XOAUTH2 (Google's and Microsoft's): base64 of "user=<user>^Aauth=Bearer <token>^A^A". */
export function xoauth2(user: string, accessToken: string): string {
  return base64OfUtf8(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`)
}

/** Base64 of a string's UTF-8 bytes with what both sides have (shared/ has no Node Buffer). */
function base64OfUtf8(s: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(s)) binary += String.fromCharCode(byte)
  return btoa(binary)
}


/** Renewed this long before it expires, so a command never starts with a token about to lapse. */
export const RENEW_BEFORE_MS = 60_000

/** Whether the access token must be renewed before use (no expiry known: renew). */
export function needsRenewal(expiresAt: number | null, now: number, lifetimeMs?: number): boolean {
  if (expiresAt === null) return true
  // Short-lived tokens (a minute) are renewed at a quarter of their life left, not a minute before.
  const margin = lifetimeMs !== undefined ? Math.min(RENEW_BEFORE_MS, lifetimeMs / 4) : RENEW_BEFORE_MS
  return now >= expiresAt - margin
}

/**
 * A provider's answer to a token request (RFC 6749 §5.2) as Tandem treats it: the grant is gone
 * (sign in again), or a moment's trouble (try again later, keep the session).
 */
export function refreshRefusal(error: string | undefined): 'signInAgain' | 'later' {
  return error === 'invalid_grant' || error === 'invalid_client' || error === 'unauthorized_client' || error === 'interaction_required' || error === 'consent_required'
    ? 'signInAgain'
    : 'later'
}

/** Only an issuer on this computer may be plain http (the test stack, a local provider). */
export function issuerAllowed(issuer: string): boolean {
  let u: URL
  try { u = new URL(issuer) } catch { return false }
  if (u.protocol === 'https:') return true
  return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost')
}

/**
 * The provider-specific parameters of the authorization request. OpenID Connect Core §11: a
 * refresh token (offline_access) is only granted with prompt=consent, unless the provider says
 * otherwise (its preset's `authParams`). `selectAccount`: the browser came back signed in as
 * someone other than the person typed, so the provider is asked to let them choose (OpenID
 * Connect Core §3.1.2.1: prompt values are a space-separated list).
 */
export function authorizationParams(settings: { scopes: string[]; authParams?: Record<string, string> }, selectAccount = false): Record<string, string> {
  const base = settings.authParams ?? (settings.scopes.includes('offline_access') ? { prompt: 'consent' } : {})
  if (!selectAccount) return base
  const prompts = new Set((base.prompt ?? '').split(' ').filter(Boolean))
  prompts.add('select_account')
  return { ...base, prompt: [...prompts].join(' ') }
}
