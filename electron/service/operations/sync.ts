import { connectionLost } from '../imap/connect'
import type { FetchMessageObject, ImapFlow, MailboxObject } from 'imapflow'
import type { FolderSyncState } from '../../../shared/domain'
import type { WireSummary } from '../../../shared/api/summary-wire'
import { SUMMARY_QUERY, THREADING_HEADERS, cacheableFlags, toWireSummary } from './summaries'

export interface SyncResult {
  state: FolderSyncState
  reset: boolean
  changed: { uid: number; flags: string[] }[]
  vanished: number[] | null
  present: number[] | null
  added: number
  /** Bytes this sync read from the server (an incremental sync must not refetch). */
  received: number
}

export interface SyncRequest {
  folderId: string
  mailboxId: string
  path: string
  since: FolderSyncState | null
  /** How many messages the cache holds for this folder. */
  knownUids: number
}

/** Messages are handed over in batches so that fetching, the IPC hop and IndexedDB writes overlap. */
export const SYNC_BATCH = 1000
/** A never-synced folder's first chunk (its newest messages), and the most any later chunk asks for. */
export const NEWEST_FIRST = 200
export const SYNC_CHUNK = 10_000

/**
 * Brings one folder's cache up to date. New messages go out through `emit` in batches as they
 * arrive; flag changes come from CONDSTORE (only what changed since the cache's HIGHESTMODSEQ)
 * or, on a server without it, from one light FETCH of all flags. Removals are found by counting:
 * when cache + new ≠ server count, QRESYNC's VANISHED (EARLIER) names the UIDs that went; when
 * the server lacks QRESYNC, or the counts still do not add up, one UID SEARCH tells which remain.
 */
export async function syncFolder(client: ImapFlow, req: SyncRequest, emit: (batch: WireSummary[], done: number, total: number) => void): Promise<SyncResult> {
  const condstoreCapable = client.capabilities.has('CONDSTORE')
  const lock = await client.getMailboxLock(req.path, { readOnly: true })
  const receivedBefore = client.stats().received
  // With QRESYNC enabled the server reports removals as VANISHED, which imapflow hands out as
  // 'expunge' events with a UID: during the NOOP (since this session last looked) and in the
  // answer to the CHANGEDSINCE fetch below (EARLIER: since the cache's HIGHESTMODSEQ).
  const qresync = client.enabled.has('QRESYNC')
  const gone = new Set<number>()
  const onExpunge = (e: { path: string; uid?: number; vanished?: boolean }) => { if (e.vanished && e.uid && e.path === req.path) gone.add(e.uid) }
  if (qresync) client.on('expunge', onExpunge)
  try {
    // imapflow does not re-select a mailbox that is already selected, and the server keeps that
    // session's view until it is told to sync: NOOP, then STATUS gives the current UIDNEXT,
    // count and HIGHESTMODSEQ. (Re-selecting via CLOSE would expunge \Deleted mail: never, R10.)
    await client.noop()
    const st = await client.status(req.path, { messages: true, uidNext: true, uidValidity: true, ...(condstoreCapable ? { highestModseq: true } : {}) })
    if (!st) throw new Error(`could not read the status of ${req.path}`)
    const mb = openedMailbox(client, req.path)
    const highestModseq = st.highestModseq ?? mb.highestModseq
    const condstore = condstoreCapable && highestModseq !== undefined
    const state: FolderSyncState = {
      uidValidity: String(st.uidValidity ?? mb.uidValidity),
      uidNext: st.uidNext ?? mb.uidNext,
      highestModseq: condstore ? String(highestModseq) : null,
      count: st.messages ?? mb.exists,
    }
    const reset = !req.since || req.since.uidValidity !== state.uidValidity
    const since = reset ? null : req.since!
    const firstNew = since ? since.uidNext : 1

    let added = 0
    let highestUid = 0
    if (state.count > 0 && state.uidNext > firstNew) {
      const total = since ? Math.max(0, state.count - req.knownUids) : state.count
      let batch: WireSummary[] = []
      const flush = () => { if (batch.length) { emit(batch, added, Math.max(total, added)); batch = [] } }
      const take = (m: FetchMessageObject) => {
        batch.push(toWireSummary(m))
        added++
        highestUid = Math.max(highestUid, m.uid)
        if (batch.length >= SYNC_BATCH) flush()
      }
      if (!since) {
        // A folder never synced here: newest first, so the list shows today's mail while the
        // past streams in. By message sequence number from the top of this session's view, in
        // chunks growing from NEWEST_FIRST. An expunge meanwhile moves messages down, never up:
        // a message may come twice (kept once: only UIDs below every earlier chunk's), none is missed.
        let below = Infinity
        let hi = mb.exists
        for (let size = NEWEST_FIRST; hi >= 1; size = Math.min(size * 4, SYNC_CHUNK)) {
          const lo = Math.max(1, hi - size + 1)
          let lowest = below
          for await (const m of client.fetch(`${lo}:${hi}`, SUMMARY_QUERY)) {
            if (!(m.uid < below)) continue
            take(m)
            lowest = Math.min(lowest, m.uid)
          }
          dropped(client)
          flush()
          below = lowest
          hi = lo - 1
        }
      } else {
        for await (const m of client.fetch(`${firstNew}:*`, SUMMARY_QUERY, { uid: true })) {
          // "n:*" also returns the highest message when nothing is at or above n.
          if (m.uid >= firstNew) take(m)
        }
        // imapflow ends the iteration quietly when the connection drops: never take that for the end.
        dropped(client)
        flush()
      }
    }
    // Mail that arrived between STATUS and FETCH is in the cache now: never fetch it twice.
    state.uidNext = Math.max(state.uidNext, highestUid + 1)

    const changed: { uid: number; flags: string[] }[] = []
    if (since && state.count > 0 && firstNew > 1) {
      const sinceModseq = condstore && since.highestModseq ? BigInt(since.highestModseq) : null
      if (sinceModseq === null || sinceModseq < BigInt(state.highestModseq ?? 0)) {
        const opts = sinceModseq !== null ? { uid: true, changedSince: sinceModseq } : { uid: true }
        for await (const m of client.fetch(`1:${firstNew - 1}`, { uid: true, flags: true }, opts)) {
          if (m.uid < firstNew) changed.push({ uid: m.uid, flags: cacheableFlags(m.flags) })
        }
        dropped(client)
      }
    }

    let present: number[] | null = null
    let vanished: number[] | null = since && req.knownUids + added === state.count ? [] : null
    if (vanished === null && since && qresync && condstore && since.highestModseq) {
      // Only UIDs the cache can hold count; the rest of the answer is the server's to add (RFC 7162).
      const known = [...gone].filter((uid) => uid < firstNew)
      if (req.knownUids + added - known.length === state.count) vanished = known
    }
    if (vanished === null && since) {
      const all = await client.search({ all: true }, { uid: true })
      present = Array.isArray(all) ? all : []
      state.count = present.length
    }
    dropped(client)
    return { state, reset, changed, vanished, present, added, received: client.stats().received - receivedBefore }
  } finally {
    if (qresync) client.off('expunge', onExpunge)
    lock.release()
  }
}

/** The mailbox a lock opened. A connection closed under the lock (the service stopping, the server gone) is a lost connection, not a fault. */
export function openedMailbox(client: ImapFlow, path: string): MailboxObject {
  const mb = client.mailbox
  if (!mb) { dropped(client); throw new Error(`could not open ${path}`) }
  return mb
}

/** Fails the sync when the connection went away under it: what was fetched is kept, the rest comes next time. */
export function dropped(client: ImapFlow): void {
  if (!client.usable) throw connectionLost()
}

/**
 * What threading needs of messages cached before summaries carried it (the renderer fetches it
 * again in the background): the same fields a sync now brings, for these UIDs only.
 */
export async function threadingOfUids(client: ImapFlow, path: string, uids: number[]): Promise<[number, string[], string | null, string | null, string[]][]> {
  const lock = await client.getMailboxLock(path, { readOnly: true })
  try {
    const out: [number, string[], string | null, string | null, string[]][] = []
    for await (const m of client.fetch(uids.join(','), { uid: true, envelope: true, headers: THREADING_HEADERS }, { uid: true })) {
      const w = toWireSummary(m)
      out.push([m.uid, w[11], w[12], w[13], w[14]])
    }
    dropped(client)
    return out
  } finally {
    lock.release()
  }
}
