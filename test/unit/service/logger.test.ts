import { describe, expect, it } from 'vitest'
import { internalErrors, redacting, withoutSecrets, type Logger } from '../../../electron/service/logger'
import { createDispatcher, type Handlers } from '../../../electron/api/dispatcher'

describe('the service log never carries a credential', () => {
  it.each([
    ['password=hunter2 for noor', 'password=[redacted] for noor'],
    ['{"password":"s3cr3t!","user":"noor"}', '{"password":"[redacted]","user":"noor"}'],
    ['Authorization: Bearer eyJhbGciOi.abc-def.ghi_jkl', 'Authorization: Bearer [redacted]'],
    ['refresh_token=0.AVYA-xyzAbCdEf12&scope=IMAP', 'refresh_token=[redacted]&scope=IMAP'],
    ['gave no refresh token: the sign-in lasts', 'gave no refresh token: the sign-in lasts'],
    ['C: A1 AUTHENTICATE XOAUTH2 dXNlcj1ub29yAWF1dGg9QmVhcmVyIHh5egEB', 'C: A1 AUTHENTICATE XOAUTH2 [redacted]'],
    ['token eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJub29yIn0.c2ln in a message', 'token [redacted jwt] in a message'],
  ])('%s', (line, expected) => {
    expect(withoutSecrets(line)).toBe(expected)
  })

  it('leaves ordinary lines as they are, and the wrapper applies it to every level', () => {
    const line = 'helpdesk@fabrikam.test: the server no longer lets noor open it; removed (R1)'
    expect(withoutSecrets(line)).toBe(line)
    const seen: string[] = []
    const log: Logger = redacting((level, l) => seen.push(`${level} ${l}`))
    log('error', 'login failed: pass=abc')
    expect(seen).toEqual(['error login failed: pass=[redacted]'])
  })

  it('an internal failure reaches the log through the one door with its stack, redacted', async () => {
    const seen: string[] = []
    const dispatch = createDispatcher({
      'app.info': () => { throw new Error('server said: A1 AUTHENTICATE PLAIN AGJvYgBodW50ZXIy and password=hunter2') },
    } as unknown as Handlers, internalErrors((level, line) => seen.push(`${level} ${line}`)))
    expect(await dispatch('app.info', {})).toMatchObject({ ok: false, error: { code: 'internal' } })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatch(/^error call app\.info failed: Error: server said: A1 AUTHENTICATE PLAIN \[redacted\] and password=\[redacted\]\n\s+at /)
    expect(seen[0]).not.toMatch(/hunter2|AGJvYgBodW50ZXIy/)
  })
})
