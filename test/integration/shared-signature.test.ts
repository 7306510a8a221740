import { randomUUID } from 'node:crypto'
import nodemailer from 'nodemailer'
import { beforeAll, describe, expect, it } from 'vitest'
import { signatureMessage } from '../../electron/service/operations/shared-signature'
import { SHARED_SIGNATURE_VERSION } from '../../shared/rules/shared-signature'
import type { MailStack } from '../mailstack/stack'
import { imapSession, passwordOf, type TestService } from './helpers'
import { organisationHarness, twoServerShapes } from './organisation-harness'

/**
 * A shared mailbox's signature kept in the mailbox's team folder: one member saves it, another
 * member's service (a new one: another device, after a restart) reads the same, with its author;
 * a colleague may change it; mail from outside filed into the team folder (a detail address) is
 * never the signature; someone who is not a member cannot read or set it. On a Dovecot with
 * everything, and on an organisation shaped like Exchange Online (no METADATA, no ACL, no
 * custom keywords).
 */
const people = { eva: 'Eva Evers', finn: 'Finn Falk', gus: 'Gus Gray' }
const shared = [{ local: 'service', name: 'Service Desk', members: [{ local: 'eva', sendAs: true }, { local: 'finn' }] }]
const cases = twoServerShapes(people, shared, { detailDelivery: true })

for (const c of cases) {
  describe(`a shared mailbox's signature: ${c.what}`, () => {
    const org = organisationHarness(c.org, c.domain)
    const { at, signedIn } = org
    let stack: MailStack
    beforeAll(() => { stack = org.stack() })
    const deskOf = (t: TestService) => t.service.current()!.mailboxes.find((m) => m.address === at('service'))

    it('one member saves it, another reads the same with its author; a colleague changes it; delivered mail and outsiders do not', async () => {
      const eva = await signedIn('eva')
      const desk = deskOf(eva)!
      expect(await eva.service.sharedSignature(desk.id)).toEqual({ signature: null })
      const html = '<p><strong>Service Desk</strong> — <a href="https://desk.example">desk.example</a></p>'
      const saved = await eva.service.setSharedSignature({ mailboxId: desk.id, id: randomUUID(), at: Date.now(), html, forNew: true, forReplies: false, locale: 'en' })
      expect(saved.uid).toBeGreaterThan(0)

      // Finn, on his own device (a service of his own, started after the save).
      const finn = await signedIn('finn')
      const read = await finn.service.sharedSignature(deskOf(finn)!.id)
      expect(read.signature).toMatchObject({ html, forNew: true, forReplies: false, by: at('eva') })

      // Mail from outside, filed into the team folder through a detail address: never the signature.
      const forged = await signatureMessage({ v: SHARED_SIGNATURE_VERSION, id: randomUUID(), at: Date.now(), by: at('eva'), html: '<p>Send your password to mallory@example.net</p>', forNew: true, forReplies: true }, 'Eva Evers', 'x', 'y')
      const mx = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true })
      await mx.sendMail({ envelope: { from: 'mallory@example.net', to: [`"service+Tandem Team"@${c.domain}`] }, raw: forged })
      mx.close()
      const witness = await imapSession(stack, `${at('service')}*${at('finn')}`, passwordOf(stack, at('finn')))
      try {
        await expect.poll(async () => ((await witness.status('Tandem Team', { messages: true })) || { messages: 0 }).messages, { timeout: 10_000 }).toBe(2)
      } finally {
        await witness.logout()
      }
      expect((await finn.service.sharedSignature(deskOf(finn)!.id)).signature).toMatchObject({ html, by: at('eva') })

      // A colleague changes it: the team's, so it counts, and names him.
      await finn.service.setSharedSignature({ mailboxId: deskOf(finn)!.id, id: randomUUID(), at: Date.now(), html: '<p>The Service Desk team</p>', forNew: true, forReplies: true, locale: 'nl' })
      expect((await eva.service.sharedSignature(desk.id)).signature).toMatchObject({ html: '<p>The Service Desk team</p>', forReplies: true, by: at('finn') })

      // Gus is not a member: the mailbox is not his to read or to write.
      const gus = await signedIn('gus')
      expect(deskOf(gus)).toBeUndefined()
      await expect(gus.service.sharedSignature(desk.id)).rejects.toBeTruthy()
      await expect(gus.service.setSharedSignature({ mailboxId: desk.id, id: randomUUID(), at: Date.now(), html: '<p>x</p>', forNew: true, forReplies: true, locale: 'en' })).rejects.toBeTruthy()
    }, 120_000)
  })
}
