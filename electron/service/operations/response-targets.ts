import type { ImapFlow } from 'imapflow'
import { DELIVERY_TRACE_FIELDS } from '../../../shared/rules/delivered'
import {
  MAX_TARGETS_MESSAGE, RESPONSE_TARGETS_HEADER, serialiseResponseTargets, TARGETS_LOOK_AT, targetsChanges, type ResponseTargets,
} from '../../../shared/rules/response-targets'
import { headerFields, headerJsonMessage } from './team'
import { fetchInSets } from '../imap/uid-sets'
import { placedWith } from '../imap/placed-search'
import { dropped } from './sync'

/**
 * A shared mailbox's response targets in its team folder (shared/rules/response-targets.ts), as
 * its signature is kept (operations/shared-signature.ts): one message per change, found by its
 * header with one SEARCH that leaves delivered mail out, the newest by UID current. Bounded: the
 * newest TARGETS_LOOK_AT, only those a record fits in, only their header fields.
 */

/** The targets' well-formed changes in the team folder at `path` (the folder must exist), newest first. */
export async function readResponseTargets(client: ImapFlow, path: string): Promise<(ResponseTargets & { uid: number })[]> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    // An open folder keeps its old view until told to sync.
    await client.noop()
    const found = ((await client.search(placedWith(RESPONSE_TARGETS_HEADER), { uid: true })) || []).sort((a, b) => b - a).slice(0, TARGETS_LOOK_AT)
    if (!found.length) return []
    const sizes = new Map<number, number>()
    for await (const m of fetchInSets(client, found, { uid: true, size: true })) sizes.set(m.uid, m.size ?? 0)
    dropped(client)
    const small = found.filter((u) => (sizes.get(u) ?? Number.MAX_SAFE_INTEGER) <= MAX_TARGETS_MESSAGE)
    const messages: { uid: number; fields: Map<string, string> }[] = []
    if (small.length) {
      for await (const m of fetchInSets(client, small, { uid: true, headers: [RESPONSE_TARGETS_HEADER, ...DELIVERY_TRACE_FIELDS] })) messages.push({ uid: m.uid, fields: headerFields(m.headers) })
      dropped(client)
    }
    return targetsChanges(messages)
  } finally {
    lock.release()
  }
}

/** Targets as a message for the team folder: a sentence for people in other clients and the JSON in a header. */
export function targetsMessage(t: ResponseTargets, fromName: string, subject: string, explain: string): Promise<Buffer> {
  return headerJsonMessage({ header: RESPONSE_TARGETS_HEADER, json: serialiseResponseTargets(t), v: t.v, by: t.by, at: t.at, messageId: targetsMessageId(t.id), fromName, subject, explain })
}

/** A targets message's Message-ID: its id, so a replayed change is found, not appended twice. */
export const targetsMessageId = (id: string): string => `<${id}@targets.tandem.invalid>`
