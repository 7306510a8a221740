import { formatSize, parseSize } from '../config'
import { addressArg, membersOf, mustBeInside, mustBeShared, ownFolders, settleAccounts, waitForAccount, type Context } from '../context'
import { AdminError, usage } from '../errors'
import { withdrawEntries } from '../public-folders'
import { currentEntry, planEntry, planNoAccess, planPostfixReload, planSenderLogins, planTeamFolder, postfixReloadLast, sendAsLogins, teamFolderNeedsWork } from './membership'
import { PLANS } from './licence'

/**
 * `shared create ADDRESS --name NAME [--quota SIZE]`: a shared mailbox whose account can never
 * sign in (R8: no usable password; the R8 passdb and every deny passdb list it, so password and
 * OAuth logins are both refused), with the standard folders, the team folder prepared, a
 * directory entry members' Tandem reads, and Postfix delivering to it. Run again for a shared
 * mailbox that exists (one a run left half made, say), it makes only what is missing.
 */
export async function sharedCreate(ctx: Context, args: { address?: string; name?: string; quota?: string }): Promise<void> {
  const address = addressArg(args.address, 'shared')
  mustBeInside(ctx, address)
  const name = (args.name ?? '').trim()
  if (!name || name.length > 200) throw usage({ key: 'admin.usage.name' }, 'tandem-admin shared create ADDRESS --name NAME [--quota SIZE]')
  const kind = ctx.store.kind(address)
  if (kind && kind !== 'shared') throw new AdminError('exists', { address }, { phrases: { kind: { key: `admin.kind.${kind}` } } })
  const again = kind === 'shared'
  const licensed = again && PLANS[ctx.store.licence(address).plan]?.licensed
  const limit = parseSize(licensed ? ctx.cfg.quota.licensed : ctx.cfg.quota.unlicensed)!
  const quota = args.quota === undefined ? (again ? null : limit) : parseSize(args.quota)
  if (args.quota !== undefined && quota === null) throw new AdminError('quotaBadSize', { value: args.quota })
  // R5: more than the unlicensed limit only with a licence (`licence`, afterwards).
  if (quota !== null && quota > limit) throw new AdminError('quotaTooLarge', { quota: formatSize(quota), limit: formatSize(limit), address }, { rule: 'R5' })

  if (!again) {
    ctx.plan.add('admin.change.account', { address, quota: formatSize(quota!) }, async () => {
      // Listed as never signing in before its userdb entry exists: no moment where it could.
      await ctx.store.blockSignIn(address)
      await ctx.store.addSharedAccount(address, quota!)
      await waitForAccount(ctx, address)
    })
    ctx.plan.add('admin.change.blockSignIn', { address }, () => settleAccounts(ctx, [address]))
  } else {
    if (!ctx.store.signInBlocked(address)) {
      ctx.plan.add('admin.change.blockSignIn', { address }, async () => {
        await ctx.store.blockSignIn(address)
        await settleAccounts(ctx, [address])
      })
    }
    const was = ctx.store.quota(address)
    if (quota !== null && was !== quota) {
      ctx.plan.add('admin.change.quota', { address, quota: formatSize(quota), was: was === null ? '—' : formatSize(was) }, async () => {
        await ctx.store.setLicence(address, quota, ctx.store.licence(address))
        await settleAccounts(ctx, [address])
      })
    }
  }
  const folders = ctx.cfg.folders.standard
  const existing = again ? await ownFolders(ctx, address) : []
  if (folders.some((f) => !existing.includes(f))) {
    ctx.plan.add('admin.change.folders', { address, folders: ['INBOX', ...folders].join(', ') }, async () => {
      const now = await ownFolders(ctx, address)
      const missing = folders.filter((f) => !now.includes(f))
      if (missing.length) await ctx.doveadm.run('mailboxCreate', { user: address, mailbox: missing, subscriptions: true })
    })
  }
  const members = again ? [...(await membersOf(ctx, address)).keys()].sort() : []
  if (!again || await teamFolderNeedsWork(ctx, address, members)) planTeamFolder(ctx, address, () => members)
  planEntry(ctx, { ...currentEntry(ctx, address), name, members })
  if (!ctx.maps.mailboxes.get(address)) {
    ctx.plan.add('admin.change.delivery', { address }, async () => {
      ctx.maps.mailboxes.set(address, ['ok'])
      await ctx.maps.mailboxes.write(ctx.cfg.postfix)
    })
    planPostfixReload(ctx)
  }
  planSenderLogins(ctx, address, sendAsLogins(ctx, address))
  postfixReloadLast(ctx)
}

/**
 * `shared remove ADDRESS [--delete-mail]`: every member's access ends (R1), the directory's
 * entries about it are withdrawn, Postfix no longer delivers to it or lets anyone send as it,
 * and the account leaves the account store. Its mail stays on the server unless --delete-mail.
 * Run again after it is gone, it removes what is left (a map line, a directory entry), if anything.
 */
export async function sharedRemove(ctx: Context, args: { address?: string; deleteMail?: boolean }): Promise<void> {
  const address = addressArg(args.address, 'shared')
  const gone = ctx.store.kind(address) === null
  if (!gone) mustBeShared(ctx, address)
  if (!gone) for (const member of (await membersOf(ctx, address)).keys()) planNoAccess(ctx, address, member)
  const uids = ctx.directory.uids.get(address) ?? []
  if (uids.length) ctx.plan.add('admin.change.withdraw', { address }, () => withdrawEntries(ctx.doveadm, ctx.cfg, uids))
  if (ctx.maps.mailboxes.get(address) || ctx.maps.senders.get(address)) {
    ctx.plan.add('admin.change.noDelivery', { address }, async () => {
      if (ctx.maps.mailboxes.remove(address)) await ctx.maps.mailboxes.write(ctx.cfg.postfix)
      if (ctx.maps.senders.remove(address)) await ctx.maps.senders.write(ctx.cfg.postfix)
    })
    planPostfixReload(ctx)
  }
  if (gone) return
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
