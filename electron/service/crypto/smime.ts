import forge from 'node-forge'
import { fail } from '../../../shared/api/errors'

/**
 * S/MIME for personal mail (R4: never for a shared mailbox). node-forge parses PKCS#12 and
 * builds the CMS structures; messages are signed (detached, SHA-256) and then enveloped
 * (AES-256-CBC) to every recipient and to the sender, so the Sent copy stays readable.
 */

export interface SmimeIdentity { certPem: string; keyPem: string }

const b64lines = (buf: Buffer) => buf.toString('base64').replace(/.{1,76}/g, '$&\r\n')

/** The e-mail addresses a certificate is for (subjectAltName rfc822Name, else the subject's E). */
export function certificateAddresses(cert: forge.pki.Certificate): string[] {
  const out = new Set<string>()
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value: string }[] } | null
  for (const n of san?.altNames ?? []) if (n.type === 1) out.add(n.value.toLowerCase())
  const e = cert.subject.getField('E') as { value?: string } | null
  if (e?.value) out.add(e.value.toLowerCase())
  return [...out]
}

/** Reads a PKCS#12 file: the first key and the certificate that goes with it. */
export function readPkcs12(p12Base64: string, password: string): SmimeIdentity & { addresses: string[]; expires: Date } {
  let p12: forge.pkcs12.Pkcs12Pfx
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(p12Base64)), password)
  } catch {
    throw fail({ code: 'request.invalid', field: 'password', key: 'errors.smime.badPkcs12' })
  }
  const keyBag = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!] ?? []),
  ][0]
  const certs = (p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? []).map((b) => b.cert).filter((c): c is forge.pki.Certificate => !!c)
  const key = keyBag?.key as forge.pki.rsa.PrivateKey | undefined
  const cert = certs.find((c) => key && (c.publicKey as forge.pki.rsa.PublicKey).n.equals(key.n)) ?? certs[0]
  if (!key || !cert) throw fail({ code: 'request.invalid', key: 'errors.smime.noKey' })
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(key), addresses: certificateAddresses(cert), expires: cert.validity.notAfter }
}

/** Reads a recipient's certificate (PEM or DER in base64). */
export function readCertificate(data: string): { certPem: string; addresses: string[] } {
  try {
    const cert = data.includes('-----BEGIN') ? forge.pki.certificateFromPem(data) : forge.pki.certificateFromAsn1(forge.asn1.fromDer(forge.util.decode64(data)))
    return { certPem: forge.pki.certificateToPem(cert), addresses: certificateAddresses(cert) }
  } catch {
    throw fail({ code: 'request.invalid', key: 'errors.smime.notCertificate' })
  }
}

/** The MIME entity that gets signed and encrypted: the body, as text and optionally HTML. */
export function innerEntity(text: string, html: string | null): Buffer {
  const part = (type: string, body: string) => `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64lines(Buffer.from(body, 'utf8'))}`
  if (!html) return Buffer.from(part('text/plain', text))
  const b = `alt-${forge.util.bytesToHex(forge.random.getBytesSync(8))}`
  return Buffer.from(`Content-Type: multipart/alternative; boundary="${b}"\r\n\r\n--${b}\r\n${part('text/plain', text)}\r\n--${b}\r\n${part('text/html', html)}\r\n--${b}--\r\n`)
}

/** multipart/signed around the entity, with a detached SHA-256 signature and the signer's certificate. */
export function sign(entity: Buffer, me: SmimeIdentity): Buffer {
  const p7 = forge.pkcs7.createSignedData()
  p7.content = forge.util.createBuffer(entity.toString('binary'))
  const certificate = forge.pki.certificateFromPem(me.certPem)
  p7.addCertificate(certificate)
  p7.addSigner({
    key: forge.pki.privateKeyFromPem(me.keyPem),
    certificate,
    digestAlgorithm: forge.pki.oids.sha256!,
    authenticatedAttributes: [
      { type: forge.pki.oids.contentType!, value: forge.pki.oids.data! },
      { type: forge.pki.oids.messageDigest! },
      { type: forge.pki.oids.signingTime!, value: new Date() as unknown as string },
    ],
  })
  p7.sign({ detached: true })
  const sig = Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary')
  const b = `signed-${forge.util.bytesToHex(forge.random.getBytesSync(8))}`
  return Buffer.from(`Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${b}"\r\n\r\n--${b}\r\n${entity.toString('binary')}\r\n--${b}\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7s"\r\n\r\n${b64lines(sig)}--${b}--\r\n`, 'binary')
}

/** CMS enveloped data (AES-256-CBC) for each certificate; DER bytes for application/pkcs7-mime. */
export function envelope(entity: Buffer, certPems: string[]): Buffer {
  const p7 = forge.pkcs7.createEnvelopedData()
  for (const pem of certPems) p7.addRecipient(forge.pki.certificateFromPem(pem))
  p7.content = forge.util.createBuffer(entity.toString('binary'))
  p7.encrypt(undefined, forge.pki.oids['aes256-CBC'])
  return Buffer.from(forge.asn1.toDer(p7.toAsn1()).getBytes(), 'binary')
}

/** Decrypts enveloped data with a private key (for tests and, later, for reading). */
export function decrypt(der: Buffer, keyPem: string, certPem: string): Buffer {
  const p7 = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(der.toString('binary'))) as forge.pkcs7.PkcsEnvelopedData & {
    findRecipient(c: forge.pki.Certificate): unknown; decrypt(r: unknown, k: forge.pki.PrivateKey): void; content: forge.util.ByteStringBuffer
  }
  const recipient = p7.findRecipient(forge.pki.certificateFromPem(certPem))
  p7.decrypt(recipient, forge.pki.privateKeyFromPem(keyPem))
  return Buffer.from(p7.content.getBytes(), 'binary')
}
