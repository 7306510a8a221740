import type { DirectoryEntry } from '../../electron/service/session/directory'
import { aclOf, memberFolder, ownFolders, MEMBER_RIGHTS, TEAM_READ_RIGHTS, TEAM_RIGHTS, type Context } from '../context'
import { DoveadmCommandError } from '../doveadm'
import { publishEntry } from '../public-folders'
import { reloadPostfix } from '../postfix-maps'

/**
 * The building blocks of membership, grants and the directory, shared by the commands: each adds
 * changes to the plan and changes nothing itself.
 */

/** The rights a member has on one folder of a shared mailbox: Full Access, except under the team folder. */
export function rightsFor(ctx: Context, folder: string, member: string): string[] {
  const team = ctx.cfg.folders.team
  if (!team) return MEMBER_RIGHTS
  if (folder === team) return TEAM_RIGHTS
  if (folder.startsWith(team + ctx.cfg.separator)) {
    // A member's own author folder: only they append there; the others read (confirmed authors).
    return folder === team + ctx.cfg.separator + memberFolder(member) ? TEAM_RIGHTS : TEAM_READ_RIGHTS
  }
  return MEMBER_RIGHTS
}

/** Creates a folder of a mailbox unless it is there; folders made later copy their parent's ACL. */
async function ensureFolder(ctx: Context, mailbox: string, folder: string, existing: string[]): Promise<void> {
  if (existing.includes(folder)) return
  await ctx.doveadm.run('mailboxCreate', { user: mailbox, mailbox: [folder], subscriptions: true }).catch((e: unknown) => {
    // 65: it exists already (made meanwhile).
    if (!(e instanceof DoveadmCommandError && e.exitCode === 65)) throw e
  })
  existing.push(folder)
}

/**
 * Prepares the team folder as docs/team-state.md asks of an administrator: members may only
 * append there (lrsi); with per-member author folders, each member's own under it, where only
 * that member appends and the others read. Created here, its ACL is set for every member (a new
 * folder copies its parent's ACL, which would give members Full Access).
 */
export function planTeamFolder(ctx: Context, mailbox: string, members: () => string[]): void {
  const team = ctx.cfg.folders.team
  if (!team) return
  ctx.plan.add('admin.change.teamFolder', { mailbox, folder: team }, async () => {
    const existing = await ownFolders(ctx, mailbox)
    await ensureFolder(ctx, mailbox, team, existing)
    const wanted = members()
    const acl = await aclOf(ctx, mailbox, team)
    for (const id of acl.keys()) {
      if (id.startsWith('user=') && !wanted.includes(id.slice(5).toLowerCase())) await ctx.doveadm.run('aclDelete', { user: mailbox, mailbox: team, id })
    }
    for (const m of wanted) await setRights(ctx, mailbox, team, m)
    if (ctx.cfg.folders.teamMemberFolders) {
      for (const m of wanted) await ensureAuthorFolder(ctx, mailbox, m, wanted, existing)
    }
  })
}

async function setRights(ctx: Context, mailbox: string, folder: string, member: string): Promise<void> {
  await ctx.doveadm.run('aclSet', { user: mailbox, mailbox: folder, id: `user=${member}`, right: rightsFor(ctx, folder, member) })
}

/** A member's own author folder with its ACL: they append, the other members read. */
async function ensureAuthorFolder(ctx: Context, mailbox: string, member: string, members: string[], existing: string[]): Promise<void> {
  const folder = ctx.cfg.folders.team! + ctx.cfg.separator + memberFolder(member)
  await ensureFolder(ctx, mailbox, folder, existing)
  for (const m of members) await ctx.doveadm.run('aclSet', { user: mailbox, mailbox: folder, id: `user=${m}`, right: m === member ? TEAM_RIGHTS : TEAM_READ_RIGHTS })
}

const sameRights = (a: string[] | undefined, b: string[]) => !!a && a.length === b.length && b.every((r) => a.includes(r))

/**
 * Whether the team folder is not (or no longer) as planTeamFolder leaves it for these members:
 * missing, a right too many or too few, someone else's entry; with author folders, one missing
 * or with rights other than its member's insert and the others' read.
 */
export async function teamFolderNeedsWork(ctx: Context, mailbox: string, members: string[]): Promise<boolean> {
  const team = ctx.cfg.folders.team
  if (!team) return false
  const folders = await ownFolders(ctx, mailbox)
  if (!folders.includes(team)) return true
  const acl = await aclOf(ctx, mailbox, team)
  if ([...acl.keys()].some((id) => id.startsWith('user=') && !members.includes(id.slice(5).toLowerCase()))) return true
  if (members.some((m) => !sameRights(acl.get(`user=${m}`), TEAM_RIGHTS))) return true
  if (!ctx.cfg.folders.teamMemberFolders) return false
  for (const owner of members) {
    const folder = team + ctx.cfg.separator + memberFolder(owner)
    if (!folders.includes(folder)) return true
    const own = await aclOf(ctx, mailbox, folder)
    if (members.some((m) => !sameRights(own.get(`user=${m}`), m === owner ? TEAM_RIGHTS : TEAM_READ_RIGHTS))) return true
  }
  return false
}

/** Whether a member lacks (or has other than) their rights on some folder of the mailbox (a run that stopped part way). */
export async function accessNeedsWork(ctx: Context, mailbox: string, member: string): Promise<boolean> {
  for (const folder of await ownFolders(ctx, mailbox)) {
    if (!sameRights((await aclOf(ctx, mailbox, folder)).get(`user=${member}`), rightsFor(ctx, folder, member))) return true
  }
  return false
}

/**
 * Full Access for a member on every folder of a shared mailbox as it is when the change is made
 * (R1): INBOX too, whose ACL is the default of folders made later (`acl_defaults_from_inbox`), and
 * the team folder's append right; their own author folder where the organisation uses them.
 */
export function planAccess(ctx: Context, mailbox: string, member: string, members: () => string[]): void {
  ctx.plan.add('admin.change.access', { mailbox, member }, async () => {
    const folders = await ownFolders(ctx, mailbox)
    for (const folder of folders) await setRights(ctx, mailbox, folder, member)
    if (ctx.cfg.folders.team && ctx.cfg.folders.teamMemberFolders && folders.includes(ctx.cfg.folders.team)) {
      // Every member's, the newcomer's first: members from before author folders get theirs too.
      for (const m of [member, ...members().filter((x) => x !== member)]) await ensureAuthorFolder(ctx, mailbox, m, members(), folders)
    }
    await ctx.doveadm.run('aclRecalc', { user: mailbox })
  })
}

/** Takes a member's rights away on every folder (R1); their author folder and what they wrote stay. */
export function planNoAccess(ctx: Context, mailbox: string, member: string): void {
  ctx.plan.add('admin.change.noAccess', { mailbox, member }, async () => {
    for (const folder of await ownFolders(ctx, mailbox)) {
      const acl = await aclOf(ctx, mailbox, folder)
      if (acl.has(`user=${member}`)) await ctx.doveadm.run('aclDelete', { user: mailbox, mailbox: folder, id: `user=${member}` })
    }
    await ctx.doveadm.run('aclRecalc', { user: mailbox })
  })
}

/** The directory entry about an address as it is published now, or a new one. */
export function currentEntry(ctx: Context, address: string, name?: string): DirectoryEntry {
  const e = ctx.directory.entries.get(address)?.entry
  return e ? { ...e, sendAs: [...e.sendAs], sendOnBehalf: [...e.sendOnBehalf], members: [...e.members] } : { address, name: name ?? address, sendAs: [], sendOnBehalf: [], members: [] }
}

const same = (a: DirectoryEntry, b: DirectoryEntry) => JSON.stringify(normal(a)) === JSON.stringify(normal(b))
const normal = (e: DirectoryEntry) => ({ ...e, sendAs: [...e.sendAs].sort(), sendOnBehalf: [...e.sendOnBehalf].sort(), members: [...e.members].sort() })

/**
 * Publishes the entry when it differs from the one members' Tandem reads now; also the
 * organisation's domains, when the directory does not list them yet (R7 in every client).
 */
export function planEntry(ctx: Context, entry: DirectoryEntry): void {
  const sorted = normal(entry)
  const domains = [...ctx.cfg.domains].sort()
  if (JSON.stringify(ctx.directory.domains ? [...ctx.directory.domains].sort() : null) !== JSON.stringify(domains)) {
    ctx.plan.add('admin.change.domains', { domains: domains.join(', ') }, () => publishEntry(ctx.doveadm, ctx.cfg, ctx.directory, ctx.cfg.organisation, { domains }))
    ctx.directory.domains = domains
  }
  const before = ctx.directory.entries.get(entry.address)?.entry
  if (before && same(before, sorted)) return
  ctx.plan.add('admin.change.directory', {
    address: entry.address, name: sorted.name, members: list(sorted.members), sendAs: list(sorted.sendAs), sendOnBehalf: list(sorted.sendOnBehalf),
  }, () => publishEntry(ctx.doveadm, ctx.cfg, ctx.directory, entry.address, sorted))
}

const list = (a: string[]) => (a.length ? a.join(', ') : '—')

/** The sender login map's line for an envelope sender: its owner first, then the logins with Send As (R2). */
export function planSenderLogins(ctx: Context, sender: string, logins: string[]): void {
  const now = ctx.maps.senders.get(sender)
  const next = [sender, ...logins.filter((l) => l !== sender).sort()]
  if (now && now.join(',') === next.join(',')) return
  const none = next.length === 1
  ctx.plan.add(none ? 'admin.change.senderLoginsNone' : 'admin.change.senderLogins', none ? { sender } : { sender, logins: list(next) }, async () => {
    ctx.maps.senders.set(sender, next)
    await ctx.maps.senders.write(ctx.cfg.postfix)
  })
  planPostfixReload(ctx)
}

/** One Postfix reload at the end of a command that changed its maps. */
export function planPostfixReload(ctx: Context): void {
  if (ctx.plan.changes.some((c) => c.key === 'admin.change.postfixReload')) return
  ctx.plan.add('admin.change.postfixReload', {}, () => reloadPostfix(ctx.cfg.postfix))
}

/** Keeps the Postfix reload the last change (maps are written before it). */
export function postfixReloadLast(ctx: Context): void {
  const i = ctx.plan.changes.findIndex((c) => c.key === 'admin.change.postfixReload')
  if (i >= 0) ctx.plan.changes.push(...ctx.plan.changes.splice(i, 1))
}

/** The logins the sender login map lets use a shared mailbox's address, the mailbox itself aside. */
export function sendAsLogins(ctx: Context, shared: string): string[] {
  return (ctx.maps.senders.get(shared) ?? []).map((l) => l.toLowerCase()).filter((l) => l !== shared)
}
