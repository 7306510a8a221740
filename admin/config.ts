import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { TEAM_FOLDER } from '../shared/team/records'
import { AdminError } from './errors'

/**
 * What tandem-admin must know about the organisation's servers: where doveadm's HTTP API is, the
 * account store (Dovecot's passwd-files and passdb lists), Postfix's maps, and the organisation's
 * folders. The administrator writes it once (docs/admin.md); the test stack writes its own
 * (test/mailstack/admin-config.ts). The key is not in it: it comes with each run (R12).
 */
const address = z.string().trim().toLowerCase().regex(/^[^@\s"<>]+@[^@\s"<>]+$/, 'an e-mail address')
const domain = z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/, 'a domain')
/** A Postfix lookup table as main.cf names it: `type:/path` (texthash, hash, lmdb, cdb, btree). */
const postfixMap = z.string().regex(/^(texthash|hash|btree|lmdb|cdb|dbm|sdbm):\/.+/, 'a Postfix map as type:/absolute/path')
const size = z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB)$/i, 'a size such as 50GB')])

export const adminConfigSchema = z.object({
  /** The organisation's name, as messages say it. */
  organisation: z.string().min(1),
  /** The organisation's domains: nobody outside them is ever given access (R7). */
  domains: z.array(domain).min(1),
  doveadm: z.object({
    /** doveadm's HTTP API: http only on loopback, https elsewhere (the key goes in every request). */
    url: z.string().url(),
    /** PEM file of the CA that signed the API's certificate, for https with a private CA. */
    ca: z.string().optional(),
  }).strict(),
  /**
   * The account doveadm acts as on the public namespace's folders (the directory, the audit):
   * their ACLs give it, and only it, the right to write. A userdb entry every passdb refuses.
   */
  adminAccount: address,
  /** The mail folders' hierarchy separator (the personal namespace's). */
  separator: z.string().length(1),
  /** Prefixes of the server's other namespaces (shared, public): doveadm lists their folders too, but they are no mailbox's own. */
  otherNamespaces: z.array(z.string().min(1)).default([]),
  folders: z.object({
    /** The folders every mailbox has besides INBOX (Sent, Drafts, Deleted Items, …), by their names on this server. */
    standard: z.array(z.string().min(1)).default([]),
    /** Tandem's team-state folder, by the one name Tandem looks for (docs/team-state.md); null: not prepared. */
    team: z.literal(TEAM_FOLDER, { error: `the team folder is "${TEAM_FOLDER}" (the name Tandem looks for) or null` }).nullable().default(TEAM_FOLDER),
    /** One folder per member under the team folder, only that member appends there (confirmed authors). */
    teamMemberFolders: z.boolean().default(false),
  }).strict(),
  /** The directory folder in the public namespace, as doveadm names it ("Public/Directory"). */
  directory: z.string().min(1),
  /** The audit folder in the public namespace: only the administrator's account may read or write it. */
  audit: z.string().min(1),
  accounts: z.object({
    /** passwd-file of people and shared mailboxes: Dovecot's userdb, and passdb of people. */
    passwd: z.string().startsWith('/'),
    /** passwd-file of master (delegate) logins: people only, never a shared mailbox. */
    masters: z.string().startsWith('/').optional(),
    /** passwd-file of accounts that never sign in, refused with R8's reason (shared mailboxes). */
    noSignIn: z.string().startsWith('/'),
    /** passwd-files of deny passdbs shared mailboxes must be in too (SMTP AUTH through Postfix). */
    deny: z.array(z.string().startsWith('/')).default([]),
    /** A new account's home: `%a` is its address. */
    home: z.string().includes('%a'),
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
  }).strict(),
  postfix: z.object({
    /** Postfix's configuration directory (`postfix -c`). */
    configDir: z.string().startsWith('/'),
    /** smtpd_sender_login_maps: envelope sender → the logins that may use it (Send As, R2). */
    senderLogins: postfixMap,
    /** virtual_mailbox_maps: the addresses Postfix delivers to. */
    virtualMailboxes: postfixMap,
    /** The postfix and postmap programs. */
    postfixCommand: z.string().default('/usr/sbin/postfix'),
    postmapCommand: z.string().default('/usr/sbin/postmap'),
  }).strict(),
  /** R5: a shared mailbox's quota without a licence, and with one. */
  quota: z.object({ unlicensed: size.default('50GB'), licensed: size.default('100GB') }).strict().default({ unlicensed: '50GB', licensed: '100GB' }),
}).strict()

export type AdminConfig = z.infer<typeof adminConfigSchema>

/** Where the configuration is when neither --config nor TANDEM_ADMIN_CONFIG says. */
export const DEFAULT_CONFIG = '/etc/tandem-admin/config.json'

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }

/** Bytes of a size as the configuration or a command line writes it ("50GB", "20 MB", 1024). */
export function parseSize(value: string | number): number | null {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : null
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)$/i.exec(value.trim())
  if (!m) return null
  const bytes = Math.round(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!)
  return bytes > 0 ? bytes : null
}

/** A size for people: the largest unit it is a whole number of (52428800 → "50 MB"). */
export function formatSize(bytes: number): string {
  for (const unit of ['TB', 'GB', 'MB', 'KB'] as const) {
    const n = bytes / UNITS[unit]!
    if (n >= 1 && (Number.isInteger(n) || n >= 10)) return `${Number.isInteger(n) ? n : n.toFixed(1)} ${unit}`
  }
  return `${bytes} B`
}

/** Reads and checks the configuration file. */
export async function loadAdminConfig(path: string): Promise<AdminConfig> {
  const raw = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new AdminError('configUnreadable', { path, detail: e.code ?? e.message })
  })
  let json: unknown
  // What the parser or the schema said goes to the details line, as a server's reply would.
  try { json = JSON.parse(raw) } catch (e) { throw new AdminError('configNotJson', { path }, { reply: (e as Error).message }) }
  const parsed = adminConfigSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]!
    throw new AdminError('configInvalid', { path, field: first.path.join('.') || '—' }, { reply: first.message })
  }
  return parsed.data
}
