import { describe, expect, it } from 'vitest'
import { parseMailto } from '../../../shared/rules/mailto'

describe('mailto: links handed to Tandem by the system', () => {
  it.each([
    ['mailto:ana@example.org', { to: 'ana@example.org', cc: '', bcc: '', subject: '', body: '' }],
    ['mailto:ana@example.org?subject=Printer%20on%20fire&body=Hi%0AThere', { to: 'ana@example.org', cc: '', bcc: '', subject: 'Printer on fire', body: 'Hi\nThere' }],
    ['MAILTO:a@x.test,b@x.test?cc=c@x.test&bcc=d@x.test', { to: 'a@x.test,b@x.test', cc: 'c@x.test', bcc: 'd@x.test', subject: '', body: '' }],
    ['mailto:?to=a@x.test&to=b@x.test', { to: 'a@x.test, b@x.test', cc: '', bcc: '', subject: '', body: '' }],
    ['mailto:a@x.test?attach=/etc/passwd&from=ceo@x.test&X-Evil=1', { to: 'a@x.test', cc: '', bcc: '', subject: '', body: '' }],
    ['mailto:a+tag@x.test?subject=%E2%82%AC%20%zz', { to: 'a+tag@x.test', cc: '', bcc: '', subject: '€ %zz', body: '' }],
  ])('%s', (url, fields) => {
    expect(parseMailto(url)).toEqual(fields)
  })

  it('is no mailto link', () => {
    expect(parseMailto('https://example.org')).toBeNull()
  })
})
