import { isUnread } from '../mail/own-unread'
import { onBeforeUnmount, onMounted, ref } from 'vue'
import { useMessagesStore } from '../stores/messages'
import { useComposeStore, type ComposeMode } from '../stores/compose'
import { useResponseTimesStore } from '../stores/response-times'
import { useTeamStore } from '../stores/team'
import { useMessageActions, pendingDelete } from './use-message-actions'
import { useWrite } from './use-write'
import { isDraft } from '../mail/drafts'
import { apiErrorOf } from '../api/failure'
import { useFoldersStore } from '../stores/folders'
import { useNoticesStore } from '../stores/notices'
import { useUiStore } from '../stores/ui'
import type { MessageKey } from '../../../shared/i18n'

/** Every shortcut, for the ? dialog and for the handler below: one list, so they cannot drift apart. */
export const SHORTCUTS: { keys: string[]; what: MessageKey }[] = [
  { keys: ['j', '↓'], what: 'shortcuts.next' },
  { keys: ['k', '↑'], what: 'shortcuts.previous' },
  { keys: ['Shift+j', 'Shift+↓'], what: 'shortcuts.extend' },
  { keys: ['x'], what: 'shortcuts.select' },
  { keys: ['Enter'], what: 'shortcuts.open' },
  { keys: ['c'], what: 'shortcuts.compose' },
  { keys: ['r'], what: 'shortcuts.reply' },
  { keys: ['a'], what: 'shortcuts.replyAll' },
  { keys: ['f'], what: 'shortcuts.forward' },
  { keys: ['Ctrl+Enter'], what: 'shortcuts.send' },
  { keys: ['e'], what: 'shortcuts.archive' },
  { keys: ['#', 'Delete'], what: 'shortcuts.delete' },
  { keys: ['u'], what: 'shortcuts.read' },
  { keys: ['s'], what: 'shortcuts.flag' },
  { keys: ['z'], what: 'shortcuts.undo' },
  { keys: ['m'], what: 'shortcuts.claim' },
  { keys: ['b'], what: 'shortcuts.snooze' },
  { keys: ['/'], what: 'shortcuts.search' },
  { keys: ['Esc'], what: 'shortcuts.clear' },
  { keys: ['?'], what: 'shortcuts.help' },
  { keys: ['Ctrl+,'], what: 'shortcuts.settings' },
  { keys: ['g r'], what: 'shortcuts.report' },
]

/**
 * A layer over the mail that handles its own keys: a dialog, a menu, a select's list. Esc there
 * closes that layer only (reka-ui's dismissable layers do it), never the search or the selection.
 */
// A select's open list has data-state="open"; the message list (also a listbox) carries
// data-state="closed" as the trigger of its right-click menu, and is not a layer.
const LAYER = '[role=dialog], [role=alertdialog], [role=menu], [role=listbox][data-state=open], [data-reka-popper-content-wrapper]'
/** An open modal layer or menu, wherever the focus is (it may have gone to the body). */
const OPEN_LAYER = '[role=dialog][data-state=open], [role=alertdialog][data-state=open], [role=menu][data-state=open], [role=listbox][data-state=open]'
export function inLayer(target: EventTarget | null): boolean {
  return (target instanceof Element && !!target.closest(LAYER)) || !!globalThis.document?.querySelector(OPEN_LAYER)
}

/** Mail shortcuts on the window; ignored while typing in a field. */
/** How long after "g" its second key counts. */
const GO_MS = 1500

export function useShortcuts(focusSearch: () => void, clearSearch: () => void) {
  const messages = useMessagesStore()
  const actions = useMessageActions()
  const team = useTeamStore()
  const compose = useComposeStore()
  const helpOpen = ref(false)
  const writer = useWrite()
  const folders = useFoldersStore()
  const notices = useNoticesStore()
  const ui = useUiStore()
  const write = (mode: ComposeMode) => { void writer.write(mode) }
  const responseTimes = useResponseTimesStore()
  /** When "g" was pressed: the next key goes somewhere ("g r": the Report). */
  let goAt = 0

  function onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null
    const typing = !!t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))
    // Ctrl+, (Cmd+, on a Mac) opens Settings, as in Outlook and most desktop apps; also while typing.
    if (e.key === ',' && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
      if (inLayer(t) || compose.open) return
      e.preventDefault()
      ui.openSettings()
      return
    }
    // What a dialog, menu or select did with a key (Esc closes it) is not for the mail behind it.
    if (e.defaultPrevented || inLayer(t)) return
    if (e.key === 'Escape') {
      clearSearch()
      if (typing) t?.blur()
      return
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey || pendingDelete.value || compose.open) return
    const key = e.key
    // "g r" (go to the Report, as Gmail's and Front's "g" keys go places): r within a moment of g.
    if (key === 'g') { goAt = Date.now(); e.preventDefault(); return }
    if (key === 'r' && Date.now() - goAt < GO_MS) {
      goAt = 0
      e.preventDefault()
      if (responseTimes.hasShared()) responseTimes.reportOpen = true
      return
    }
    goAt = 0
    // A focused button or link keeps Enter and Space for itself.
    if ((key === 'Enter' || key === ' ') && t && /^(BUTTON|A|SUMMARY)$/.test(t.tagName)) return
    const run: Record<string, () => void> = {
      j: () => messages.step(1, e.shiftKey), J: () => messages.step(1, true), ArrowDown: () => messages.step(1, e.shiftKey),
      k: () => messages.step(-1, e.shiftKey), K: () => messages.step(-1, true), ArrowUp: () => messages.step(-1, e.shiftKey),
      x: () => messages.focus(messages.focusedId, { toggle: true }),
      Enter: () => {
        // A draft reopens in the composer; a conversation is read.
        const f = messages.focused
        if (f && isDraft(f, folders.byId(f.folderId))) { void compose.openDraft(f).catch((err: unknown) => notices.showError(apiErrorOf(err))); return }
        const unread = messages.targets.filter(isUnread)
        if (unread.length) void actions.markRead(unread)
      },
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
      m: () => { if (messages.focused) void team.claim(messages.focused) },
      // Snooze (as in Front and Gmail): the dialog for the focused conversation, in shared mailboxes only.
      b: () => { const f = messages.focused; if (f && team.stateOf(f)) ui.openSnooze(messages.targets) },
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
