import type { ImapFlow } from 'imapflow'
import { z } from 'zod'
import { getMetadata } from './imap-raw'
import { otherNamespacePrefixes } from './folders'

/**
 * The entry an administrator publishes on each shared mailbox's INBOX: its display name and
 * grants. Tandem only ever reads it (members with the w right could write it; R12: admins
 * decide). Servers without it still work: the mailbox is named by its address, with no grants.
 */
export const DIRECTORY_ENTRY = '/shared/vendor/tandem/mailbox'

const entrySchema = z.object({
  name: z.string().min(1).max(200),
  sendAs: z.array(z.string()).default([]),
  sendOnBehalf: z.array(z.string()).default([]),
})
export type DirectoryEntry = z.infer<typeof entrySchema>

export interface SharedMembership {
  address: string
  /** The mailbox's INBOX path as the person's own session sees it (shared namespace). */
  sharedPath: string
  /** Prefix of its other folders in the person's own session. */
  prefix: string
  entry: DirectoryEntry | null
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

/**
 * The shared mailboxes this person is a member of, as the server says (R1): the first level
 * under each shared namespace prefix that LIST shows them (the server only lists mailboxes whose
 * ACL grants them lookup).
 */
export async function discoverMemberships(client: ImapFlow): Promise<SharedMembership[]> {
  const namespaces = otherNamespacePrefixes(client)
  if (namespaces.length === 0) return []
  const listed = await client.list({ listOnly: true })
  const found = new Map<string, SharedMembership>()
  for (const ns of namespaces) {
    for (const f of listed) {
      if (!f.path.startsWith(ns.prefix)) continue
      const owner = f.path.slice(ns.prefix.length).split(ns.delimiter)[0]
      if (!owner || !owner.includes('@') || found.has(owner.toLowerCase())) continue
      const sharedPath = ns.prefix + owner
      found.set(owner.toLowerCase(), { address: owner.toLowerCase(), sharedPath, prefix: sharedPath + ns.delimiter, entry: null })
    }
  }
  for (const m of found.values()) m.entry = parseDirectoryEntry(await getMetadata(client, m.sharedPath, DIRECTORY_ENTRY))
  return [...found.values()].sort((a, b) => a.address.localeCompare(b.address))
}
