import { describe, expect, it } from 'vitest'
import { innerEntity, sign } from '../../../electron/service/crypto/smime'
import { fingerprintOf, verifyDetachedSignature } from '../../../electron/service/crypto/smime-verify'
import { makeCa } from '../../fixtures/smime'

/** The parts of a multipart/signed body as a reader sees them: the signed entity and the DER signature. */
function split(signed: Buffer): { content: Buffer; signature: Buffer } {
  const text = signed.toString('binary')
  const boundary = /boundary="([^"]+)"/.exec(text)![1]!
  const parts = text.split(`--${boundary}`)
  const content = parts[1]!.replace(/^\r\n/, '').replace(/\r\n$/, '')
  const sig = parts[2]!.split('\r\n\r\n')[1]!.replace(/\s+/g, '')
  return { content: Buffer.from(content, 'binary'), signature: Buffer.from(sig, 'base64') }
}

const ca = makeCa()
const carol = ca.issue('carol@contoso.test', 'Carol Chen')
const mallory = ca.issue('carol@contoso.test', 'Not Carol')

describe('a certificate is learned only from a signature that holds over the message', () => {
  const { content, signature } = split(sign(innerEntity('Signed hello from carol', null), { certPem: carol.certPem, keyPem: carol.keyPem }))

  it('verifies over the signed entity, for the From address, with a certificate valid now', async () => {
    const v = await verifyDetachedSignature(content, signature, 'Carol@Contoso.test')
    expect(v).toMatchObject({ ok: true, signer: { addresses: ['carol@contoso.test'], fingerprint: fingerprintOf(carol.certPem) } })
  })

  it('refuses a signature over other content (the message was changed, or the signature taken from another)', async () => {
    const changed = Buffer.from(content.toString('binary').replace('charset=utf-8', 'charset=utf-7'), 'binary')
    expect(changed.equals(content)).toBe(false)
    expect(await verifyDetachedSignature(changed, signature, 'carol@contoso.test')).toEqual({ ok: false, reason: 'badSignature' })
  })

  it('refuses a certificate that does not name the From address', async () => {
    expect(await verifyDetachedSignature(content, signature, 'ceo@contoso.test')).toEqual({ ok: false, reason: 'otherAddress' })
  })

  it('refuses a certificate outside its validity', async () => {
    const later = new Date(Date.now() + 2 * 365 * 86400_000)
    expect(await verifyDetachedSignature(content, signature, 'carol@contoso.test', later)).toEqual({ ok: false, reason: 'notValidNow' })
  })

  it('refuses garbage as a signature', async () => {
    expect(await verifyDetachedSignature(content, Buffer.from('not a signature'), 'carol@contoso.test')).toEqual({ ok: false, reason: 'unreadable' })
  })

  it('tells two certificates for one address apart by fingerprint', () => {
    expect(fingerprintOf(carol.certPem)).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    expect(fingerprintOf(carol.certPem)).not.toBe(fingerprintOf(mallory.certPem))
  })
})
