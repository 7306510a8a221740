import type { MessageKey, Params } from '../shared/i18n'
import { addressInDomains } from '../shared/rules/organisation'
import { memberFolderName } from '../shared/team/authors'
import type { AccountStore } from './account-store'
import type { AdminConfig } from './config'
import { DoveadmCommandError, type Doveadm } from './doveadm'
import { AdminError } from './errors'
import type { PostfixMap } from './postfix-maps'
import type { DirectoryState } from './public-folders'

/** One change a command makes, said for people, and how it is made. */
export interface Change {
  key: MessageKey
  params: Params
  apply: () => Promise<void>
}

/** What a command will change, in order; nothing is changed until it is applied (never with --dry-run). */
export class Plan {
  readonly changes: Change[] = []

  add(key: MessageKey, params: Params, apply: () => Promise<void>): void {
    this.changes.push({ key, params, apply })
  }
}

/** What every command works with: the configuration, the servers, and the organisation as it is now. */
export interface Context {
  cfg: AdminConfig
  doveadm: Doveadm
  store: AccountStore
  maps: { senders: PostfixMap; mailboxes: PostfixMap }
  directory: DirectoryState
  plan: Plan
}

/** Rights a member gets on each folder of a shared mailbox: Exchange's Full Access (R1). */
export const MEMBER_RIGHTS = ['lookup', 'read', 'write', 'write-seen', 'write-deleted', 'insert', 'post', 'expunge', 'create', 'delete']
/** Members' rights on the team folder (docs/team-state.md): look, read, seen, insert — an append-only log. */
export const TEAM_RIGHTS = ['lookup', 'read', 'write-seen', 'insert']
/** Other members' rights on a member's own author folder under it: look and read. */
export const TEAM_READ_RIGHTS = ['lookup', 'read']

const ADDRESS = /^[^@\s"<>,;:]+@[a-z0-9.-]+\.[a-z0-9-]+$/i

/** What an address on the command line stands for, as a refusal names it (admin.what.*). */
export type AddressRole = 'shared' | 'person' | 'member'

/** A command line address, lower case, or a refusal naming it. */
export function addressArg(value: string | undefined, what: AddressRole): string {
  const a = (value ?? '').trim().toLowerCase()
  if (!ADDRESS.test(a)) throw new AdminError('badAddress', { value: value ?? '' }, { phrases: { what: { key: `admin.what.${what}` } } })
  return a
}

/** R7: only people inside the organisation's domains; refused before anything changes. */
export function mustBeInside(ctx: Context, address: string): void {
  if (!addressInDomains(address, ctx.cfg.domains)) {
    throw new AdminError('outsideOrganisation', { address, organisation: ctx.cfg.organisation, domains: ctx.cfg.domains.join(', ') }, { rule: 'R7' })
  }
}

/** A person of the organisation (signs in, not a shared mailbox), inside its domains (R7). */
export function mustBePerson(ctx: Context, address: string): void {
  mustBeInside(ctx, address)
  const kind = ctx.store.kind(address)
  if (kind === 'shared') throw new AdminError('memberIsMailbox', { address }, { rule: 'R8' })
  if (kind !== 'person') throw new AdminError('notAPerson', { address, organisation: ctx.cfg.organisation })
}

/** A shared mailbox of the organisation. */
export function mustBeShared(ctx: Context, address: string): void {
  if (ctx.store.kind(address) !== 'shared') {
    throw new AdminError('notShared', { address })
  }
}

/** A mailbox's own folders as doveadm names them (INBOX included), without other namespaces' folders. */
export async function ownFolders(ctx: Context, mailbox: string): Promise<string[]> {
  const rows = await ctx.doveadm.run<{ mailbox: string }[]>('mailboxList', { user: mailbox })
  return rows.map((r) => r.mailbox).filter((f) => !ctx.cfg.otherNamespaces.some((p) => f === p.replace(/.$/, '') || f.startsWith(p))).sort()
}

/** The ACL entries of a folder: identifier → rights (doveadm's names). */
export async function aclOf(ctx: Context, mailbox: string, folder: string): Promise<Map<string, string[]>> {
  const rows = await ctx.doveadm.run<{ id: string; rights: string }[]>('aclGet', { user: mailbox, mailbox: folder })
  return new Map(rows.map((r) => [r.id, r.rights.split(/\s+/).filter(Boolean)]))
}

/** The members of a shared mailbox as the server holds them: who may look and read its INBOX (R1). */
export async function membersOf(ctx: Context, shared: string): Promise<Map<string, string[]>> {
  const acl = await aclOf(ctx, shared, 'INBOX')
  const out = new Map<string, string[]>()
  for (const [id, rights] of acl) {
    if (id.startsWith('user=') && rights.includes('lookup') && rights.includes('read')) out.set(id.slice(5).toLowerCase(), rights)
  }
  return out
}

/**
 * A member's folder under the team folder (docs/team-state.md, "Authors"), named by the very
 * function a member's Tandem reads the names with: the two never disagree.
 */
export const memberFolder = memberFolderName

/**
 * Dovecot reads a changed passwd-file again at its next lookup, but at most once a second: after
 * the account store changed, waits that second out, then empties the auth cache for the accounts
 * (nothing is reloaded: a Dovecot reload would break Postfix's SASL for a moment).
 */
export async function settleAccounts(ctx: Context, addresses: string[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 1100))
  await ctx.doveadm.run('authCacheFlush', { user: addresses })
}

/** Waits until Dovecot's userdb knows a new account (its passwd-file read again), at most 10 s. */
export async function waitForAccount(ctx: Context, address: string): Promise<void> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const found = await ctx.doveadm.run<Record<string, unknown>>('user', { userMask: [address] }).then((r) => !!r && address in r, () => false)
    if (found) return
    if (Date.now() > deadline) throw new AdminError('accountNotSeen', { address, path: ctx.cfg.accounts.passwd })
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** Ends every open IMAP session logged in as the account (doveadm kick; 68: none was open). */
export async function kick(ctx: Context, address: string): Promise<void> {
  await ctx.doveadm.run('kick', { mask: [address] }).catch((e: unknown) => {
    if (!(e instanceof DoveadmCommandError && e.exitCode === 68)) throw e
  })
}
