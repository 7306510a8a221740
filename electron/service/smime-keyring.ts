import forge from 'node-forge'
import { ApiFailure } from '../../shared/api/errors'
import type { SecretStore } from './secret-store'
import type { StateStore } from './state-store'
import { readCertificate, readPkcs12, type SmimeIdentity } from './smime'

const CERTIFICATES = 'smimeCertificates'

/**
 * Where S/MIME material lives: the person's certificate and private key in the secret store
 * (never sent to the renderer), correspondents' certificates (public) in the state store.
 */
export class SmimeKeyring {
  constructor(private readonly secrets: SecretStore, private readonly state: StateStore) {}

  /** The person's own certificate and key, if imported. */
  async identity(accountId: string): Promise<SmimeIdentity | null> {
    return JSON.parse(await this.secrets.get(`smime:${accountId}`) ?? 'null') as SmimeIdentity | null
  }

  /** Imports the person's PKCS#12; refuses a certificate for another address. */
  async importIdentity(accountId: string, address: string, p12Base64: string, password: string): Promise<SmimeIdentity> {
    const read = readPkcs12(p12Base64, password)
    if (!read.addresses.includes(address)) {
      throw new ApiFailure({ code: 'request.invalid', message: `That certificate is for ${read.addresses.join(', ') || 'no e-mail address'}, not for ${address}.` })
    }
    const identity = { certPem: read.certPem, keyPem: read.keyPem }
    await this.secrets.set(`smime:${accountId}`, JSON.stringify(identity))
    await this.remember([{ certPem: read.certPem, addresses: read.addresses }])
    return identity
  }

  async importCertificate(data: string): Promise<string[]> {
    const cert = readCertificate(data)
    await this.remember([cert])
    return cert.addresses
  }

  async remember(found: { certPem: string; addresses: string[] }[]): Promise<void> {
    if (!found.length) return
    const certs = await this.state.read<Record<string, string>>(CERTIFICATES) ?? {}
    for (const c of found) for (const a of c.addresses) certs[a] = c.certPem
    await this.state.write(CERTIFICATES, certs)
  }

  /** Certificates for these addresses, and the addresses that have none. */
  async certificatesFor(addresses: string[]): Promise<{ found: string[]; missing: string[] }> {
    const certs = await this.state.read<Record<string, string>>(CERTIFICATES) ?? {}
    return { found: addresses.filter((a) => certs[a]).map((a) => certs[a]!), missing: addresses.filter((a) => !certs[a]) }
  }

  async status(own: SmimeIdentity | null): Promise<{ identity: { addresses: string[]; expires: string } | null; recipients: string[] }> {
    const certs = await this.state.read<Record<string, string>>(CERTIFICATES) ?? {}
    const identity = own
      ? { addresses: readCertificate(own.certPem).addresses, expires: forge.pki.certificateFromPem(own.certPem).validity.notAfter.toISOString() }
      : null
    return { identity, recipients: Object.keys(certs).sort() }
  }
}
