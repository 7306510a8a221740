import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { MessageSummary } from '../../shared/domain'
import { TeamFold } from '../../shared/team/fold'
import { fromTeamWire } from '../../shared/team/wire'
import type { TeamAction } from '../../shared/team/records'
import { fromOutside, isSnoozed, newestCustomerArrivals, snoozeWake } from '../../shared/team/snooze'
import { imapSession, passwordOf, streamedMessages, type TestService } from './helpers'
import { organisationHarness, twoServerShapes } from './organisation-harness'

/**
 * Snooze on real servers (docs/team-state.md, "Snooze"): one member snoozes a conversation of
 * the shared mailbox; another member's own service reads the record with its wake time; a
 * teammate's message in the conversation leaves it snoozed, a customer's wakes it — by what each
 * member's service synced (the server's arrival times) and the organisation's domains its
 * session carries. On Proseware (Dovecot, a folder per member) and on Fabrikam, shaped like
 * Exchange Online (no METADATA, ACL or custom keywords).
 */
const people = { eva: 'Eva Evers', finn: 'Finn Falk' }
const shared = [{ local: 'service', name: 'Service Desk', members: [{ local: 'eva' }, { local: 'finn' }] }]
const cases = twoServerShapes(people, shared, { teamMembers: true })

for (const c of cases) {
  describe(`snooze: ${c.what}`, () => {
    const org = organisationHarness(c.org, c.domain)
    const { at, signedIn } = org
    const deskOf = (t: TestService) => t.service.current()!.mailboxes.find((m) => m.address === at('service'))!
    /** The shared Inbox's messages as a member's service syncs them (the window's cache). */
    async function inbox(t: TestService): Promise<MessageSummary[]> {
      const folder = (await t.service.listFolders(deskOf(t).id)).find((f) => f.role === 'inbox')!
      const from = t.events.length
      await t.service.syncMessages({ folderId: folder.id, since: null, knownUids: 0 })
      return streamedMessages(t.events, from)
    }
    const fold = async (t: TestService) => {
      const f = new TeamFold()
      let since = null
      for (;;) {
        const page = await t.service.teamRead(deskOf(t).id, since)
        f.add(fromTeamWire(page.records))
        since = page.cursor
        if (!page.more) return f
      }
    }
    const record = (t: TestService, about: MessageSummary, action: TeamAction, when = Date.now()) =>
      t.service.teamRecord({ mailboxId: deskOf(t).id, id: randomUUID(), about: { folderId: about.folderId, uid: about.uid, messageId: about.messageId }, at: when, action, locale: 'en' })
    const mail = (from: string, subject: string, messageId: string, inReplyTo?: string) => [
      `From: ${from}`, `To: ${at('service')}`, `Subject: ${subject}`, `Message-ID: ${messageId}`, ...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`, `References: ${inReplyTo}`] : []),
      // Replies carry a Date header a day old: the server's arrival is what counts, never the sender's word.
      `Date: ${new Date(Date.now() + (inReplyTo ? -86_400_000 : 0)).toUTCString()}`, '', 'Hello.', '',
    ].join('\r\n')
    /** Whether the conversation is snoozed for this member now, by their synced Inbox and their session's domains. */
    const snoozedFor = async (t: TestService, conversationId: string) => {
      const z = (await fold(t)).get(conversationId).snooze ?? null
      const desk = deskOf(t)
      const domains = t.service.current()!.domains ?? []
      const arrivals = newestCustomerArrivals((await inbox(t)).map((m) => ({ conversationId: m.conversationId, from: m.from[0]?.address, date: m.date })),
        (from) => fromOutside(from, domains, desk.members ?? []))
      return { z, arrival: arrivals.get(conversationId) ?? 0, snoozed: isSnoozed(z, Date.now(), arrivals.get(conversationId) ?? 0) }
    }
    /** Dovecot's INTERNALDATE has whole seconds: a later arrival is a later second. */
    const nextSecond = () => new Promise((r) => setTimeout(r, 1100))

    it('one member snoozes until a time or a reply; another reads the wake time; a teammate\'s message leaves it snoozed, a customer\'s wakes it', async () => {
      const stack = org.stack()
      const root = `<parcel-${randomUUID()}@customer.example>`
      await stack.deliver(at('service'), mail('Carla Customer <carla@customer.example>', 'Where is my parcel?', root))
      const eva = await signedIn('eva')
      // The session carries the organisation's domains (the directory's and the person's own).
      expect(eva.service.current()!.domains).toContain(c.domain)
      const first = (await inbox(eva)).find((m) => m.messageId === root)!
      const until = Date.now() + 3_600_000
      const r = await record(eva, first, { kind: 'snooze', until, onReply: true, after: first.date })
      expect(r.conversationId).toBe(first.conversationId)

      // Finn, on his own device: the record with its wake time, by Eva; snoozed for him too.
      const finn = await signedIn('finn')
      let seen = await snoozedFor(finn, first.conversationId)
      expect(seen.z).toMatchObject({ until, onReply: true, after: first.date, by: at('eva') })
      expect(seen.snoozed).toBe(true)
      // At its time (his clock), it wakes with no record.
      expect(snoozeWake(seen.z!, until, seen.arrival)).toEqual({ kind: 'time', at: until })

      // A teammate writes into the conversation (from inside the organisation): still snoozed.
      await nextSecond()
      await stack.deliver(at('service'), mail(`Eva Evers <${at('eva')}>`, 'Re: Where is my parcel?', `<team-${randomUUID()}@${c.domain}>`, root), at('eva'))
      seen = await snoozedFor(finn, first.conversationId)
      expect((await inbox(finn)).filter((m) => m.conversationId === first.conversationId)).toHaveLength(2)
      expect(seen.snoozed).toBe(true)

      // The customer replies (with a Date header a day old): it arrived after the snooze, so it wakes it, for both.
      await nextSecond()
      await stack.deliver(at('service'), mail('Carla Customer <carla@customer.example>', 'Re: Where is my parcel?', `<again-${randomUUID()}@customer.example>`, root))
      for (const t of [finn, eva]) {
        seen = await snoozedFor(t, first.conversationId)
        expect(seen.snoozed).toBe(false)
        expect(snoozeWake(seen.z!, Date.now(), seen.arrival)?.kind).toBe('reply')
      }
    }, 120_000)

    it('the server order decides between snooze and unsnooze; a time already past is refused, and a bare session sees the records', async () => {
      const stack = org.stack()
      const root = `<refund-${randomUUID()}@customer.example>`
      await stack.deliver(at('service'), mail('Rob Customer <rob@customer.example>', 'Refund?', root))
      const [eva, finn] = [await signedIn('eva'), await signedIn('finn')]
      const m = (await inbox(eva)).find((x) => x.messageId === root)!
      // Eva's clock is an hour ahead: her snooze says a later time, yet Finn's unsnooze came after it in the log.
      await record(eva, m, { kind: 'snooze', until: Date.now() + 7_200_000, onReply: false, after: m.date }, Date.now() + 3_600_000)
      const fm = (await inbox(finn)).find((x) => x.messageId === root)!
      await record(finn, fm, { kind: 'unsnooze' })
      for (const t of [eva, finn]) expect((await fold(t)).get(m.conversationId).snooze).toBeNull()
      expect((await fold(eva)).get(m.conversationId).history.map((e) => [e.action.kind, e.by])).toEqual([['snooze', at('eva')], ['unsnooze', at('finn')]])

      await expect(record(eva, m, { kind: 'snooze', until: Date.now() - 60_000, onReply: false, after: m.date })).rejects.toMatchObject({ error: { key: 'errors.team.snoozePast' } })
      // A bare IMAP session of a member sees the two records, with what they say for other clients.
      const imap = await imapSession(stack, `${at('service')}*${at('eva')}`, passwordOf(stack, at('eva')))
      try {
        const lock = await imap.getMailboxLock('Tandem Team')
        try {
          const subjects: string[] = []
          for await (const x of imap.fetch('1:*', { envelope: true })) subjects.push(x.envelope?.subject ?? '')
          expect(subjects.filter((s) => /snoozed this conversation until .* UTC$|unsnoozed this conversation/.test(s))).toHaveLength(2)
        } finally { lock.release() }
      } finally { await imap.logout() }
    }, 120_000)
  })
}
