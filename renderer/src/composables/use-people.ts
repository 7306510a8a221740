import { reactive } from 'vue'
import { useFoldersStore } from '../stores/folders'
import { useSessionStore } from '../stores/session'
import { useTeamStore } from '../stores/team'
import { tr } from '../i18n'

/**
 * Members' names for the team controls (who has a conversation, whom to assign to, who wrote a
 * note). The directory lists members by address only; their names come from the shared
 * mailbox's own Sent Items — the Sender (or From) of what members sent from it, which only
 * members can put there. A name from anyone else's mail (a customer, a hostile sender) is never
 * used: it could make an outsider's address read like a colleague's.
 */
const names = reactive(new Map<string, string>())
const asked = new Set<string>()

export function usePeople() {
  const session = useSessionStore()
  const folders = useFoldersStore()
  const team = useTeamStore()

  /** Reads the names once per mailbox per window (the newest few hundred sent messages). */
  function learn(mailboxId: string): void {
    const db = session.db
    if (!db || asked.has(mailboxId)) return
    const sent = (folders.byMailbox[mailboxId] ?? []).find((f) => f.role === 'sent')
    if (!sent) return
    asked.add(mailboxId)
    void db.summaries.newest(sent.id, 500).then((rows) => {
      for (const m of rows) {
        const a = m.sender ?? m.from[0]
        const key = a?.address.toLowerCase()
        if (a?.name && key && !names.has(key)) names.set(key, a.name)
      }
    }).catch(() => asked.delete(mailboxId))
  }

  /** A member's name where known, else the address; the person is "you". */
  function nameOf(address: string, mailboxId?: string): string {
    if (mailboxId) learn(mailboxId)
    if (address === team.me) return tr('team.you')
    return names.get(address.toLowerCase()) ?? address
  }

  /** The name alone, for an avatar's initials ("" where none is known). */
  const knownName = (address: string) => names.get(address.toLowerCase()) ?? ''

  return { nameOf, knownName, learn }
}
