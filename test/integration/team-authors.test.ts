import { randomUUID } from 'node:crypto'
import 'fake-indexeddb/auto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { recordMessage, TEAM_FOLDER } from '../../electron/service/operations/team'
import { batchMessage } from '../../electron/service/operations/team-batch-write'
import { memberFolderName } from '../../electron/service/operations/team-authors'
import { ApiClient } from '../../renderer/src/api/client'
import { TandemDb } from '../../renderer/src/cache/db'
import { TeamSync } from '../../renderer/src/sync/team-sync'
import type { BatchInfo } from '../../shared/team/batches'
import { TeamFold } from '../../shared/team/fold'
import { type TeamAction, type TeamRecord } from '../../shared/team/records'
import { conversationIdFromRoot } from '../../shared/conversation'
import { assignable } from '../../shared/team/authors'
import { fromTeamWire } from '../../shared/team/wire'
import { smallOrganisation, type Organisation } from '../mailstack/organisation'
import { memberFolder, startMailStack, type MailStack } from '../mailstack/stack'
import { imapSession, newService, passwordOf, serverSettings, type TestService } from './helpers'

/**
 * Who wrote a team record, against a member who forges: Finn appends records in Eva's name with
 * his own IMAP client. Where the administrator gave each member a folder of their own under the
 * team folder (Proseware, "/" separator; Wingtip, "." separator inside the shared namespace),
 * Eva's own records are confirmed and Finn's forgeries are not; where there are no such folders
 * (Fourth Coffee), every author is only claimed — and in both, no unconfirmed author is named
 * as the writer of a false batch, and an address the records merely name is not offered to
 * assign to.
 */
interface Case { what: string; org: Organisation; confirmed: boolean; namespace: boolean }
const people = { eva: 'Eva Evers', finn: 'Finn Falk', gus: 'Gus Gray' }
const shared = [{ local: 'service', name: 'Service Desk', members: [{ local: 'eva' }, { local: 'finn' }, { local: 'gus' }] }]
const cases: Case[] = [
  { what: 'Proseware: a folder per member (delegate logins)', org: smallOrganisation('Proseware', 'proseware.test', { people, shared, teamMembers: true }), confirmed: true, namespace: false },
  {
    what: 'Wingtip: a folder per member, reached inside the shared namespace ("." separator)',
    org: smallOrganisation('Wingtip', 'wingtip.test', { people, shared, teamMembers: true, layout: { separator: '.', sharedPrefix: 'Other Users.%%n.', masterSeparator: '!' } }),
    confirmed: true, namespace: true,
  },
  { what: 'Fourth Coffee: no member folders (claimed authors)', org: smallOrganisation('Fourth Coffee', 'fourthcoffee.test', { people, shared }), confirmed: false, namespace: false },
]

for (const c of cases) {
  describe(`team authors: ${c.what}`, () => {
    const domain = c.org.domains[0]!
    const at = (local: string) => `${local}@${domain}`
    const [EVA, FINN, GUS] = [at('eva'), at('finn'), at('gus')]
    const box = at('service')
    const mailboxId = `shared:${box}`
    const sep = c.org.layout.separator
    let stack: MailStack
    const services: TestService[] = []
    const dbs: TandemDb[] = []
    beforeAll(async () => { stack = await startMailStack(c.org) })
    afterAll(async () => {
      for (const db of dbs) db.close()
      await Promise.all(services.map((s) => s.service.stop()))
      await stack?.stop()
    })

    const signIn = async (address: string) => {
      const t = await newService()
      services.push(t)
      const server = serverSettings(stack)
      if (c.namespace) delete server.delegateLogin
      await t.service.signIn({ address, password: passwordOf(stack, address), server })
      return t
    }
    /** Finn's own IMAP client, in the team folder (a delegate login or the shared namespace). */
    const finnBare = async () => {
      const login = c.namespace ? FINN : `${box}${c.org.layout.masterSeparator}${FINN}`
      const client = await imapSession(stack, login, passwordOf(stack, FINN))
      const teamPath = c.namespace ? `Other Users${sep}service${sep}${TEAM_FOLDER}` : TEAM_FOLDER
      return { client, teamPath }
    }
    const forge = (conv: string, action: TeamAction): TeamRecord => ({ v: 1, id: randomUUID(), conv, at: Date.now(), by: EVA, action })

    it('Eva\'s records are confirmed where each member has a folder; Finn\'s records in her name never are, and he cannot write in her folder', async () => {
      const [eva, gus] = [await signIn(EVA), await signIn(GUS)]
      // The customer's mail the records are about: the service computes its conversation from its headers.
      const messageId = '<refund-request@example.net>'
      await stack.deliver(box, [`From: Customer <customer@example.net>`, `To: ${box}`, 'Subject: refund request', `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`, '', 'Hello.', ''].join('\r\n'))
      const inbox = (await eva.service.listFolders(mailboxId)).find((f) => f.role === 'inbox')!
      const about = { folderId: inbox.id, uid: 1, messageId }
      const conv = conversationIdFromRoot(`m:${messageId}`)
      const note = randomUUID()
      const own = [
        { kind: 'status', status: 'waiting' },
        { kind: 'note', note, text: 'Called the customer back.' },
        { kind: 'deleted', messageIds: ['<spam-1@example.net>'], count: 1 },
      ] as TeamAction[]
      const mine: string[] = []
      for (const action of own) {
        const id = randomUUID()
        expect((await eva.service.teamRecord({ mailboxId, id, about, at: Date.now(), action, locale: 'en' })).conversationId).toBe(conv)
        mine.push(id)
      }
      // Finn, with any IMAP client: records claiming Eva took the conversation, deleted her own
      // note, deleted messages (R10's audit would blame her), assigned it outside the company.
      const forged = [
        forge(conv, { kind: 'assign', to: EVA, expect: null }),
        forge(conv, { kind: 'noteDelete', note }),
        forge(conv, { kind: 'deleted', messageIds: ['<invoice-7@example.net>'], count: 1 }),
        forge(conv, { kind: 'assign', to: 'mallory@evil.example' }),
      ]
      const { client, teamPath } = await finnBare()
      try {
        for (const r of forged) await client.append(teamPath, await recordMessage(r, 'Eva Evers', 'forged', 'forged'), ['\\Seen'])
        if (c.confirmed) {
          // Her folder is hers: the server refuses Finn's copy there (no insert right).
          const hers = `${teamPath}${sep}${memberFolderName(EVA)}`
          await expect(client.append(hers, await recordMessage(forged[0]!, 'Eva Evers', 'forged', 'forged'))).rejects.toThrow()
        }
      } finally { await client.logout() }

      // Gus reads the folder: the log holds all seven, in the server's order.
      const fold = new TeamFold()
      for (let since = null; ;) {
        const page = await gus.service.teamRead(mailboxId, since)
        fold.add(fromTeamWire(page.records))
        since = page.cursor
        if (!page.more) break
      }
      const s = fold.get(conv)
      expect(s.history.map((e) => e.by)).toEqual(Array(7).fill(EVA))
      const asked = s.history.map((e) => ({ uid: e.uid, id: e.id, by: e.by }))
      const answer = await gus.service.teamAuthors(mailboxId, asked)
      expect(answer.mode).toBe(c.confirmed ? 'confirmed' : 'claimed')
      expect(answer.members.sort()).toEqual(c.confirmed ? [EVA, FINN, GUS] : [])
      // Exactly Eva's own three, where it can be told at all; never one of Finn's.
      expect(answer.confirmed.sort()).toEqual(c.confirmed ? [...mine].sort() : [])
      for (const r of forged) expect(answer.confirmed).not.toContain(r.id)
      // A record id asked about at another UID, or with another author, is not confirmed either.
      const moved = await gus.service.teamAuthors(mailboxId, [{ uid: asked[3]!.uid, id: mine[0]!, by: EVA }, { uid: asked[0]!.uid, id: mine[0]!, by: GUS }])
      expect(moved.confirmed).toEqual([])

      // Whom to assign to: the directory's members and who acted, never an address a record only names.
      const choices = assignable({ me: GUS, listed: [EVA, FINN, GUS], members: answer.members, mode: answer.mode, authors: [...new Set(s.history.map((e) => e.by))], mailbox: box })
      expect(choices).not.toContain('mallory@evil.example')
      expect(choices).toEqual([EVA, FINN, GUS])
    })

    it('a false batch in Eva\'s name does not name Eva; one Finn really appended (his own copy in his folder) names him where that can be told', async () => {
      const gus = await signIn(GUS)
      const conv = conversationIdFromRoot('m:<batch-victim@example.net>')
      const { client, teamPath } = await finnBare()
      try {
        await client.append(teamPath, await recordMessage({ ...forge(conv, { kind: 'status', status: 'open' }), by: FINN }, 'Finn', 'x', 'x'), ['\\Seen'])
      } finally { await client.logout() }
      // The records as the log holds them, every one changed: a batch no reader can trust.
      const truth = new TeamFold()
      const records = []
      for (let since = null; ;) {
        const page = await gus.service.teamRead(mailboxId, since)
        records.push(...fromTeamWire(page.records))
        truth.add(fromTeamWire(page.records))
        since = page.cursor
        if (!page.more) break
      }
      const changed = records.map((r) => (r.action.kind === 'status' ? { ...r, action: { kind: 'status' as const, status: 'done' as const } } : r))
      const asEva = await batchMessage(1, changed, { address: EVA, name: 'Eva Evers' }, 'en')
      const asFinn = await batchMessage(1, changed, { address: FINN, name: 'Finn Falk' }, 'en')
      const pad = (raw: Buffer) => Buffer.from(raw.toString('latin1').replace(/\r\n\r\n/, `\r\nX-Padding: ${'p'.repeat(20_000).match(/.{1,76}/g)!.join('\r\n ')}\r\n\r\n`), 'latin1')
      const again = await finnBare()
      try {
        if (c.confirmed) await again.client.append(`${again.teamPath}${sep}${memberFolderName(FINN)}`, pad(asFinn.raw), ['\\Seen'])
        await again.client.append(again.teamPath, pad(asEva.raw), ['\\Seen'])
        await again.client.append(again.teamPath, pad(asFinn.raw), ['\\Seen'])
      } finally { await again.client.logout() }

      // A new device of Gus's starts from the first, checks it, and is told what it found.
      const dispatch = createDispatcher(serviceHandlers(gus.service))
      const api = new ApiClient({ call: (n, i) => dispatch(n, i), on: () => () => undefined })
      const db = new TandemDb(`authors.${randomUUID()}`)
      dbs.push(db)
      const told: BatchInfo[][] = []
      const sync = new TeamSync(db, (n, i) => api.call(n, i), (_m, bad) => told.push(bad))
      for (let i = 0; i < 3; i++) {
        await sync.pull(mailboxId)
        for (let w = 0; w < 200 && (await db.teamCursors.get(mailboxId))?.unverified?.length; w++) await new Promise((r) => setTimeout(r, 50))
      }
      const named = told.flat()
      expect(named.map((b) => b.by).sort()).toEqual([EVA, FINN])
      // Eva is never confirmed: she appended no such batch. Finn is, where his folder says so.
      expect(named.find((b) => b.by === EVA)!.confirmed).toBe(false)
      expect(named.find((b) => b.by === FINN)!.confirmed).toBe(c.confirmed)
      // And the state is the log's.
      expect((await sync.fold(mailboxId)).get(conv).status).toBe(truth.get(conv).status)
    })

    it('the test stack names member folders as the administrator guide says, and Tandem reads them alike', () => {
      for (const a of [EVA, 'Ana.María+billing@sub.example-domain.test']) expect(memberFolder(a)).toBe(memberFolderName(a))
      expect(memberFolderName('alice@contoso.test')).toBe('alice@contoso%2Etest')
    })
  })
}
