import { defineStore } from 'pinia'
import { ref, watch } from 'vue'

export type Theme = 'system' | 'light' | 'dark'
export type Density = 'comfortable' | 'compact'
export const THEMES: readonly Theme[] = ['system', 'light', 'dark']
export const DENSITIES: readonly Density[] = ['comfortable', 'compact']

const KEY = 'tandem.appearance'

interface Saved { theme: Theme; density: Density }

function read(): Saved {
  try {
    const raw = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? 'null') as Partial<Saved> | null
    return {
      theme: THEMES.includes(raw?.theme as Theme) ? raw!.theme! : 'system',
      density: DENSITIES.includes(raw?.density as Density) ? raw!.density! : 'comfortable',
    }
  } catch {
    return { theme: 'system', density: 'comfortable' }
  }
}

/**
 * How Tandem looks on this device: the theme (the system's, light or dark) and the density. Kept
 * per device, not per person (it is the screen's, like the window's size), and applied to the
 * root element, where the tokens (styles/tokens.css) read it: no component knows its theme.
 */
export const useAppearanceStore = defineStore('appearance', () => {
  const saved = read()
  const theme = ref<Theme>(saved.theme)
  const density = ref<Density>(saved.density)
  function apply(): void {
    const root = globalThis.document?.documentElement
    if (!root) return
    root.dataset.theme = theme.value
    root.dataset.density = density.value
  }
  watch([theme, density], () => {
    apply()
    try { globalThis.localStorage?.setItem(KEY, JSON.stringify({ theme: theme.value, density: density.value })) } catch { /* storage full or absent: the choice lasts this session */ }
  })
  apply()
  return { theme, density, setTheme: (t: Theme) => { theme.value = t }, setDensity: (d: Density) => { density.value = d } }
})
