import { onBeforeUnmount, onMounted, ref } from 'vue'
import { useMessagesStore } from '../stores/messages'
import { useBodiesStore } from '../stores/bodies'
import { useComposeStore, type ComposeMode } from '../stores/compose'
import { useFoldersStore } from '../stores/folders'
import { useMessageActions, pendingDelete } from './use-message-actions'

/** Every shortcut, for the ? dialog and for the handler below: one list, so they cannot drift apart. */
export const SHORTCUTS: { keys: string[]; what: string }[] = [
  { keys: ['j', '↓'], what: 'Next message' },
  { keys: ['k', '↑'], what: 'Previous message' },
  { keys: ['Shift+j', 'Shift+↓'], what: 'Extend the selection' },
  { keys: ['x'], what: 'Select or unselect the message' },
  { keys: ['Enter'], what: 'Open the message (marks it read)' },
  { keys: ['c'], what: 'New message (from the selected mailbox when you may)' },
  { keys: ['r'], what: 'Reply' },
  { keys: ['a'], what: 'Reply all' },
  { keys: ['f'], what: 'Forward' },
  { keys: ['Ctrl+Enter'], what: 'Send (while writing)' },
  { keys: ['e'], what: 'Archive' },
  { keys: ['#', 'Delete'], what: 'Delete (to Deleted Items; shared mailboxes ask first)' },
  { keys: ['u'], what: 'Mark read / unread' },
  { keys: ['s'], what: 'Flag / unflag' },
  { keys: ['z'], what: 'Undo the last action (for ten seconds)' },
  { keys: ['/'], what: 'Search' },
  { keys: ['Esc'], what: 'Clear the search or the selection' },
  { keys: ['?'], what: 'Show these shortcuts' },
]

/** Mail shortcuts on the window; ignored while typing in a field. */
export function useShortcuts(focusSearch: () => void, clearSearch: () => void) {
  const messages = useMessagesStore()
  const bodies = useBodiesStore()
  const actions = useMessageActions()
  const compose = useComposeStore()
  const folders = useFoldersStore()
  const helpOpen = ref(false)
  const write = (mode: ComposeMode) => {
    const m = messages.focused
    if (mode !== 'new' && !m) return
    void compose.start(mode, folders.selected?.mailboxId ?? null, m && mode !== 'new' ? { message: m, body: bodies.body?.uid === m.uid && bodies.body.folderId === m.folderId ? bodies.body : null } : undefined)
  }

  function onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null
    const typing = !!t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))
    if (e.key === 'Escape') {
      if (helpOpen.value) helpOpen.value = false
      else if (pendingDelete.value) pendingDelete.value.cancel()
      else clearSearch()
      if (typing) t?.blur()
      return
    }
    if (typing || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || pendingDelete.value || compose.open) return
    const key = e.key
    // A focused button or link keeps Enter and Space for itself.
    if ((key === 'Enter' || key === ' ') && t && /^(BUTTON|A|SUMMARY)$/.test(t.tagName)) return
    const run: Record<string, () => void> = {
      j: () => messages.step(1, e.shiftKey), J: () => messages.step(1, true), ArrowDown: () => messages.step(1, e.shiftKey),
      k: () => messages.step(-1, e.shiftKey), K: () => messages.step(-1, true), ArrowUp: () => messages.step(-1, e.shiftKey),
      x: () => messages.focus(messages.focusedId, { toggle: true }),
      Enter: () => { if (messages.focused) void actions.markRead(messages.focused) },
      c: () => write('new'),
      r: () => write('reply'),
      a: () => write('replyAll'),
      f: () => write('forward'),
      e: () => void actions.archive(),
      '#': () => void actions.remove(),
      Delete: () => void actions.remove(),
      u: () => void actions.toggleRead(),
      z: () => void actions.undoLast(),
      s: () => void actions.toggleFlag(),
      '/': () => focusSearch(),
      '?': () => { helpOpen.value = !helpOpen.value },
    }
    const action = run[key]
    if (action) {
      e.preventDefault()
      action()
    }
  }

  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
  return { helpOpen, write }
}
