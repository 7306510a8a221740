import type { ImapFlow } from 'imapflow'
import type { BatchInfo } from '../../../shared/team/batches'
import { serialiseTeamRecord, type StoredTeamRecord } from '../../../shared/team/records'
import { fromTeamWire } from '../../../shared/team/wire'
import { dropped } from './sync'
import { headerFields, headerStart, readTeamRecords, TEAM_PAGE, type TeamCursor } from './team'
import { LISTED_HEADER_BYTES, listBatches, loadBatches, zippedAlone } from './team-batches'

/**
 * Batches checked against the log they copy (docs/team-state.md, "Batches", "Trust"): a batch is
 * any member's word, so a device that started from batches, and a service before it writes one,
 * reads every record they cover and compares. One batch and one page in memory at a time.
 */

/**
 * The log's own records from `from` on, in pages, up to `upto` and at most `limit` of them (what
 * a batch covering them must hold, or the records a new batch takes).
 */
export async function logRecords(client: ImapFlow, path: string, uidValidity: string, from: number, upto: number, limit = Number.MAX_SAFE_INTEGER): Promise<StoredTeamRecord[]> {
  const out: StoredTeamRecord[] = []
  let since: TeamCursor = { uidValidity, uidNext: from }
  for (;;) {
    const page = await readTeamRecords(client, path, since, Math.max(1, Math.min(TEAM_PAGE, upto - since.uidNext + 1, limit - out.length + 1)))
    if (page.reset) throw new Error('the team folder was made anew')
    for (const r of page.records) if (r.uid <= upto && out.length < limit) out.push(r)
    since = page.cursor
    if (!page.more || since.uidNext > upto || out.length >= limit) return out
  }
}

/** Whether a batch's records are exactly the log's in its range: read page by page, stopped at the first difference. */
async function agreesWithLog(client: ImapFlow, path: string, uidValidity: string, b: BatchInfo, batch: StoredTeamRecord[]): Promise<{ agrees: boolean; compared: number }> {
  let i = 0
  let since: TeamCursor = { uidValidity, uidNext: b.from }
  for (;;) {
    const page = await readTeamRecords(client, path, since, Math.max(1, Math.min(TEAM_PAGE, b.upto - since.uidNext + 1)))
    if (page.reset) throw new Error('the team folder was made anew')
    for (const r of page.records) {
      if (r.uid > b.upto) break
      const a = batch[i]
      if (!a || a.uid !== r.uid || !sameRecord(a, r)) return { agrees: false, compared: i }
      i++
    }
    since = page.cursor
    if (!page.more || since.uidNext > b.upto) return { agrees: i === batch.length, compared: i }
  }
}

function sameRecord(a: StoredTeamRecord, b: StoredTeamRecord): boolean {
  const { uid: _a, ...ra } = a
  const { uid: _b, ...rb } = b
  return serialiseTeamRecord(ra) === serialiseTeamRecord(rb)
}

/**
 * Checks batches against the records they copy: the batches (by UID) that differ from the log
 * in any record — one left out, added or changed — or cannot be read, or are not in the folder
 * as batches at all. One batch at a time, each compared page by page with the log and stopped at
 * its first difference: however many batches are asked about, the memory is one batch and one
 * page. This reads every record they cover, which is what a device that starts from batches
 * does in the background.
 */
/** A batch's Message-ID and gzip bytes as the folder holds them: what confirms who appended it (team-authors.ts). */
export async function batchEvidence(client: ImapFlow, path: string, b: BatchInfo): Promise<{ messageId: string | null; zipped: Buffer | null }> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    let messageId: string | null = null
    for await (const m of client.fetch(String(b.uid), { uid: true, bodyParts: [headerStart(LISTED_HEADER_BYTES)] }, { uid: true })) messageId = headerFields(m.headers).get('message-id') ?? null
    const zipped = await zippedAlone(client, b).catch(() => { dropped(client); return null })
    return { messageId, zipped }
  } finally {
    lock.release()
  }
}

export async function verifyBatches(client: ImapFlow, path: string, uids: number[]): Promise<{ bad: BatchInfo[]; checked: number }> {
  const listed = await listBatches(client, path)
  const asked = new Set(uids)
  const wanted = listed.batches.filter((b) => asked.has(b.uid)).sort((a, b) => a.from - b.from)
  const bad: BatchInfo[] = []
  let checked = 0
  for (const b of wanted) {
    const wire = (await loadBatches(client, path, [b])).get(b.uid)
    if (!wire) { bad.push(b); continue }
    const { agrees, compared } = await agreesWithLog(client, path, listed.uidValidity, b, fromTeamWire(wire))
    checked += compared
    if (!agrees) bad.push(b)
  }
  // Asked about but not a batch there (any more): nothing to start from, and nothing to trust.
  const seen = new Set(wanted.map((b) => b.uid))
  for (const u of uids) if (!seen.has(u)) bad.push({ uid: u, from: 1, upto: 1, records: 1, by: '' })
  return { bad, checked }
}
