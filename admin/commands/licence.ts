import { formatSize, parseSize } from '../config'
import { addressArg, kick, mustBeShared, settleAccounts, type Context } from '../context'
import { AdminError } from '../errors'
import type { Licence } from '../account-store'

/**
 * A shared mailbox's licence (R5, R13, R14): without one it holds 50 GB and has no archive and
 * no hold; Exchange Online Plan 2, or Plan 1 with the archiving add-on, gives 100 GB, an
 * auto-expanding archive and litigation hold. Plan 1 alone changes neither size nor features.
 */
export const PLANS: Record<string, { licensed: boolean; archive: string; hold: boolean }> = {
  none: { licensed: false, archive: 'none', hold: false },
  plan1: { licensed: false, archive: 'none', hold: false },
  'plan1+archive': { licensed: true, archive: 'auto-expanding', hold: true },
  plan2: { licensed: true, archive: 'auto-expanding', hold: true },
}

/**
 * `licence SHARED --plan none|plan1|plan1+archive|plan2`: the quota the plan gives (the server
 * holds the mailbox to it), and the archive and hold flags recorded in the account store, where
 * the server and `who-has` read them. A mailbox that holds more than the new quota is refused.
 */
export async function licence(ctx: Context, args: { shared?: string; plan?: string }): Promise<void> {
  const address = addressArg(args.shared, 'shared')
  const plan = (args.plan ?? '').trim().toLowerCase()
  const p = PLANS[plan]
  if (!p) throw new AdminError('planUnknown', { plan: args.plan ?? '', plans: Object.keys(PLANS).join(', ') }, { rule: 'R5' })
  mustBeShared(ctx, address)
  const quota = parseSize(p.licensed ? ctx.cfg.quota.licensed : ctx.cfg.quota.unlicensed)!
  const used = await usedBytes(ctx, address)
  if (used !== null && used > quota) {
    throw new AdminError('planOverQuota', { address, used: formatSize(used), quota: formatSize(quota), plan }, { rule: 'R5' })
  }
  const next: Licence = { plan, archive: p.archive, hold: p.hold }
  const now = ctx.store.licence(address)
  if (ctx.store.quota(address) === quota && now.plan === next.plan && now.archive === next.archive && now.hold === next.hold) return
  ctx.plan.add(p.licensed ? 'admin.change.licenceLicensed' : 'admin.change.licenceUnlicensed', { address, plan, quota: formatSize(quota) }, async () => {
    await ctx.store.setLicence(address, quota, next)
    await settleAccounts(ctx, [address])
  })
  // A running session keeps the quota it started with: members' sessions of the mailbox (delegate
  // logins run as it) are ended, and their Tandem reconnects at once with the new one.
  ctx.plan.add('admin.change.reconnect', { address }, () => kick(ctx, address))
}

/** What the mailbox holds now, from the server's quota (doveadm quota get: kilobytes), or null. */
export async function usedBytes(ctx: Context, address: string): Promise<number | null> {
  const rows = await ctx.doveadm.run<{ type: string; value: string; limit: string }[]>('quotaGet', { user: address }).catch(() => [])
  const storage = rows.find((r) => r.type === 'STORAGE')
  return storage ? Number(storage.value) * 1024 : null
}
