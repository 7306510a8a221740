import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import { useFoldersStore } from './folders'
import { useSessionStore } from './session'
import { HeaderIndex } from '../cache/header-index'
import { startUp } from '../session/start-up-gate'
import type { CacheChange } from '../cache/summary-blocks'

/** The newest matches shown; the title still counts them all. */
const MAX_SHOWN = 5000
const FIRST_SHOWN = 200

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
  /** shallowRef: thousands of rows must not become deep reactive proxies. */
  const results = shallowRef<MessageSummary[] | null>(null)
  const running = ref(false)
  /** How many matched (results holds the newest MAX_SHOWN of them). */
  const total = ref(0)
  // Built in the background, it yields to a folder being opened (session/start-up-gate.ts) between its pages.
  const index = new HeaderIndex(() => new Promise<void>((resolve) => startUp.after(resolve)))
  // The index follows every change of the cache (the mailbox session hands them over: `follow`);
  // it is built once per person, a few seconds after sign-in (`warm`), so that the first search
  // does not pay for it either.
  watch(() => session.db, () => index.reset(), { immediate: true })
  /** Builds the index and its body words in the background. */
  function warm(): void {
    const db = session.db
    if (db) void index.get(db, true).then(() => index.bodyHits(db, [])).catch(() => undefined)
  }
  /** Rows already in memory (the open folder's list), so results need not be read from the cache. */
  let inMemory: (id: string) => MessageSummary | undefined = () => undefined
  let generation = 0

  /** Runs the query; `show` gets the first rows at once, and all of them (more: true) when there are more. */
  async function run(show?: (rows: MessageSummary[] | null, more: boolean) => void): Promise<void> {
    const db = session.db
    const words = query.value.toLowerCase().split(/\s+/).filter(Boolean)
    const mine = ++generation
    if (!db || !words.length) { results.value = null; total.value = 0; show?.(null, false); return }
    running.value = true
    const started = performance.now()
    // Plain strings, not the reactive folder: this runs once per cached message.
    const folderId = folders.selected?.id
    const mailboxId = folders.selected?.mailboxId
    const inScope = scope.value === 'folder' && folderId
      ? (e: { folderId: string }) => e.folderId === folderId
      : scope.value === 'mailbox' && mailboxId
        ? (e: { mailboxId: string }) => e.mailboxId === mailboxId
        : () => true
    const matches = await index.search(db, words, inScope)
    matches.sort((a, b) => b.date - a.date)
    const rowsOf = async (from: number, to: number) => {
      const ids = matches.slice(from, to).map((e) => e.id)
      const known = ids.map(inMemory)
      const missing = ids.filter((_, i) => !known[i])
      const read = new Map((await db.summaries.get(missing)).filter((m): m is MessageSummary => !!m).map((m) => [m.id, m]))
      return ids.map((id, i) => known[i] ?? read.get(id)).filter((m): m is MessageSummary => !!m)
    }
    // A screenful first (a broad query used to load thousands of rows before showing one).
    const first = await rowsOf(0, FIRST_SHOWN)
    if (mine !== generation) return
    total.value = matches.length
    results.value = first
    running.value = false
    // User Timing for the benchmark: the search itself, without the input's debounce.
    performance.measure('tandem:search', { start: started, end: performance.now() })
    show?.(first, false)
    if (matches.length > FIRST_SHOWN) {
      const rest = await rowsOf(FIRST_SHOWN, MAX_SHOWN)
      if (mine !== generation) return
      results.value = [...first, ...rest]
      show?.(results.value, true)
    }
  }

  /**
   * Builds the index now if it is not yet (the person is about to search: the box has focus),
   * rather than with the first query or when the start-up timer fires.
   */
  function prepare(): void {
    const db = session.db
    if (db) void index.get(db).catch(() => undefined)
  }

  function clear(): void {
    query.value = ''
    results.value = null
  }

  return {
    query, scope, results, total, running, run, prepare, clear, warm,
    /** A change of the cache (from the mailbox session). */
    follow: (c: CacheChange) => index.apply(c),
    addBody: (id: string, text: string) => index.addBody(id, text),
    useRowsInMemory: (lookup: (id: string) => MessageSummary | undefined) => { inMemory = lookup },
  }
})
