import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import { useFoldersStore } from './folders'
import { useSessionStore } from './session'
import { HeaderIndex } from '../cache/header-index'

/** The newest matches shown; the title still counts them all. */
const MAX_SHOWN = 5000

export type SearchScope = 'folder' | 'mailbox' | 'all'

/**
 * Search over everything cached — headers and the bodies downloaded so far — so it works
 * offline. Every word must match somewhere in the message.
 */
export const useSearchStore = defineStore('search', () => {
  const session = useSessionStore()
  const folders = useFoldersStore()
  const query = ref('')
  const scope = ref<SearchScope>('folder')
  const results = ref<MessageSummary[] | null>(null)
  const running = ref(false)
  /** How many matched (results holds the newest MAX_SHOWN of them). */
  const total = ref(0)
  const index = new HeaderIndex()
  watch(() => session.db, () => index.reset())
  let generation = 0

  async function run(): Promise<void> {
    const db = session.db
    const words = query.value.toLowerCase().split(/\s+/).filter(Boolean)
    const mine = ++generation
    if (!db || !words.length) { results.value = null; return }
    running.value = true
    const started = performance.now()
    const folder = folders.selected
    const inScope = scope.value === 'folder' && folder
      ? (e: { folderId: string }) => e.folderId === folder.id
      : scope.value === 'mailbox' && folder
        ? (e: { mailboxId: string }) => e.mailboxId === folder.mailboxId
        : () => true
    const entries = await index.get(db)
    const bodyHits = await index.bodyHits(db, words)
    const matches = entries.filter((e) => inScope(e) && (bodyHits.has(e.id) || words.every((w) => e.text.includes(w))))
    const found = (await db.messages.bulkGet(matches.slice(0, MAX_SHOWN).map((e) => e.id))).filter((m): m is MessageSummary => !!m)
    if (mine !== generation) return
    total.value = matches.length
    results.value = found
    running.value = false
    // User Timing for the benchmark: the search itself, without the input's debounce.
    performance.measure('tandem:search', { start: started, end: performance.now() })
  }

  function clear(): void {
    query.value = ''
    results.value = null
  }

  return { query, scope, results, total, running, run, clear, invalidate: () => index.invalidate(), addBody: (id: string, text: string) => index.addBody(id, text) }
})
