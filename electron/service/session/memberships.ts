import { mailboxKey } from '../../../shared/ids'
import { membershipChange } from '../../../shared/rules/membership'
import type { Grants, Mailbox, Session } from '../../../shared/domain'
import type { SharedMembership } from './directory'
import type { ImapLogin } from '../imap/connect'
import { MailboxRuntime, type RuntimeOptions } from '../imap/mailbox-runtime'
import { delegateLogin } from './added-mailboxes'

/** The parts of a signed-in session that follow the person's memberships. */
export interface SessionMailboxes {
  session: Session
  login: ImapLogin
  runtimes: Map<string, MailboxRuntime>
  /**
   * Send As / On Behalf grants per shared mailbox, as the administrator published them (read
   * only: Tandem never writes them, and nothing the renderer says changes them).
   */
  grants: Map<string, Grants>
}

/**
 * Adds a runtime for each new membership and stops those the server no longer grants (R1); the
 * grants and names follow the directory entries. `lastSeen` (an offline start) gives the quotas
 * known before; then nothing waits for the server.
 */
export async function reconcileMemberships(active: SessionMailboxes, memberships: SharedMembership[], lastSeen: Mailbox[], options: RuntimeOptions): Promise<void> {
  const template = active.session.account.server.delegateLogin
  const wanted = new Map(memberships.map((m) => [mailboxKey('shared', m.address), m]))
  const change = membershipChange([...active.runtimes.values()].map((r) => r.mailbox), [...wanted.keys()])
  for (const id of change.remove) {
    const runtime = active.runtimes.get(id)!
    active.runtimes.delete(id)
    active.grants.delete(id)
    await runtime.stop()
  }
  for (const [id, m] of wanted) {
    active.grants.set(id, { sendAs: m.entry?.sendAs ?? [], sendOnBehalf: m.entry?.sendOnBehalf ?? [] })
    if (m.warning) options.log?.('warn', `${m.address}: ${m.warning.message}`)
    const existing = active.runtimes.get(id)
    if (existing) {
      // The extras are recomputed from the membership: a warning or flag no longer true goes.
      const { warning: _w, added: _a, unpublishedGrants: _u, members: _m, ...base } = existing.mailbox
      existing.mailbox = { ...base, name: m.entry?.name ?? m.address, ...extras(m) }
      continue
    }
    const seen = lastSeen.find((x) => x.id === id)
    const quota = seen?.quota ?? null
    const mailbox: Mailbox = { id, accountId: active.session.account.id, kind: 'shared', address: m.address, name: m.entry?.name ?? m.address, quota, ...(seen?.quotaReported === false ? { quotaReported: false } : {}), ...extras(m) }
    const delegate = delegateLogin(active.login, template, m.address)
    // The mailbox's own session where the server offers one; else inside the person's session.
    const runtime = delegate
      ? new MailboxRuntime(mailbox, delegate, { kind: 'session' }, options)
      : new MailboxRuntime(mailbox, active.login, { kind: 'namespace', inboxPath: m.sharedPath, prefix: m.prefix }, options)
    active.runtimes.set(id, runtime)
    // Starting offline: the mailbox is there from the cache at once; its quota comes when it connects.
    const refreshing = runtime.refreshQuota().catch(() => null)
    if (!lastSeen.length) await refreshing
  }
  publishMailboxes(active)
}

/** What a mailbox says about how it is set up: a warning, opened by address, no published grants. */
function extras(m: SharedMembership): Partial<Mailbox> {
  return {
    ...(m.warning ? { warning: m.warning } : {}), ...(m.added ? { added: true } : {}), ...(m.entry ? {} : { unpublishedGrants: true }),
    ...(m.entry?.members.length ? { members: m.entry.members } : {}),
  }
}

/** The session's mailboxes as the runtimes hold them now (quota included): own first, then by name. */
export function publishMailboxes(active: SessionMailboxes): void {
  active.session = {
    ...active.session,
    mailboxes: [...active.runtimes.values()].map((r) => r.mailbox)
      .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'own' ? -1 : 1)),
  }
}
