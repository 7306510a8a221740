import { addressArg, membersOf, mustBeInside, mustBePerson, mustBeShared, type Context } from '../context'
import { AdminError, usage } from '../errors'
import { currentEntry, planEntry, planSenderLogins, postfixReloadLast, sendAsLogins } from './membership'

export type GrantKind = 'send-as' | 'send-on-behalf'

function kindArg(value: string | undefined): GrantKind {
  if (value === 'send-as' || value === 'send-on-behalf') return value
  throw usage({ key: 'admin.usage.grantKind', params: { value: value ?? '' } }, 'tandem-admin grant|revoke SHARED PERSON send-as|send-on-behalf')
}

/**
 * `grant SHARED PERSON send-as|send-on-behalf` (R2, R3): published in the directory, which every
 * member's Tandem reads; Send As also in Postfix's sender login map, so the server itself
 * refuses it to anyone else. Only a member may be granted (and only a person inside, R7).
 */
export async function grant(ctx: Context, args: { shared?: string; person?: string; kind?: string }): Promise<void> {
  const shared = addressArg(args.shared, 'shared')
  const person = addressArg(args.person, 'person')
  const kind = kindArg(args.kind)
  mustBeInside(ctx, person)
  mustBeShared(ctx, shared)
  mustBePerson(ctx, person)
  const members = await membersOf(ctx, shared)
  if (!members.has(person)) throw new AdminError('notMember', { shared, person }, { rule: kind === 'send-as' ? 'R2' : 'R3' })
  const entry = currentEntry(ctx, shared)
  const add = (list: string[]) => [...new Set([...list, person])]
  planEntry(ctx, { ...entry, members: [...new Set([...entry.members, ...members.keys()])], ...(kind === 'send-as' ? { sendAs: add(entry.sendAs) } : { sendOnBehalf: add(entry.sendOnBehalf) }) })
  if (kind === 'send-as') planSenderLogins(ctx, shared, add(sendAsLogins(ctx, shared)))
  postfixReloadLast(ctx)
}

/**
 * `revoke SHARED PERSON send-as|send-on-behalf`: the grant leaves the directory (and, for Send
 * As, the sender login map: Postfix refuses it from then on, 553). Membership stays: members'
 * Tandem only loses the identity.
 */
export async function revoke(ctx: Context, args: { shared?: string; person?: string; kind?: string }): Promise<void> {
  const shared = addressArg(args.shared, 'shared')
  const person = addressArg(args.person, 'person')
  const kind = kindArg(args.kind)
  mustBeShared(ctx, shared)
  const entry = currentEntry(ctx, shared)
  const drop = (list: string[]) => list.filter((a) => a !== person)
  planEntry(ctx, { ...entry, ...(kind === 'send-as' ? { sendAs: drop(entry.sendAs) } : { sendOnBehalf: drop(entry.sendOnBehalf) }) })
  if (kind === 'send-as') planSenderLogins(ctx, shared, drop(sendAsLogins(ctx, shared)))
  postfixReloadLast(ctx)
}
