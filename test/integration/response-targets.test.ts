import { randomUUID } from 'node:crypto'
import nodemailer from 'nodemailer'
import { beforeAll, describe, expect, it } from 'vitest'
import { targetsMessage } from '../../electron/service/operations/response-targets'
import { defaultTargets, RESPONSE_TARGETS_VERSION, type ResponseTargetsSettings } from '../../shared/rules/response-targets'
import type { MailStack } from '../mailstack/stack'
import { imapSession, passwordOf, type TestService } from './helpers'
import { organisationHarness, twoServerShapes } from './organisation-harness'

/**
 * A shared mailbox's response targets kept in its team folder: one member sets them, another
 * member's service (another device, started after) reads the same with the author; a colleague
 * changes them and the change before is kept with its author; mail from outside filed into the
 * team folder (a detail address) never counts; someone who is not a member can neither read nor
 * set them. On a Dovecot with everything, and on an organisation shaped like Exchange Online.
 */
const people = { eva: 'Eva Evers', finn: 'Finn Falk', gus: 'Gus Gray' }
const shared = [{ local: 'service', name: 'Service Desk', members: [{ local: 'eva', sendAs: true }, { local: 'finn' }] }]
const cases = twoServerShapes(people, shared, { teamMembers: true, detailDelivery: true })

const evas: ResponseTargetsSettings = { ...defaultTargets('Europe/Amsterdam'), firstReply: 4 * 60, nextReply: 8 * 60, holidays: ['2026-12-25', '2026-12-26'] }

for (const c of cases) {
  describe(`a shared mailbox's response targets: ${c.what}`, () => {
    const org = organisationHarness(c.org, c.domain)
    const { at, signedIn } = org
    let stack: MailStack
    beforeAll(() => { stack = org.stack() })
    const deskOf = (t: TestService) => t.service.current()!.mailboxes.find((m) => m.address === at('service'))

    it('one member sets them, another reads the same with its author; a colleague changes them; delivered mail and outsiders do not count', async () => {
      const eva = await signedIn('eva')
      const desk = deskOf(eva)!
      expect(await eva.service.responseTargets(desk.id)).toMatchObject({ targets: null, changes: [] })
      const saved = await eva.service.setResponseTargets({ mailboxId: desk.id, id: randomUUID(), at: Date.now(), targets: evas, locale: 'en' })
      expect(saved.uid).toBeGreaterThan(0)

      const finn = await signedIn('finn')
      const read = await finn.service.responseTargets(deskOf(finn)!.id)
      // Confirmed hers where each member has a folder of their own (her Tandem put the same change there first); claimed elsewhere.
      expect(read.targets).toEqual({ ...evas, by: at('eva'), at: expect.any(Number), confirmed: c.confirmed })
      expect(read.authors).toBe(c.confirmed ? 'confirmed' : 'claimed')

      // Mail from outside, filed into the team folder through a detail address: never the targets.
      const forged = await targetsMessage({ v: RESPONSE_TARGETS_VERSION, id: randomUUID(), at: Date.now(), by: at('eva'), ...evas, firstReply: 5 * 24 * 60 }, 'Eva Evers', 'x', 'y')
      const mx = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true })
      await mx.sendMail({ envelope: { from: 'mallory@example.net', to: [`"service+Tandem Team"@${c.domain}`] }, raw: forged })
      mx.close()
      const witness = await imapSession(stack, `${at('service')}*${at('finn')}`, passwordOf(stack, at('finn')))
      try {
        await expect.poll(async () => ((await witness.status('Tandem Team', { messages: true })) || { messages: 0 }).messages, { timeout: 10_000 }).toBe(2)
      } finally {
        await witness.logout()
      }
      expect((await finn.service.responseTargets(deskOf(finn)!.id)).targets).toMatchObject({ firstReply: 4 * 60, by: at('eva') })

      // A colleague changes them: the newest counts, and the change before is kept with its author.
      await finn.service.setResponseTargets({ mailboxId: deskOf(finn)!.id, id: randomUUID(), at: Date.now(), targets: { ...evas, firstReply: 2 * 60, timeZone: 'America/New_York' }, locale: 'nl' })
      const after = await eva.service.responseTargets(desk.id)
      expect(after.targets).toMatchObject({ firstReply: 2 * 60, timeZone: 'America/New_York', by: at('finn') })
      expect(after.changes.map((x) => [x.by, x.firstReply, x.confirmed])).toEqual([[at('finn'), 120, c.confirmed], [at('eva'), 240, c.confirmed]])

      // Finn, writing raw IMAP, appends a change in Eva's name: it counts (a member may set them), but it is never confirmed as hers.
      const raw = await imapSession(stack, `${at('service')}*${at('finn')}`, passwordOf(stack, at('finn')))
      try {
        await raw.append('Tandem Team', await targetsMessage({ v: RESPONSE_TARGETS_VERSION, id: randomUUID(), at: Date.now(), by: at('eva'), ...evas, firstReply: 60 }, 'Eva Evers', 'x', 'y'), ['\\Seen'])
      } finally {
        await raw.logout()
      }
      expect((await eva.service.responseTargets(desk.id)).targets).toMatchObject({ firstReply: 60, by: at('eva'), confirmed: false })

      // A target the schema refuses is not written (a window cannot store a bad time zone).
      await expect(eva.service.setResponseTargets({ mailboxId: desk.id, id: randomUUID(), at: Date.now(), targets: { ...evas, timeZone: 'Mars/Olympus' }, locale: 'en' } as never)).rejects.toBeTruthy()

      // Gus is not a member.
      const gus = await signedIn('gus')
      expect(deskOf(gus)).toBeUndefined()
      await expect(gus.service.responseTargets(desk.id)).rejects.toBeTruthy()
      await expect(gus.service.setResponseTargets({ mailboxId: desk.id, id: randomUUID(), at: Date.now(), targets: evas, locale: 'en' })).rejects.toBeTruthy()
    }, 120_000)
  })
}
