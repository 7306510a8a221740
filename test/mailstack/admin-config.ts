import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { adminConfigSchema, type AdminConfig } from '../../admin/config'
import { adminAccountOf, MAIL_GID, MAIL_UID } from './dovecot-config'
import { directoryPathOf, publicPrefixOf, type Organisation } from './organisation'

/** The administrator's account's rights on the public folders it writes (the directory, the audit). */
export const ADMIN_RIGHTS = 'lrwstipekxa'

/** The audit folder's path in the public namespace, or null when the server has none. */
export function auditPathOf(org: Organisation): string | null {
  const prefix = publicPrefixOf(org)
  return prefix === null ? null : `${prefix}Tandem Audit`
}

/** What tandem-admin needs to administer one test stack: its configuration file and the key. */
export interface StackAdmin {
  /** The configuration file (docs/admin.md's format). */
  config: string
  /** doveadm's API key: the administrator's (R12). */
  key: string
  /** The account doveadm acts as on the public folders. */
  account: string
}

/** Writes tandem-admin's configuration for a test stack, as an administrator would for theirs. */
export async function writeAdminConfig(org: Organisation, at: {
  dir: string; dovecot: string; postfix: string; home: (address: string) => string; doveadmPort: number; apiKey: string
}): Promise<StackAdmin> {
  const f = org.folders
  const sep = org.layout.separator
  const directory = directoryPathOf(org)
  // Without a public namespace there is no directory to write (an Exchange-shaped server): the
  // command still runs, and its directory steps fail with the server's reply.
  const publicPrefix = publicPrefixOf(org)
  const sharedPrefix = org.layout.sharedPrefix?.split('%%')[0] ?? null
  const config: AdminConfig = adminConfigSchema.parse({
    organisation: org.name,
    domains: org.domains,
    doveadm: { url: `http://127.0.0.1:${at.doveadmPort}/doveadm/v1` },
    adminAccount: adminAccountOf(org),
    separator: sep,
    otherNamespaces: [publicPrefix, sharedPrefix].filter((p): p is string => !!p),
    folders: {
      standard: [f.sent, f.drafts, f.trash, f.junk, f.archive],
      team: f.team,
      teamMemberFolders: f.teamMembers,
    },
    directory: directory ?? `Public${sep}${f.directory}`,
    audit: auditPathOf(org) ?? `Public${sep}Tandem Audit`,
    accounts: {
      passwd: join(at.dovecot, 'users.passwd'),
      masters: join(at.dovecot, 'masters.passwd'),
      noSignIn: join(at.dovecot, 'no-sign-in.passwd'),
      deny: [join(at.dovecot, 'deny-smtp.passwd')],
      home: at.home('%a'),
      uid: MAIL_UID,
      gid: MAIL_GID,
    },
    postfix: {
      configDir: at.postfix,
      senderLogins: `texthash:${join(at.postfix, 'sender_logins')}`,
      virtualMailboxes: `texthash:${join(at.postfix, 'virtual_mailboxes')}`,
    },
    // R5 scaled down as the organisation's quotas are: 50 GB is 50 MB here.
    quota: { unlicensed: '50MB', licensed: '100MB' },
  })
  const path = join(at.dir, 'tandem-admin.json')
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
  return { config: path, key: at.apiKey, account: adminAccountOf(org) }
}
