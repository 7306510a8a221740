import type { Directive } from 'vue'

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'

interface Trapped extends HTMLElement {
  _trap?: { returnTo: Element | null; onKey: (e: KeyboardEvent) => void }
}

/**
 * `v-focus-trap` on a modal dialog: focus moves into it when it opens (its first control, unless
 * one has `autofocus`), Tab and Shift+Tab stay inside it, and when it closes focus goes back to
 * where it was — keyboard and screen-reader users never land behind the dialog.
 */
export const vFocusTrap: Directive<Trapped> = {
  mounted(el) {
    const returnTo = document.activeElement
    const focusables = () => [...el.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((x) => x.offsetParent !== null || x === document.activeElement)
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Tab') return
      const items = focusables()
      if (!items.length) { e.preventDefault(); el.focus(); return }
      const first = items[0]!
      const last = items[items.length - 1]!
      if (e.shiftKey && (document.activeElement === first || !el.contains(document.activeElement))) { e.preventDefault(); last.focus() }
      else if (!e.shiftKey && (document.activeElement === last || !el.contains(document.activeElement))) { e.preventDefault(); first.focus() }
    }
    el._trap = { returnTo, onKey }
    document.addEventListener('keydown', onKey, true)
    if (!el.contains(document.activeElement)) {
      const target = el.querySelector<HTMLElement>('[autofocus]') ?? focusables()[0]
      if (target) target.focus()
      else { if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1'); el.focus() }
    }
  },
  unmounted(el) {
    if (!el._trap) return
    document.removeEventListener('keydown', el._trap.onKey, true)
    const back = el._trap.returnTo
    if (back instanceof HTMLElement && back.isConnected) back.focus()
  },
}
