import type { ImapFlow, ListResponse } from 'imapflow'
import { z } from 'zod'
import { myRights } from '../imap/raw'
import { otherUsersNamespaces } from '../imap/folder-listing'
import { text, type Text } from '../../../shared/api/errors'
import { isDeliveredMail } from '../../../shared/rules/delivered'
import { addressInDomains, domainOf } from '../../../shared/rules/organisation'

/**
 * The organisation's directory: the names, members and Send As / On Behalf grants of its shared
 * mailboxes (R2, R3), people's names, and the organisation's domains. It must come from where
 * no person can write, or a person could grant themselves On Behalf, rename a mailbox in
 * everyone's From, or pose as a shared mailbox:
 *
 * - not METADATA (RFC 5464 with ACLs: anyone with `l` and `r` may SETMETADATA; tested on Dovecot);
 * - not a person's or a shared mailbox's own folder: every owner has every right on their own
 *   mailbox on Dovecot, `a` included, so a colleague can put a "directory" folder in her own
 *   mailbox and share it (SETACL): "I cannot write this folder" proves nothing about who did;
 * - not delivered mail: where the server files `local+folder@` into folders, anyone outside can.
 *
 * So the directory is a folder at the top of the server's public namespace (NAMESPACE's third
 * part), which no person owns, where the reader may look and read and change nothing, holding
 * messages an administrator appended (header `X-Tandem-Directory`, a plain JSON body, no
 * delivery trace). Each entry is about one address (a shared mailbox, or a person) or names the
 * organisation's domains; the newest about each wins. Tandem never writes it. Where the server
 * has no public namespace (Exchange Online's IMAP) there is no directory: mailboxes show by
 * address, and only grants the server itself enforces are acted on (claimed-grants.ts).
 */
export const DIRECTORY_HEADER = 'X-Tandem-Directory'

/** Where a person's own display name may come from when the directory has none: their own word, for their own From. */
export const DIRECTORY_ENTRY = '/shared/vendor/tandem/mailbox'

const address = z.string().trim().toLowerCase().regex(/^[^@\s"<>]+@[^@\s"<>]+$/).max(320)

const entrySchema = z.object({
  /** The address the entry is about: it names that mailbox (or person) and no other. */
  address,
  name: z.string().trim().min(1).max(200),
  sendAs: z.array(address).max(1000).default([]),
  sendOnBehalf: z.array(address).max(1000).default([]),
  /** The members, as the administrator lists them: whom team state offers to assign to (docs/team-state.md). */
  members: z.array(address).max(1000).default([]),
})
export type DirectoryEntry = z.infer<typeof entrySchema>

const domainsSchema = z.object({ domains: z.array(z.string().trim().toLowerCase().regex(/^[a-z0-9.-]+\.[a-z0-9-]+$/).max(253)).min(1).max(100) }).strict()

/** What the directory says, as read in one session. */
export interface Directory {
  /** Entries by address (lower case). */
  entries: Map<string, DirectoryEntry>
  /** The organisation's domains as the administrator lists them (besides those of its entries). */
  domains: string[]
  /** The folder it was read from, or null when the server publishes none. */
  folder: string | null
}

export const NO_DIRECTORY: Directory = { entries: new Map(), domains: [], folder: null }

export interface SharedMembership {
  address: string
  /** The mailbox's INBOX path as the person's own session sees it (shared namespace). */
  sharedPath: string
  /** Prefix of its other folders in the person's own session. */
  prefix: string
  entry: DirectoryEntry | null
  /** Why something the person should know about how the mailbox is set up (shown on it, and logged). */
  warning?: Text | null
  /** Opened by the person by address, not listed by the server's shared namespace. */
  added?: boolean
}

/** A directory message's JSON: an entry about one address, the organisation's domains, or null. */
export function parseDirectoryMessage(raw: string | null): { entry: DirectoryEntry } | { domains: string[] } | null {
  if (!raw) return null
  let json: unknown
  try { json = JSON.parse(raw) } catch { return null }
  const entry = entrySchema.safeParse(json)
  if (entry.success) return { entry: entry.data }
  const domains = domainsSchema.safeParse(json)
  return domains.success ? { domains: domains.data.domains } : null
}

/** A person's own display name from their INBOX's METADATA (where the directory names nobody). */
export function parseOwnName(raw: string | null): string {
  if (!raw) return ''
  try {
    const name = (JSON.parse(raw) as { name?: unknown }).name
    return typeof name === 'string' ? name.trim().slice(0, 200) : ''
  } catch {
    return ''
  }
}

/** Rights with which the reader could add, change, remove or replace a message in a folder, or its ACL. */
const canChange = (rights: string) => /[iwtexad]/.test(rights)

/** At most this many public folders are asked for their rights when looking for the directory. */
const MAX_PROBED = 25
const MAX_ENTRY_BYTES = 64 * 1024
/** The newest this many directory messages are read (bounded: a few MB at most). */
const MAX_ENTRIES = 5000
const MAX_DIRECTORY_BYTES = 8 * 1024 * 1024

export const LEGACY_DIRECTORY = (folder: string) => text('notes.legacyDirectory', { folder })

/** The public namespace (NAMESPACE's third part): its prefix and separator, or null. */
function publicNamespace(client: ImapFlow): { prefix: string; delimiter: string } | null {
  const ns = (client.namespaces?.shared || []).find((n) => typeof n?.prefix === 'string' && n.prefix.length > 0)
  return ns ? { prefix: ns.prefix!, delimiter: ns.delimiter ?? '' } : null
}

/** The body of a message source, when its headers allow it to be an administrator's entry. */
function entryBody(source: Buffer): string | null {
  const raw = source.toString('utf8')
  const split = raw.search(/\r?\n\r?\n/)
  if (split < 0) return null
  const headers = raw.slice(0, split)
  // Delivered mail is never state: anyone can mail local+folder@ where the server files detail addresses.
  if (isDeliveredMail(headers)) return null
  // Plain JSON only: an administrator's tool writes it so (docs/admin.md); anything encoded is not an entry.
  if (/^content-transfer-encoding:\s*(base64|quoted-printable)/im.test(headers)) return null
  return raw.slice(split).trim()
}

/** The directory messages of a folder, newest first, read into a directory. */
async function readFolder(client: ImapFlow, path: string): Promise<Directory | null> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const uids = (await client.search({ header: { [DIRECTORY_HEADER]: true } }, { uid: true })) || []
    if (!uids.length) return null
    const newest = uids.sort((a, b) => b - a).slice(0, MAX_ENTRIES)
    const sources = new Map<number, Buffer>()
    let bytes = 0
    for await (const m of client.fetch(newest.join(','), { uid: true, size: true, source: { maxLength: MAX_ENTRY_BYTES } }, { uid: true })) {
      if (!m.source || (m.size ?? 0) > MAX_ENTRY_BYTES || bytes > MAX_DIRECTORY_BYTES) continue
      bytes += m.source.length
      sources.set(m.uid, m.source)
    }
    const directory: Directory = { entries: new Map(), domains: [], folder: path }
    let domainsSeen = false
    for (const uid of newest) {
      const source = sources.get(uid)
      const parsed = source ? parseDirectoryMessage(entryBody(source)) : null
      if (!parsed) continue
      if ('entry' in parsed) { if (!directory.entries.has(parsed.entry.address)) directory.entries.set(parsed.entry.address, parsed.entry) }
      else if (!domainsSeen) { directory.domains = parsed.domains; domainsSeen = true }
    }
    return directory
  } finally {
    lock.release()
  }
}

/**
 * The organisation's directory as this session's server publishes it: the first folder at the
 * top of the public namespace where the reader can read and change nothing and which holds
 * directory messages. Without ACL the server cannot say who may write where: nothing is trusted.
 * `listed`: the session's LIST, when the caller has it.
 */
export async function readDirectory(client: ImapFlow, listed?: ListResponse[]): Promise<Directory> {
  const ns = publicNamespace(client)
  if (!ns || !client.capabilities.has('ACL')) return NO_DIRECTORY
  const all = listed ?? await client.list({ listOnly: true })
  const top = all.map((f) => f.path).filter((p) => p.startsWith(ns.prefix) && p.length > ns.prefix.length && !(ns.delimiter && p.slice(ns.prefix.length).includes(ns.delimiter)))
  for (const path of top.sort().slice(0, MAX_PROBED)) {
    const rights = await myRights(client, path)
    if (rights === null || !rights.includes('r') || canChange(rights)) continue
    const found = await readFolder(client, path).catch(() => null)
    if (found) return constrain(found)
  }
  return NO_DIRECTORY
}

/**
 * R7 in the directory: grants and members only inside the organisation's domains (the
 * administrator's own list and the domains of its entries).
 */
function constrain(d: Directory): Directory {
  const domains = organisationDomains(d)
  const inside = (list: string[]) => list.filter((a) => addressInDomains(a, domains))
  const entries = new Map([...d.entries].map(([a, e]) => [a, { ...e, sendAs: inside(e.sendAs), sendOnBehalf: inside(e.sendOnBehalf), members: inside(e.members) }]))
  return { ...d, entries }
}

/** The domains the directory speaks for: those it lists and those of its entries' addresses. */
export function organisationDomains(d: Directory, me?: string): string[] {
  const out = new Set(d.domains)
  for (const a of d.entries.keys()) out.add(domainOf(a))
  if (me) out.add(domainOf(me))
  return [...out].filter(Boolean).sort()
}

/**
 * Folders of a mailbox (own or shared) that look like where earlier versions of Tandem read the
 * directory: top-level, readable but not writable by the reader, holding directory messages.
 * Never trusted; the mailbox says so, naming the folder, until the administrator moves them
 * (docs/admin.md). `folders`: top-level paths as this session LISTs them; `relative` names one.
 */
export async function legacyDirectoryWarning(client: ImapFlow, inbox: string, folders: string[], relative: (path: string) => string): Promise<Text | null> {
  if (!client.capabilities.has('ACL')) return null
  for (const path of folders.filter((p) => p !== inbox).sort().slice(0, MAX_PROBED)) {
    const rights = await myRights(client, path)
    if (rights === null || !rights.includes('r') || /[iw]/.test(rights)) continue
    const lock = await client.getMailboxLock(path, { readOnly: true }).catch(() => null)
    if (!lock) continue
    try {
      const found = await client.search({ header: { [DIRECTORY_HEADER]: true } }, { uid: true }).catch(() => false)
      if (Array.isArray(found) && found.length) return LEGACY_DIRECTORY(relative(path))
    } finally {
      lock.release()
    }
  }
  return null
}

/**
 * The address of a mailbox whose owner the server names by bare user name (Dovecot's %%n): the
 * one directory entry for that user name in one of the organisation's domains, else the user
 * name in the person's own domain. An entry never names a mailbox other than its owner.
 */
export function addressOfOwner(owner: string, me: string, directory: Directory): string {
  if (owner.includes('@')) return owner.toLowerCase()
  const domains = organisationDomains(directory, me)
  const named = [...directory.entries.keys()].filter((a) => a.split('@')[0] === owner.toLowerCase() && addressInDomains(a, domains))
  return named.length === 1 ? named[0]! : `${owner}@${domainOf(me)}`.toLowerCase()
}

/**
 * The shared mailboxes this person is a member of, as the server says (R1): the first level
 * under each other-users namespace prefix that LIST shows them (the server only lists mailboxes
 * whose ACL grants them lookup). The owner segment is whatever the server uses — an address, or
 * a bare user name (Dovecot's %%n). Names and grants come from the directory, by that address.
 * No separator, prefix or folder name is assumed.
 */
export async function discoverMemberships(client: ImapFlow, me: string, directory: Directory, listed?: ListResponse[]): Promise<SharedMembership[]> {
  const namespaces = otherUsersNamespaces(client)
  if (namespaces.length === 0) return []
  const all = listed ?? await client.list({ listOnly: true })
  const owners = new Map<string, { owner: string; prefix: string; delimiter: string }>()
  for (const ns of namespaces) {
    for (const f of all) {
      if (!f.path.startsWith(ns.prefix)) continue
      const owner = f.path.slice(ns.prefix.length).split(ns.delimiter)[0]
      if (!owner || owners.has(ns.prefix + owner)) continue
      owners.set(ns.prefix + owner, { owner, prefix: ns.prefix + owner + ns.delimiter, delimiter: ns.delimiter })
    }
  }
  const found = new Map<string, SharedMembership>()
  for (const [sharedPath, { owner, prefix, delimiter }] of owners) {
    const address = addressOfOwner(owner, me, directory)
    if (address === me.toLowerCase() || found.has(address)) continue
    const topLevel = all.map((f) => f.path).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes(delimiter))
    const warning = await legacyDirectoryWarning(client, sharedPath, topLevel, (p) => p.slice(prefix.length))
    found.set(address, { address, sharedPath, prefix, entry: directory.entries.get(address) ?? null, warning })
  }
  return [...found.values()].sort((a, b) => a.address.localeCompare(b.address))
}
