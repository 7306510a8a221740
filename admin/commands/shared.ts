import { formatSize, parseSize } from '../config'
import { addressArg, membersOf, mustBeInside, mustBeShared, ownFolders, settleAccounts, waitForAccount, type Context } from '../context'
import { AdminError } from '../errors'
import { withdrawEntries } from '../public-folders'
import { planEntry, planNoAccess, planPostfixReload, planSenderLogins, planTeamFolder, postfixReloadLast } from './membership'

/**
 * `shared create ADDRESS --name NAME [--quota SIZE]`: a shared mailbox whose account can never
 * sign in (R8: no usable password; the R8 passdb and every deny passdb list it, so password and
 * OAuth logins are both refused), with the standard folders, the team folder prepared, a
 * directory entry members' Tandem reads, and Postfix delivering to it.
 */
export async function sharedCreate(ctx: Context, args: { address?: string; name?: string; quota?: string }): Promise<void> {
  const address = addressArg(args.address, 'shared mailbox')
  mustBeInside(ctx, address)
  const name = (args.name ?? '').trim()
  if (!name || name.length > 200) throw new AdminError('usage', { detail: '--name NAME (what members and recipients see, at most 200 characters)' })
  if (ctx.store.kind(address)) throw new AdminError('exists', { address, kind: ctx.store.kind(address)! })
  const unlicensed = parseSize(ctx.cfg.quota.unlicensed)!
  const quota = args.quota === undefined ? unlicensed : parseSize(args.quota)
  if (quota === null) throw new AdminError('quotaBadSize', { value: args.quota ?? '' })
  // R5: more than the unlicensed limit only with a licence (`licence`, afterwards).
  if (quota > unlicensed) throw new AdminError('quotaTooLarge', { quota: formatSize(quota), limit: formatSize(unlicensed), address }, { rule: 'R5' })

  ctx.plan.add('admin.change.account', { address, quota: formatSize(quota) }, async () => {
    // Listed as never signing in before its userdb entry exists: no moment where it could.
    await ctx.store.blockSignIn(address)
    await ctx.store.addSharedAccount(address, quota)
    await waitForAccount(ctx, address)
  })
  ctx.plan.add('admin.change.blockSignIn', { address }, () => settleAccounts(ctx, [address]))
  const folders = ctx.cfg.folders.standard
  ctx.plan.add('admin.change.folders', { address, folders: ['INBOX', ...folders].join(', ') }, async () => {
    const existing = await ownFolders(ctx, address)
    const missing = folders.filter((f) => !existing.includes(f))
    if (missing.length) await ctx.doveadm.run('mailboxCreate', { user: address, mailbox: missing, subscriptions: true })
  })
  planTeamFolder(ctx, address, () => [])
  planEntry(ctx, { address, name, members: [], sendAs: [], sendOnBehalf: [] })
  ctx.plan.add('admin.change.delivery', { address }, async () => {
    ctx.maps.mailboxes.set(address, ['ok'])
    await ctx.maps.mailboxes.write(ctx.cfg.postfix)
  })
  planSenderLogins(ctx, address, [])
  postfixReloadLast(ctx)
}

/**
 * `shared remove ADDRESS [--delete-mail]`: every member's access ends (R1), the directory's
 * entries about it are withdrawn, Postfix no longer delivers to it or lets anyone send as it,
 * and the account leaves the account store. Its mail stays on the server unless --delete-mail.
 */
export async function sharedRemove(ctx: Context, args: { address?: string; deleteMail?: boolean }): Promise<void> {
  const address = addressArg(args.address, 'shared mailbox')
  mustBeShared(ctx, address)
  for (const member of (await membersOf(ctx, address)).keys()) planNoAccess(ctx, address, member)
  const entries = [...ctx.directory.entries.values()].filter((e) => e.entry.address === address)
  if (entries.length) ctx.plan.add('admin.change.withdraw', { address }, () => withdrawEntries(ctx.doveadm, ctx.cfg, entries.map((e) => e.uid)))
  ctx.plan.add('admin.change.noDelivery', { address }, async () => {
    if (ctx.maps.mailboxes.remove(address)) await ctx.maps.mailboxes.write(ctx.cfg.postfix)
    if (ctx.maps.senders.remove(address)) await ctx.maps.senders.write(ctx.cfg.postfix)
  })
  planPostfixReload(ctx)
  if (args.deleteMail) {
    ctx.plan.add('admin.change.deleteMail', { address }, async () => {
      const folders = (await ownFolders(ctx, address)).filter((f) => f !== 'INBOX').sort((a, b) => b.length - a.length)
      if (folders.length) await ctx.doveadm.run('mailboxDelete', { user: address, mailbox: folders, recursive: true })
      await ctx.doveadm.run('expunge', { user: address, query: ['mailbox', 'INBOX', 'all'] })
    })
  }
  ctx.plan.add(args.deleteMail ? 'admin.change.removeAccount' : 'admin.change.removeAccountKeepMail', { address, home: ctx.store.passwd.get(address)?.home || ctx.cfg.accounts.home.replace('%a', address) }, async () => {
    await ctx.store.removeAccount(address)
    await settleAccounts(ctx, [address])
  })
}
