import { describe, expect, it } from 'vitest'
import {
  currentSharedSignature, MAX_SIGNATURE_HTML, parseSharedSignature, serialiseSharedSignature, SHARED_SIGNATURE_VERSION, type SharedSignature,
} from '../../../shared/rules/shared-signature'

const sig = (html: string, by = 'eva@proseware.test'): SharedSignature => ({
  v: SHARED_SIGNATURE_VERSION, id: '6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f', at: 1_764_760_000_000, by, html, forNew: true, forReplies: false,
})
const header = (s: SharedSignature | string) => Buffer.from(typeof s === 'string' ? s : serialiseSharedSignature(s)).toString('base64').replace(/(.{76})/g, '$1 ')
const message = (uid: number, s: SharedSignature | string, extra: Record<string, string> = {}) =>
  ({ uid, fields: new Map<string, string>([['x-tandem-signature', header(s)], ...Object.entries(extra)]) })

describe('a shared mailbox signature in the team folder', () => {
  it('is the well-formed one with the highest UID, whatever the clocks say', () => {
    const older = { ...sig('<p>Later by the clock</p>'), at: 2_000_000_000_000 }
    const newer = sig('<p>Appended last</p>', 'finn@proseware.test')
    expect(currentSharedSignature([message(9, newer), message(4, older)])).toEqual({ ...newer, uid: 9 })
  })

  it('passes over delivered mail, junk and what the schema refuses, and keeps non-ASCII text intact', () => {
    const good = sig('<p>Ünïcode — 支持</p>')
    expect(serialiseSharedSignature(good)).toMatch(/^[\x20-\x7e]+$/)
    const delivered = message(12, sig('<p>Mallory’s</p>', 'eva@proseware.test'), { received: 'from mx.example.net by mail' })
    const junk = { uid: 11, fields: new Map([['x-tandem-signature', '!!!not base64!!!']]) }
    const wrongShape = message(10, JSON.stringify({ ...good, v: 2 }))
    const tooBig = message(8, sig('x'.repeat(MAX_SIGNATURE_HTML + 1)))
    const notJson = message(7, '{"v":1,')
    expect(currentSharedSignature([delivered, junk, wrongShape, tooBig, notJson, message(3, good)])).toEqual({ ...good, uid: 3 })
    expect(currentSharedSignature([delivered, junk])).toBeNull()
    expect(currentSharedSignature([])).toBeNull()
  })

  it('refuses extra fields and a malformed author', () => {
    expect(parseSharedSignature(JSON.stringify({ ...sig('<p>x</p>'), extra: 1 }))).toBeNull()
    expect(parseSharedSignature(JSON.stringify(sig('<p>x</p>', 'not an address')))).toBeNull()
    expect(parseSharedSignature(serialiseSharedSignature(sig('<p>x</p>')))).toEqual(sig('<p>x</p>'))
  })
})
