import type { Component } from 'vue'

/**
 * One entry of a menu (a dropdown or a right-click menu): the same list serves both, so a row's
 * hover actions, its right-click menu and the reader's toolbar offer the same things.
 */
export interface MenuItem {
  id: string
  label: string
  icon?: Component
  /** Shown beside the label, as the shortcuts dialog writes it ("E", "Shift+U"). */
  shortcut?: string
  disabled?: boolean
  danger?: boolean
  /** A line above this entry. */
  separatorBefore?: boolean
  run: () => void
}

/** An IconButton's props for a menu entry (a toolbar shows the same entry as a button). */
export function buttonOf(i: MenuItem): { icon: Component; label: string; shortcut?: string; disabled?: boolean; danger?: boolean } {
  if (!i.icon) throw new Error(`the menu entry ${i.id} has no icon to show as a button`)
  return { icon: i.icon, label: i.label, shortcut: i.shortcut, disabled: i.disabled, danger: i.danger }
}
