/** Arrow keys, Home and End move focus between the folder buttons of a list (roving focus). */
export function onFolderListKey(e: KeyboardEvent): void {
  const list = (e.currentTarget as HTMLElement | null)
  if (!list) return
  const items = [...list.querySelectorAll<HTMLButtonElement>('button[data-folder]')]
  const at = items.indexOf(document.activeElement as HTMLButtonElement)
  const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key]
  if (next === undefined) return
  e.preventDefault()
  items[Math.max(0, Math.min(items.length - 1, next))]?.focus()
}
