import 'fake-indexeddb/auto'
import { randomUUID } from 'node:crypto'
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { TandemDb } from '../../../renderer/src/cache/db'
import { pack } from '../../../renderer/src/cache/packed'
import { ConversationIndex } from '../../../renderer/src/mail/conversation-index'
import { MailboxTeam } from '../../../renderer/src/sync/team-cache'
import { ThreadingRefetch } from '../../../renderer/src/sync/threading-refetch'
import type { Call } from '../../../renderer/src/queue/tasks/types'
import { conversationIdFromRoot, legacyConversationId, normaliseSubject } from '../../../shared/conversation'
import type { Address } from '../../../shared/domain'
import { mergeTeamStates } from '../../../shared/team/carry-over'
import type { StoredTeamRecord, TeamAction } from '../../../shared/team/records'

/**
 * A device upgraded from the Tandem of before: its cache (summaries keyed by subject and people,
 * team state folded under those keys, a team task still queued) and a team folder whose records
 * name those keys. After the upgrade and the background refetch of References, every
 * conversation shows what the team recorded of its messages: an old key that now spans two
 * conversations gives its state to both; two old keys that meet in one conversation merge, the
 * later record winning.
 */
const MAILBOX = 'shared:support@contoso.test'
const INBOX = `${MAILBOX}|INBOX`
const SENT = `${MAILBOX}|Sent Items`
const elodie = { name: 'Élodie Martin', address: 'elodie.martin@gmail.com' }
const marc = { name: 'Marc Dubois', address: 'marc@fabrikam.example' }
const noor = { name: 'Noor Haddad', address: 'noor@fabrikam.example' }
const desk = { name: 'Contoso Support', address: 'support@contoso.test' }

/** A summary as the code of before cached it: no Sender, References or Thread-Index, a thread key. */
function before(folderId: string, uid: number, m: { messageId: string; inReplyTo?: string; subject: string; from: Address[]; to: Address[]; cc?: Address[]; date: number }) {
  const cc = m.cc ?? []
  const self = 'support@contoso.test'
  const people = [...new Set([...m.from, ...m.to, ...cc].map((a) => a.address.toLowerCase()).filter((a) => a !== self))].sort()
  return {
    id: `${folderId}|${uid}`, folderId, mailboxId: MAILBOX, uid, messageId: m.messageId, inReplyTo: m.inReplyTo ?? null, subject: m.subject,
    from: m.from, to: m.to, cc, date: m.date, size: 100, flags: [], hasAttachments: false,
    threadKey: `${normaliseSubject(m.subject)}|${people.join(',')}`,
  }
}

const rows = {
  starter: before(INBOX, 1, { messageId: '<CAF-start@mail.gmail.com>', subject: 'Printer on fire', from: [elodie], to: [desk], date: 1000 }),
  reply: before(SENT, 1, { messageId: '<r1@contoso.test>', inReplyTo: '<CAF-start@mail.gmail.com>', subject: 'Re: Printer on fire', from: [desk], to: [elodie], date: 2000 }),
  replyAllCc: before(INBOX, 2, { messageId: '<CAF-cc@mail.gmail.com>', inReplyTo: '<r1@contoso.test>', subject: 'Re: Printer on fire', from: [elodie], to: [desk], cc: [marc], date: 3000 }),
  invoiceA: before(INBOX, 3, { messageId: '<inv-a@fabrikam.example>', subject: 'Invoice', from: [noor], to: [desk], date: 4000 }),
  invoiceB: before(INBOX, 4, { messageId: '<inv-b@fabrikam.example>', subject: 'Invoice', from: [noor], to: [desk], date: 5000 }),
}
/** What the server says of their threading (the refetch's answer). */
const onServer: Record<string, [string[], string | null, string | null]> = {
  [rows.starter.id]: [[], null, null],
  [rows.reply.id]: [['Bob Baker', 'bob@contoso.test'], '<CAF-start@mail.gmail.com>', null],
  [rows.replyAllCc.id]: [[], '<CAF-start@mail.gmail.com>', null],
  [rows.invoiceA.id]: [[], null, null],
  [rows.invoiceB.id]: [[], null, null],
}

const printer = conversationIdFromRoot('m:<CAF-start@mail.gmail.com>')
const legacyOf = (r: typeof rows.starter) => legacyConversationId(r)
let uid = 0
const rec = (conv: string, by: string, action: TeamAction): StoredTeamRecord => ({ v: 1, id: randomUUID(), conv, at: 1_764_000_000_000 + uid, by, action, uid: ++uid })

let db: TandemDb | null = null
afterEach(() => { db?.close(); db = null })

/** The cache exactly as the code of before left it (schema version 9). */
async function cacheOfBefore(name: string, teamTask: { conv: string }): Promise<void> {
  const old = new Dexie(`tandem:${name}`)
  old.version(9).stores({
    folders: 'id, mailboxId', bodies: 'id, mailboxId', sync: 'folderId, mailboxId', tasks: '++seq, &id, mailboxId', settings: 'key',
    blocks: '[folderId+block], mailboxId', keys: '[folderId+block], mailboxId, [folderId+maxDate]', tallies: 'folderId, mailboxId',
    teamCursors: 'mailboxId', teamBuckets: '[mailboxId+bucket], mailboxId', teamBriefs: '[mailboxId+bucket], mailboxId',
  })
  await old.open()
  const inbox = [rows.starter, rows.replyAllCc, rows.invoiceA, rows.invoiceB]
  await old.table('blocks').bulkPut([{ folderId: INBOX, block: 0, mailboxId: MAILBOX, rows: inbox }, { folderId: SENT, block: 0, mailboxId: MAILBOX, rows: [rows.reply] }])
  await old.table('keys').bulkPut([
    { folderId: INBOX, block: 0, mailboxId: MAILBOX, uids: inbox.map((r) => r.uid), dates: inbox.map((r) => r.date), maxDate: 5000 },
    { folderId: SENT, block: 0, mailboxId: MAILBOX, uids: [1], dates: [2000], maxDate: 2000 },
  ])
  await old.table('tallies').bulkPut([{ folderId: INBOX, mailboxId: MAILBOX, count: 4 }, { folderId: SENT, mailboxId: MAILBOX, count: 1 }])
  // Team state folded under the keys of before, packed as before (28-digit ids, no UIDs).
  await old.table('teamBriefs').put({ mailboxId: MAILBOX, bucket: '00', briefs: pack({ people: [], convs: legacyOf(rows.starter), assignees: [-1], statuses: ['waiting'], writing: {} }) })
  await old.table('teamCursors').put({ mailboxId: MAILBOX, cursor: { uidValidity: '1', uidNext: 9 }, lastUid: 8 })
  await old.table('tasks').add({ kind: 'team', id: randomUUID(), mailboxId: MAILBOX, status: 'applied', createdAt: 1, attempts: 0, error: null, conv: teamTask.conv, action: { kind: 'status', status: 'open' }, at: 1, locale: 'en' })
  old.close()
}

describe('carrying team state over to conversations from headers', () => {
  it('a cache and a team folder made before: the upgrade, the refetch of References, then every conversation shows what was recorded of its messages', async () => {
    const name = `carry-over.${randomUUID()}`
    await cacheOfBefore(name, { conv: legacyOf(rows.invoiceA) })
    db = new TandemDb(name)
    // The upgrade: summaries get their conversation from what they have; folded team state is read again from the server.
    const upgraded = await db.summaries.folder(INBOX)
    expect(upgraded.every((m) => m.threadingPending && !('threadKey' in m))).toBe(true)
    expect(await db.teamBriefs.count()).toBe(0)
    expect(await db.teamCursors.count()).toBe(0)
    // Until References come, the reply-all is known by its parent only: shown, and said to be pending.
    expect(upgraded.find((m) => m.id === rows.replyAllCc.id)!.conversationId).toBe(conversationIdFromRoot('m:<r1@contoso.test>'))
    // The queued team task now names a message of its conversation for the service to read.
    const task = (await db.tasks.toArray())[0] as unknown as { about: { messageId: string }; conversationId: string; conv?: string }
    expect(task.about.messageId).toBe('<inv-a@fabrikam.example>')
    expect(task.conv).toBeUndefined()

    const asked: number[] = []
    const call = (async (_name: string, input: { folderId: string; uids: number[] }) => {
      asked.push(...input.uids)
      return { rows: input.uids.map((u) => { const t = onServer[`${input.folderId}|${u}`]!; return [u, t[0], t[1], t[2], []] }) }
    }) as unknown as Call
    const progress: unknown[] = []
    await new ThreadingRefetch(db, call, (p) => progress.push(p)).run()
    expect(asked).toHaveLength(5)
    expect(progress.at(-1)).toBeNull()
    const inbox = await db.summaries.folder(INBOX)
    const sent = await db.summaries.folder(SENT)
    expect([...inbox, ...sent].some((m) => m.threadingPending)).toBe(false)
    expect(sent[0]!.sender).toEqual({ name: 'Bob Baker', address: 'bob@contoso.test' })
    expect(new Set([...inbox, ...sent].filter((m) => m.subject.includes('Printer')).map((m) => m.conversationId))).toEqual(new Set([printer]))

    // The team folder as the code of before wrote it: records keyed by subject and people.
    const team = await MailboxTeam.open(db, MAILBOX)
    team.apply([
      rec(legacyOf(rows.starter), 'alice@contoso.test', { kind: 'assign', to: 'alice@contoso.test', expect: null }),
      rec(legacyOf(rows.starter), 'alice@contoso.test', { kind: 'status', status: 'waiting' }),
      // The reply-all with Marc in Cc was another key then: Bob took "it" later and wrote a note.
      rec(legacyOf(rows.replyAllCc), 'bob@contoso.test', { kind: 'assign', to: 'bob@contoso.test', expect: null }),
      rec(legacyOf(rows.replyAllCc), 'bob@contoso.test', { kind: 'note', note: randomUUID(), text: 'Marc is their IT.' }),
      // Both "Invoice" mails were one key: done.
      rec(legacyOf(rows.invoiceA), 'carol@contoso.test', { kind: 'status', status: 'done' }),
    ])
    expect(team.legacy).toBe(true)
    const index = new ConversationIndex(MAILBOX, new Set([INBOX, SENT]), true)
    index.put([...inbox, ...sent])
    const stateOf = (id: string) => mergeTeamStates(id, [id, ...index.legacyIds(id)].map((x) => team.fold.conversations.get(x)))

    // Two keys of before meet in one conversation: the later record wins, nothing is lost.
    const p = stateOf(printer)
    expect(p.assignee).toBe('bob@contoso.test')
    expect(p.status).toBe('waiting')
    expect(p.notes.map((n) => n.text)).toEqual(['Marc is their IT.'])
    expect(p.history.map((e) => [e.by, e.action.kind])).toEqual([
      ['alice@contoso.test', 'assign'], ['alice@contoso.test', 'status'], ['bob@contoso.test', 'assign'], ['bob@contoso.test', 'note'],
    ])
    // One key of before spans two conversations now: each has its state.
    const a = conversationIdFromRoot('m:<inv-a@fabrikam.example>')
    const b = conversationIdFromRoot('m:<inv-b@fabrikam.example>')
    expect(a).not.toBe(b)
    expect(stateOf(a).status).toBe('done')
    expect(stateOf(b).status).toBe('done')
    // A record of today comes after all of them, and wins.
    team.apply([rec(printer, 'dave@contoso.test', { kind: 'assign', to: 'dave@contoso.test' })])
    expect(stateOf(printer).assignee).toBe('dave@contoso.test')
    expect(stateOf(printer).notes).toHaveLength(1)
  })

  it('a queued team action whose conversation no message names any more fails, saying why, instead of recording under a guess', async () => {
    const name = `carry-over.${randomUUID()}`
    await cacheOfBefore(name, { conv: 'f'.repeat(28) })
    db = new TandemDb(name)
    const [task] = await db.tasks.toArray()
    expect(task).toMatchObject({ status: 'failed', error: { code: 'message.gone', key: 'errors.team.messageGone' } })
  })
})
