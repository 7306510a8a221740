import { describe, expect, it } from 'vitest'
import { explainSignInRefusal } from '../../../shared/rules/sign-in'

const none = new Set<string>()

describe('explainSignInRefusal', () => {
  it.each([
    ['a shared mailbox this device has seen, with a generic refusal (R8)', { address: 'support@contoso.test', responseCode: 'AUTHENTICATIONFAILED', responseText: 'Authentication failed.' }, new Set(['support@contoso.test']), 'auth.sharedMailbox', 'R8'],
    ['a server that names the shared mailbox in its reason (R8)', { address: 'support@contoso.test', responseCode: 'CONTACTADMIN', responseText: 'This is a shared mailbox (R8): it cannot sign in.' }, none, 'auth.sharedMailbox', 'R8'],
    ['a wrong password', { address: 'alice@contoso.test', responseCode: 'AUTHENTICATIONFAILED', responseText: 'Authentication failed.' }, none, 'auth.failed', undefined],
    ['a refusal without any code', { address: 'alice@contoso.test' }, none, 'auth.failed', undefined],
    ['another reason the server gave', { address: 'alice@contoso.test', responseCode: 'CONTACTADMIN', responseText: 'Account locked by policy' }, none, 'auth.refused', undefined],
  ])('explains %s', (_what, refusal, known, code, rule) => {
    const e = explainSignInRefusal(refusal, known)
    expect(e.code).toBe(code)
    expect(e.rule).toBe(rule)
  })

  it('tells a shared mailbox to sign in as themselves, naming it (R8)', () => {
    const e = explainSignInRefusal({ address: 'Support@Contoso.test' }, new Set(['support@contoso.test']))
    expect(e.message).toContain('support@contoso.test is a shared mailbox')
    expect(e.message).toContain('R8')
    expect(e.message).toMatch(/sign in with your own address/i)
    expect(e.field).toBe('address')
  })

  it('names both possibilities for a generic refusal of an address this device knows as nobody (R8)', () => {
    const people = new Set(['alice@contoso.test'])
    expect(explainSignInRefusal({ address: 'Helpdesk@Contoso.test', responseCode: 'AUTHENTICATIONFAILED' }, none, people)).toMatchObject({ code: 'auth.failed', rule: 'R8', field: 'password' })
    expect(explainSignInRefusal({ address: 'Helpdesk@Contoso.test' }, none, people).message).toMatch(/password is wrong.*or helpdesk@contoso\.test is a shared mailbox/)
    // Someone who signed in here before: their password.
    expect(explainSignInRefusal({ address: 'alice@contoso.test' }, none, people).rule).toBeUndefined()
    // A shared mailbox seen here: the firm R8 answer stays.
    expect(explainSignInRefusal({ address: 'support@contoso.test' }, new Set(['support@contoso.test']), people).code).toBe('auth.sharedMailbox')
  })

  it('points a wrong password at the password field', () => {
    expect(explainSignInRefusal({ address: 'a@b.test' }, none)).toMatchObject({ field: 'password' })
  })

  it('takes UNAVAILABLE (RFC 5530) as a passing failure to retry, not a wrong password (R9)', () => {
    const e = explainSignInRefusal({ address: 'a@b.test', responseCode: 'UNAVAILABLE', responseText: 'Temporary authentication failure.' }, none)
    expect(e).toMatchObject({ code: 'server.error', rule: 'R9' })
    expect(e.message).toContain('tries again by itself')
  })
})
