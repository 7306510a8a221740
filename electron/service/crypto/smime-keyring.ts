import forge from 'node-forge'
import { fail } from '../../../shared/api/errors'
import type { SecretStore } from '../storage/secret-store'
import type { StateStore } from '../storage/state-store'
import { readCertificate, readPkcs12, type SmimeIdentity } from './smime'
import { fingerprintOf } from './smime-verify'
import type { CallOutput } from '../../../shared/api/contract'

const CERTIFICATES = 'smimeCertificates'
/** Certificates that differ from the known one for their address, waiting for the person. */
const PENDING = 'smimeCertificateChanges'

interface PendingCertificate { certPem: string; seenAt: string }
export type SmimeStatus = CallOutput<'smime.status'>

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

  /** Imports the person's PKCS#12; refuses a certificate for another address. Their own replaces the old one: they chose it. */
  async importIdentity(accountId: string, address: string, p12Base64: string, password: string): Promise<SmimeIdentity> {
    const read = readPkcs12(p12Base64, password)
    if (!read.addresses.includes(address)) {
      throw fail({ code: 'request.invalid', key: read.addresses.length ? 'errors.smime.otherAddress' : 'errors.smime.noAddressFor', params: { addresses: read.addresses.join(', '), address } })
    }
    const identity = { certPem: read.certPem, keyPem: read.keyPem }
    await this.secrets.set(`smime:${accountId}`, JSON.stringify(identity))
    await this.keep(address, read.certPem)
    return identity
  }

  /**
   * Imports a recipient's certificate, by the same rules as one that arrives with mail: valid
   * now, for an address; replacing a different known certificate waits for the person.
   */
  async importCertificate(data: string): Promise<{ addresses: string[]; pending: string[] }> {
    const cert = readCertificate(data)
    const c = forge.pki.certificateFromPem(cert.certPem)
    const now = new Date()
    if (c.validity.notBefore > now || c.validity.notAfter < now) {
      throw fail({ code: 'request.invalid', key: 'errors.smime.notValidNow', params: { from: c.validity.notBefore.toISOString().slice(0, 10), until: c.validity.notAfter.toISOString().slice(0, 10) } })
    }
    if (!cert.addresses.length) throw fail({ code: 'request.invalid', key: 'errors.smime.noAddress' })
    const pending: string[] = []
    for (const address of cert.addresses) if ((await this.learn(address, cert.certPem)) === 'pending') pending.push(address)
    return { addresses: cert.addresses, pending }
  }

  /**
   * Keeps a certificate for one address. A first certificate is kept; the same one again is
   * nothing; a different one never replaces the known one silently — it waits, with both
   * fingerprints, until the person decides (a forged signature must not redirect their
   * encrypted mail to someone else's key).
   */
  async learn(address: string, certPem: string): Promise<'kept' | 'known' | 'pending'> {
    const a = address.toLowerCase()
    const known = (await this.certificates())[a]
    if (known && fingerprintOf(known) === fingerprintOf(certPem)) return 'known'
    if (!known) {
      await this.keep(a, certPem)
      return 'kept'
    }
    const pending = await this.state.read<Record<string, PendingCertificate>>(PENDING) ?? {}
    pending[a] = { certPem, seenAt: new Date().toISOString() }
    await this.state.write(PENDING, pending)
    return 'pending'
  }

  /** The person's answer to a changed certificate: use the new one, or keep the known one. */
  async resolveChange(address: string, accept: boolean): Promise<void> {
    const a = address.toLowerCase()
    const pending = await this.state.read<Record<string, PendingCertificate>>(PENDING) ?? {}
    const change = pending[a]
    if (!change) throw fail({ code: 'request.invalid', key: 'errors.smime.noChange', params: { address: a } })
    if (accept) await this.keep(a, change.certPem)
    delete pending[a]
    await this.state.write(PENDING, pending)
  }

  /** The known correspondents' certificates, by address. */
  private async certificates(): Promise<Record<string, string>> {
    return await this.state.read<Record<string, string>>(CERTIFICATES) ?? {}
  }

  /** Makes this the certificate Tandem encrypts to for the address. */
  private async keep(address: string, certPem: string): Promise<void> {
    const certs = await this.certificates()
    certs[address.toLowerCase()] = certPem
    await this.state.write(CERTIFICATES, certs)
  }

  /** Certificates for these addresses, and the addresses that have none. */
  async certificatesFor(addresses: string[]): Promise<{ found: string[]; missing: string[] }> {
    const certs = await this.certificates()
    return { found: addresses.filter((a) => certs[a]).map((a) => certs[a]!), missing: addresses.filter((a) => !certs[a]) }
  }

  async status(own: SmimeIdentity | null): Promise<SmimeStatus> {
    const certs = await this.certificates()
    const pending = await this.state.read<Record<string, PendingCertificate>>(PENDING) ?? {}
    const identity = own
      ? { addresses: readCertificate(own.certPem).addresses, expires: forge.pki.certificateFromPem(own.certPem).validity.notAfter.toISOString() }
      : null
    const changes = Object.entries(pending).filter(([a]) => certs[a]).map(([address, p]) => ({
      address,
      current: fingerprintOf(certs[address]!),
      proposed: fingerprintOf(p.certPem),
      proposedExpires: forge.pki.certificateFromPem(p.certPem).validity.notAfter.toISOString(),
      seenAt: p.seenAt,
    }))
    return { identity, recipients: Object.keys(certs).sort(), changes }
  }
}
