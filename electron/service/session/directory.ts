import type { ImapFlow } from 'imapflow'
import { z } from 'zod'
import { getMetadata, myRights } from '../imap/raw'
import { otherNamespacePrefixes } from '../imap/folder-listing'
import { text, type Text } from '../../../shared/api/errors'

/**
 * The entry an administrator publishes for each shared mailbox: its display name and grants
 * (R2, R3). It must live where no member can write, or a member could grant themselves Send on
 * Behalf or rename the mailbox in everyone's From. METADATA cannot be that place: under RFC 5464
 * with ACLs (and on Dovecot, tested) anyone with `l` and `r` on a folder may SETMETADATA it. So
 * the administrator appends the entry as a small message (header `X-Tandem-Directory`, a JSON
 * body) to a folder of the shared mailbox where members have `lr` only: a message cannot be
 * changed, and without i, t, e, w, x or a nobody but the administrator can add, remove or
 * replace one. The newest such message wins (older ones are the history). Tandem never writes
 * it. An entry in the old place (METADATA on the INBOX) is ignored with a warning. Servers
 * without it still work: the mailbox is named by its address, with no grants.
 */
export const DIRECTORY_HEADER = 'X-Tandem-Directory'

/** Where earlier versions read the entry (and people's own display names still come from). */
export const DIRECTORY_ENTRY = '/shared/vendor/tandem/mailbox'

const entrySchema = z.object({
  name: z.string().trim().min(1).max(200),
  /** The mailbox's address, where the server names owners by bare user name. */
  address: z.string().regex(/^[^@\s]+@[^@\s]+$/).max(320).optional(),
  sendAs: z.array(z.string()).default([]),
  sendOnBehalf: z.array(z.string()).default([]),
  /** The members, as the administrator lists them: whom team state offers to assign to (docs/team-state.md). */
  members: z.array(z.string().trim().toLowerCase().regex(/^[^@\s"<>]+@[^@\s"<>]+$/).max(320)).max(1000).default([]),
})
export type DirectoryEntry = z.infer<typeof entrySchema>

export interface SharedMembership {
  address: string
  /** The mailbox's INBOX path as the person's own session sees it (shared namespace). */
  sharedPath: string
  /** Prefix of its other folders in the person's own session. */
  prefix: string
  entry: DirectoryEntry | null
  /** The folder holding the trusted entry, relative to the mailbox (hidden from the folder list). */
  directoryFolder?: string | null
  /** Why no entry is trusted although one was found (shown on the mailbox, and logged). */
  warning?: Text | null
  /** Opened by the person by address, not listed by the server's shared namespace. */
  added?: boolean
}

export function parseDirectoryEntry(raw: string | null): DirectoryEntry | null {
  if (!raw) return null
  try {
    const parsed = entrySchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** Rights with which the reader could add, change, remove or replace a message in a folder, or its ACL. */
const canChange = (rights: string) => /[iwtexad]/.test(rights)

/** At most this many folders of one shared mailbox are asked for their rights when looking for the entry. */
const MAX_PROBED = 25
const MAX_ENTRY_BYTES = 64 * 1024

export const UNTRUSTED_ENTRY = text('notes.untrustedEntry')

/** The newest directory message of a folder, parsed; null when it has none or it is not one. */
async function newestEntry(client: ImapFlow, path: string): Promise<DirectoryEntry | null> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const uids = await client.search({ header: { [DIRECTORY_HEADER]: true } }, { uid: true })
    const newest = uids && uids.length ? Math.max(...uids) : null
    if (newest === null) return null
    const msg = await client.fetchOne(String(newest), { size: true, source: { maxLength: MAX_ENTRY_BYTES } }, { uid: true })
    if (!msg || !msg.source || (msg.size ?? 0) > MAX_ENTRY_BYTES) return null
    const raw = msg.source.toString('utf8')
    const split = raw.search(/\r?\n\r?\n/)
    const headers = split < 0 ? raw : raw.slice(0, split)
    // Plain JSON only: an administrator's tool writes it so (docs/admin.md); anything encoded is not an entry.
    if (/^content-transfer-encoding:\s*(base64|quoted-printable)/im.test(headers)) return null
    return parseDirectoryEntry(split < 0 ? null : raw.slice(split).trim())
  } finally {
    lock.release()
  }
}

/**
 * The trusted directory entry of one shared mailbox: the newest directory message in the first
 * of its top-level folders (outside INBOX) where the reader can change nothing. `folders` are
 * paths as this session LISTs them; `inbox` its INBOX path; `relative` turns a path into the
 * folder's name within the mailbox.
 */
export async function readDirectoryEntry(client: ImapFlow, inbox: string, folders: string[], relative: (path: string) => string): Promise<Pick<SharedMembership, 'entry' | 'directoryFolder' | 'warning'>> {
  // Without ACL the server cannot say who may write where: nothing is trusted.
  if (client.capabilities.has('ACL')) {
    for (const path of folders.filter((p) => p !== inbox).sort().slice(0, MAX_PROBED)) {
      const rights = await myRights(client, path)
      if (rights === null || !rights.includes('r') || canChange(rights)) continue
      const entry = await newestEntry(client, path).catch(() => null)
      if (entry) return { entry, directoryFolder: relative(path), warning: null }
    }
  }
  const onInbox = await getMetadata(client, inbox, DIRECTORY_ENTRY)
  return { entry: null, directoryFolder: null, warning: onInbox ? UNTRUSTED_ENTRY : null }
}

/**
 * The shared mailboxes this person is a member of, as the server says (R1): the first level
 * under each shared namespace prefix that LIST shows them (the server only lists mailboxes whose
 * ACL grants them lookup). The owner segment is whatever the server uses — an address, or a
 * bare user name (Dovecot's %%n): then the address comes from the directory entry, else from
 * the user name and the person's own domain. No separator, prefix or folder name is assumed.
 */
export async function discoverMemberships(client: ImapFlow, me: string): Promise<SharedMembership[]> {
  const namespaces = otherNamespacePrefixes(client)
  if (namespaces.length === 0) return []
  const listed = await client.list({ listOnly: true })
  const owners = new Map<string, { owner: string; prefix: string; delimiter: string }>()
  for (const ns of namespaces) {
    for (const f of listed) {
      if (!f.path.startsWith(ns.prefix)) continue
      const owner = f.path.slice(ns.prefix.length).split(ns.delimiter)[0]
      if (!owner || owners.has(ns.prefix + owner)) continue
      owners.set(ns.prefix + owner, { owner, prefix: ns.prefix + owner + ns.delimiter, delimiter: ns.delimiter })
    }
  }
  const found = new Map<string, SharedMembership>()
  const domain = me.split('@')[1] ?? ''
  for (const [sharedPath, { owner, prefix, delimiter }] of owners) {
    const topLevel = listed.map((f) => f.path).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes(delimiter))
    const read = await readDirectoryEntry(client, sharedPath, topLevel, (p) => p.slice(prefix.length))
    const address = (read.entry?.address ?? (owner.includes('@') ? owner : `${owner}@${domain}`)).toLowerCase()
    if (address === me.toLowerCase() || found.has(address)) continue
    found.set(address, { address, sharedPath, prefix, ...read })
  }
  return [...found.values()].sort((a, b) => a.address.localeCompare(b.address))
}
