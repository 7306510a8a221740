import { randomUUID } from 'node:crypto'
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { createDispatcher, serviceHandlers } from '../../electron/api/dispatcher'
import { recordMessage } from '../../electron/service/operations/team'
import { ApiClient } from '../../renderer/src/api/client'
import { TandemDb } from '../../renderer/src/cache/db'
import { TeamSync } from '../../renderer/src/sync/team-sync'
import { TaskQueue } from '../../renderer/src/queue/task-queue'
import { ApiFailure } from '../../shared/api/errors'
import { foldMentions, insideOf, mentionsOf, type Mention } from '../../shared/team/mentions'
import { TEAM_FOLDER, type StoredTeamRecord, type TeamAction } from '../../shared/team/records'
import { imapSession, passwordOf, type TestService } from './helpers'
import { organisationHarness, twoServerShapes } from './organisation-harness'

/**
 * Mentions in internal notes on real servers (docs/team-state.md, "Mentions"; R7): a note by
 * Eva that mentions Finn is read by Finn's service — its records folded as his window folds
 * them (TeamSync, IndexedDB) — as a mention of him, news only above what his device had folded
 * (one Eva wrote offline, a durable team task, too); not a mention of Eva (the author) nor of
 * Gus (not named). A note that names an address outside the organisation is refused before
 * anything is appended (an independent session counts the folder), and one a member appends by
 * hand with raw IMAP mentions nobody outside. On Proseware (Dovecot, a folder per member) and on Fabrikam, shaped like Exchange
 * Online (no METADATA, ACL or custom keywords).
 */
const people = { eva: 'Eva Evers', finn: 'Finn Falk', gus: 'Gus Gray' }
const shared = [{ local: 'service', name: 'Service Desk', members: [{ local: 'eva', sendAs: true }, { local: 'finn' }, { local: 'gus' }] }]
const cases = twoServerShapes(people, shared, { teamMembers: true })

for (const c of cases) {
  describe(`mentions: ${c.what}`, () => {
    const org = organisationHarness(c.org, c.domain)
    const { at, signedIn } = org
    const inside = insideOf([c.domain])
    const deskOf = (t: TestService) => t.service.current()!.mailboxes.find((m) => m.address === at('service'))!
    const note = (t: TestService, about: { folderId: string; uid: number; messageId: string }, text: string, id = randomUUID()) =>
      t.service.teamRecord({ mailboxId: deskOf(t).id, id, about, at: Date.now(), action: { kind: 'note', note: randomUUID(), text } satisfies TeamAction, locale: 'en' })
    /** A member's device: the window's team sync over its own IndexedDB, telling what each pull folded and what was news. */
    const device = (t: TestService) => {
      const dispatch = createDispatcher(serviceHandlers(t.service))
      const api = new ApiClient({ call: (n, i) => dispatch(n, i), on: () => () => undefined })
      const db = new TandemDb(`mentions.${randomUUID()}`)
      const sync = new TeamSync(db, (n, i) => api.call(n, i))
      const pages: { records: StoredTeamRecord[]; newAbove: number | null }[] = []
      sync.onRecords = async (_m, records, newAbove) => { pages.push({ records, newAbove }) }
      const online = new TaskQueue(db, (n, i) => api.call(n, i))
      const offline = new TaskQueue(db, () => Promise.reject(new ApiFailure({ code: 'network.unreachable', message: 'offline' })))
      return { db, sync, pages, online, offline }
    }
    /** The records in a folder's message count, as an independent IMAP session of the mailbox sees it. */
    const folderCount = async () => {
      const s = org.stack()
      const imap = await imapSession(s, `${at('service')}*${at('eva')}`, passwordOf(s, at('eva')))
      try {
        const st = await imap.status(TEAM_FOLDER, { messages: true })
        return st ? st.messages ?? 0 : -1
      } finally { await imap.logout() }
    }

    it("a note by Eva mentioning Finn is his mention, read by his service; news only above what his device had folded, one written offline too; not Eva's, not Gus's", async () => {
      const s = org.stack()
      const messageId = `<refund.${randomUUID()}@example.net>`
      await s.deliver(at('service'), [`From: Customer <customer@example.net>`, `To: ${at('service')}`, 'Subject: Refund', `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`, '', 'Hello.', ''].join('\r\n'))
      const [eva, finn, gus] = [await signedIn('eva'), await signedIn('finn'), await signedIn('gus')]
      const inbox = (await eva.service.listFolders(deskOf(eva).id)).find((f) => f.role === 'inbox')!
      const about = { folderId: inbox.id, uid: 1, messageId }
      const first = await note(eva, about, `@${at('finn')} can you call them? They are waiting since Monday.`)
      expect(first.uid).toBeGreaterThan(0)

      // Finn's device reads the folder for the first time: the mention is listed; it had folded nothing
      // before (the window tells nothing on a device's first read: stores/mentions.ts, `primed`).
      const fd = device(finn)
      await fd.sync.pull(deskOf(finn).id)
      const kept = new Map<string, Mention>()
      const firstRead = fd.pages.flatMap((p) => foldMentions(kept, deskOf(finn).id, p.records, at('finn'), inside).added)
      expect(firstRead).toEqual([expect.objectContaining({ by: at('eva'), uid: first.uid, conv: first.conversationId, deleted: null })])
      expect(firstRead[0]!.text).toContain('can you call them?')
      expect(fd.pages.map((p) => p.newAbove)).toEqual(fd.pages.map(() => 0))

      // Eva mentions him again: on his next read it is news (above what his device had folded).
      const second = await note(eva, about, `Thanks @${at('finn')}.`)
      fd.pages.length = 0
      await fd.sync.pull(deskOf(finn).id)
      const news = fd.pages.flatMap((p) => foldMentions(kept, deskOf(finn).id, p.records, at('finn'), inside).added.filter((m) => p.newAbove !== null && m.uid > p.newAbove))
      expect(news.map((m) => m.uid)).toEqual([second.uid])

      // Offline: Eva's note with a mention is a durable team task, stored on her device, appended when
      // she is back; Finn's next read has it as news.
      const ed = device(eva)
      const offlineNote = randomUUID()
      await ed.offline.add({ kind: 'team', id: randomUUID(), mailboxId: deskOf(eva).id, conversationId: first.conversationId!, about, at: Date.now(), locale: 'en',
        action: { kind: 'note', note: offlineNote, text: `Written on the train: @${at('finn')} the parcel is back.` } })
      await ed.offline.kick()
      expect(await ed.db.tasks.filter((t) => t.status === 'applied').count()).toBe(1)
      await ed.online.kick()
      expect(await ed.db.tasks.filter((t) => t.status !== 'done').count()).toBe(0)
      fd.pages.length = 0
      await fd.sync.pull(deskOf(finn).id)
      const later = fd.pages.flatMap((p) => foldMentions(kept, deskOf(finn).id, p.records, at('finn'), inside).added.filter((m) => p.newAbove !== null && m.uid > p.newAbove))
      expect(later.map((m) => m.note)).toEqual([offlineNote])
      ed.db.close()

      // The author is never told of it, and nobody who is not named.
      for (const [who, t] of [['eva', eva], ['gus', gus]] as const) {
        const d = device(t)
        await d.sync.pull(deskOf(t).id)
        expect(d.pages.flatMap((p) => foldMentions(new Map(), deskOf(t).id, p.records, at(who), inside).added)).toEqual([])
        d.db.close()
      }
      fd.db.close()
    }, 120_000)

    it('a mention of an address outside the organisation is refused before anything is appended (R7); one appended by hand mentions nobody', async () => {
      const s = org.stack()
      const messageId = `<outside.${randomUUID()}@example.net>`
      await s.deliver(at('service'), [`From: Customer <customer@example.net>`, `To: ${at('service')}`, 'Subject: Outside', `Message-ID: ${messageId}`, `Date: ${new Date().toUTCString()}`, '', 'Hello.', ''].join('\r\n'))
      const eva = await signedIn('eva')
      const inbox = (await eva.service.listFolders(deskOf(eva).id)).find((f) => f.role === 'inbox')!
      const about = { folderId: inbox.id, uid: 1, messageId }
      await note(eva, about, 'a first note, so the folder is there')
      const before = await folderCount()
      const refused = await note(eva, about, `@${at('finn')} and @mallory@example.net, have a look`).then(() => null, (e: unknown) => e)
      expect(refused).toBeInstanceOf(ApiFailure)
      expect((refused as ApiFailure).error).toMatchObject({ code: 'permission.denied', rule: 'R7' })
      expect((refused as ApiFailure).error.message).toContain('mallory@example.net')
      // Twenty-one members in one note: refused too.
      const many = Array.from({ length: 21 }, (_, i) => `@m${i}@${c.domain}`).join(' ')
      await expect(note(eva, about, many)).rejects.toMatchObject({ error: { code: 'request.invalid' } })
      expect(await folderCount()).toBe(before)

      // Eva writes the record herself with raw IMAP: the window's reader counts no outside mention.
      const imap = await imapSession(s, `${at('service')}*${at('eva')}`, passwordOf(s, at('eva')))
      const text = `@mallory@example.net and @${at('finn')}`
      const finn = await signedIn('finn')
      const rawConv = (await note(eva, about, 'the conversation, as the service computes it')).conversationId!
      try {
        const raw = await recordMessage({ v: 1, id: randomUUID(), conv: rawConv, at: Date.now(), by: at('eva'), action: { kind: 'note', note: randomUUID(), text } }, 'Eva Evers', 'x', 'y')
        await imap.append(TEAM_FOLDER, raw, ['\\Seen'])
      } finally { await imap.logout() }
      const d = device(finn)
      await d.sync.pull(deskOf(finn).id)
      const records = d.pages.flatMap((p) => p.records)
      const handWritten = records.find((r) => r.action.kind === 'note' && r.action.text === text)!
      expect(handWritten).toBeDefined()
      expect(mentionsOf(text, inside)).toEqual([at('finn')])
      expect(foldMentions(new Map(), deskOf(finn).id, records, 'mallory@example.net', inside).added).toEqual([])
      d.db.close()
    }, 120_000)
  })
}
