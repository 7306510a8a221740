/**
 * Opens the right-click menu of a focused element from the keyboard: the menu key or Shift+F10,
 * as in every desktop app. Not every browser turns those keys into a `contextmenu` event, so one
 * is sent, placed at the element's lower left (where the menu then opens).
 */
export function openMenuFromKey(e: KeyboardEvent, target: HTMLElement | null): boolean {
  if (!target || !(e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey))) return false
  e.preventDefault()
  const box = target.getBoundingClientRect()
  target.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: box.left + box.height / 2, clientY: box.bottom, button: 2 }))
  return true
}

/** Arrow keys, Home and End move focus between the folder buttons of a list (roving focus); the menu key opens a folder's menu. */
export function onFolderListKey(e: KeyboardEvent): void {
  const list = (e.currentTarget as HTMLElement | null)
  if (!list) return
  const items = [...list.querySelectorAll<HTMLButtonElement>('button[data-folder]')]
  const at = items.indexOf(document.activeElement as HTMLButtonElement)
  if (at >= 0 && openMenuFromKey(e, items[at]!)) return
  const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key]
  if (next === undefined) return
  e.preventDefault()
  items[Math.max(0, Math.min(items.length - 1, next))]?.focus()
}
