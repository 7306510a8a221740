import { defineStore } from 'pinia'
import { ref } from 'vue'

export interface Notice {
  id: number
  text: string
  kind: 'info' | 'error'
  /** A button on the notice (Undo), while it shows. */
  action?: { label: string; run: () => void | Promise<void> }
}

/** Short messages at the bottom of the window: results, errors, Undo. */
export const useNoticesStore = defineStore('notices', () => {
  const items = ref<Notice[]>([])
  let next = 1

  function show(text: string, opts: { kind?: Notice['kind']; action?: Notice['action']; ms?: number } = {}): number {
    const id = next++
    items.value = [...items.value.slice(-2), { id, text, kind: opts.kind ?? 'info', action: opts.action }]
    setTimeout(() => dismiss(id), opts.ms ?? (opts.action ? 10_000 : 5000))
    return id
  }

  function dismiss(id: number): void {
    items.value = items.value.filter((n) => n.id !== id)
  }

  return { items, show, dismiss }
})
