import { describe, expect, it } from 'vitest'
import { authorizationParams, issuerAllowed, needsRenewal, refreshRefusal, xoauth2 } from '../../../shared/rules/oauth'
import { PRESETS, parseOAuthClients, presetSettings } from '../../../shared/rules/server-presets'

describe('SASL strings for OAuth2', () => {
  it('XOAUTH2 is base64 of user=…^Aauth=Bearer …^A^A (Google\'s and Microsoft\'s form)', () => {
    const s = xoauth2('noor@fabrikam.test', 'ya29.token')
    expect(Buffer.from(s, 'base64').toString()).toBe('user=noor@fabrikam.test\x01auth=Bearer ya29.token\x01\x01')
    // The example in Microsoft's documentation.
    expect(xoauth2('test@contoso.onmicrosoft.com', 'EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA'))
      .toBe('dXNlcj10ZXN0QGNvbnRvc28ub25taWNyb3NvZnQuY29tAWF1dGg9QmVhcmVyIEV3QkFBbDNCQUFVRkZwVUFvN0ozVmUwYmpMQldaV0NjbFJDM0VvQUEBAQ==')
  })

})

describe('token renewal', () => {
  const hour = 3_600_000
  it.each([
    ['no expiry known', null, 0, undefined, true],
    ['an hour left', hour, 0, hour, false],
    ['59 s left of an hour', 59_000, 0, hour, true],
    ['20 s left of a minute', 20_000, 0, 60_000, false],
    ['14 s left of a minute (a quarter)', 14_000, 0, 60_000, true],
    ['expired', 0, 1, hour, true],
  ])('%s → renew: %s', (_what, expiresAt, now, lifetime, renew) => {
    expect(needsRenewal(expiresAt, now, lifetime)).toBe(renew)
  })

  it.each([
    ['invalid_grant', 'signInAgain'], ['interaction_required', 'signInAgain'], ['consent_required', 'signInAgain'],
    ['temporarily_unavailable', 'later'], ['server_error', 'later'], [undefined, 'later'],
  ])('a refresh refused with %s → %s', (error, what) => {
    expect(refreshRefusal(error)).toBe(what)
  })

  it.each([
    ['https://login.microsoftonline.com/common/v2.0', true], ['https://accounts.google.com', true],
    ['http://127.0.0.1:4000', true], ['http://localhost:4000', true], ['http://login.example.com', false], ['ftp://x', false], ['not a url', false],
  ])('issuer %s allowed: %s', (issuer, ok) => {
    expect(issuerAllowed(issuer)).toBe(ok)
  })
})

describe('authorization request parameters', () => {
  it('asks for consent with offline_access (OpenID Connect), or what the provider\'s preset says', () => {
    expect(authorizationParams({ scopes: ['openid', 'offline_access'] })).toEqual({ prompt: 'consent' })
    expect(authorizationParams({ scopes: ['openid'] })).toEqual({})
    expect(authorizationParams({ scopes: ['offline_access'], authParams: {} })).toEqual({})
    expect(authorizationParams({ scopes: ['x'], authParams: { access_type: 'offline', prompt: 'consent' } })).toEqual({ access_type: 'offline', prompt: 'consent' })
  })
})

describe('provider presets with organisation sign-in', () => {
  const m365 = PRESETS.find((p) => p.id === 'microsoft365')!
  it('Microsoft 365 signs in with OAuth2 once Tandem has a client ID, opening shared mailboxes by their own address', () => {
    expect(presetSettings(m365, {})).toMatchObject({ imap: { host: 'outlook.office365.com', port: 993, security: 'tls' }, delegateLogin: '{user}\\{shared}', oauth: null })
    const s = presetSettings(m365, { microsoft365: { clientId: '11111111-2222-3333-4444-555555555555' } })
    expect(s).toMatchObject({ smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' }, delegateLogin: '{shared}' })
    expect(s.oauth).toEqual({
      issuer: 'https://login.microsoftonline.com/common/v2.0', clientId: '11111111-2222-3333-4444-555555555555', authParams: {},
      scopes: ['https://outlook.office.com/IMAP.AccessAsUser.All', 'https://outlook.office.com/SMTP.Send', 'offline_access', 'openid', 'email'],
    })
    const google = presetSettings(PRESETS.find((p) => p.id === 'google')!, { google: { clientId: '1-x.apps', clientSecret: 'GOCSPX-abc' } })
    expect(google.oauth).toMatchObject({ issuer: 'https://accounts.google.com', clientId: '1-x.apps', clientSecret: 'GOCSPX-abc', authParams: { access_type: 'offline', prompt: 'consent' } })
    // A preset never changes the shipped object.
    expect(m365.settings.oauth).toBeUndefined()
  })

  it.each([
    [undefined, {}], ['not json', {}], ['{"microsoft365":"abc-123"}', { microsoft365: { clientId: 'abc-123' } }],
    ['{"microsoft365":"a b"}', {}], ['{"unknown":"x","google":"g.apps"}', { google: { clientId: 'g.apps' } }],
    ['{"google":{"clientId":"1-x.apps","clientSecret":"GOCSPX-abc"}}', { google: { clientId: '1-x.apps', clientSecret: 'GOCSPX-abc' } }],
    ['{"google":{"clientId":"1-x.apps","clientSecret":"no spaces please"}}', { google: { clientId: '1-x.apps' } }],
  ])('client IDs from the launcher %s', (json, clients) => {
    expect(parseOAuthClients(json)).toEqual(clients)
  })
})
