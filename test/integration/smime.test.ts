import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { simpleParser } from 'mailparser'
import { decrypt, innerEntity, sign } from '../../electron/service/crypto/smime'
import { fingerprintOf } from '../../electron/service/crypto/smime-verify'
import { makeCa } from '../fixtures/smime'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, eventually, newService, streamedMessages, imapSession, passwordOf, serverSettings, type TestService } from './helpers'

let stack: MailStack
let alice: TestService
const ca = makeCa()
const aliceCert = ca.issue('alice@contoso.test', 'Alice Archer')
const daveCert = ca.issue('dave@contoso.test', 'Dave Dunn')
const carolCert = ca.issue('carol@contoso.test', 'Carol Chen')

type Issued = ReturnType<ReturnType<typeof makeCa>['issue']>
async function deliverSigned(from: string, name: string, subject: string, cert: Issued): Promise<void> {
  const signed = sign(innerEntity(`${subject} from ${name}`, null), { certPem: cert.certPem, keyPem: cert.keyPem })
  await stack.deliver('alice@contoso.test', Buffer.concat([Buffer.from(`From: ${name} <${from}>\r\nTo: alice@contoso.test\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n`), signed]))
}

/** Opens a message in alice's Inbox as the reader would (the body is where certificates are learned). */
async function readBySubject(subject: string) {
  await alice.service.listFolders('own:alice@contoso.test')
  const uid = await eventually(async () => {
    await alice.service.syncMessages({ folderId: 'own:alice@contoso.test|INBOX', since: null, knownUids: 0 })
    return streamedMessages(alice.events).find((x) => x.subject === subject)?.uid ?? null
  }, `"${subject}" in alice's Inbox`)
  return alice.service.body('own:alice@contoso.test|INBOX', uid)
}

/** The fingerprint of the certificate alice's Tandem would encrypt to for an address. */
async function knownFingerprint(address: string): Promise<string | null> {
  const certs = await alice.state.read<Record<string, string>>('smimeCertificates')
  return certs?.[address] ? fingerprintOf(certs[address]) : null
}

beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO))
  // Alice trusts the organisation's CA (an anchor her system would have): its certificates are verified.
  alice = await newService(undefined, 500, { trustAnchors: [ca.certPem] })
  await alice.service.signIn({ address: 'alice@contoso.test', password: passwordOf(stack, 'alice@contoso.test'), server: serverSettings(stack) })
})
afterAll(async () => { await alice?.service.stop(); await stack?.stop() })

const request = (identityId: string, subject: string, encrypt = true) => ({
  identityId, to: [{ name: 'Dave Dunn', address: 'dave@contoso.test' }], cc: [], bcc: [], subject,
  text: `Confidential: ${subject}`, html: null, inReplyTo: null, references: [], encrypt, attachments: [],
})

describe('S/MIME for personal mail, never for shared (R4)', () => {
  it('cannot encrypt before a certificate is imported, and says so', async () => {
    expect(alice.service.identities()[0]!.noEncryption?.message).toMatch(/import your S\/MIME certificate/)
    await expect(alice.service.send(request('self:alice@contoso.test', 'Too early'))).rejects.toMatchObject({ error: { code: 'send.noCertificate' } })
  })

  it('imports the person\'s PKCS#12 (wrong password and wrong person refused)', async () => {
    await expect(alice.service.importSmimeIdentity(aliceCert.p12, 'wrong')).rejects.toMatchObject({ error: { field: 'password' } })
    await expect(alice.service.importSmimeIdentity(daveCert.p12, daveCert.password)).rejects.toThrow(/not for alice@contoso\.test/)
    await alice.service.importSmimeIdentity(aliceCert.p12, aliceCert.password)
    expect((await alice.service.smimeStatus()).identity?.addresses).toEqual(['alice@contoso.test'])
    expect(alice.service.identities()[0]!.noEncryption).toBeNull()
  })

  it('names the recipient whose certificate is missing', async () => {
    await expect(alice.service.send(request('self:alice@contoso.test', 'No cert for dave'))).rejects.toThrow(/no certificate for dave@contoso\.test/)
  })

  it('sends an encrypted personal message that arrives as application/pkcs7-mime and decrypts with the recipient\'s key', async () => {
    expect(await alice.service.importCertificate(daveCert.certPem)).toEqual({ addresses: ['dave@contoso.test'], pending: [] })
    await alice.service.send(request('self:alice@contoso.test', 'Encrypted salary review'))
    const dave = await imapSession(stack, 'dave@contoso.test', passwordOf(stack, 'dave@contoso.test'))
    const raw = await eventually(async () => {
      await dave.mailboxOpen('INBOX')
      const uids = await dave.search({ subject: 'Encrypted salary review' }, { uid: true })
      return uids && uids.length ? (await dave.fetchOne(String(uids[0]), { source: true }, { uid: true }) || null)?.source : null
    }, 'the encrypted message at dave')
    await dave.logout()
    const outer = await simpleParser(raw)
    expect(outer.headers.get('content-type')).toMatchObject({ value: 'application/pkcs7-mime', params: { 'smime-type': 'enveloped-data' } })
    expect(raw.toString()).not.toContain('Confidential')
    const inner = decrypt(outer.attachments[0]!.content, daveCert.keyPem, daveCert.certPem).toString()
    expect(inner).toContain('multipart/signed')
    const parsed = await simpleParser(inner)
    expect(parsed.text).toContain('Confidential: Encrypted salary review')
  })

  it('learns a correspondent\'s certificate from signed mail they sent', async () => {
    await deliverSigned('carol@contoso.test', 'Carol Chen', 'Signed hello', carolCert)
    expect((await alice.service.smimeStatus()).recipients).not.toContain('carol@contoso.test')
    const body = await readBySubject('Signed hello')
    expect(body.text).toContain('Signed hello from Carol Chen')
    expect((await alice.service.smimeStatus()).recipients).toContain('carol@contoso.test')
    expect(await knownFingerprint('carol@contoso.test')).toBe(fingerprintOf(carolCert.certPem))
    // Issued by the CA alice trusts: shown as verified, by whom.
    expect((await alice.service.smimeStatus()).certificates.find((c) => c.address === 'carol@contoso.test')).toMatchObject({ state: 'verified', verifiedBy: 'Contoso Test CA', fingerprint: fingerprintOf(carolCert.certPem) })
  })

  it('shows a certificate no trusted issuer vouches for as trusted since first seen, with the date', async () => {
    const frank = makeCa().issue('frank@contoso.test', 'Frank')
    await deliverSigned('frank@contoso.test', 'Frank', 'Signed by Frank', frank)
    await readBySubject('Signed by Frank')
    const entry = (await alice.service.smimeStatus()).certificates.find((c) => c.address === 'frank@contoso.test')
    expect(entry).toMatchObject({ state: 'firstSeen', verifiedBy: null })
    expect(Date.now() - Date.parse(entry!.firstSeenAt!)).toBeLessThan(60_000)
  })

  it('never lets one opened mail replace a known certificate: the change waits for the person, with both fingerprints', async () => {
    const known = (await alice.service.smimeStatus())
    expect(known.recipients).toContain('carol@contoso.test')
    // Mallory's own, validly signed certificate that names carol's address.
    const impostor = makeCa().issue('carol@contoso.test', 'Carol Chen')
    await deliverSigned('carol@contoso.test', 'Carol Chen', 'New key, please use it', impostor)
    await readBySubject('New key, please use it')
    const status = await alice.service.smimeStatus()
    expect(status.changes).toEqual([expect.objectContaining({ address: 'carol@contoso.test', current: fingerprintOf(carolCert.certPem), proposed: fingerprintOf(impostor.certPem), proposedVerifiedBy: null })])
    expect(status.certificates.find((c) => c.address === 'carol@contoso.test')).toMatchObject({ state: 'changed' })
    // The window's "accept" alone changes nothing: main asks the person, with both fingerprints.
    alice.person.answer = false
    const before = alice.asked.length
    await expect(alice.service.resolveCertificateChange('carol@contoso.test', true)).rejects.toMatchObject({ error: { key: 'errors.confirm.certificate' } })
    alice.person.answer = true
    expect(alice.asked.slice(before)).toEqual([expect.objectContaining({ kind: 'certificate', warning: expect.objectContaining({ params: { address: 'carol@contoso.test' } }) })])
    expect(JSON.stringify(alice.asked.at(-1)!.body)).toContain(fingerprintOf(impostor.certPem))
    expect(await knownFingerprint('carol@contoso.test')).toBe(fingerprintOf(carolCert.certPem))
    // Mail to carol still goes to her known key; keeping it needs nobody's confirmation.
    await alice.service.resolveCertificateChange('carol@contoso.test', false)
    expect((await alice.service.smimeStatus()).changes).toEqual([])
    expect(await knownFingerprint('carol@contoso.test')).toBe(fingerprintOf(carolCert.certPem))
  })

  it('learns nothing from a signature that names another address, or that does not hold over the message', async () => {
    const ceoLookalike = makeCa().issue('mallory@evil.test', 'The CEO')
    await deliverSigned('ceo@contoso.test', 'The CEO', 'Signed by someone else', ceoLookalike)
    // Eve's genuine signature, on a message whose signed part was changed after signing.
    const eve = ca.issue('eve@contoso.test', 'Eve')
    const signed = sign(innerEntity('Original words', null), { certPem: eve.certPem, keyPem: eve.keyPem }).toString('binary')
    const tampered = signed.replace(/Content-Transfer-Encoding: base64\r\n\r\n[A-Za-z0-9+/=\r\n]+?\r\n--/, `Content-Transfer-Encoding: base64\r\n\r\n${Buffer.from('Changed words').toString('base64')}\r\n--`)
    expect(tampered).not.toBe(signed)
    await stack.deliver('alice@contoso.test', Buffer.concat([Buffer.from('From: Eve <eve@contoso.test>\r\nTo: alice@contoso.test\r\nSubject: Tampered\r\nMIME-Version: 1.0\r\n'), Buffer.from(tampered, 'binary')]))
    await readBySubject('Signed by someone else')
    await readBySubject('Tampered')
    const status = await alice.service.smimeStatus()
    expect(status.recipients).not.toContain('ceo@contoso.test')
    expect(status.recipients).not.toContain('mallory@evil.test')
    expect(status.recipients).not.toContain('eve@contoso.test')
    expect(status.changes).toEqual([])
  })

  it('imports a recipient certificate only while it is valid, and asks before replacing a known one', async () => {
    const impostor = makeCa().issue('dave@contoso.test', 'Dave Dunn')
    expect(await alice.service.importCertificate(impostor.certPem)).toEqual({ addresses: ['dave@contoso.test'], pending: ['dave@contoso.test'] })
    expect(await knownFingerprint('dave@contoso.test')).toBe(fingerprintOf(daveCert.certPem))
    const asked = alice.asked.length
    expect(await alice.service.resolveCertificateChange('dave@contoso.test', true)).toEqual({ accepted: true })
    expect(alice.asked.slice(asked).map((q) => q.kind)).toEqual(['certificate'])
    expect(await knownFingerprint('dave@contoso.test')).toBe(fingerprintOf(impostor.certPem))
    const expired = makeCa().issue('erin@contoso.test', 'Erin', 'p', { expired: true })
    await expect(alice.service.importCertificate(expired.certPem)).rejects.toThrow(/not valid now/)
  })

  it('saves a draft marked Encrypt encrypted to the sender alone, never in clear', async () => {
    const { randomUUID } = await import('node:crypto')
    const saved = await alice.service.saveDraft(request('self:alice@contoso.test', 'Encrypted draft of a salary letter'), { key: randomUUID(), n: 1 })
    const own = await imapSession(stack, 'alice@contoso.test', passwordOf(stack, 'alice@contoso.test'))
    await own.mailboxOpen('Drafts')
    const raw = (await own.fetchOne(String(saved.uid), { source: true }, { uid: true }) || null)?.source
    await own.logout()
    expect(raw).toBeTruthy()
    expect(raw!.toString()).not.toContain('Confidential')
    const outer = await simpleParser(raw!)
    expect(outer.headers.get('content-type')).toMatchObject({ value: 'application/pkcs7-mime' })
    const inner = decrypt(outer.attachments[0]!.content, aliceCert.keyPem, aliceCert.certPem).toString()
    expect((await simpleParser(inner)).text).toContain('Confidential: Encrypted draft of a salary letter')
    // Dave's key cannot open it: the draft is for alice alone.
    expect(() => decrypt(outer.attachments[0]!.content, daveCert.keyPem, daveCert.certPem)).toThrow()
  })

  it('refuses encrypted mail with Bcc recipients, whose certificates the envelope would show to all', async () => {
    const withBcc = { ...request('self:alice@contoso.test', 'Encrypted with a Bcc'), bcc: [{ name: 'Carol Chen', address: 'carol@contoso.test' }] }
    await expect(alice.service.send(withBcc)).rejects.toMatchObject({ error: { code: 'send.encryptedBcc', field: 'bcc' } })
  })

  it('still refuses to encrypt from the shared mailbox (R4)', async () => {
    await expect(alice.service.send(request('sendAs:support@contoso.test', 'Shared encrypted'))).rejects.toMatchObject({ error: { rule: 'R4' } })
  })
})
