import { defineStore } from 'pinia'
import { ref, shallowReactive } from 'vue'
import type { ApiError } from '../../../shared/api/errors'
import type { MessageBody, MessageSummary } from '../../../shared/domain'
import { apiErrorOf } from '../api/failure'
import { useApi } from '../api/use-api'
import { htmlToText } from '../mail/text'
import { useSearchStore } from './search'
import { useSessionStore } from './session'

/**
 * Message bodies: the one the reader shows, and the cache of bodies for offline reading and
 * search (the newest of an opened folder are fetched ahead, one at a time).
 */
export const useBodiesStore = defineStore('bodies', () => {
  const api = useApi()
  const session = useSessionStore()
  const search = useSearchStore()
  const body = ref<MessageBody | null>(null)
  const bodyError = ref<ApiError | null>(null)
  /** The message the reader is showing (a body that arrives for another one is only cached). */
  let showing: string | null = null

  /** Caches a body (for offline reading and search) and gives its row a snippet. */
  async function store(m: MessageSummary, b: MessageBody): Promise<void> {
    const db = session.db
    if (!db) return
    // One conversion of the HTML serves both the search text and the snippet.
    const fromHtml = b.html ? htmlToText(b.html) : ''
    const searchText = `${b.text ?? ''} ${fromHtml}`.toLowerCase().slice(0, 200_000)
    await db.bodies.put({ ...b, id: m.id, mailboxId: m.mailboxId, searchText })
    search.addBody(m.id, searchText)
    const snippet = (b.text ?? fromHtml).replace(/^>.*$/gm, '').replace(/\s+/g, ' ').trim().slice(0, 160)
    // The row on screen follows from the cache's change.
    await db.summaries.update(new Map([[m.id, { snippet }]]))
  }

  /** Shows a message's body: from the cache, else from the server (then cached). Null: nothing. */
  async function show(m: MessageSummary | null): Promise<void> {
    showing = m?.id ?? null
    bodyError.value = null
    const db = session.db
    if (!m || !db) { body.value = null; return }
    const cached = await db.bodies.get(m.id)
    if (cached) { if (showing === m.id) body.value = cached; return }
    if (showing === m.id) body.value = null
    try {
      const b = await api.call('messages.body', { folderId: m.folderId, uid: m.uid })
      await store(m, b)
      if (showing === m.id) body.value = b
    } catch (e) {
      if (showing === m.id) bodyError.value = apiErrorOf(e)
    }
  }

  /** Bodies a conversation's timeline shows, by message id (the last few dozen). */
  const loaded = shallowReactive(new Map<string, MessageBody | ApiError>())
  const TIMELINE_KEEP = 60

  /**
   * A message's body for the timeline: from the cache, else from the server (then cached). A
   * failure is kept as the message's (offline: shown where the body would be).
   */
  async function load(m: MessageSummary): Promise<void> {
    if (loaded.get(m.id) && !('code' in loaded.get(m.id)!)) return
    const db = session.db
    if (!db) return
    const cached = await db.bodies.get(m.id)
    let b: MessageBody | ApiError
    if (cached) b = cached
    else {
      try {
        b = await api.call('messages.body', { folderId: m.folderId, uid: m.uid })
        await store(m, b)
      } catch (e) { b = apiErrorOf(e) }
    }
    loaded.delete(m.id)
    loaded.set(m.id, b)
    while (loaded.size > TIMELINE_KEEP) loaded.delete(loaded.keys().next().value!)
  }

  /** Fetches the bodies of these rows that have no snippet yet, one at a time, while `wanted()` holds. */
  async function prefetch(rows: MessageSummary[], wanted: () => boolean, count = 25): Promise<void> {
    const db = session.db
    if (!db) return
    for (const m of rows.filter((x) => x.snippet === undefined).slice(0, count)) {
      if (!wanted()) return
      if (await db.bodies.get(m.id)) continue
      try {
        await store(m, await api.call('messages.body', { folderId: m.folderId, uid: m.uid }))
      } catch {
        // Offline or gone: the reader fetches it when it is opened; nothing is lost.
        return
      }
    }
  }

  return { body, bodyError, show, store, prefetch, load, loaded }
})
