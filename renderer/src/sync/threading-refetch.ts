import { conversationIdOf } from '../../../shared/conversation'
import type { MessageSummary } from '../../../shared/domain'
import { addressOfMailbox, messageKey } from '../../../shared/ids'
import type { TandemDb } from '../cache/db'
import type { Call } from '../queue/tasks/types'

/** UIDs asked per call: a few seconds of the server's time at most, and a bounded answer. */
export const THREADING_CHUNK = 2000

export interface ThreadingProgress { done: number; total: number }

/**
 * Summaries cached before they carried Sender, References' root and Thread-Index's
 * (`threadingPending`) are completed in the background, a chunk at a time: their conversations
 * are what Message-ID and In-Reply-To say until then (the list says so). Offline or refused, it
 * stops and is run again later; nothing is lost either way, and a row a sync replaced meanwhile
 * (it carries the fields already) is left as it is.
 */
export class ThreadingRefetch {
  private running: Promise<void> | null = null

  constructor(private readonly db: TandemDb, private readonly call: Call, private readonly progress: (p: ThreadingProgress | null) => void = () => undefined) {}

  /** The UIDs still to complete, by folder (one pass over the cache). */
  async pending(): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>()
    // In pages between idle moments: a walk of every summary at each start, in the background.
    await this.db.summaries.eachPaged((m) => {
      if (!m.threadingPending) return
      const list = out.get(m.folderId)
      if (list) list.push(m.uid)
      else out.set(m.folderId, [m.uid])
    })
    return out
  }

  /** Completes what is pending; one run at a time (a second call joins it). */
  run(): Promise<void> {
    // A cache closed meanwhile (signed out) has nothing left to complete: not a failure anyone hears of.
    this.running ??= this.runNow().catch(() => undefined).finally(() => { this.running = null })
    return this.running
  }

  private async runNow(): Promise<void> {
    const pending = await this.pending()
    const total = [...pending.values()].reduce((n, l) => n + l.length, 0)
    if (!total) { this.progress(null); return }
    let done = 0
    this.progress({ done, total })
    const started = performance.now()
    try {
      for (const [folderId, uids] of pending) {
        for (let i = 0; i < uids.length; i += THREADING_CHUNK) {
          const chunk = uids.slice(i, i + THREADING_CHUNK)
          let rows: [number, string[], string | null, string | null, string[]][]
          try {
            rows = (await this.call('messages.threading', { folderId, uids: chunk })).rows
          } catch (e) {
            // A folder gone from the server goes from the cache with its next sync; offline, later.
            if ((e as { error?: { code?: string } }).error?.code === 'message.gone') break
            throw e
          }
          await this.db.summaries.modify(rows.map(([uid]) => messageKey(folderId, uid)), completer(rows))
          done += chunk.length
          this.progress({ done, total })
        }
      }
      performance.measure('tandem:threading-refetch', { start: started, end: performance.now(), detail: { messages: total } })
      this.progress(null)
    } catch {
      // Offline or refused: what is done stays done; the rest is asked for again later.
      this.progress({ done, total })
    }
  }
}

/** A row with what the server said of its threading, its conversation computed again. */
function completer(rows: [number, string[], string | null, string | null, string[]][]): (m: MessageSummary) => MessageSummary {
  const byUid = new Map(rows.map((r) => [r[0], r]))
  return (m) => {
    const r = byUid.get(m.uid)
    if (!r || !m.threadingPending) return m
    const { threadingPending: _done, ...rest } = m
    const pair = (x: string[]) => (x.length === 2 ? { name: x[0]!, address: x[1]! } : null)
    const next: MessageSummary = { ...rest, sender: pair(r[1]), referencesRoot: r[2], threadIndex: r[3], draftBy: pair(r[4]) }
    next.conversationId = conversationIdOf(next, addressOfMailbox(m.mailboxId))
    return next
  }
}
