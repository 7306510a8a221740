import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { simpleParser } from 'mailparser'
import { decrypt, innerEntity, sign } from '../../electron/service/smime'
import { makeCa } from '../fixtures/smime'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { CONTOSO, eventually, newService, imapSession, passwordOf, serverSettings, type TestService } from './helpers'

let stack: MailStack
let alice: TestService
const ca = makeCa()
const aliceCert = ca.issue('alice@contoso.test', 'Alice Archer')
const daveCert = ca.issue('dave@contoso.test', 'Dave Dunn')

beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(CONTOSO))
  alice = await newService()
  await alice.service.signIn({ address: 'alice@contoso.test', password: passwordOf(stack, 'alice@contoso.test'), server: serverSettings(stack) })
})
afterAll(async () => { await alice?.service.stop(); await stack?.stop() })

const request = (identityId: string, subject: string, encrypt = true) => ({
  identityId, to: [{ name: 'Dave Dunn', address: 'dave@contoso.test' }], cc: [], bcc: [], subject,
  text: `Confidential: ${subject}`, html: null, inReplyTo: null, references: [], encrypt, attachments: [],
})

describe('S/MIME for personal mail, never for shared (R4)', () => {
  it('cannot encrypt before a certificate is imported, and says so', async () => {
    expect(alice.service.identities()[0]!.noEncryption).toMatch(/import your S\/MIME certificate/)
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
    expect(await alice.service.importCertificate(daveCert.certPem)).toEqual(['dave@contoso.test'])
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
    const carolCert = ca.issue('carol@contoso.test', 'Carol Chen')
    const signed = sign(innerEntity('Signed hello from carol', null), { certPem: carolCert.certPem, keyPem: carolCert.keyPem })
    const raw = Buffer.concat([Buffer.from('From: Carol Chen <carol@contoso.test>\r\nTo: alice@contoso.test\r\nSubject: Signed hello\r\nMIME-Version: 1.0\r\n'), signed])
    await stack.deliver('alice@contoso.test', raw)
    expect((await alice.service.smimeStatus()).recipients).not.toContain('carol@contoso.test')
    await alice.service.listFolders('own:alice@contoso.test')
    await alice.service.syncMessages({ folderId: 'own:alice@contoso.test|INBOX', since: null, knownUids: 0 })
    const m = alice.events.filter((e) => e.name === 'sync.messages').flatMap((e) => (e.payload as { messages: { subject: string; uid: number }[] }).messages).find((x) => x.subject === 'Signed hello')!
    const body = await alice.service.body('own:alice@contoso.test|INBOX', m.uid)
    expect(body.text).toContain('Signed hello from carol')
    expect((await alice.service.smimeStatus()).recipients).toContain('carol@contoso.test')
  })

  it('still refuses to encrypt from the shared mailbox (R4)', async () => {
    await expect(alice.service.send(request('sendAs:support@contoso.test', 'Shared encrypted'))).rejects.toMatchObject({ error: { rule: 'R4' } })
  })
})
