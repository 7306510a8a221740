import { describe, expect, it } from 'vitest'
import { insecureEndpointReason, isLoopbackHost } from '../../../shared/rules/connection-security'

describe('connection security', () => {
  it.each([['127.0.0.1', true], ['127.8.9.10', true], ['localhost', true], ['::1', true], ['[::1]', true],
    ['mail.contoso.test', false], ['10.0.0.1', false], ['127.0.0.1.evil.test', false], ['127.999.999.999', false], ['127.0.0.256', false]])('%s is loopback: %s', (host, yes) => {
    expect(isLoopbackHost(host)).toBe(yes)
  })

  it('refuses to send a password unencrypted to another machine', () => {
    expect(insecureEndpointReason('IMAP', { host: 'mail.contoso.test', port: 143, security: 'none' })?.message).toMatch(/unencrypted/)
    expect(insecureEndpointReason('IMAP', { host: '127.0.0.1', port: 143, security: 'none' })).toBeNull()
    expect(insecureEndpointReason('SMTP', { host: 'mail.contoso.test', port: 587, security: 'starttls' })).toBeNull()
  })
})
