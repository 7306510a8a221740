import type { ImapFlow } from 'imapflow'
import MailComposer from 'nodemailer/lib/mail-composer'
import PostalMime from 'postal-mime'
import { fail } from '../../../shared/api/errors'
import { dropped, openedMailbox } from './sync'
import { uidSets } from '../imap/uid-sets'
import { formatIn, type Locale } from '../../../shared/i18n'
import { BATCH_HEADER } from '../../../shared/team/batches'
import { MAX_RECORD_BYTES, parseTeamRecord, serialiseTeamRecord, type StoredTeamRecord, type TeamRecord } from '../../../shared/team/records'
import { DELIVERY_TRACE_FIELDS, isDeliveredMail } from '../../../shared/rules/delivered'

/**
 * The folder of a shared mailbox that holds its team state (docs/team-state.md), by this name
 * at the top of the mailbox: the same for every member and every client, so it is not
 * translated. An administrator may create it with append-only rights for members (lrsi);
 * otherwise the first member who records something creates it, where the server lets them.
 */
export const TEAM_FOLDER = 'Tandem Team'

/** Where the record's JSON starts in its text: everything before it is for people. */
const MARKER = '-----BEGIN TANDEM TEAM RECORD-----'
const END = '-----END TANDEM TEAM RECORD-----'

/** Records read per call: the rest comes with the next (the renderer asks again while `more`). */
export const TEAM_PAGE = 5000

/** Where a read of the team folder stopped; `chain`: inside the chain of batches (team-batches.ts). */
export interface TeamCursor { uidValidity: string; uidNext: number; chain?: true }
export interface TeamPage {
  cursor: TeamCursor
  records: StoredTeamRecord[]
  more: boolean
  skipped: number
  /** The folder's UIDVALIDITY changed (or nothing was read before): fold from these alone. */
  reset: boolean
}

/** The team folder's path: at the top of the mailbox as this session sees it, in the server's layout. */
export function teamFolderPath(client: ImapFlow, prefix: string | null): string {
  return (prefix ?? client.namespaces?.personal?.[0]?.prefix ?? '') + TEAM_FOLDER
}

/** Whether the team folder exists; creates it when `create` and the server lets this member. */
export async function ensureTeamFolder(client: ImapFlow, path: string, create: boolean): Promise<boolean> {
  const there = async () => (await client.list()).some((f) => f.path === path)
  if (await there()) return true
  if (!create) return false
  try {
    await client.mailboxCreate(path)
    return true
  } catch {
    // A dropped connection is not a refusal; and another member may have just created it.
    dropped(client)
    if (await there()) return true
    throw fail({ code: 'permission.denied', key: 'errors.team.noFolder', params: { folder: TEAM_FOLDER } })
  }
}

/**
 * A record as a message: a sentence for people who open the folder in another client, then
 * the record itself between markers, in ASCII. \Seen, so no client counts it as unread; it is
 * appended, never sent, so it never leaves the organisation's server.
 */
export async function recordMessage(r: TeamRecord, fromName: string, subject: string, text: string): Promise<Buffer> {
  const json = serialiseTeamRecord(r)
  return new MailComposer({
    from: { name: fromName, address: r.by },
    subject,
    date: new Date(r.at),
    messageId: recordMessageId(r.id),
    headers: {
      'X-Tandem-Team': String(r.v),
      'Auto-Submitted': 'auto-generated',
      // The record again, base64 in a header: FETCH of one header field is what a read asks for
      // (a fraction of the message, nothing to decode but base64). The text keeps it for people,
      // and for a server that drops headers it does not know.
      [RECORD_HEADER]: { prepared: true, value: foldBase64(Buffer.from(json).toString('base64')) },
    },
    text: `${text}\n\n${MARKER}\n${json}\n${END}\n`,
  }).compile().build()
}

/** What a record says to a person who opens the folder in another client: its subject and text. */
export function recordSentence(r: TeamRecord, byName: string, locale: Locale): { subject: string; text: string } {
  const by = byName || r.by
  const subject = ((a) => {
    switch (a.kind) {
      case 'assign':
        if (a.to === null) return formatIn(locale, 'team.record.unassigned', { by })
        return a.expect !== undefined && a.to === r.by ? formatIn(locale, 'team.record.claimed', { by }) : formatIn(locale, 'team.record.assigned', { by, to: a.to })
      case 'status': return formatIn(locale, 'team.record.status', { by, status: formatIn(locale, `team.status.${a.status}`) })
      case 'writing': return formatIn(locale, a.until > 0 ? 'team.record.writing' : 'team.record.writingStopped', { by })
      case 'deleted': return formatIn(locale, 'team.record.deleted', { by, count: a.count })
      default: return formatIn(locale, `team.record.${a.kind}`, { by })
    }
  })(r.action)
  return { subject, text: `${subject}.\n\n${formatIn(locale, 'team.record.explain')}` }
}

/** The Message-ID a record's message carries: its id, so a replayed record is found, not appended twice. */
export const recordMessageId = (id: string): string => `<${id}@team.tandem.invalid>`

/** The header a record's message carries it in. */
const RECORD_HEADER = 'X-Tandem-Record'
/** Base64 in header lines of 76 characters (RFC 5322 folding: CRLF and a space). */
const foldBase64 = (b64: string): string => (b64.match(/.{1,76}/g) ?? ['']).join('\r\n ')

/** The record in a message's header field (as FETCHed: "X-Tandem-Record: …", folded), or null. */
export function recordOfHeader(header: Buffer | string | undefined): TeamRecord | null {
  const text = String(header ?? '')
  const at = text.toLowerCase().indexOf(RECORD_HEADER.toLowerCase() + ':')
  if (at < 0) return null
  const b64 = text.slice(at + RECORD_HEADER.length + 1).replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/=]*$/.test(b64) || b64.length > MAX_RECORD_BYTES * 2) return null
  return parseTeamRecord(Buffer.from(b64, 'base64').toString('utf8'))
}

const isBatch = (header: Buffer | undefined): boolean => String(header ?? '').toLowerCase().includes(BATCH_HEADER.toLowerCase() + ':')

/** The record in a message's source, or null when it holds none (a hostile or foreign message). */
export async function recordOf(source: Buffer): Promise<TeamRecord | null> {
  const mail = await PostalMime.parse(source).catch(() => null)
  const text = mail?.text ?? ''
  const start = text.indexOf(MARKER)
  const end = text.indexOf(END, start + MARKER.length)
  if (start < 0 || end < 0) return null
  return parseTeamRecord(text.slice(start + MARKER.length, end).trim())
}

/** Appends one record; the server's UID for it, when it tells (UIDPLUS). */
export async function appendTeamRecord(client: ImapFlow, path: string, message: Buffer): Promise<number | null> {
  const res = await client.append(path, message, ['\\Seen'])
  return res && typeof res === 'object' && typeof res.uid === 'number' ? res.uid : null
}

/**
 * Records from the cursor on (all of them after a UIDVALIDITY change: `reset`), at most
 * `pageSize`, in UID order. A message that is not a well-formed record is skipped and counted;
 * the record's author is what it says (any member can append to the folder: docs/team-state.md).
 */
export async function readTeamRecords(client: ImapFlow, path: string, since: TeamCursor | null, pageSize = TEAM_PAGE): Promise<TeamPage> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    // As in a folder sync: NOOP so this session's view is the server's now.
    await client.noop()
    const mb = openedMailbox(client, path)
    const uidValidity = String(mb.uidValidity)
    const reset = !since || since.uidValidity !== uidValidity
    const from = reset ? 1 : since.uidNext
    const found = mb.exists > 0 ? await client.search({ uid: `${from}:*` }, { uid: true }) : []
    // "n:*" names the highest message also when all are below n.
    const uids = (found || []).filter((u) => u >= from).sort((a, b) => a - b)
    const page = uids.slice(0, pageSize)
    const records: StoredTeamRecord[] = []
    let skipped = 0
    if (page.length) {
      // The record's header field for each; the whole (small) message only where that is missing.
      const whole: number[] = []
      for (const set of uidSets(page)) {
        for await (const m of client.fetch(set, { uid: true, headers: [RECORD_HEADER, BATCH_HEADER, ...DELIVERY_TRACE_FIELDS] }, { uid: true })) {
          // Delivered mail is never a record (a detail address filed into this folder: anyone can send one).
          if (isDeliveredMail(String(m.headers ?? ''))) { skipped++; continue }
          const r = recordOfHeader(m.headers)
          // A batch (team-batches.ts) is not a record: the records it copies are read on their own.
          if (!r && isBatch(m.headers)) continue
          if (r) records.push({ ...r, uid: m.uid })
          else whole.push(m.uid)
        }
      }
      dropped(client)
      if (whole.length) {
        for (const set of uidSets(whole)) {
          for await (const m of client.fetch(set, { uid: true, source: { maxLength: MAX_SOURCE } }, { uid: true })) {
            const r = m.source && m.source.length < MAX_SOURCE && !isDeliveredMail(m.source.toString('latin1')) ? await recordOf(m.source) : null
            if (r) records.push({ ...r, uid: m.uid })
            else skipped++
          }
        }
        dropped(client)
      }
    }
    records.sort((a, b) => a.uid - b.uid)
    const more = uids.length > page.length
    const uidNext = more ? page.at(-1)! + 1 : Math.max(mb.uidNext, (page.at(-1) ?? 0) + 1, from)
    return { cursor: { uidValidity, uidNext }, records, more, skipped, reset }
  } finally {
    lock.release()
  }
}

/** A record's message is small; anything bigger is not one (and is not read whole). */
const MAX_SOURCE = 128 * 1024
