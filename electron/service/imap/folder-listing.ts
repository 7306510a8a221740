import { folderKey } from '../../../shared/ids'
import type { ImapFlow, ListResponse } from 'imapflow'
import type { Folder } from '../../../shared/domain'
import { specialUse } from 'imapflow/lib/special-use.js'
import { compareFolders, folderRole, withNameRoles, type NameGuess } from '../../../shared/rules/folder-role'
import { folderRights } from '../../../shared/rules/rights'
import { myRights } from './raw'

/** Prefixes of the server's shared and other-users namespaces (RFC 2342), from NAMESPACE. */
export function otherNamespacePrefixes(client: ImapFlow): { prefix: string; delimiter: string }[] {
  const ns = client.namespaces
  return [...(ns?.shared || []), ...(ns?.other || [])]
    .filter((n): n is { prefix: string; delimiter: string } => typeof n?.prefix === 'string' && n.prefix.length > 0)
}

/** Prefixes of the other-users namespace only (NAMESPACE's second part): where shared mailboxes are. */
export function otherUsersNamespaces(client: ImapFlow): { prefix: string; delimiter: string }[] {
  return (client.namespaces?.other || [])
    .filter((n) => typeof n?.prefix === 'string' && n.prefix.length > 0)
    .map((n) => ({ prefix: n.prefix!, delimiter: n.delimiter || '/' }))
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
 * The role a folder's name suggests, from imapflow's table of well-known and localised folder
 * names ("Sent Items", "Deleted Items", "Junk Email", "Verzonden items"…; lib/special-use.js):
 * Tandem's code names no folder itself.
 */
export function nameGuess(name: string): NameGuess | null {
  const { flag, source } = specialUse(false, { flags: new Set(), name })
  return flag ? { role: folderRole('', [flag]), exact: source === 'name' } : null
}

/** Whether the server marks roles itself (SPECIAL-USE, or Gmail's older XLIST). */
const marksRoles = (client: ImapFlow) => client.capabilities.has('SPECIAL-USE') || client.capabilities.has('XLIST')

/**
 * Roles by well-known name where the server marks none, for the folders at the top of the
 * mailbox: `relative` is a folder's path within the mailbox (without the namespace prefix).
 */
function nameRoles(client: ImapFlow, folders: Folder[], relative: (f: Folder) => string): Folder[] {
  if (marksRoles(client)) return folders
  return withNameRoles(folders, (f) => (f.delimiter && relative(f).includes(f.delimiter) ? null : nameGuess(f.name)))
}

/**
 * The folders of the mailbox a session is signed in to (the person's own, or a shared mailbox's
 * delegate session): everything LISTed outside the shared and other-users namespaces, with the
 * person's rights. Roles come from SPECIAL-USE; a server without it gets roles from well-known
 * names (nameRoles).
 */
export async function listMailboxFolders(client: ImapFlow, mailboxId: string, rights: RightsCache = new RightsCache(0)): Promise<Folder[]> {
  const others = otherNamespacePrefixes(client)
  const personal = client.namespaces?.personal?.[0]?.prefix ?? ''
  const listed = (await client.list({ statusQuery: { unseen: true, messages: true } })).filter((f) => !inNamespace(f.path, others))
  const folders: Folder[] = []
  for (const f of listed) {
    const folder = toFolder(f, mailboxId)
    folder.rights = folderRights(folder.selectable ? await rights.of(client, f.path) : null)
    // A folder the person cannot even read (R1: the server decides) is not theirs to see.
    if (folder.selectable && !folder.rights.read) continue
    folders.push(folder)
  }
  return nameRoles(client, folders, (f) => (f.path.startsWith(personal) ? f.path.slice(personal.length) : f.path)).sort(compareFolders)
}

/** A listed folder with the role the server gives it (SPECIAL-USE, as LIST flags). */
export function toFolder(f: ListResponse, mailboxId: string): Folder {
  const flags = [...f.flags]
  const specialUse = f.specialUseSource === 'extension' ? f.specialUse : undefined
  return {
    id: folderKey(mailboxId, f.path),
    mailboxId,
    path: f.path,
    name: f.name,
    parents: f.parent,
    delimiter: f.delimiter ?? null,
    role: folderRole(f.path, flags, specialUse),
    // imapflow leaves it undefined for a folder the person never subscribed to (one an administrator made).
    subscribed: !!f.subscribed,
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
    const folder = toFolder(f, mailboxId)
    if (f.path === inboxPath) { folder.role = 'inbox'; folder.name = 'INBOX' }
    folder.parents = f.path === inboxPath ? [] : f.path.slice(prefix.length).split(f.delimiter).slice(0, -1)
    folder.rights = folderRights(await rights.of(client, f.path))
    folders.push(folder)
  }
  return nameRoles(client, folders, (f) => f.path.slice(prefix.length)).sort(compareFolders)
}
