import { connectionLost } from '../imap/connect'
import type { ImapFlow, MailboxObject } from 'imapflow'
import type { FolderSyncState } from '../../../shared/domain'
import type { WireSummary } from '../../../shared/api/summary-wire'
import { SUMMARY_QUERY, THREADING_HEADERS, cacheableFlags, toWireSummary, type SummaryFields } from './summaries'
import { fetchSummaries } from '../imap/summary-fetch'
import type { FolderFlags } from './flag-scan'

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
  /** What the service knows of this folder's flags, for a server without CONDSTORE (flag-scan.ts). */
  flags?: FolderFlags
  /** The clock the flag scans are scheduled by. */
  now?: () => number
}

/** Messages are handed over in batches so that fetching, the IPC hop and IndexedDB writes overlap. */
export const SYNC_BATCH = 1000
/** A never-synced folder's first chunk (its newest messages), and the most any later chunk asks for. */
export const NEWEST_FIRST = 200
export const SYNC_CHUNK = 10_000

/**
 * Brings one folder's cache up to date. New messages go out through `emit` in batches as they
 * arrive; flag changes come from CONDSTORE (only what changed since the cache's HIGHESTMODSEQ)
 * or, on a server without it, from what the flag scans found changed (flag-scan.ts: the newest
 * messages often, the whole folder rarely; a device that holds nothing of this service's gets
 * every message's flags, after a full scan when the last is not recent). Removals are found by counting:
 * when cache + new ≠ server count, QRESYNC's VANISHED (EARLIER) names the UIDs that went; when
 * the server lacks QRESYNC, or the counts still do not add up, one UID SEARCH tells which remain.
 */
export async function syncFolder(client: ImapFlow, req: SyncRequest, emit: (batch: WireSummary[], done: number, total: number) => void): Promise<SyncResult> {
  const condstoreCapable = client.capabilities.has('CONDSTORE')
  const selected = client.mailbox
  const lock = await client.getMailboxLock(req.path, { readOnly: true })
  const receivedBefore = client.stats().received
  // With QRESYNC enabled the server reports removals as VANISHED, which imapflow hands out as
  // 'expunge' events with a UID: in the answer to the CHANGEDSINCE fetch below (EARLIER: since
  // the cache's HIGHESTMODSEQ).
  const qresync = client.enabled.has('QRESYNC')
  const gone = new Set<number>()
  const onExpunge = (e: { path: string; uid?: number; vanished?: boolean }) => { if (e.vanished && e.uid && e.path === req.path) gone.add(e.uid) }
  if (qresync) client.on('expunge', onExpunge)
  try {
    // The lock opened the folder, and EXAMINE's answer is current. One that was open already
    // shows this session's view, unchanged until the session is told: opened again (EXAMINE
    // expunges nothing), not asked by STATUS — a STATUS of the selected mailbox is a client
    // bug (Dovecot logs [CLIENTBUG]) and may answer from that old view.
    if (selected && client.mailbox === selected) await client.mailboxOpen(req.path, { readOnly: true })
    const mb = openedMailbox(client, req.path)
    const highestModseq = mb.highestModseq
    const condstore = condstoreCapable && highestModseq !== undefined && !mb.noModseq
    const state: FolderSyncState = {
      uidValidity: String(mb.uidValidity),
      uidNext: mb.uidNext,
      highestModseq: condstore ? String(highestModseq) : null,
      count: mb.exists,
    }
    const reset = !req.since || req.since.uidValidity !== state.uidValidity
    const since = reset ? null : req.since!
    const firstNew = since ? since.uidNext : 1

    let added = 0
    let highestUid = 0
    // Without CONDSTORE the service keeps the flags it handed over, to hand over only changes later.
    const learn = condstore ? undefined : req.flags
    if (learn && !since) learn.forget(null, [])
    if (state.count > 0 && state.uidNext > firstNew) {
      const total = since ? Math.max(0, state.count - req.knownUids) : state.count
      let batch: WireSummary[] = []
      const flush = () => { if (batch.length) { emit(batch, added, Math.max(total, added)); batch = [] } }
      const take = (m: SummaryFields) => {
        batch.push(toWireSummary(m))
        if (learn) learn.learn(m.uid, m.flags ?? [])
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
          await fetchSummaries(client, `${lo}:${hi}`, SUMMARY_QUERY, {}, (m) => {
            if (!(m.uid < below)) return
            take(m)
            lowest = Math.min(lowest, m.uid)
          })
          dropped(client)
          flush()
          below = lowest
          hi = lo - 1
        }
      } else {
        // "n:*" also returns the highest message when nothing is at or above n.
        await fetchSummaries(client, `${firstNew}:*`, SUMMARY_QUERY, { uid: true }, (m) => { if (m.uid >= firstNew) take(m) })
        // imapflow ends the iteration quietly when the connection drops: never take that for the end.
        dropped(client)
        flush()
      }
    }
    // Mail that arrived between STATUS and FETCH is in the cache now: never fetch it twice.
    state.uidNext = Math.max(state.uidNext, highestUid + 1)

    let changed: { uid: number; flags: string[] }[] = []
    if (since && state.count > 0 && firstNew > 1 && condstore) {
      const sinceModseq = since.highestModseq ? BigInt(since.highestModseq) : null
      if (sinceModseq === null || sinceModseq < BigInt(state.highestModseq ?? 0)) {
        const opts = sinceModseq !== null ? { uid: true, changedSince: sinceModseq } : { uid: true }
        for await (const m of client.fetch(`1:${firstNew - 1}`, { uid: true, flags: true }, opts)) {
          if (m.uid < firstNew) changed.push({ uid: m.uid, flags: cacheableFlags(m.flags) })
        }
        dropped(client)
      }
    } else if (since && !condstore && req.flags) {
      const flags = req.flags
      const now = (req.now ?? Date.now)()
      const all = flags.acknowledge(since.flagsSeen) === 'unknown'
      // A device without this service's flags gets them all, from a full scan unless one is recent.
      // Otherwise the window is scanned here when IDLE or a NOOP said a flag changed (or its time
      // came); a full scan that falls due is the watcher's, in the background, not this sync's.
      const due = flags.due(now)
      if (state.count > 0 && all && due === 'full') await flags.scanLocked(client, 'full', now)
      else if (state.count > 0 && !all && due) await flags.scanLocked(client, 'window', now)
      dropped(client)
      changed = flags.take(all).filter((c) => c.uid < firstNew)
      state.flagsSeen = flags.token
    } else if (since && state.count > 0 && firstNew > 1) {
      // No CONDSTORE and no memory of the folder's flags: every message's, as they are.
      for await (const m of client.fetch(`1:${firstNew - 1}`, { uid: true, flags: true }, { uid: true })) {
        if (m.uid < firstNew) changed.push({ uid: m.uid, flags: cacheableFlags(m.flags) })
      }
      dropped(client)
    }
    if (!since && learn) {
      // Everything the device now holds came with its flags: the table is whole, and current.
      learn.acknowledge(null)
      learn.take(false)
      learn.complete = true
      learn.lastFull = learn.lastWindow = (req.now ?? Date.now)()
      state.flagsSeen = learn.token
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
    if (learn && since) learn.forget(vanished, present)
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
