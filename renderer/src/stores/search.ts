import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { MessageSummary } from '../../../shared/domain'
import { useFoldersStore } from './folders'
import { useSessionStore } from './session'

export type SearchScope = 'folder' | 'mailbox' | 'all'

const haystack = (m: MessageSummary) =>
  `${m.subject} ${m.from.map((a) => `${a.name} ${a.address}`).join(' ')} ${m.to.map((a) => `${a.name} ${a.address}`).join(' ')} ${m.cc.map((a) => `${a.name} ${a.address}`).join(' ')}`.toLowerCase()

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
  let generation = 0

  async function run(): Promise<void> {
    const db = session.db
    const words = query.value.toLowerCase().split(/\s+/).filter(Boolean)
    const mine = ++generation
    if (!db || !words.length) { results.value = null; return }
    running.value = true
    const folder = folders.selected
    const base = scope.value === 'folder' && folder
      ? db.inFolder(folder.id)
      : scope.value === 'mailbox' && folder
        ? db.messages.where('mailboxId').equals(folder.mailboxId)
        : db.messages.toCollection()
    const bodyHits = new Set<string>()
    await db.bodies.each((b) => { if (words.every((w) => b.searchText.includes(w))) bodyHits.add(b.id) })
    const found = await base.filter((m) => bodyHits.has(m.id) || words.every((w) => haystack(m).includes(w))).toArray()
    if (mine !== generation) return
    results.value = found.sort((a, b) => b.date - a.date)
    running.value = false
  }

  function clear(): void {
    query.value = ''
    results.value = null
  }

  return { query, scope, results, running, run, clear }
})
