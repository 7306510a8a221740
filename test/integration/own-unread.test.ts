import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { MessageSummary } from '../../shared/domain'
import { hasUid } from '../../shared/team/own-read'
import { TEAM_FOLDER } from '../../shared/team/records'
import { ownReadMessage } from '../../electron/service/operations/own-read'
import { memberSession, streamedMessages, type TestService } from './helpers'
import { organisationHarness, twoServerShapes } from './organisation-harness'

/**
 * Each member's own unread on real servers (docs/team-state.md, "Each member's own unread"):
 * Eva's service reads two messages of the shared Inbox (\Seen, as opening does, and her own
 * marks), makes one unread again; Eva's second device (a fresh service) reads her state from
 * the server; Finn's service has nothing read; an independent IMAP session sees \Seen on what
 * Eva opened. A mark Finn writes in Eva's name counts for her only where authors are claimed.
 * On Proseware (Dovecot, a folder per member: marks confirmed) and on Fabrikam, shaped like
 * Exchange Online (no ACL: claimed).
 */
const people = { eva: 'Eva Evers', finn: 'Finn Falk' }
const shared = [{ local: 'service', name: 'Service Desk', members: [{ local: 'eva' }, { local: 'finn' }] }]
const cases = twoServerShapes(people, shared, { teamMembers: true })

for (const c of cases) {
  describe(`own unread: ${c.what}`, () => {
    const org = organisationHarness(c.org, c.domain)
    const { at, signedIn } = org
    const deskOf = (t: TestService) => t.service.current()!.mailboxes.find((m) => m.address === at('service'))!
    async function inbox(t: TestService): Promise<{ rows: MessageSummary[]; folderId: string; uidValidity: number }> {
      const folder = (await t.service.listFolders(deskOf(t).id)).find((f) => f.role === 'inbox')!
      const from = t.events.length
      const r = await t.service.syncMessages({ folderId: folder.id, since: null, knownUids: 0 })
      return { rows: streamedMessages(t.events, from), folderId: folder.id, uidValidity: Number(r.state.uidValidity) }
    }
    const mark = (t: TestService, folderId: string, uidValidity: number, kind: 'snapshot' | 'delta', read: number[], unread: number[] = [], id = randomUUID()) =>
      t.service.markOwnRead({ mailboxId: deskOf(t).id, folderId, id, at: Date.now(), uidValidity, kind, read, unread, locale: 'en' })
    const mail = (n: number) => [`From: Carla Customer <carla@customer.example>`, `To: ${at('service')}`, `Subject: Question ${n}`,
      `Message-ID: <q${n}-${randomUUID()}@customer.example>`, `Date: ${new Date().toUTCString()}`, '', 'Hello.', ''].join('\r\n')

    it('a member\'s reading is theirs: their second device has it, a colleague has nothing read, \\Seen says the team opened it', async () => {
      const stack = org.stack()
      for (let n = 1; n <= 4; n++) await stack.deliver(at('service'), mail(n))
      const eva = await signedIn('eva')
      const box = await inbox(eva)
      const [m1, m2, m3] = [...box.rows].sort((a, b) => a.uid - b.uid)
      expect(box.rows).toHaveLength(4)

      // Opening reads m1 and m2: \Seen for the team, and Eva's own marks (a delta each, as the window appends them).
      await eva.service.setFlags(box.folderId, [m1!.uid, m2!.uid], ['\\Seen'], [])
      const first = await mark(eva, box.folderId, box.uidValidity, 'snapshot', [m1!.uid, m1!.uid])
      expect(first.uid).not.toBeNull()
      const id = randomUUID()
      const second = await mark(eva, box.folderId, box.uidValidity, 'delta', [m2!.uid, m3!.uid], [], id)
      // A replayed delta is found, not appended again.
      expect((await mark(eva, box.folderId, box.uidValidity, 'delta', [m2!.uid, m3!.uid], [], id)).uid).toBe(second.uid)
      // Then m3 made unread again: hers only.
      await mark(eva, box.folderId, box.uidValidity, 'delta', [], [m3!.uid, m3!.uid])

      // Eva's second device: a fresh service reads her state from the server.
      const evaAgain = await signedIn('eva')
      const state = await evaAgain.service.ownReadState(deskOf(evaAgain).id)
      expect(state.found).toBe(true)
      expect(state.authors).toBe(c.confirmed ? 'confirmed' : 'claimed')
      const hers = state.folders.find((f) => f.folderId === box.folderId)!
      expect(hers.uidValidity).toBe(box.uidValidity)
      expect([m1, m2, m3].map((m) => hasUid(hers.read, m!.uid))).toEqual([true, true, false])

      // Finn's own: nothing read, though the team opened two.
      const finn = await signedIn('finn')
      const his = await finn.service.ownReadState(deskOf(finn).id)
      expect(his.found).toBe(false)
      expect(his.folders.find((f) => f.folderId === box.folderId)).toBeUndefined()

      // An independent IMAP session sees \Seen on what Eva opened, on nothing else.
      const witness = await memberSession(stack, at('finn'), at('service'))
      try {
        await witness.mailboxOpen('INBOX', { readOnly: true })
        const seen = new Map<number, boolean>()
        for await (const m of witness.fetch('1:*', { uid: true, flags: true })) seen.set(m.uid, m.flags?.has('\\Seen') ?? false)
        expect([...seen.values()].filter(Boolean)).toHaveLength(2)

        // Finn appends a mark in Eva's name (raw IMAP) into the team folder: she "read" m3 and m4.
        const list = await witness.list()
        const teamFolder = list.find((f) => f.name === TEAM_FOLDER)!.path
        const forged = await ownReadMessage({ id: randomUUID(), by: at('eva'), at: Date.now(), folder: hers.folderId.slice(hers.folderId.indexOf('|') + 1), uidValidity: box.uidValidity, kind: 'delta', read: [m3!.uid, box.rows.length + 10], unread: [] }, 'Eva Evers', 'forged', 'forged')
        await witness.append(teamFolder, forged, ['\\Seen'])
      } finally {
        await witness.logout().catch(() => undefined)
      }
      const after = (await (await signedIn('eva')).service.ownReadState(deskOf(eva).id)).folders.find((f) => f.folderId === box.folderId)!
      // Where each member has a folder of their own, Eva's marks are read there: the forgery is not hers.
      // Elsewhere a mark's author is only claimed (docs/team-state.md says so), and it counts.
      expect(hasUid(after.read, m3!.uid)).toBe(!c.confirmed)
      expect(hasUid(after.read, m1!.uid)).toBe(true)
    })

    it('refuses a mark that names a folder of another mailbox or is not ranges', async () => {
      const eva = await signedIn('eva')
      const box = await inbox(eva)
      const own = eva.service.current()!.mailboxes.find((m) => m.kind === 'own')!
      await expect(eva.service.markOwnRead({ mailboxId: deskOf(eva).id, folderId: `${own.id}|INBOX`, id: randomUUID(), at: Date.now(), uidValidity: box.uidValidity, kind: 'delta', read: [1, 1], unread: [], locale: 'en' }))
        .rejects.toMatchObject({ code: 'request.invalid' })
      // The person's own mailbox keeps \Seen alone: no own read state there (R1's check of a shared mailbox).
      await expect(eva.service.ownReadState(own.id)).rejects.toMatchObject({ code: 'request.invalid' })
    })
  })
}
