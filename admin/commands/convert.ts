import { formatSize, parseSize } from '../config'
import { addressArg, kick, membersOf, mustBeInside, mustBePerson, settleAccounts, type Context } from '../context'
import { AdminError } from '../errors'
import { accessNeedsWork, currentEntry, planAccess, planEntry, planTeamFolder, postfixReloadLast, teamFolderNeedsWork } from './membership'
import { planMemberRemoval } from './member'
import { usedBytes } from './licence'

/**
 * `convert PERSON --to-shared [--members A,B] [--name NAME]` (R11): the person's mailbox becomes
 * a shared mailbox and keeps every message. From then on every passdb refuses the account (R8's
 * reason for IMAP, password and token alike; deny for SMTP AUTH), it is no master login, its open
 * sessions are ended, and the organisation's sign-in provider — where it reads the account store,
 * as the test stack's does — refuses its refresh tokens. Members are added in the same step; the
 * person's own memberships of other shared mailboxes end. Run again (a run that stopped part way,
 * more members), it makes only what is missing; the members it had stay.
 */
export async function convert(ctx: Context, args: { person?: string; members?: string; name?: string }): Promise<void> {
  const address = addressArg(args.person, 'person')
  mustBeInside(ctx, address)
  const again = ctx.store.kind(address) === 'shared'
  if (!again) mustBePerson(ctx, address)
  const members = [...new Set((args.members ?? '').split(',').map((m) => m.trim()).filter(Boolean).map((m) => addressArg(m, 'member')))]
  // R7 for every member before anything changes: one outside address refuses the whole step.
  for (const m of members) mustBeInside(ctx, m)
  for (const m of members) {
    if (m === address) throw new AdminError('memberIsMailbox', { address: m }, { rule: 'R8' })
    mustBePerson(ctx, m)
  }
  // R5: a person's quota may be above what an unlicensed shared mailbox holds.
  const unlicensed = parseSize(ctx.cfg.quota.unlicensed)!
  const quota = ctx.store.quota(address)
  const licence = ctx.store.licence(address)
  if (quota !== null && quota > unlicensed && licence.plan === 'none') {
    const used = await usedBytes(ctx, address)
    if (used !== null && used > unlicensed) throw new AdminError('planOverQuota', { address, used: formatSize(used), quota: formatSize(unlicensed), plan: 'none' }, { rule: 'R5' })
    ctx.plan.add('admin.change.quotaLowered', { address, quota: formatSize(unlicensed), was: formatSize(quota) }, () => ctx.store.setLicence(address, unlicensed, licence))
  }

  if (!ctx.store.signInBlocked(address)) {
    ctx.plan.add('admin.change.blockSignIn', { address }, async () => {
      await ctx.store.blockSignIn(address)
      await settleAccounts(ctx, [address])
    })
    ctx.plan.add('admin.change.kick', { address }, () => kick(ctx, address))
  }
  // The memberships the person had end with their sign-in.
  for (const shared of ctx.store.accounts('shared')) {
    if (shared === address) continue
    const of = await membersOf(ctx, shared)
    if (of.has(address)) planMemberRemoval(ctx, shared, address, of)
  }
  const had = again ? [...(await membersOf(ctx, address)).keys()] : []
  const all = [...new Set([...had, ...members])].sort()
  if (await teamFolderNeedsWork(ctx, address, had)) planTeamFolder(ctx, address, () => all)
  for (const m of members) {
    if (!had.includes(m) || await accessNeedsWork(ctx, address, m)) planAccess(ctx, address, m, () => all)
  }
  const entry = currentEntry(ctx, address, ctx.store.fullName(address) ?? undefined)
  // A person's grants were theirs to give no one: the shared mailbox starts with none; a rerun keeps those made since.
  planEntry(ctx, {
    ...entry, name: args.name?.trim() || entry.name, members: all,
    sendAs: again ? entry.sendAs : [], sendOnBehalf: again ? entry.sendOnBehalf : [],
  })
  postfixReloadLast(ctx)
}
