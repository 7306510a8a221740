import type { FetchMessageObject, FetchQueryObject, ImapFlow, MailboxObject } from 'imapflow'
import { parseSummaryFetch, type ParsedSummaryFetch } from './summary-fetch-parser'

/** A message of a summary FETCH: imapflow's object, or the same fields as the purpose-built reader makes them. */
export type SummaryMessage = ParsedSummaryFetch['message'] | FetchMessageObject

/** What a summary FETCH did: how many responses the purpose-built reader took, and how many went imapflow's way. */
export interface SummaryFetchStats { fast: number; generic: number }

/** One response as imapflow's stream frames it: the line with its literal markers, and the literals. */
interface Frame { payload?: Buffer; literals?: Buffer[] }

/**
 * The parts of imapflow this reads beyond its typed API: `handleResponse` (each framed
 * response goes through it, one at a time, from the connection's reader) and the command in
 * flight. Checked at run time; when they are not as expected, everything goes imapflow's way.
 */
interface Internals {
  handleResponse?: (this: unknown, data: Frame) => Promise<boolean>
  currentRequest?: { command?: string } | false
  mailbox?: MailboxObject | false
}

/** Whether the purpose-built reader is used (`TANDEM_GENERIC_FETCH=1` turns it off, to compare). */
export const fastSummaryFetch = (): boolean => process.env.TANDEM_GENERIC_FETCH !== '1'

/**
 * A FETCH of `query` (SUMMARY_QUERY) over `range`, each message handed to `take` as it is read.
 * While this FETCH is the command in flight, every untagged response is first offered to the
 * purpose-built reader (summary-fetch-parser.ts); what it reads goes to `take` at once, without
 * imapflow's generic tokenizer and without waiting for the consumer, so the connection's data
 * is read as fast as it is parsed. What it is not certain of goes imapflow's way unchanged and
 * comes out of imapflow's fetch() as before. Errors, the end of the command, a dropped connection
 * and a throttled retry are imapflow's, as for any fetch().
 */
export async function fetchSummaries(client: ImapFlow, range: string, query: FetchQueryObject, options: { uid?: boolean },
  take: (m: SummaryMessage) => void): Promise<SummaryFetchStats> {
  const stats: SummaryFetchStats = { fast: 0, generic: 0 }
  const internals = client as unknown as Internals
  const original = internals.handleResponse
  const patch = fastSummaryFetch() && typeof original === 'function' && !Object.prototype.hasOwnProperty.call(client, 'handleResponse')
  let active = true
  let failure: unknown = null
  // imapflow retries a throttled FETCH as a new command and skips what it delivered before
  // (by UID for a UID FETCH, else by sequence number); the same rule here.
  let request: unknown = null
  let retried = false
  let maxDelivered = 0
  if (patch) {
    internals.handleResponse = function (this: unknown, data: Frame): Promise<boolean> {
      const req = internals.currentRequest
      if (active && req && data?.payload && data.payload[0] === 0x2a && /^(UID )?FETCH$/i.test(req.command ?? '')) {
        const parsed = parseSummaryFetch(data.payload, data.literals ?? [])
        if (parsed) {
          if (request !== req) { if (request) retried = true; request = req }
          const key = options.uid ? parsed.message.uid : parsed.seq
          if (!(retried && key <= maxDelivered)) {
            maxDelivered = Math.max(maxDelivered, key)
            noteMailbox(internals.mailbox, parsed)
            stats.fast++
            // A failure of the consumer must not become the connection's: it ends this fetch below.
            if (failure === null) { try { take(parsed.message) } catch (e) { failure = e } }
          }
          return Promise.resolve(true)
        }
      }
      return original!.call(this, data)
    }
  }
  try {
    for await (const m of client.fetch(range, query, options)) {
      stats.generic++
      if (failure !== null) break
      take(m)
    }
  } finally {
    active = false
    if (patch) delete internals.handleResponse
  }
  if (failure !== null) throw failure
  return stats
}

/** What imapflow notes of the mailbox from a FETCH response (formatMessageResponse): a UIDNEXT past the UID, the highest MODSEQ seen. */
function noteMailbox(mailbox: MailboxObject | false | undefined, parsed: ParsedSummaryFetch): void {
  if (!mailbox) return
  const uid = parsed.message.uid
  if (uid && (!mailbox.uidNext || mailbox.uidNext <= uid)) mailbox.uidNext = uid + 1
  const modseq = parsed.modseq
  if (modseq && (!mailbox.highestModseq || mailbox.highestModseq < modseq)) mailbox.highestModseq = modseq
}
