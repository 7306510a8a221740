import { computed, ref, type Ref } from 'vue'
import type { MessageSummary } from '../../../shared/domain'

/**
 * Which message has the focus and which are selected, over the list on screen (the folder or a
 * search). Used by the messages store, which owns the list; plain refs, no store of its own.
 */
export function useSelection(visible: Ref<MessageSummary[]>, show: (row: MessageSummary | null) => void) {
  const selection = ref<Set<string>>(new Set())
  const focusedId = ref<string | null>(null)
  /**
   * Whether the person chose the focused message (click, keyboard, the next one after a triage
   * action) rather than the list focusing its first row by itself. Only a chosen message is
   * marked read after a moment: in a shared mailbox the read state is everyone's, and opening
   * the Inbox must not tell the other members that its newest message was dealt with.
   */
  const focusedByPerson = ref(false)
  const focused = computed(() => visible.value.find((m) => m.id === focusedId.value) ?? null)

  const rowOf = (id: string | null) => (id ? visible.value.find((m) => m.id === id) ?? null : null)

  function setFocus(id: string | null, byPerson: boolean): void {
    focusedId.value = id
    focusedByPerson.value = byPerson && !!id
    show(rowOf(id))
  }

  /** Focuses a row the person did not choose (a folder's newest, the first result): shown, not read. */
  const focusFirst = (id: string | null) => setFocus(id, false)

  /**
   * The focused message went: the one now at its place in `rows` takes the focus, chosen by the
   * person when they removed it (a triage action), else not.
   */
  function takePlaceOf(at: number, rows: MessageSummary[], byPerson: boolean): void {
    const next = rows[Math.min(Math.max(at, 0), rows.length - 1)]
    setFocus(next?.id ?? null, byPerson)
  }

  /**
   * The person is about to take these rows away (move, delete): the focus goes to the first row
   * after the focused one that stays, as their choice, and the selection is cleared.
   */
  function focusPast(ids: string[]): void {
    const gone = new Set(ids)
    selection.value = new Set()
    if (!focusedId.value || !gone.has(focusedId.value)) return
    const rows = visible.value
    const at = rows.findIndex((m) => m.id === focusedId.value)
    const next = rows.slice(at + 1).find((m) => !gone.has(m.id)) ?? rows.slice(0, Math.max(at, 0)).reverse().find((m) => !gone.has(m.id))
    setFocus(next?.id ?? null, focusedByPerson.value)
  }

  function focus(id: string | null, opts: { extend?: boolean; toggle?: boolean } = {}): void {
    if (!id) return
    if (opts.toggle) {
      const next = new Set(selection.value)
      if (next.has(id)) next.delete(id)
      else next.add(id)
      selection.value = next
    } else if (opts.extend && focusedId.value) {
      const a = visible.value.findIndex((m) => m.id === focusedId.value)
      const b = visible.value.findIndex((m) => m.id === id)
      selection.value = new Set(visible.value.slice(Math.min(a, b), Math.max(a, b) + 1).map((m) => m.id))
    } else {
      selection.value = new Set()
    }
    setFocus(id, true)
  }

  /**
   * The focused row stands for another now (a conversation's newest message changed): the focus
   * and the selection move to it as they were, chosen by the person or not.
   */
  function retarget(from: string, to: string): void {
    if (selection.value.has(from)) selection.value = new Set([...selection.value].map((id) => (id === from ? to : id)))
    if (focusedId.value === from) setFocus(to, focusedByPerson.value)
  }

  function step(delta: number, extend = false): void {
    const rows = visible.value
    const at = rows.findIndex((m) => m.id === focusedId.value)
    const next = rows[Math.max(0, Math.min(rows.length - 1, at + delta))]
    if (next) focus(next.id, { extend })
  }

  /** The messages an action applies to: the selection, else the focused message. */
  const targets = computed<MessageSummary[]>(() => {
    if (selection.value.size) return visible.value.filter((m) => selection.value.has(m.id))
    return focused.value ? [focused.value] : []
  })

  function clear(): void {
    selection.value = new Set()
    focusedId.value = null
    focusedByPerson.value = false
    show(null)
  }

  return { selection, focusedId, focusedByPerson, focused, targets, focus, focusFirst, focusPast, takePlaceOf, retarget, step, clear }
}
