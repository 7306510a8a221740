import type { FetchMessageObject, FetchQueryObject, ImapFlow } from 'imapflow'
/**
 * UID sets that fit any server's command line. Servers refuse long command lines at lengths of
 * their own choosing, and say so only by refusing: Dovecot at 64 KB by default, Exchange Online
 * from a few KB ("Command Argument Error"), others lower. RFC 2683 (section 3.2.1.5) asks
 * clients to keep command lines to about 1000 octets, so Tandem writes every UID set as ranges
 * ("1:5,8,10:12") and sends any set longer than that as several commands of one set each.
 */

/** The most octets one UID set may take: RFC 2683's ~1000 for the line, less room for the command around it. */
export const MAX_SET_OCTETS = 900

/** UIDs as ranges, ascending, each UID once: [first, last] pairs. */
function ranges(uids: Iterable<number>): [number, number][] {
  const sorted = [...new Set(uids)].filter((u) => Number.isSafeInteger(u) && u > 0).sort((a, b) => a - b)
  const out: [number, number][] = []
  for (const u of sorted) {
    const last = out.at(-1)
    if (last && u === last[1] + 1) last[1] = u
    else out.push([u, u])
  }
  return out
}

const rangeText = ([a, b]: [number, number]): string => (a === b ? String(a) : `${a}:${b}`)

/**
 * The UIDs as IMAP sequence sets of at most `maxOctets` octets each (ascending, each UID once),
 * to send one command per set. Empty for no UIDs.
 */
export function uidSets(uids: Iterable<number>, maxOctets = MAX_SET_OCTETS): string[] {
  const sets: string[] = []
  let current = ''
  for (const r of ranges(uids)) {
    const text = rangeText(r)
    if (current && current.length + 1 + text.length > maxOctets) {
      sets.push(current)
      current = ''
    }
    current = current ? `${current},${text}` : text
  }
  if (current) sets.push(current)
  return sets
}

/**
 * A UID FETCH of any number of UIDs, as one command per set that fits the line (`uidSets`),
 * the answers in one stream.
 */
export async function* fetchInSets(client: ImapFlow, uids: Iterable<number>, query: FetchQueryObject): AsyncGenerator<FetchMessageObject> {
  for (const set of uidSets(uids)) yield* client.fetch(set, query, { uid: true })
}
