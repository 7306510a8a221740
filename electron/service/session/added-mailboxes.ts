import type { ImapFlow } from 'imapflow'
import { ApiFailure, fail } from '../../../shared/api/errors'
import { addressOfOwner, legacyDirectoryWarning, organisationDomains, type Directory, type SharedMembership } from './directory'
import { addressInDomains } from '../../../shared/rules/organisation'
import { otherNamespacePrefixes, otherUsersNamespaces } from '../imap/folder-listing'
import { connectImap, type ImapLogin } from '../imap/connect'
import { myRights } from '../imap/raw'
import type { StateStore } from '../storage/state-store'
import type { Logger } from '../logger'

/**
 * Shared mailboxes the person opened by address ("Open a shared mailbox…"), for servers that
 * list none (Exchange Online's IMAP, Gmail, many hosted servers) or not this one. Each is kept
 * only when the server lets the person open it, remembered per account, and dropped again when
 * the server later refuses it with an authentication or permission failure (R1) — never on a
 * network failure.
 */

const key = (accountId: string) => `addedSharedMailboxes:${accountId}`

export async function addedAddresses(state: StateStore, accountId: string): Promise<string[]> {
  return await state.read<string[]>(key(accountId)) ?? []
}

export async function setAddedAddresses(state: StateStore, accountId: string, addresses: string[]): Promise<void> {
  await state.write(key(accountId), [...new Set(addresses)].sort())
}

/** The delegate login of the server settings for this shared mailbox, or null when there is none. */
export function delegateLogin(login: ImapLogin, template: string | null | undefined, shared: string): ImapLogin | null {
  return template ? { ...login, user: template.replace('{shared}', shared).replace('{user}', login.user), person: login.user } : null
}

const notMember = (address: string, detail?: string) => fail({
  code: 'permission.denied', rule: 'R1', field: 'address',
  key: 'errors.permission.notMember', params: { address }, ...(detail ? { reply: detail } : {}),
})

/** Whether a refusal means "no access" (drop the mailbox) rather than "not now" (keep it). */
export function isAccessRefusal(e: unknown): boolean {
  return e instanceof ApiFailure && ['auth.failed', 'auth.refused', 'auth.sharedMailbox', 'permission.denied'].includes(e.code)
}

/** What opening a mailbox by address goes by: the directory, and who is signed in. */
export interface OpenContext { directory: Directory; me: string }

/**
 * Through the shared namespace of the person's own session, when the server lists the mailbox
 * there: by its address, or by the bare user name whose address it is (addressOfOwner: never a
 * same-named mailbox of another domain).
 */
async function viaNamespace(client: ImapFlow, address: string, ctx: OpenContext): Promise<SharedMembership | null> {
  const namespaces = otherUsersNamespaces(client)
  if (!namespaces.length) return null
  const listed = await client.list({ listOnly: true })
  const local = address.split('@')[0]!
  for (const ns of namespaces) {
    for (const owner of [address, local]) {
      const sharedPath = ns.prefix + owner
      if (!listed.some((f) => f.path === sharedPath)) continue
      if (addressOfOwner(owner, ctx.me, ctx.directory) !== address) continue
      const prefix = sharedPath + ns.delimiter
      const topLevel = listed.map((f) => f.path).filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes(ns.delimiter))
      const warning = await legacyDirectoryWarning(client, sharedPath, topLevel, (p) => p.slice(prefix.length))
      return { address, sharedPath, prefix, added: true, entry: ctx.directory.entries.get(address) ?? null, warning }
    }
  }
  return null
}

/**
 * Opens a shared mailbox by address with the delegate login: the login must succeed and the
 * person must be able to read its INBOX (Dovecot lets a master login in and then shows nothing
 * to a non-member). Throws the R1 refusal, or the server's own words.
 */
async function viaDelegate(login: ImapLogin, address: string, ctx: OpenContext): Promise<SharedMembership> {
  let client: ImapFlow
  try {
    client = await connectImap(login)
  } catch (e) {
    if (isAccessRefusal(e)) throw notMember(address, (e as ApiFailure).error.code === 'auth.refused' ? (e as ApiFailure).message : undefined)
    throw e
  }
  try {
    const rights = await myRights(client, 'INBOX')
    const readable = rights === null ? await client.status('INBOX', { messages: true }).then((s) => !!s, () => false) : rights.includes('r')
    if (!readable) throw notMember(address)
    const others = otherNamespacePrefixes(client)
    const topLevel = (await client.list({ listOnly: true }))
      .filter((f) => !others.some((n) => f.path.startsWith(n.prefix)) && !(f.delimiter && f.path.includes(f.delimiter)))
      .map((f) => f.path)
    const warning = await legacyDirectoryWarning(client, 'INBOX', topLevel, (p) => p)
    return { address, sharedPath: '', prefix: '', added: true, entry: ctx.directory.entries.get(address) ?? null, warning }
  } finally {
    await client.logout().catch(() => client.close())
  }
}

/**
 * Only the organisation's shared mailboxes open by address (R7): its domains are those the
 * directory speaks for and the person's own (shared/rules/organisation.ts). An address of another
 * domain could otherwise open a same-named mailbox (a bare user name), or make the person send
 * "on behalf of" an outside address.
 */
export function insideOrganisation(address: string, ctx: OpenContext): boolean {
  return addressInDomains(address, organisationDomains(ctx.directory, ctx.me))
}

/**
 * Opens a shared mailbox by address as the person: through the shared namespace if the server
 * lists it there, else with the delegate login of the server settings. Without either, says
 * what the administrator must provide.
 */
export async function openByAddress(own: ImapFlow, login: ImapLogin, template: string | null | undefined, address: string, ctx: OpenContext): Promise<SharedMembership> {
  if (!insideOrganisation(address, ctx)) {
    throw fail({ code: 'permission.denied', rule: 'R7', field: 'address', key: 'errors.permission.outsideOrganisation', params: { address, domains: organisationDomains(ctx.directory, ctx.me).join(', ') } })
  }
  const found = await viaNamespace(own, address, ctx)
  if (found) return found
  const delegate = delegateLogin(login, template, address)
  if (delegate) return viaDelegate(delegate, address, ctx)
  throw fail({ code: 'permission.denied', rule: 'R1', field: 'address', key: 'errors.permission.notListed', params: { address } })
}

/**
 * Whether the person may still open an added mailbox: its membership, false (refused: drop it,
 * R1), or null when the server cannot be asked now (keep it; the cache keeps serving).
 */
async function stillOpen(own: ImapFlow, login: ImapLogin, template: string | null | undefined, address: string, ctx: OpenContext): Promise<SharedMembership | false | null> {
  try {
    return await openByAddress(own, login, template, address, ctx)
  } catch (e) {
    return isAccessRefusal(e) ? false : null
  }
}

export interface AddedContext {
  state: StateStore
  accountId: string
  login: ImapLogin
  template: string | null | undefined
  /** The memberships known before (one that cannot be checked now stays as it was). */
  previous: SharedMembership[]
  log: Logger
  directory: Directory
  me: string
}

/**
 * The server's memberships plus the mailboxes the person added by address that it still lets
 * them open. One it refuses (authentication or permission) is dropped for good (R1: the renderer
 * purges its cache); one that cannot be checked now stays as it was.
 */
export async function withAddedMailboxes(client: ImapFlow, discovered: SharedMembership[], ctx: AddedContext): Promise<SharedMembership[]> {
  const added = await addedAddresses(ctx.state, ctx.accountId)
  const out = [...discovered]
  const kept: string[] = []
  for (const address of added) {
    if (out.some((m) => m.address === address)) { kept.push(address); continue }
    const now = await stillOpen(client, ctx.login, ctx.template, address, { directory: ctx.directory, me: ctx.me })
    if (now === false) { ctx.log('info', `${address}: the server no longer lets ${ctx.login.user} open it; removed (R1)`); continue }
    kept.push(address)
    const before = ctx.previous.find((m) => m.address === address)
    if (now) out.push(now)
    else if (before) out.push(before)
  }
  if (kept.length !== added.length) await setAddedAddresses(ctx.state, ctx.accountId, kept)
  return out
}
