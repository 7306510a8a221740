import { createHash } from 'node:crypto'
import type { ImapFlow } from 'imapflow'
import { memberOfFolderName } from '../../../shared/team/authors'
import { serialiseTeamRecord, type TeamRecord } from '../../../shared/team/records'
import type { BatchInfo } from '../../../shared/team/batches'
import { myRights } from '../imap/raw'
import { dropped } from './sync'
import { fetchInSets } from '../imap/uid-sets'
import { headerFields, MAX_RECORD_MESSAGE, TEAM_FIELDS, teamMessageKind, turns } from './team'

/**
 * Who wrote a team record (docs/team-state.md, "Authors"). Anyone who may append to the team
 * folder can write any `by`, so an author is *claimed* — unless the administrator gave each
 * member a folder of their own under the team folder, where only that member may insert: then a
 * member's Tandem puts a copy of each record (and batch) it appends there first, and a record is
 * *confirmed* to be by `by` when its copy is in `by`'s folder. Nothing here changes the state a
 * record makes (the log's order decides that for everyone); it decides whose name is shown as
 * fact, which author R10's audit may name, and who may be named as the writer of a false batch.
 */

// One place names member folders, for the app and for tandem-admin, which makes them.
export { memberFolderName, memberOfFolderName } from '../../../shared/team/authors'

/** Rights that let a person make, rename or remove folders, or change rights: no member may have them here. */
const ADMIN_RIGHTS = /[kxa]/

/**
 * How authors can be told in a team folder, as this member's rights show it: `confirmed` when
 * every member folder is there as the administrator guide sets it up — the member may not create
 * or remove folders under the team folder (no k, x, a), may insert into their own folder, and
 * into no one else's. Anything else (no ACL extension, as on Exchange Online; no folder of one's
 * own; a right too many) is `claimed`: a setup one member cannot check in full is not trusted.
 * (A member sees only their own rights; the administrator's template gives every member alike.)
 */
export interface AuthorSetup {
  mode: 'confirmed' | 'claimed'
  /** Each member's folder, by address (the members the administrator set up). */
  folders: Map<string, string>
  /** Why it is `claimed`, for the log. */
  why?: string
}

export async function authorSetup(client: ImapFlow, teamPath: string, me: string): Promise<AuthorSetup> {
  const claimed = (why: string): AuthorSetup => ({ mode: 'claimed', folders: new Map(), why })
  if (!client.capabilities.has('ACL')) return claimed('the server has no ACL extension')
  const listed = await client.list()
  const log = listed.find((f) => f.path === teamPath)
  const sep = log?.delimiter
  if (!log || !sep) return claimed('no team folder')
  const folders = new Map<string, string>()
  for (const f of listed) {
    if (!f.path.startsWith(teamPath + sep)) continue
    const name = f.path.slice(teamPath.length + sep.length)
    const member = name.includes(sep) ? null : memberOfFolderName(name)
    if (member) folders.set(member, f.path)
  }
  const mine = folders.get(me.toLowerCase())
  if (!mine) return claimed(folders.size ? `no folder for ${me}` : 'no member folders')
  const parent = (await myRights(client, teamPath)) ?? ''
  if (ADMIN_RIGHTS.test(parent)) return claimed(`rights ${parent} on the team folder`)
  for (const [member, path] of folders) {
    const rights = (await myRights(client, path)) ?? ''
    if (ADMIN_RIGHTS.test(rights)) return claimed(`rights ${rights} on ${path}`)
    if ((member === me.toLowerCase()) !== rights.includes('i')) return claimed(`rights ${rights} on ${path}`)
  }
  return { mode: 'confirmed', folders }
}

/** The UIDs in a folder of messages with these Message-IDs (a SEARCH of 50 at a time). */
async function withMessageIds(client: ImapFlow, path: string, messageIds: string[]): Promise<number[]> {
  const out: number[] = []
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    await client.noop()
    for (let i = 0; i < messageIds.length; i += 50) {
      const ids = messageIds.slice(i, i + 50)
      const query = ids.length === 1 ? { header: { 'message-id': ids[0]! } } : { or: ids.map((id) => ({ header: { 'message-id': id } })) }
      out.push(...((await client.search(query, { uid: true })) || []))
    }
  } finally {
    lock.release()
  }
  return out
}

/** The records of these UIDs of a folder (those that are records, of a record's size at most). */
async function recordsAt(client: ImapFlow, path: string, uids: number[]): Promise<Map<number, TeamRecord>> {
  const out = new Map<number, TeamRecord>()
  if (!uids.length) return out
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const small: number[] = []
    for await (const m of fetchInSets(client, [...new Set(uids)].sort((a, b) => a - b), { uid: true, size: true })) if ((m.size ?? 0) <= MAX_RECORD_MESSAGE) small.push(m.uid)
    if (small.length) {
      const turn = turns()
      for await (const m of fetchInSets(client, small, { uid: true, headers: TEAM_FIELDS })) {
        await turn()
        const kind = teamMessageKind(headerFields(m.headers), 0)
        if (kind.kind === 'record') out.set(m.uid, kind.record)
      }
    }
    dropped(client)
  } finally {
    lock.release()
  }
  return out
}

const recordMessageIdOf = (id: string) => `<${id}@team.tandem.invalid>`

/**
 * Which of these records of the team folder (by UID, with the id and author the window folded)
 * are confirmed: the log holds that very record at that UID, and its author's folder holds the
 * same record. Everything else — another record at that UID, no copy, a copy that differs — is not.
 */
export async function confirmedRecords(client: ImapFlow, teamPath: string, setup: AuthorSetup, asked: { uid: number; id: string; by: string }[]): Promise<string[]> {
  if (setup.mode !== 'confirmed' || !asked.length) return []
  const log = await recordsAt(client, teamPath, asked.map((a) => a.uid))
  const byAuthor = new Map<string, TeamRecord[]>()
  for (const a of asked) {
    const r = log.get(a.uid)
    if (!r || r.id !== a.id || r.by !== a.by || !setup.folders.has(r.by)) continue
    byAuthor.set(r.by, [...(byAuthor.get(r.by) ?? []), r])
  }
  const confirmed: string[] = []
  for (const [author, records] of byAuthor) {
    const folder = setup.folders.get(author)!
    const copies = await recordsAt(client, folder, await withMessageIds(client, folder, records.map((r) => recordMessageIdOf(r.id))))
    const held = new Set([...copies.values()].filter((c) => c.by === author).map((c) => serialiseTeamRecord(c)))
    for (const r of records) if (held.has(serialiseTeamRecord(r))) confirmed.push(r.id)
  }
  return confirmed
}

/** The digest a batch's Message-ID carries of its gzip bytes (team-batches.ts batchMessage). */
export const batchDigest = (zipped: Buffer): string => createHash('sha256').update(zipped).digest('hex').slice(0, 32)

/**
 * Which of these batches were appended by who their From says: the batch's Message-ID carries
 * the digest of the very gzip bytes it holds, and that Message-ID is in its author's folder (the
 * author's Tandem put it there before appending the batch). A batch whose bytes another member
 * changed keeps the Message-ID, not the digest.
 */
export async function confirmedBatchAuthors(client: ImapFlow, teamPath: string, setup: AuthorSetup, batches: (BatchInfo & { messageId: string | null; zipped: Buffer | null })[]): Promise<Set<number>> {
  const out = new Set<number>()
  if (setup.mode !== 'confirmed') return out
  for (const b of batches) {
    const folder = setup.folders.get(b.by)
    const digest = /^<batch-\d+-\d+-([0-9a-f]{32})@team\.tandem\.invalid>$/.exec(b.messageId ?? '')?.[1]
    if (!folder || !digest || !b.zipped || batchDigest(b.zipped) !== digest) continue
    if ((await withMessageIds(client, folder, [b.messageId!])).length) out.add(b.uid)
  }
  return out
}
