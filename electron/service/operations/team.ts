import { setImmediate as nextTurn } from 'node:timers/promises'
import type { ImapFlow } from 'imapflow'
import MailComposer from 'nodemailer/lib/mail-composer'
import PostalMime from 'postal-mime'
import { fail } from '../../../shared/api/errors'
import { dropped, openedMailbox } from './sync'
import { fetchInSets } from '../imap/uid-sets'
import { formatIn, type Locale } from '../../../shared/i18n'
import { BATCH_HEADER } from '../../../shared/team/batches'
import { MAX_RECORD_BYTES, parseTeamRecord, serialiseTeamRecord, TEAM_FOLDER, type StoredTeamRecord, type TeamRecord } from '../../../shared/team/records'
import { DELIVERY_TRACE_FIELDS } from '../../../shared/rules/delivered'

// The team folder's name is in shared/: tandem-admin, which prepares it, uses the same.
export { TEAM_FOLDER }

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
      case 'snooze': {
        // The service's time zone is no one's in particular: the wake time in UTC, said so.
        const until = a.until === null ? '' : `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(a.until)} UTC`
        return formatIn(locale, a.until === null ? 'team.record.snoozeReply' : a.onReply ? 'team.record.snoozeBoth' : 'team.record.snooze', { by, until })
      }
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

/**
 * Team state kept beside the records (the shared signature, a saved reply) as a message for the
 * team folder: a sentence for people who open the folder in another client, and the JSON base64
 * in `header`, what a read FETCHes. \Seen and appended, never sent. Text only: the HTML a member
 * wrote is not rendered from here by any client.
 */
export function headerJsonMessage(m: { header: string; json: string; v: number; by: string; at: number; messageId: string; fromName: string; subject: string; explain: string; attachments?: { filename: string; contentType: string; content: Buffer }[] }): Promise<Buffer> {
  return new MailComposer({
    ...(m.attachments?.length ? { attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content, contentDisposition: 'attachment' as const })) } : {}),
    from: { name: m.fromName, address: m.by },
    subject: m.subject,
    date: new Date(m.at),
    messageId: m.messageId,
    headers: {
      'X-Tandem-Team': String(m.v),
      'Auto-Submitted': 'auto-generated',
      [m.header]: { prepared: true, value: foldBase64(Buffer.from(m.json).toString('base64')) },
    },
    text: `${m.subject}.\n\n${m.explain}\n`,
  }).compile().build()
}

/**
 * The most a record's message can be: its JSON (MAX_RECORD_BYTES) in base64 in a header and
 * again in its text, and a sentence. Anything bigger in the team folder is not a record and is
 * never fetched whole.
 */
export const MAX_RECORD_MESSAGE = 192 * 1024
/**
 * About what one read of the team folder fetches at most, counted by the messages' sizes: the
 * header fields of those that could be records, and — as much again — the few whole messages
 * whose record header a server dropped. A page ends where this is spent (at least one message a
 * page), so a folder of hostile messages costs bounded memory per read, however many there are.
 * 5 000 honest records (~1.5 KB each) fit.
 */
export const PAGE_BYTES = 8 * 1024 * 1024

/**
 * The header fields read of every message in the team folder that could be a record (no bigger
 * than MAX_RECORD_MESSAGE: a FETCH of them brings no more than that), and the one place that
 * says what a message there is (`teamMessageKind`). Record and batch headers, and the
 * Message-ID: a record whose header a server dropped is still known by it; and the trace fields
 * delivery stamps (shared/rules/delivered.ts): mail that came by delivery is never team state.
 */
export const TEAM_FIELDS = [RECORD_HEADER, BATCH_HEADER, 'Message-ID', ...DELIVERY_TRACE_FIELDS]

/** Header fields as FETCHed ("Name: value", folded), by lower-case name. */
export function headerFields(raw: Buffer | string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of String(raw ?? '').replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const at = line.indexOf(':')
    if (at > 0) out.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim())
  }
  return out
}

/**
 * The first bytes of a message's header section (BODY.PEEK[HEADER]<0.n>): for messages too big
 * to be records (batches, or anything else), whose header fields could be of any size.
 */
export const headerStart = (maxLength: number) => ({ key: 'HEADER', maxLength })

/**
 * What a message of the team folder is, from its header fields and size: a record (checked
 * against the record's schema), a batch (read apart, team-batches.ts), one whose record header
 * may have been dropped by a server (Tandem's Message-ID, small enough: its text is read), or
 * anything else (never read further). Every read of the folder decides here.
 */
export type TeamMessageKind = { kind: 'record'; record: TeamRecord } | { kind: 'batch' } | { kind: 'text' } | { kind: 'other' }
export function teamMessageKind(fields: Map<string, string>, size: number): TeamMessageKind {
  // Delivered mail (a detail address filed into the team folder: anyone can send one) is never a record or batch.
  if (DELIVERY_TRACE_FIELDS.some((f) => fields.has(f))) return { kind: 'other' }
  const header = fields.get(RECORD_HEADER.toLowerCase())
  if (header !== undefined) {
    const record = recordOfHeaderValue(header)
    return record ? { kind: 'record', record } : { kind: 'other' }
  }
  if (fields.has(BATCH_HEADER.toLowerCase())) return { kind: 'batch' }
  if (size <= MAX_RECORD_MESSAGE && /@team\.tandem\.invalid>\s*$/i.test(fields.get('message-id') ?? '')) return { kind: 'text' }
  return { kind: 'other' }
}

/** The record in a message's header field (as FETCHed: "X-Tandem-Record: …", folded), or null. */
export function recordOfHeader(header: Buffer | string | undefined): TeamRecord | null {
  const value = headerFields(header).get(RECORD_HEADER.toLowerCase())
  return value === undefined ? null : recordOfHeaderValue(value)
}

function recordOfHeaderValue(value: string): TeamRecord | null {
  const b64 = value.replace(/\s+/g, '')
  if (b64.length > Math.ceil(MAX_RECORD_BYTES / 3) * 4 || !/^[A-Za-z0-9+/=]*$/.test(b64)) return null
  return parseTeamRecord(Buffer.from(b64, 'base64').toString('utf8'))
}

/** The record in a message's source, or null when it holds none (a hostile or foreign message). */
export async function recordOf(source: Buffer): Promise<TeamRecord | null> {
  if (source.length > MAX_RECORD_MESSAGE) return null
  const mail = await PostalMime.parse(source).catch(() => null)
  const text = mail?.text ?? ''
  const start = text.indexOf(MARKER)
  const end = text.indexOf(END, start + MARKER.length)
  if (start < 0 || end < 0) return null
  return parseTeamRecord(text.slice(start + MARKER.length, end).trim())
}

/**
 * Gives the service's other work a turn every `every` messages of a long FETCH: imapflow hands
 * over messages it has already parsed as microtasks, so a page of hundreds would otherwise hold
 * the event loop from its first to its last (measured: up to 1.2 s on a hostile folder).
 */
export function turns(every = 32): () => Promise<void> {
  let n = 0
  return async () => { if (++n % every === 0) await nextTurn() }
}

/**
 * One FETCH asks for about this much (by the messages' sizes), and sizes this many at a time:
 * imapflow parses a whole answer without giving the event loop a turn, so a FETCH of many
 * large messages held it for half a second; these keep each under a few tens of milliseconds,
 * at a round trip per ~700 honest records.
 */
const FETCH_BYTES = 1024 * 1024
const SIZES_AT_ONCE = 1000

/** UIDs in groups whose sizes add up to about `bytes` (at least one a group), in order. */
export function bySize(uids: readonly number[], sizes: ReadonlyMap<number, number>, bytes: number): number[][] {
  const out: number[][] = []
  let group: number[] = []
  let sum = 0
  for (const u of uids) {
    const size = sizes.get(u) ?? 0
    if (group.length && sum + size > bytes) { out.push(group); group = []; sum = 0 }
    group.push(u)
    sum += size
  }
  if (group.length) out.push(group)
  return out
}

/** Appends one record; the server's UID for it, when it tells (UIDPLUS). */
export async function appendTeamRecord(client: ImapFlow, path: string, message: Buffer): Promise<number | null> {
  const res = await client.append(path, message, ['\\Seen'])
  return res && typeof res === 'object' && typeof res.uid === 'number' ? res.uid : null
}

/**
 * Records from the cursor on (all of them after a UIDVALIDITY change: `reset`), at most
 * `pageSize` messages and PAGE_BYTES fetched, in UID order. A message that is not a well-formed
 * record is skipped and counted, read no further than its header fields; the record's author is
 * what it says (any member can append to the folder: docs/team-state.md).
 */
export async function readTeamRecords(client: ImapFlow, path: string, since: TeamCursor | null, pageSize = TEAM_PAGE, pageBytes = PAGE_BYTES): Promise<TeamPage> {
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
    const candidates = uids.slice(0, pageSize)
    const records: StoredTeamRecord[] = []
    const skipped: number[] = []
    // The page: as many messages as fit PAGE_BYTES (sizes first: one short FETCH). Of those no
    // bigger than a record can be, the header fields; then the whole of the few whose record
    // header is missing, while they fit. Bigger ones are not records and are not read at all.
    let page = candidates
    let end: number | null = null
    if (candidates.length) {
      const sizes = new Map<number, number>()
      for (let i = 0; i < candidates.length; i += SIZES_AT_ONCE) {
        for await (const m of fetchInSets(client, candidates.slice(i, i + SIZES_AT_ONCE), { uid: true, size: true })) sizes.set(m.uid, m.size ?? 0)
        dropped(client)
      }
      let spent = 0
      let n = 0
      const small = (u: number) => (sizes.get(u) ?? Number.MAX_SAFE_INTEGER) <= MAX_RECORD_MESSAGE
      for (const u of candidates) {
        const cost = small(u) ? sizes.get(u)! : 0
        if (n > 0 && spent + cost > pageBytes) break
        spent += cost
        n++
      }
      page = candidates.slice(0, n)
      for (const u of page) if (!small(u)) skipped.push(u)
      const text: number[] = []
      const fetched = page.filter(small)
      const turn = turns()
      for (const group of bySize(fetched, sizes, FETCH_BYTES)) {
        for await (const m of fetchInSets(client, group, { uid: true, headers: TEAM_FIELDS })) {
          await turn()
          const kind = teamMessageKind(headerFields(m.headers), sizes.get(m.uid) ?? Number.MAX_SAFE_INTEGER)
          // A batch (team-batches.ts) is not a record: the records it copies are read on their own.
          if (kind.kind === 'record') records.push({ ...kind.record, uid: m.uid })
          else if (kind.kind === 'text') text.push(m.uid)
          else if (kind.kind === 'other') skipped.push(m.uid)
        }
        dropped(client)
      }
      // Their sources have a budget of their own, as big again: the page ends before the first of
      // them that does not fit it (what was read after it is read again with the next page).
      text.sort((a, b) => a - b)
      const fit: number[] = []
      let whole = 0
      for (const u of text) {
        const size = sizes.get(u) ?? 0
        if (whole + size > pageBytes && u !== page[0]) { end = u; break }
        whole += size
        fit.push(u)
      }
      if (fit.length) {
        const each = turns(1)
        for await (const m of fetchInSets(client, fit, { uid: true, source: { maxLength: MAX_RECORD_MESSAGE } })) {
          await each()
          const r = m.source ? await recordOf(m.source) : null
          if (r) records.push({ ...r, uid: m.uid })
          else skipped.push(m.uid)
        }
        dropped(client)
      }
    }
    const cut = end ?? Number.MAX_SAFE_INTEGER
    if (end !== null) page = page.filter((u) => u < cut)
    const kept = records.filter((r) => r.uid < cut).sort((a, b) => a.uid - b.uid)
    const more = uids.length > page.length
    const uidNext = more ? (end ?? page.at(-1)! + 1) : Math.max(mb.uidNext, (page.at(-1) ?? 0) + 1, from)
    return { cursor: { uidValidity, uidNext }, records: kept, more, skipped: skipped.filter((u) => u < cut).length, reset }
  } finally {
    lock.release()
  }
}

