import { catalogues, flatten, LOCALES, type MessageKey } from '../../../../shared/i18n'
import type { SettingsSection } from './sections'

/** Lower case, without accents ("Één" finds "een"), spaces collapsed. */
export const fold = (s: string): string => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim()

const texts = new Map<string, string[]>()
/** A key's text in every language the catalogue has, folded (placeholders dropped). */
function textsOf(key: MessageKey): string[] {
  if (!texts.size) {
    for (const l of LOCALES) for (const [k, v] of flatten(catalogues[l])) texts.set(k, [...(texts.get(k) ?? []), fold(v.replace(/\{[^}]*\}/g, ' '))])
  }
  return texts.get(key) ?? []
}

/**
 * Whether a section answers the search: every word of the query is found in its title or one of
 * its keywords, in any language (a Dutch word finds a section while the app speaks English).
 */
export function sectionMatches(section: SettingsSection, query: string): boolean {
  const words = fold(query).split(' ').filter(Boolean)
  if (!words.length) return true
  const hay = [section.title, ...section.keywords].flatMap(textsOf).join(' ')
  return words.every((w) => hay.includes(w))
}

/** The section's own settings (not its synonyms) whose label holds the query: shown under its name. */
export function matchingSettings(section: SettingsSection, query: string): MessageKey[] {
  const q = fold(query)
  if (!q) return []
  return section.keywords.filter((k) => !k.endsWith('.words') && textsOf(k).some((t) => t.includes(q)))
}
