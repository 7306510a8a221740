import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { DIRECTORY_HEADER, parseDirectoryMessage, type DirectoryEntry } from '../electron/service/session/directory'
import { isDeliveredMail } from '../shared/rules/delivered'
import type { Params } from '../shared/i18n'
import type { AdminConfig } from './config'
import type { Doveadm } from './doveadm'

/**
 * The public namespace's folders tandem-admin writes, as the administrator's account through
 * doveadm: the directory (names, members, grants: what every member's Tandem reads, R2, R3, R7)
 * and the audit (who changed what, when). Their ACLs let only that account write; people may
 * read the directory and nothing of the audit.
 */

export const AUDIT_HEADER = 'X-Tandem-Audit'

/** A message as an administrator's tool appends it: plain JSON body, no delivery trace. */
export function adminMessage(cfg: AdminConfig, header: string, subject: string, body: object): string {
  const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?')
  return [
    `From: Mail administrator <${cfg.adminAccount}>`,
    `Subject: ${ascii(subject)}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${randomUUID()}@${ascii(hostname()) || 'tandem-admin'}>`,
    `${header}: 1`,
    'MIME-Version: 1.0',
    'Content-Type: application/json; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    JSON.stringify(body),
    '',
  ].join('\r\n')
}

interface Fetched { uid: string; hdr: string; body: string }

/** The messages of a public folder carrying a header, oldest first. */
async function fetchWith(doveadm: Doveadm, cfg: AdminConfig, folder: string, header: string): Promise<Fetched[]> {
  const rows = await doveadm.run<Fetched[]>('fetch', {
    user: cfg.adminAccount, field: ['uid', 'hdr', 'body'], query: ['mailbox', folder, 'header', header, ''],
  })
  return rows.sort((a, b) => Number(a.uid) - Number(b.uid))
}

/** The directory as tandem-admin reads it: the newest entry about each address wins, as in Tandem. */
export interface DirectoryState {
  entries: Map<string, { uid: number; entry: DirectoryEntry }>
  domains: string[] | null
  /** The UIDs of every message about an address (DOMAINS_KEY: about the domains), the newest and those it superseded. */
  uids: Map<string, number[]>
}

/** Where DirectoryState.uids keeps the messages about the organisation's domains. */
export const DOMAINS_KEY = '@domains'

/**
 * Reads the directory with the client's own rules (session/directory.ts): delivered mail and
 * encoded bodies are never entries; the newest entry about an address wins.
 */
export async function readDirectoryFolder(doveadm: Doveadm, cfg: AdminConfig): Promise<DirectoryState> {
  const state: DirectoryState = { entries: new Map(), domains: null, uids: new Map() }
  const about = (key: string, uid: number) => state.uids.set(key, [...(state.uids.get(key) ?? []), uid])
  for (const m of await fetchWith(doveadm, cfg, cfg.directory, DIRECTORY_HEADER)) {
    if (isDeliveredMail(m.hdr) || /^content-transfer-encoding:\s*(base64|quoted-printable)/im.test(m.hdr)) continue
    const parsed = parseDirectoryMessage(m.body.trim())
    if (!parsed) continue
    if ('entry' in parsed) {
      state.entries.set(parsed.entry.address, { uid: Number(m.uid), entry: parsed.entry })
      about(parsed.entry.address, Number(m.uid))
    } else {
      state.domains = parsed.domains
      about(DOMAINS_KEY, Number(m.uid))
    }
  }
  return state
}

/**
 * Appends an entry (about one address, or the organisation's domains), then removes the ones it
 * supersedes: members' Tandem reads the newest anyway, and the folder does not grow with every
 * change. In that order, so there is never a moment without one; the audit keeps what they said.
 */
export async function publishEntry(doveadm: Doveadm, cfg: AdminConfig, state: DirectoryState, about: string, entry: DirectoryEntry | { domains: string[] }): Promise<void> {
  await doveadm.run('save', { user: cfg.adminAccount, mailbox: cfg.directory, file: adminMessage(cfg, DIRECTORY_HEADER, `Tandem directory entry for ${about}`, entry) })
  const key = 'domains' in entry ? DOMAINS_KEY : entry.address
  await withdrawEntries(doveadm, cfg, state.uids.get(key) ?? [])
  state.uids.set(key, [])
}

/** Removes messages of the directory by UID (every entry about a shared mailbox removed, superseded ones). */
export async function withdrawEntries(doveadm: Doveadm, cfg: AdminConfig, uids: number[]): Promise<void> {
  if (uids.length) await doveadm.run('expunge', { user: cfg.adminAccount, query: ['mailbox', cfg.directory, 'uid', uids.join(',')] })
}

/** One audit record: who ran what, when, and what it changed (or would have, and why it stopped). */
export interface AuditRecord {
  at: string
  by: { user: string; sudoUser?: string; host: string }
  /** The command line: the command, its arguments and its own options with their values. */
  command: string[]
  /** What was changed, in English. */
  changes: string[]
  /** The same changes as catalogue keys, for `audit` to say them in the reader's language (records before these have none). */
  said?: { key: string; params: Params }[]
  /** Where and why a run stopped, in English. */
  error?: string
  /** The same, as catalogue keys: the change it stopped in, and the error. */
  stop?: { change: { key: string; params: Params }; code: string; params: Params; phrases: Record<string, { key: string; params?: Params }>; reply: string | null }
}

export async function appendAudit(doveadm: Doveadm, cfg: AdminConfig, record: AuditRecord): Promise<void> {
  const subject = `tandem-admin ${record.command.join(' ')}${record.error ? ' (stopped)' : ''}`
  await doveadm.run('save', { user: cfg.adminAccount, mailbox: cfg.audit, file: adminMessage(cfg, AUDIT_HEADER, subject, record) })
}

/** The newest audit records, newest first. */
export async function readAudit(doveadm: Doveadm, cfg: AdminConfig, limit: number): Promise<AuditRecord[]> {
  const out: AuditRecord[] = []
  for (const m of (await fetchWith(doveadm, cfg, cfg.audit, AUDIT_HEADER)).reverse()) {
    if (out.length >= limit) break
    if (isDeliveredMail(m.hdr)) continue
    try { out.push(JSON.parse(m.body.trim()) as AuditRecord) } catch { /* not a record */ }
  }
  return out
}
