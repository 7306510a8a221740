import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { DIRECTORY_HEADER, parseDirectoryMessage, type DirectoryEntry } from '../electron/service/session/directory'
import { isDeliveredMail } from '../shared/rules/delivered'
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
}

/**
 * Reads the directory with the client's own rules (session/directory.ts): delivered mail and
 * encoded bodies are never entries; the newest entry about an address wins.
 */
export async function readDirectoryFolder(doveadm: Doveadm, cfg: AdminConfig): Promise<DirectoryState> {
  const state: DirectoryState = { entries: new Map(), domains: null }
  for (const m of await fetchWith(doveadm, cfg, cfg.directory, DIRECTORY_HEADER)) {
    if (isDeliveredMail(m.hdr) || /^content-transfer-encoding:\s*(base64|quoted-printable)/im.test(m.hdr)) continue
    const parsed = parseDirectoryMessage(m.body.trim())
    if (!parsed) continue
    if ('entry' in parsed) state.entries.set(parsed.entry.address, { uid: Number(m.uid), entry: parsed.entry })
    else state.domains = parsed.domains
  }
  return state
}

/** Appends an entry (about one address, or the organisation's domains): the newest wins. */
export async function publishEntry(doveadm: Doveadm, cfg: AdminConfig, about: string, entry: DirectoryEntry | { domains: string[] }): Promise<void> {
  await doveadm.run('save', { user: cfg.adminAccount, mailbox: cfg.directory, file: adminMessage(cfg, DIRECTORY_HEADER, `Tandem directory entry for ${about}`, entry) })
}

/** Removes every entry about an address (a shared mailbox removed); the audit keeps what they said. */
export async function withdrawEntries(doveadm: Doveadm, cfg: AdminConfig, uids: number[]): Promise<void> {
  if (uids.length) await doveadm.run('expunge', { user: cfg.adminAccount, query: ['mailbox', cfg.directory, 'uid', uids.join(',')] })
}

/** One audit record: who ran what, when, and what it changed (or would have, and why it stopped). */
export interface AuditRecord {
  at: string
  by: { user: string; sudoUser?: string; host: string }
  command: string[]
  changes: string[]
  error?: string
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
