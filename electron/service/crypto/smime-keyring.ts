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
/** When each known certificate was first seen, and the intermediates it came with (for its chain). */
const SEEN = 'smimeCertificatesSeen'

interface PendingCertificate { certPem: string; seenAt: string; chain?: string[] }
interface Seen { fingerprint: string; at: string; chain: string[] }
export type SmimeStatus = CallOutput<'smime.status'>

/**
 * The issuer's name when the certificate chains, through the intermediates it came with, to an
 * anchor the person trusts (the system's roots, or those the host gives), valid now; else null.
 */
export function verifiedBy(certPem: string, chain: string[], anchors: forge.pki.CAStore | null): string | null {
  if (!anchors) return null
  try {
    const cert = forge.pki.certificateFromPem(certPem)
    const intermediates = chain.map((p) => forge.pki.certificateFromPem(p))
    if (!forge.pki.verifyCertificateChain(anchors, [cert, ...intermediates])) return null
    const issuer = cert.issuer.getField('CN') as { value?: string } | null
    return issuer?.value ?? cert.issuer.attributes.map((a) => String(a.value)).join(', ')
  } catch {
    return null
  }
}

/** A CA store of the anchors that parse (forge reads RSA certificates only; others are skipped). */
export function trustAnchors(pems: readonly string[]): forge.pki.CAStore {
  const store = forge.pki.createCaStore()
  for (const pem of pems) { try { store.addCertificate(forge.pki.certificateFromPem(pem)) } catch { /* not RSA, or not readable: not an anchor here */ } }
  return store
}

/**
 * Where S/MIME material lives: the person's certificate and private key in the secret store
 * (never sent to the renderer), correspondents' certificates (public) in the state store.
 */
export class SmimeKeyring {
  private anchorStore: forge.pki.CAStore | null = null

  /** `anchors`: the certificates whose chains count as verified (PEM), read when first needed. */
  constructor(private readonly secrets: SecretStore, private readonly state: StateStore, private readonly anchors: () => readonly string[] = () => []) {}

  private store(): forge.pki.CAStore {
    this.anchorStore ??= trustAnchors(this.anchors())
    return this.anchorStore
  }

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
  async learn(address: string, certPem: string, chain: string[] = []): Promise<'kept' | 'known' | 'pending'> {
    const a = address.toLowerCase()
    const known = (await this.certificates())[a]
    if (known && fingerprintOf(known) === fingerprintOf(certPem)) return 'known'
    if (!known) {
      await this.keep(a, certPem, chain)
      return 'kept'
    }
    const pending = await this.state.read<Record<string, PendingCertificate>>(PENDING) ?? {}
    pending[a] = { certPem, seenAt: new Date().toISOString(), chain }
    await this.state.write(PENDING, pending)
    return 'pending'
  }

  /** A correspondent's waiting change, with both fingerprints and whether the new one is verified. */
  async pendingChange(address: string): Promise<{ address: string; current: string; proposed: string; proposedVerifiedBy: string | null }> {
    const a = address.toLowerCase()
    const change = (await this.state.read<Record<string, PendingCertificate>>(PENDING) ?? {})[a]
    const known = (await this.certificates())[a]
    if (!change || !known) throw fail({ code: 'request.invalid', key: 'errors.smime.noChange', params: { address: a } })
    return { address: a, current: fingerprintOf(known), proposed: fingerprintOf(change.certPem), proposedVerifiedBy: verifiedBy(change.certPem, change.chain ?? [], this.store()) }
  }

  /** The person's answer to a changed certificate (main asked them: confirm.ts): use the new one, or keep the known one. */
  async resolveChange(address: string, accept: boolean): Promise<void> {
    const a = address.toLowerCase()
    const pending = await this.state.read<Record<string, PendingCertificate>>(PENDING) ?? {}
    const change = pending[a]
    if (!change) throw fail({ code: 'request.invalid', key: 'errors.smime.noChange', params: { address: a } })
    if (accept) await this.keep(a, change.certPem, change.chain ?? [])
    delete pending[a]
    await this.state.write(PENDING, pending)
  }

  /** The known correspondents' certificates, by address. */
  private async certificates(): Promise<Record<string, string>> {
    return await this.state.read<Record<string, string>>(CERTIFICATES) ?? {}
  }

  /** Makes this the certificate Tandem encrypts to for the address, first seen now. */
  private async keep(address: string, certPem: string, chain: string[] = []): Promise<void> {
    const certs = await this.certificates()
    certs[address.toLowerCase()] = certPem
    await this.state.write(CERTIFICATES, certs)
    const seen = await this.state.read<Record<string, Seen>>(SEEN) ?? {}
    seen[address.toLowerCase()] = { fingerprint: fingerprintOf(certPem), at: new Date().toISOString(), chain }
    await this.state.write(SEEN, seen)
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
      proposedVerifiedBy: verifiedBy(p.certPem, p.chain ?? [], this.store()),
    }))
    const seen = await this.state.read<Record<string, Seen>>(SEEN) ?? {}
    // Each known certificate's trust: verified by a chain the person trusts, else trusted on
    // first use (since when), and changed while a different one waits for the person.
    const certificates = Object.keys(certs).sort().map((address) => {
      const pem = certs[address]!
      const fingerprint = fingerprintOf(pem)
      const s = seen[address]?.fingerprint === fingerprint ? seen[address] : undefined
      const by = verifiedBy(pem, s?.chain ?? [], this.store())
      return {
        address, fingerprint, expires: forge.pki.certificateFromPem(pem).validity.notAfter.toISOString(),
        state: pending[address] ? 'changed' as const : by ? 'verified' as const : 'firstSeen' as const,
        firstSeenAt: s?.at ?? null, verifiedBy: by,
      }
    })
    return { identity, recipients: Object.keys(certs).sort(), changes, certificates }
  }
}
