import { addressArg, membersOf, mustBeShared, MEMBER_RIGHTS, type Context } from '../context'
import { AdminError, usage } from '../errors'
import { readAudit, type AuditRecord } from '../public-folders'
import { sendAsLogins } from './membership'
import { usedBytes } from './licence'

/** One member of a shared mailbox, as the server and the directory hold it. */
export interface MemberAccess {
  address: string
  /** Full Access on INBOX (R1); false: some rights only. */
  full: boolean
  /** Send As: in the directory / in Postfix's sender login map (R2). */
  sendAs: { directory: boolean; postfix: boolean }
  /** On Behalf: in the directory (R3; nothing at Postfix checks it). */
  sendOnBehalf: boolean
}

export interface WhoHas {
  address: string
  name: string | null
  quota: { limit: number | null; used: number | null }
  licence: { plan: string; archive: string; hold: boolean }
  members: MemberAccess[]
  /** Where the directory and the server disagree: what the administrator should look at. */
  drift: { key: 'notInDirectory' | 'onlyInDirectory' | 'sendAsOnlyPostfix' | 'sendAsOnlyDirectory'; address: string }[]
}

/** `who-has SHARED`: who may open it, send as it and send on behalf of it, and where the sources disagree. */
export async function whoHas(ctx: Context, args: { shared?: string }): Promise<WhoHas> {
  const address = addressArg(args.shared, 'shared')
  mustBeShared(ctx, address)
  const acl = await membersOf(ctx, address)
  const entry = ctx.directory.entries.get(address)?.entry ?? null
  const postfix = sendAsLogins(ctx, address)
  const everyone = [...new Set([...acl.keys(), ...(entry?.sendOnBehalf ?? []), ...(entry?.sendAs ?? []), ...postfix])].sort()
  const members = everyone.filter((a) => acl.has(a)).map((a): MemberAccess => ({
    address: a,
    full: MEMBER_RIGHTS.every((r) => acl.get(a)!.includes(r)),
    sendAs: { directory: entry?.sendAs.includes(a) ?? false, postfix: postfix.includes(a) },
    sendOnBehalf: entry?.sendOnBehalf.includes(a) ?? false,
  }))
  const drift: WhoHas['drift'] = []
  for (const a of acl.keys()) if (entry && !entry.members.includes(a)) drift.push({ key: 'notInDirectory', address: a })
  for (const a of entry?.members ?? []) if (!acl.has(a)) drift.push({ key: 'onlyInDirectory', address: a })
  for (const a of postfix) if (!entry?.sendAs.includes(a)) drift.push({ key: 'sendAsOnlyPostfix', address: a })
  for (const a of entry?.sendAs ?? []) if (!postfix.includes(a)) drift.push({ key: 'sendAsOnlyDirectory', address: a })
  return {
    address, name: entry?.name ?? null,
    quota: { limit: ctx.store.quota(address), used: await usedBytes(ctx, address) },
    licence: ctx.store.licence(address), members, drift,
  }
}

export interface Access {
  address: string
  kind: string
  mailboxes: { address: string; name: string | null; full: boolean; sendAs: boolean; sendOnBehalf: boolean }[]
}

/** `access PERSON`: the shared mailboxes they may open, send as and send on behalf of. */
export async function access(ctx: Context, args: { person?: string }): Promise<Access> {
  const person = addressArg(args.person, 'person')
  const kind = ctx.store.kind(person)
  if (!kind) throw new AdminError('notAPerson', { address: person, organisation: ctx.cfg.organisation })
  const mailboxes: Access['mailboxes'] = []
  for (const shared of ctx.store.accounts('shared')) {
    const acl = await membersOf(ctx, shared)
    const entry = ctx.directory.entries.get(shared)?.entry ?? null
    const sendAs = sendAsLogins(ctx, shared).includes(person)
    const onBehalf = entry?.sendOnBehalf.includes(person) ?? false
    if (!acl.has(person) && !sendAs && !onBehalf) continue
    mailboxes.push({ address: shared, name: entry?.name ?? null, full: MEMBER_RIGHTS.every((r) => acl.get(person)?.includes(r)), sendAs, sendOnBehalf: onBehalf })
  }
  return { address: person, kind, mailboxes }
}

/** `audit [--limit N]`: the newest audit records, newest first. */
export async function audit(ctx: Context, args: { limit?: string }): Promise<{ records: AuditRecord[] }> {
  const limit = args.limit === undefined ? 20 : Number(args.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw usage({ key: 'admin.usage.limit' }, 'tandem-admin audit [--limit N]')
  return { records: await readAudit(ctx.doveadm, ctx.cfg, limit) }
}
