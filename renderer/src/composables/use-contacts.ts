import { ref } from 'vue'
import type { Address } from '../../../shared/domain'
import { formatAddress } from '../../../shared/rules/addresses'
import { BLOCK_UIDS } from '../cache/summary-blocks'
import { useSessionStore } from '../stores/session'

/**
 * Recipients people have written with, from the cache (senders and recipients of cached mail),
 * most frequent first. Works offline, asks no server.
 */
export function useContacts() {
  const session = useSessionStore()
  const contacts = ref<(Address & { count: number })[]>([])

  async function load(): Promise<void> {
    const db = session.db
    if (!db) return
    const seen = new Map<string, Address & { count: number }>()
    // About 50 000 messages are plenty to know whom the person writes with; reading a cache of
    // hundreds of thousands whenever a compose window opens is not.
    await db.summaries.each((m) => {
      for (const a of [...m.from, ...m.to, ...m.cc]) {
        const key = a.address.toLowerCase()
        if (!key) continue
        const c = seen.get(key)
        if (c) { c.count++; if (!c.name && a.name) c.name = a.name } else seen.set(key, { name: a.name, address: key, count: 1 })
      }
    }, Math.ceil(50_000 / BLOCK_UIDS))
    contacts.value = [...seen.values()].sort((a, b) => b.count - a.count)
  }

  /** Up to eight contacts matching the word being typed (after the last comma). */
  function suggest(input: string): Address[] {
    const word = input.split(/[,;]/).pop()!.trim().toLowerCase()
    if (word.length < 1) return []
    return contacts.value.filter((c) => c.address.includes(word) || c.name.toLowerCase().includes(word)).slice(0, 8)
  }

  /** The field's text with the word being typed replaced by the chosen contact. */
  function complete(input: string, chosen: Address): string {
    const parts = input.split(/([,;])/)
    parts[parts.length - 1] = ` ${formatAddress(chosen)}`
    return `${parts.join('').replace(/^\s+/, '')}, `
  }

  return { contacts, load, suggest, complete }
}
