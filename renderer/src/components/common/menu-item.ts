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
