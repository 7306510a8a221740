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
  /** Each timed notice's time to show and its running timer. */
  const timed = new Map<number, { ms: number; timer: ReturnType<typeof setTimeout> | null }>()
  /** While the pointer or the focus is on the notices, none goes away (WCAG 2.2.1: time to read). */
  let held = false
  const arm = (id: number) => {
    const t = timed.get(id)
    if (t && !held) t.timer = setTimeout(() => dismiss(id), t.ms)
  }

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
    for (const gone of [...timed.keys()].filter((k) => !all.some((n) => n.id === k))) dismiss(gone)
    if (!sticky) { timed.set(id, { ms: opts.ms ?? (opts.action ? 10_000 : 5000), timer: null }); arm(id) }
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
    const t = timed.get(id)
    if (t?.timer) clearTimeout(t.timer)
    timed.delete(id)
    items.value = items.value.filter((n) => n.id !== id)
  }

  /** The person is reading the notices (pointer or focus on them): their timers stop. */
  function hold(): void {
    held = true
    for (const t of timed.values()) { if (t.timer) clearTimeout(t.timer); t.timer = null }
  }

  /** The person moved on: each timed notice gets its full time again. */
  function release(): void {
    held = false
    for (const id of timed.keys()) arm(id)
  }

  return { items, show, showError, dismiss, hold, release }
})
