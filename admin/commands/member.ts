import { addressArg, membersOf, mustBeInside, mustBePerson, mustBeShared, type Context } from '../context'
import { accessNeedsWork, currentEntry, planAccess, planEntry, planNoAccess, planSenderLogins, planTeamFolder, postfixReloadLast, sendAsLogins, teamFolderNeedsWork } from './membership'

/**
 * `member add SHARED PERSON`: Full Access on every folder of the shared mailbox, folders made
 * later included (R1), only for a person of the organisation (R7: anyone else is refused before
 * anything changes), and the directory entry's members. Run again, it puts right what is not
 * as it should be (a run that stopped part way) and otherwise changes nothing.
 */
export async function memberAdd(ctx: Context, args: { shared?: string; person?: string }): Promise<void> {
  const shared = addressArg(args.shared, 'shared')
  const person = addressArg(args.person, 'person')
  // R7 first: an outside address is refused whatever else is wrong.
  mustBeInside(ctx, person)
  mustBeShared(ctx, shared)
  mustBePerson(ctx, person)
  const members = [...(await membersOf(ctx, shared)).keys()]
  const all = [...new Set([...members, person])].sort()
  // The team folder, missing or not as it should be for the members there are, is prepared for every member.
  if (await teamFolderNeedsWork(ctx, shared, members)) planTeamFolder(ctx, shared, () => all)
  if (!members.includes(person) || await accessNeedsWork(ctx, shared, person)) planAccess(ctx, shared, person, () => all)
  const entry = currentEntry(ctx, shared)
  planEntry(ctx, { ...entry, members: all })
}

/**
 * `member remove SHARED PERSON`: their rights on every folder end (R1: their Tandem drops the
 * mailbox and purges its cache at its next refresh), and with them their grants: the directory
 * entry and the sender login map no longer name them. Someone who is no member: nothing to change.
 */
export async function memberRemove(ctx: Context, args: { shared?: string; person?: string }): Promise<void> {
  const shared = addressArg(args.shared, 'shared')
  const person = addressArg(args.person, 'person')
  mustBeShared(ctx, shared)
  planMemberRemoval(ctx, shared, person, await membersOf(ctx, shared))
  postfixReloadLast(ctx)
}

/** The changes that end one membership, and what is left of one (used by `member remove` and by `convert` for the converted person's own). */
export function planMemberRemoval(ctx: Context, shared: string, person: string, members: Map<string, string[]>): void {
  const entry = currentEntry(ctx, shared)
  const sendAs = sendAsLogins(ctx, shared)
  if (members.has(person)) planNoAccess(ctx, shared, person)
  const rest = [...members.keys()].filter((m) => m !== person).sort()
  const named = entry.members.includes(person) || entry.sendAs.includes(person) || entry.sendOnBehalf.includes(person)
  if (members.has(person) || named) {
    planEntry(ctx, { ...entry, members: rest, sendAs: entry.sendAs.filter((a) => a !== person), sendOnBehalf: entry.sendOnBehalf.filter((a) => a !== person) })
  }
  if (sendAs.includes(person)) planSenderLogins(ctx, shared, sendAs.filter((a) => a !== person))
}
