import type { MessageSummary } from '../../../shared/domain'
import { addressOfMailbox } from '../../../shared/ids'
import { useBodiesStore } from '../stores/bodies'
import { useComposeStore, type ComposeMode } from '../stores/compose'
import { useFoldersStore } from '../stores/folders'
import { useMessagesStore } from '../stores/messages'

/**
 * New message, reply, reply all, forward from the list or the reader. A reply to a conversation
 * answers its newest message from outside (not the team's own reply in Sent, not a draft), as
 * Outlook and Front do; its body is loaded first, for the quote and the References chain.
 */
export function useWrite() {
  const messages = useMessagesStore()
  const bodies = useBodiesStore()
  const compose = useComposeStore()
  const folders = useFoldersStore()

  /** The message a reply to the focused conversation answers. */
  function replyTarget(m: MessageSummary): MessageSummary {
    const self = addressOfMailbox(m.mailboxId).toLowerCase()
    const all = messages.conversationMessages(m.mailboxId, m.conversationId)
    const outside = all.filter((x) => {
      const role = folders.byId(x.folderId)?.role
      return role !== 'sent' && role !== 'drafts' && (x.from[0]?.address ?? '').toLowerCase() !== self
    })
    return outside.at(-1) ?? m
  }

  async function write(mode: ComposeMode): Promise<void> {
    const focused = messages.focused
    if (mode !== 'new' && !focused) return
    const m = focused && mode !== 'new' ? (mode === 'forward' ? focused : replyTarget(focused)) : null
    if (m) await bodies.load(m)
    const b = m ? bodies.loaded.get(m.id) : undefined
    await compose.start(mode, folders.selected?.mailboxId ?? null, m ? { message: m, body: b && !('code' in b) ? b : null } : undefined)
  }

  return { write, replyTarget }
}
