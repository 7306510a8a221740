import { defineStore } from 'pinia'
import { ref } from 'vue'
import { sayParts, type Sayable } from '../i18n'

export interface Notice {
  id: number
  text: string
  kind: 'info' | 'error'
  /** A second, smaller line under the text: an error's rule, the server's reply, the cause. */
  details?: string | null
  /** A button on the notice (Undo), while it shows. */
  action?: { label: string; run: () => void | Promise<void> }
  /** Shown until the person closes it or acts (something waits for their decision). */
  sticky?: boolean
}

/** At most this many notices show at once; the oldest that is not waiting for a decision goes first. */
const MAX_SHOWN = 3

/** Short messages at the bottom of the window: results, errors, Undo. */
export const useNoticesStore = defineStore('notices', () => {
  const items = ref<Notice[]>([])
  let next = 1

  /** Shows a notice for `ms` (by default 5 s, 10 s with an action); `ms: null` keeps it until it is closed or acted on. */
  function show(text: string, opts: { kind?: Notice['kind']; action?: Notice['action']; ms?: number | null; details?: string | null } = {}): number {
    const id = next++
    const sticky = opts.ms === null
    const all = [...items.value, { id, text, kind: opts.kind ?? 'info', details: opts.details ?? null, action: opts.action, sticky }]
    while (all.length > MAX_SHOWN) {
      const drop = all.findIndex((n) => !n.sticky)
      all.splice(drop < 0 ? 0 : drop, 1)
    }
    items.value = all
    if (!sticky) setTimeout(() => dismiss(id), opts.ms ?? (opts.action ? 10_000 : 5000))
    return id
  }

  /**
   * Shows what main said went wrong: its lead as the notice's text, its rule and the server's
   * reply in the details line. Errors stay 10 s, long enough to read both lines.
   */
  function showError(error: Sayable, opts: { action?: Notice['action']; ms?: number | null } = {}): number {
    const { lead, details } = sayParts(error)
    return show(lead, { ms: 10_000, ...opts, kind: 'error', details })
  }

  function dismiss(id: number): void {
    items.value = items.value.filter((n) => n.id !== id)
  }

  return { items, show, showError, dismiss }
})
