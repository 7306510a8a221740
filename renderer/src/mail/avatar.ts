/** How many avatar colours the tokens define (--c-avatar-0 …). */
export const AVATAR_COLOURS = 8

/**
 * A person's initials and colour from their name and address: the same address always gets the
 * same colour, on every device and for every member. Initials: the first letters of the first and
 * last word of the name, else of the address's local part.
 */
export function avatarOf(name: string, address: string): { initials: string; colour: number } {
  const source = name.trim() || address.split('@')[0] || '?'
  const words = source.split(/[\s._-]+/u).filter((w) => /\p{L}|\p{N}/u.test(w))
  const first = (w: string | undefined) => (w ? [...w.replace(/^[^\p{L}\p{N}]+/u, '')][0] ?? '' : '')
  const initials = (words.length > 1 ? first(words[0]) + first(words[words.length - 1]) : first(words[0]) || '?').toLocaleUpperCase()
  let h = 2166136261
  for (const ch of (address || name).toLowerCase()) { h ^= ch.codePointAt(0)!; h = Math.imul(h, 16777619) >>> 0 }
  return { initials, colour: h % AVATAR_COLOURS }
}
