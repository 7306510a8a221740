import { afterEach, describe, expect, it } from 'vitest'
import { apiError, text } from '../../../shared/api/errors'
import { say, sayParts, setLocale } from '../../../renderer/src/i18n'

// The renderer's words for what main said: a lead, and a details line with the rule and the server's reply.
describe('sayParts', () => {
  afterEach(() => { setLocale('en') })

  it('puts a rule-based error\'s rule in the details, not in the sentence', () => {
    setLocale('en')
    const e = apiError({ code: 'auth.sharedMailbox', key: 'errors.auth.shared', params: { address: 'desk@example.test' } })
    const { lead, details } = sayParts(e)
    expect(lead).toMatch(/^desk@example\.test is a shared mailbox, and shared mailboxes cannot sign in\. Sign in with your own address/)
    expect(lead).not.toMatch(/R8/)
    expect(details).toBe('Rule R8')
    expect(say(e)).toBe(`${lead} (Rule R8)`)
  })

  it('puts the server\'s reply in the details, with the rule when there is one', () => {
    setLocale('en')
    const e = apiError({ code: 'send.refused', rule: 'R2', key: 'errors.send.refusedAs', reply: '553 5.7.1 <desk@example.test>: Sender address rejected: not owned by user ann@example.test' })
    const { lead, details } = sayParts(e)
    expect(lead).toBe('The mail server refused to let you send as this mailbox. Nothing was sent; the message stays in the Outbox. Choose another From address, or ask an administrator for the permission.')
    expect(details).toBe('Rule R2 · The server said: “553 5.7.1 <desk@example.test>: Sender address rejected: not owned by user ann@example.test”')
  })

  it('finds the rule from the key when the error or text does not carry it', () => {
    setLocale('en')
    expect(sayParts({ key: 'errors.permission.deletedFlag', message: 'x' }).details).toBe('Rule R10')
    expect(sayParts(text('errors.send.recipientRefused', { address: 'x@y.test' }, { reply: '550 5.1.1 unknown user' }))).toEqual({
      lead: 'The mail server refused x@y.test.', details: 'The server said: “550 5.1.1 unknown user”',
    })
  })

  it('has no details for a plain error, and shows main\'s text when the key is unknown', () => {
    setLocale('en')
    expect(sayParts(apiError({ code: 'internal', key: 'errors.session.ended' }))).toEqual({ lead: 'Your session has ended. Sign in again.', details: null })
    expect(sayParts({ message: 'Something main said' })).toEqual({ lead: 'Something main said', details: null })
    expect(sayParts({ key: 'no.such.key', message: 'Fallback text' })).toEqual({ lead: 'Fallback text', details: null })
  })

  it('speaks Dutch: the lead and the details line', () => {
    setLocale('nl')
    const e = apiError({ code: 'auth.failed', key: 'errors.auth.wrongOrShared', params: { address: 'balie@example.test' } })
    const { lead, details } = sayParts(e)
    expect(lead).toMatch(/^De server accepteerde de aanmelding voor balie@example\.test niet\./)
    expect(details).toBe('Regel R8')
    expect(sayParts(apiError({ code: 'network.unreachable', key: 'errors.network.unreachable', params: { host: 'imap.example.test', port: 993 }, cause: 'ECONNREFUSED' })))
      .toEqual({ lead: 'Tandem kon de mailserver imap.example.test:993 niet bereiken. Controleer de servernaam, de poort en je netwerkverbinding.', details: 'Oorzaak: ECONNREFUSED' })
  })
})
