import type { ImapFlow } from 'imapflow'
import { DELIVERY_TRACE_FIELDS } from '../../../shared/rules/delivered'
import {
  currentSharedSignature, MAX_SIGNATURE_HTML, serialiseSharedSignature, SIGNATURE_HEADER, type SharedSignature,
} from '../../../shared/rules/shared-signature'
import { headerFields, headerJsonMessage } from './team'
import { fetchInSets } from '../imap/uid-sets'
import { placedWith } from '../imap/placed-search'
import { dropped } from './sync'

/**
 * A shared mailbox's signature in its team folder (shared/rules/shared-signature.ts): one
 * message per change, found by its header with one SEARCH, the newest by UID current. The
 * folder is the team state's (docs/team-state.md): members may append there (and, with the
 * administrator's lrsi, not delete), outsiders cannot; mail delivered into it is never read as one.
 */

/** The most a signature message can be: its JSON in base64 in a header, and again in its text for people. */
const MAX_SIGNATURE_MESSAGE = MAX_SIGNATURE_HTML * 24
/** How many of the newest signature messages are looked at: enough to pass over a few hostile ones. */
const LOOK_AT = 20

/** The current signature of the team folder at `path` (the folder must exist), or null. */
export async function readSharedSignature(client: ImapFlow, path: string): Promise<(SharedSignature & { uid: number }) | null> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    // An open folder keeps its old view until told to sync.
    await client.noop()
    const found = ((await client.search(placedWith(SIGNATURE_HEADER), { uid: true })) || []).sort((a, b) => b - a).slice(0, LOOK_AT)
    if (!found.length) return null
    const sizes = new Map<number, number>()
    for await (const m of fetchInSets(client, found, { uid: true, size: true })) sizes.set(m.uid, m.size ?? 0)
    dropped(client)
    // Only messages a signature can fit in are read, and only their header fields.
    const small = found.filter((u) => (sizes.get(u) ?? Number.MAX_SAFE_INTEGER) <= MAX_SIGNATURE_MESSAGE)
    const messages: { uid: number; fields: Map<string, string> }[] = []
    if (small.length) {
      for await (const m of fetchInSets(client, small, { uid: true, headers: [SIGNATURE_HEADER, ...DELIVERY_TRACE_FIELDS] })) messages.push({ uid: m.uid, fields: headerFields(m.headers) })
      dropped(client)
    }
    return currentSharedSignature(messages)
  } finally {
    lock.release()
  }
}

/**
 * A signature as a message for the team folder: a sentence for people who open the folder in
 * another client, the signature's text, and the JSON in a header. \Seen and appended, never sent.
 */
export function signatureMessage(s: SharedSignature, fromName: string, subject: string, explain: string): Promise<Buffer> {
  return headerJsonMessage({ header: SIGNATURE_HEADER, json: serialiseSharedSignature(s), v: s.v, by: s.by, at: s.at, messageId: signatureMessageId(s.id), fromName, subject, explain })
}

/** A signature message's Message-ID: its id, so a replayed save is found, not appended twice. */
export const signatureMessageId = (id: string): string => `<${id}@signature.tandem.invalid>`
