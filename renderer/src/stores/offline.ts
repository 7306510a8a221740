import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { Folder, MessageSummary } from '../../../shared/domain'
import { defaultOfflinePolicy, offlineWindow, withFolder, type OfflinePolicy } from '../../../shared/rules/offline'
import { useApi } from '../api/use-api'
import { useFoldersStore } from './folders'
import { useBodiesStore } from './bodies'
import { useMessagesStore } from './messages'
import { useSessionStore } from './session'
import { oneAtATime } from '../queue/one-at-a-time'
import { plain } from '../cache/plain'

/** At most this many bodies per round, so a first round on a big mailbox does not hog the server. */
const ROUND = 400
const EVERY_MS = 5 * 60_000

/**
 * Keeps mail readable offline: per mailbox, which folders keep full bodies on this
 * device (shared/rules/offline.ts), and a background round that syncs those folders' headers
 * and downloads the bodies that are missing, one at a time, while the mailbox is online.
 */
export const useOfflineStore = defineStore('offline', () => {
  const api = useApi()
  const session = useSessionStore()
  const folders = useFoldersStore()
  const messages = useMessagesStore()
  const bodies = useBodiesStore()
  const policies = ref<Record<string, OfflinePolicy>>({})
  const progress = ref<{ done: number; total: number } | null>(null)

  const key = (mailboxId: string) => `offline:${mailboxId}`

  async function load(): Promise<void> {
    const db = session.db
    const next: Record<string, OfflinePolicy> = {}
    for (const m of session.session?.mailboxes ?? []) {
      const saved = db ? await db.settings.get(key(m.id)) : undefined
      next[m.id] = (saved?.value as OfflinePolicy | undefined) ?? defaultOfflinePolicy(m.kind)
    }
    policies.value = next
  }

  const policyOf = (mailboxId: string): OfflinePolicy => {
    const kind = session.session?.mailboxes.find((m) => m.id === mailboxId)?.kind ?? 'shared'
    return policies.value[mailboxId] ?? defaultOfflinePolicy(kind)
  }

  /** The folder's offline window now, for the UI: null, or since a date (0: everything). */
  const windowOf = (folder: Folder) => offlineWindow(policyOf(folder.mailboxId), folder, Date.now())

  async function setPolicy(mailboxId: string, policy: OfflinePolicy): Promise<void> {
    policies.value = { ...policies.value, [mailboxId]: policy }
    await session.db?.settings.put({ key: key(mailboxId), value: plain(policy) })
    void keep()
  }

  const setMode = (mailboxId: string, mode: OfflinePolicy['mode']) => setPolicy(mailboxId, { ...policyOf(mailboxId), mode })
  /** "Make available offline" (or not) for one folder. */
  const setFolder = (folder: Folder, on: boolean) => setPolicy(folder.mailboxId, withFolder(policyOf(folder.mailboxId), folder, on, Date.now()))

  /** One round over every mailbox that is online; a request while it runs schedules one more. */
  const keep = oneAtATime(() => round().finally(() => { progress.value = null }))

  async function round(): Promise<void> {
    const db = session.db
    if (!db) return
    const now = Date.now()
    const wanted: { folder: Folder; since: number }[] = []
    for (const m of session.session?.mailboxes ?? []) {
      if (session.connections[m.id]?.state === 'offline') continue
      for (const f of folders.byMailbox[m.id] ?? []) {
        const w = f.selectable ? offlineWindow(policyOf(m.id), f, now) : null
        if (w) wanted.push({ folder: f, since: w.since })
      }
    }
    const todo: MessageSummary[] = []
    for (const { folder, since } of wanted) {
      // Headers first: a folder nobody opened on this device has none cached yet.
      if (!(await db.sync.get(folder.id))) await messages.sync(folder.id)
      const rows = await db.summaries.newest(folder.id, Infinity, since)
      const have = new Set(await db.bodies.where('id').anyOf(rows.map((r) => r.id)).primaryKeys())
      todo.push(...rows.filter((r) => !have.has(r.id)))
      if (todo.length >= ROUND) break
    }
    const batch = todo.slice(0, ROUND)
    progress.value = batch.length ? { done: 0, total: batch.length } : null
    for (const [i, m] of batch.entries()) {
      if (session.connections[m.mailboxId]?.state === 'offline') continue
      try {
        await bodies.store(m, await api.call('messages.body', { folderId: m.folderId, uid: m.uid }))
      } catch {
        // Gone meanwhile, or the connection dropped: the next round picks up what is left.
      }
      progress.value = { done: i + 1, total: batch.length }
    }
  }

  // Per person: load the choices, then keep things available in the background.
  watch(() => session.session?.mailboxes.map((m) => m.id).join(), () => { void load() }, { immediate: true })
  api.on('connection.state', (s) => { if (s.state === 'online') setTimeout(() => { void keep() }, 1000) })
  setInterval(() => { void keep() }, EVERY_MS)

  return { policies, progress, policyOf, windowOf, setMode, setFolder, keep }
})
