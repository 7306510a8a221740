import type { ImapFlow, ListResponse } from 'imapflow'
import type { Folder } from '../../shared/domain'
import { compareFolders, folderRole } from '../../shared/rules/folder-role'

/** Prefixes of the server's shared and other-users namespaces (RFC 2342), from NAMESPACE. */
export function otherNamespacePrefixes(client: ImapFlow): { prefix: string; delimiter: string }[] {
  const ns = client.namespaces
  return [...(ns?.shared || []), ...(ns?.other || [])]
    .filter((n): n is { prefix: string; delimiter: string } => typeof n?.prefix === 'string' && n.prefix.length > 0)
}

function inNamespace(path: string, prefixes: { prefix: string }[]): boolean {
  return prefixes.some((p) => path === p.prefix.replace(/[/.]$/, '') || path.startsWith(p.prefix))
}

/**
 * The folders of the signed-in person's own mailbox: everything LISTed outside the shared and
 * other-users namespaces. Roles come from SPECIAL-USE; only a server without SPECIAL-USE gets
 * imapflow's guesses from well-known names.
 */
export async function listOwnFolders(client: ImapFlow, mailboxId: string): Promise<Folder[]> {
  const others = otherNamespacePrefixes(client)
  const hasSpecialUse = client.capabilities.has('SPECIAL-USE')
  const listed = await client.list()
  return listed
    .filter((f) => !inNamespace(f.path, others))
    .map((f) => toFolder(f, mailboxId, hasSpecialUse))
    .sort(compareFolders)
}

export function toFolder(f: ListResponse, mailboxId: string, trustServerOnly: boolean): Folder {
  const specialUse = !trustServerOnly || f.specialUseSource === 'extension' ? f.specialUse : undefined
  const flags = [...f.flags]
  return {
    id: `${mailboxId}|${f.path}`,
    mailboxId,
    path: f.path,
    name: f.name,
    parents: f.parent,
    delimiter: f.delimiter ?? null,
    role: folderRole(f.path, trustServerOnly ? flags : [], specialUse),
    subscribed: f.subscribed,
    selectable: !flags.some((x) => /^\\noselect$|^\\nonexistent$/i.test(x)),
  }
}

/**
 * Addresses of the shared mailboxes this person can see (R1: the server decides), as the first
 * level under each shared namespace prefix. Used to recognise them later (R8 at sign-in).
 */
export async function discoverSharedAddresses(client: ImapFlow): Promise<string[]> {
  const found = new Set<string>()
  const namespaces = otherNamespacePrefixes(client)
  if (namespaces.length === 0) return []
  const entries = await client.list({ listOnly: true })
  for (const ns of namespaces) {
    for (const e of entries) {
      if (!e.path.startsWith(ns.prefix)) continue
      const owner = e.path.slice(ns.prefix.length).split(ns.delimiter)[0]
      if (owner && owner.includes('@')) found.add(owner.toLowerCase())
    }
  }
  return [...found].sort()
}
