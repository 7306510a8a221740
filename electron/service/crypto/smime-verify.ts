import { createHash } from 'node:crypto'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import forge from 'node-forge'
import { certificateAddresses } from './smime'

/**
 * Whether a detached S/MIME signature (application/pkcs7-signature) verifies over the bytes it
 * signs, and with which certificate. node-forge cannot verify CMS signatures; PKI.js does, over
 * Node's WebCrypto. Anyone can put any certificate into a signature, so a certificate is learned
 * only when its signature holds over this very message, it is valid now, and it names the From
 * address — and even then a different certificate for a known address is never swapped silently.
 */

export interface VerifiedSigner {
  certPem: string
  addresses: string[]
  fingerprint: string
  /** The other certificates the signature carried (intermediates, perhaps): for its chain of trust. */
  chain: string[]
}

export type SignatureVerdict =
  | { ok: true; signer: VerifiedSigner }
  | { ok: false; reason: 'unreadable' | 'badSignature' | 'notValidNow' | 'otherAddress' }

/** SHA-256 over the certificate's DER, as people compare it: "AB:CD:…". */
export function fingerprintOf(certPem: string): string {
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes(), 'binary')
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/.{2}/g)!.join(':')
}

const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer

export async function verifyDetachedSignature(signedBytes: Buffer, signatureDer: Buffer, fromAddress: string, now = new Date()): Promise<SignatureVerdict> {
  let signed: pkijs.SignedData
  try {
    const info = new pkijs.ContentInfo({ schema: asn1js.fromBER(toArrayBuffer(signatureDer)).result })
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA) return { ok: false, reason: 'unreadable' }
    signed = new pkijs.SignedData({ schema: info.content })
    if (signed.signerInfos.length !== 1) return { ok: false, reason: 'unreadable' }
  } catch {
    return { ok: false, reason: 'unreadable' }
  }
  let signer: pkijs.Certificate | null | undefined
  try {
    const result = await signed.verify({ signer: 0, data: toArrayBuffer(signedBytes), extendedMode: true, checkDate: now })
    if (!result.signatureVerified) return { ok: false, reason: 'badSignature' }
    signer = result.signerCertificate
  } catch {
    // PKI.js throws for a digest that does not match the content, or a signer it cannot find.
    return { ok: false, reason: 'badSignature' }
  }
  if (!signer) return { ok: false, reason: 'badSignature' }
  if (signer.notBefore.value > now || signer.notAfter.value < now) return { ok: false, reason: 'notValidNow' }
  const der = Buffer.from(signer.toSchema().toBER(false))
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(der.toString('binary')))
  const certPem = forge.pki.certificateToPem(cert)
  const addresses = certificateAddresses(cert)
  if (!addresses.includes(fromAddress.toLowerCase())) return { ok: false, reason: 'otherAddress' }
  const chain: string[] = []
  for (const c of signed.certificates ?? []) {
    if (!(c instanceof pkijs.Certificate)) continue
    try {
      const pem = forge.pki.certificateToPem(forge.pki.certificateFromAsn1(forge.asn1.fromDer(Buffer.from(c.toSchema().toBER(false)).toString('binary'))))
      if (pem !== certPem && chain.length < 10) chain.push(pem)
    } catch { /* a certificate forge cannot read is no link of a chain it can check */ }
  }
  return { ok: true, signer: { certPem, addresses, fingerprint: fingerprintOf(certPem), chain } }
}
