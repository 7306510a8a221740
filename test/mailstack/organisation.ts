import { readFile } from 'node:fs/promises'
import { z } from 'zod'

/**
 * One organisation file describes a test or demo organisation; the mail stack generates the whole
 * Dovecot and Postfix configuration from it, so that the server and the tests always agree.
 */
const address = z.string().regex(/^[^@\s]+@[^@\s]+$/, 'an e-mail address')

const member = z.object({
  address,
  /** R2: may send mail that appears to come from the shared mailbox itself. */
  sendAs: z.boolean().default(false),
  /** R3: may send "member on behalf of shared mailbox". */
  sendOnBehalf: z.boolean().default(false),
})

const user = z.object({
  address,
  name: z.string().min(1),
  password: z.string().min(1),
  quotaMB: z.number().positive().default(200),
})

const sharedMailbox = z.object({
  address,
  name: z.string().min(1),
  /** R5, scaled down for tests: 50 GB unlicensed becomes 50 MB here. */
  quotaMB: z.number().positive().default(50),
  members: z.array(member).default([]),
  /**
   * Where the server files copies of submitted mail (`server.sentCopy`): mail a member sends as
   * or on behalf of this shared mailbox gets a copy in its own Sent folder too, besides the
   * member's (Exchange's MessageCopyForSentAsEnabled and MessageCopyForSendOnBehalfEnabled).
   */
  sentCopy: z.boolean().default(false),
})

/** Folder names the organisation's server uses; the client must learn them from SPECIAL-USE. */
const folderNames = z.object({
  sent: z.string().default('Sent Items'),
  drafts: z.string().default('Drafts'),
  trash: z.string().default('Deleted Items'),
  junk: z.string().default('Junk Email'),
  archive: z.string().default('Archive'),
  /**
   * The directory's folder in the server's public namespace, where only administrators write
   * (R2, R3); null: the server has no public namespace and publishes no directory (Exchange
   * Online's IMAP).
   */
  directory: z.string().nullable().default('Directory'),
  /** Tandem's team-state folder, created as the administrator guide says (members: lrsi); null: not created. */
  team: z.string().nullable().default('Tandem Team'),
  /**
   * One folder per member under the team folder, where only that member may insert (the others
   * read): Tandem then confirms who wrote each record (docs/admin.md). Off: authors are claimed.
   */
  teamMembers: z.boolean().default(false),
})

/**
 * How the organisation's IMAP server lays out mailboxes: the hierarchy separator, where other
 * people's shared mailboxes appear (Dovecot's shared namespace prefix; %%u names the owner by
 * address, %%n by bare user name; null: no shared namespace at all, as on Exchange Online or
 * Gmail), and the master-user separator of delegate logins (`shared*member`).
 */
const layout = z.object({
  separator: z.enum(['/', '.']).default('/'),
  sharedPrefix: z.string().regex(/%%[un]/).nullable().default('shared/%%u/'),
  masterSeparator: z.string().length(1).default('*'),
  /**
   * The public namespace (NAMESPACE's third part), where the administrator keeps the directory:
   * absent means "Public" and the separator; null: the server has none (as Exchange Online's IMAP).
   */
  publicPrefix: z.string().min(1).nullable().optional(),
})

/**
 * What the organisation's servers offer beyond the layout. The defaults are Dovecot's own
 * (CONDSTORE, QRESYNC, ACL, QUOTA, METADATA, SPECIAL-USE…, passwords, master logins). An
 * Exchange Online-shaped organisation (test/fixtures/orgs/northwind-exchange.json) narrows it
 * to what Microsoft 365's IMAP offers; what Dovecot 2.3 cannot imitate is said where it is
 * generated (dovecot-config.ts, postfix-config.ts).
 */
const server = z.object({
  /** Exactly the capabilities IMAP advertises (Dovecot's imap_capability); null: Dovecot's own list. */
  capabilities: z.string().regex(/^IMAP4rev1( [A-Za-z0-9=+.-]+)*$/).nullable().default(null),
  /** Folders carry SPECIAL-USE flags (RFC 6154) for their roles. */
  specialUse: z.boolean().default(true),
  /** IMAP METADATA (RFC 5464); with it, people's display names are published there. */
  metadata: z.boolean().default(true),
  /** The IMAP ACL extension (RFC 4314). Membership is enforced by Dovecot's acl plugin either way. */
  acl: z.boolean().default(true),
  /** The IMAP QUOTA extension (RFC 9208). Quotas are enforced either way (R5, R6). */
  quota: z.boolean().default(true),
  /** Custom keywords (flags other than the system ones) are accepted. */
  keywords: z.boolean().default(true),
  /** The longest command line the IMAP server accepts, in octets (imap_max_line_length); null: Dovecot's 64 KB. */
  maxLineLength: z.number().int().min(1024).nullable().default(null),
  /** Passwords (and the organisation's tokens when the stack runs its OpenID provider), or tokens only. */
  signIn: z.enum(['password', 'oauth']).default('password'),
  /**
   * How a member opens a shared mailbox's own session: Dovecot's master login
   * (`shared<masterSeparator>member` with the member's credentials), or the shared address itself
   * as the login with the member's token (Exchange Online).
   */
  delegateLogin: z.enum(['master', 'address']).default('master'),
  /**
   * The server files a copy of every message submitted over SMTP in the submitter's Sent folder
   * (as Exchange does); see also each shared mailbox's `sentCopy`.
   */
  sentCopy: z.boolean().default(false),
})

export const DOVECOT_SERVER: z.infer<typeof server> = {
  capabilities: null, specialUse: true, metadata: true, acl: true, quota: true, keywords: true, maxLineLength: null,
  signIn: 'password', delegateLogin: 'master', sentCopy: false,
}

export const organisationSchema = z
  .object({
    name: z.string().min(1),
    domains: z.array(z.string().min(1)).min(1),
    users: z.array(user).min(1),
    sharedMailboxes: z.array(sharedMailbox).default([]),
    folders: folderNames.default({
      sent: 'Sent Items', drafts: 'Drafts', trash: 'Deleted Items', junk: 'Junk Email', archive: 'Archive', directory: 'Directory', team: 'Tandem Team', teamMembers: false,
    }),
    layout: layout.default({ separator: '/', sharedPrefix: 'shared/%%u/', masterSeparator: '*' }),
    /**
     * The server files mail for `local+folder@` into that folder (Dovecot's
     * lmtp_save_to_detail_mailbox with Postfix's recipient_delimiter): anyone outside can then
     * put mail into any folder of a mailbox, which Tandem must never take for its own state.
     */
    detailDelivery: z.boolean().default(false),
    /** The submission server refuses envelope senders a login does not own (Postfix's sender login map); false: it checks nothing. */
    checksSenders: z.boolean().default(true),
    /**
     * A folder without an ACL of its own has its mailbox INBOX's (Dovecot's acl_defaults_from_inbox):
     * members' Full Access covers folders made later, and lets them make folders at the top, as
     * Exchange's does. false: only the owner may make a folder at the top of a shared mailbox.
     */
    aclDefaultsFromInbox: z.boolean().default(true),
    server: server.default(DOVECOT_SERVER),
  })
  .superRefine((org, ctx) => {
    const inOrg = (a: string) => org.domains.includes(a.split('@')[1] ?? '')
    const users = new Set(org.users.map((u) => u.address))
    const all = [...org.users.map((u) => u.address), ...org.sharedMailboxes.map((s) => s.address)]
    if (new Set(all).size !== all.length) ctx.addIssue({ code: 'custom', message: 'an address is listed twice' })
    for (const a of all) {
      if (!inOrg(a)) ctx.addIssue({ code: 'custom', message: `${a} is outside the organisation's domains` })
    }
    // Dovecot breaks when %%u (an address, with dots) is used under a "." separator.
    if (org.layout.separator === '.' && org.layout.sharedPrefix?.includes('%%u')) {
      ctx.addIssue({ code: 'custom', message: 'a "." separator needs a shared prefix with %%n, not %%u' })
    }
    // Dovecot checks a token against the login it names; only the delegate passdb, which checks
    // the member's token and applies the ACLs as that member, lets a shared address sign in.
    if (org.server.delegateLogin === 'address' && org.server.signIn !== 'oauth') {
      ctx.addIssue({ code: 'custom', message: 'a delegate login by the shared address needs sign-in by token (server.signIn "oauth")' })
    }
    if (!org.server.sentCopy && org.sharedMailboxes.some((s) => s.sentCopy)) {
      ctx.addIssue({ code: 'custom', message: 'a shared mailbox\'s sentCopy needs the server\'s (server.sentCopy)' })
    }
    for (const s of org.sharedMailboxes) {
      for (const m of s.members) {
        // R7: only people inside the organisation can be given access.
        if (!inOrg(m.address)) {
          ctx.addIssue({ code: 'custom', message: `R7: ${m.address} is external and cannot be a member of ${s.address}` })
        } else if (!users.has(m.address)) {
          ctx.addIssue({ code: 'custom', message: `${m.address} (member of ${s.address}) is not a user of the organisation` })
        }
      }
    }
  })

export type Organisation = z.infer<typeof organisationSchema>
export type OrgUser = Organisation['users'][number]
export type OrgSharedMailbox = Organisation['sharedMailboxes'][number]

/** The public namespace's prefix of an organisation's server, or null when it has none. */
export function publicPrefixOf(org: Organisation): string | null {
  if (org.folders.directory === null) return null
  return org.layout.publicPrefix === undefined ? `Public${org.layout.separator}` : org.layout.publicPrefix
}

/** The directory folder's path in the public namespace, or null when the server has none. */
export function directoryPathOf(org: Organisation): string | null {
  const prefix = publicPrefixOf(org)
  return prefix === null ? null : prefix + org.folders.directory
}

export function parseOrganisation(json: unknown): Organisation {
  return organisationSchema.parse(json)
}

export async function loadOrganisation(path: string): Promise<Organisation> {
  return parseOrganisation(JSON.parse(await readFile(path, 'utf8')))
}

/** The logins allowed to use each envelope sender: the owner, and members with Send As (R2). */
export function senderLogins(org: Organisation): Map<string, string[]> {
  const map = new Map<string, string[]>()
  for (const u of org.users) map.set(u.address, [u.address])
  for (const s of org.sharedMailboxes) {
    map.set(s.address, s.members.filter((m) => m.sendAs).map((m) => m.address))
  }
  return map
}

/**
 * A small organisation for one test: people by local part and name (password "<local>-pass-1"),
 * shared mailboxes with their members and grants, and optionally a server layout.
 */
export function smallOrganisation(name: string, domain: string, opts: {
  people: Record<string, string>
  shared: { local: string; name: string; members: { local: string; sendAs?: boolean; sendOnBehalf?: boolean }[] }[]
  layout?: Organisation['layout']
  detailDelivery?: boolean
  checksSenders?: boolean
  server?: Partial<Organisation['server']>
  /** Per-member folders under the team folder (confirmed authors). */
  teamMembers?: boolean
}): Organisation {
  const at = (local: string) => `${local}@${domain}`
  return parseOrganisation({
    name,
    domains: [domain],
    users: Object.entries(opts.people).map(([local, person]) => ({ address: at(local), name: person, password: `${local}-pass-1` })),
    sharedMailboxes: opts.shared.map((s) => ({ address: at(s.local), name: s.name, members: s.members.map((m) => ({ ...m, local: undefined, address: at(m.local) })) })),
    ...(opts.layout ? { layout: opts.layout } : {}),
    ...(opts.detailDelivery ? { detailDelivery: true } : {}),
    ...(opts.checksSenders === false ? { checksSenders: false } : {}),
    ...(opts.server ? { server: { ...DOVECOT_SERVER, ...opts.server } } : {}),
    ...(opts.teamMembers ? { folders: { teamMembers: true } } : {}),
  })
}

/**
 * The delegate-login template a person would enter in Tandem's server settings for this
 * organisation: `{shared}*{user}` on Dovecot's master logins, `{shared}` where the shared
 * address itself is the login (Exchange Online).
 */
export function delegateLoginTemplate(org: Organisation): string {
  return org.server.delegateLogin === 'address' ? '{shared}' : `{shared}${org.layout.masterSeparator}{user}`
}
