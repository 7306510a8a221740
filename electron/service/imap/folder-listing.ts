import { folderKey } from '../../../shared/ids'
import type { ImapFlow, ListResponse } from 'imapflow'
import type { Folder } from '../../../shared/domain'
import { compareFolders, folderRole } from '../../../shared/rules/folder-role'
import { folderRights } from '../../../shared/rules/rights'
import { myRights } from './raw'

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
 * MYRIGHTS answers per folder path, kept for a minute: listing folders asks once per folder, and
 * a window coming back into focus again and again must not ask the server every time.
 */
export class RightsCache {
  private readonly known = new Map<string, { rights: string | null; at: number }>()
  constructor(private readonly ttlMs = 60_000) {}

  async of(client: ImapFlow, path: string): Promise<string | null> {
    const hit = this.known.get(path)
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.rights
    const rights = await myRights(client, path)
    this.known.set(path, { rights, at: Date.now() })
    return rights
  }
}

/**
 * The folders of the mailbox a session is signed in to (the person's own, or a shared mailbox's
 * delegate session): everything LISTed outside the shared and other-users namespaces, with the
 * person's rights. Roles come from SPECIAL-USE; only a server without SPECIAL-USE gets imapflow's
 * guesses from well-known names.
 */
export async function listMailboxFolders(client: ImapFlow, mailboxId: string, rights: RightsCache = new RightsCache(0)): Promise<Folder[]> {
  const others = otherNamespacePrefixes(client)
  const hasSpecialUse = client.capabilities.has('SPECIAL-USE')
  const listed = (await client.list({ statusQuery: { unseen: true, messages: true } })).filter((f) => !inNamespace(f.path, others))
  const folders: Folder[] = []
  for (const f of listed) {
    const folder = toFolder(f, mailboxId, hasSpecialUse)
    folder.rights = folderRights(folder.selectable ? await rights.of(client, f.path) : null)
    // A folder the person cannot even read (R1: the server decides) is not theirs to see.
    if (folder.selectable && !folder.rights.read) continue
    folders.push(folder)
  }
  return folders.sort(compareFolders)
}

export function toFolder(f: ListResponse, mailboxId: string, trustServerOnly: boolean): Folder {
  const specialUse = !trustServerOnly || f.specialUseSource === 'extension' ? f.specialUse : undefined
  const flags = [...f.flags]
  return {
    id: folderKey(mailboxId, f.path),
    mailboxId,
    path: f.path,
    name: f.name,
    parents: f.parent,
    delimiter: f.delimiter ?? null,
    role: folderRole(f.path, trustServerOnly ? flags : [], specialUse),
    subscribed: f.subscribed,
    unseen: f.status?.unseen ?? null,
    total: f.status?.messages ?? null,
    selectable: !flags.some((x) => /^\\noselect$|^\\nonexistent$/i.test(x)),
    rights: { read: true, write: true, seen: true, insert: true, delete: true },
  }
}


/**
 * How a mailbox is reached: its own session (the person's mailbox, or a shared mailbox through
 * a delegate login), or — on servers without delegate logins — the person's session, inside the
 * shared namespace.
 */
export type MailboxScope = { kind: 'session' } | { kind: 'namespace'; inboxPath: string; prefix: string }

/** The path of the mailbox's INBOX as this scope sees it. */
export const inboxPathOf = (scope: MailboxScope): string => (scope.kind === 'session' ? 'INBOX' : scope.inboxPath)

/**
 * A mailbox's folders in its scope, without those that are Tandem's, not mail (`hidden`, relative
 * to the mailbox: its directory entry's, its team state's, and the folders under them). In a namespace, paths keep the server's prefix and separator; the
 * shared INBOX is the one folder named by its role.
 */
export async function listScopedFolders(client: ImapFlow, mailboxId: string, scope: MailboxScope, hidden: string[], rights: RightsCache): Promise<Folder[]> {
  // A hidden folder's children too (the team folder's member folders: team-authors.ts).
  const isHidden = (paths: string[]) => (f: { path: string; delimiter?: string | null }) =>
    paths.some((h) => f.path === h || (!!f.delimiter && f.path.startsWith(h + f.delimiter)))
  if (scope.kind === 'session') return (await listMailboxFolders(client, mailboxId, rights)).filter((f) => !isHidden(hidden)(f))
  const { inboxPath, prefix } = scope
  const hiddenPath = isHidden(hidden.map((h) => prefix + h))
  const listed = (await client.list()).filter((f) => (f.path === inboxPath || f.path.startsWith(prefix)) && !hiddenPath(f))
  const folders: Folder[] = []
  for (const f of listed) {
    const folder = toFolder(f, mailboxId, client.capabilities.has('SPECIAL-USE'))
    if (f.path === inboxPath) { folder.role = 'inbox'; folder.name = 'INBOX' }
    folder.parents = f.path === inboxPath ? [] : f.path.slice(prefix.length).split(f.delimiter).slice(0, -1)
    folder.rights = folderRights(await rights.of(client, f.path))
    folders.push(folder)
  }
  return folders.sort(compareFolders)
}
