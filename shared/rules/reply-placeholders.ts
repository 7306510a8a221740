/**
 * Placeholders in a saved reply (shared/rules/saved-replies.ts): `{customer.firstName}`,
 * `{customer.name}`, `{me.name}`, `{me.firstName}`, `{subject}`, `{mailbox}`. When the reply is
 * inserted each is replaced by what the message knows; one it does not know, or knows as empty,
 * stays as written — visible, for the person to fill — and is never silently left blank.
 */
export const PLACEHOLDERS = ['customer.firstName', 'customer.name', 'me.name', 'me.firstName', 'subject', 'mailbox'] as const
export type Placeholder = (typeof PLACEHOLDERS)[number]
export type PlaceholderValues = Partial<Record<Placeholder, string | null | undefined>>

/** A placeholder as written in a saved reply: a name of letters and dots between braces. */
const PLACEHOLDER = /\{([A-Za-z][A-Za-z.]{0,40})\}/g

/**
 * A person's first name from how their address shows them: "Dana Scully" → "Dana",
 * "Scully, Dana" → "Dana"; empty when there is no name (an address alone names nobody).
 */
export function firstNameOf(displayName: string | null | undefined): string {
  const name = (displayName ?? '').replace(/["']/g, '').trim()
  if (!name || name.includes('@')) return ''
  const comma = name.indexOf(',')
  const given = comma > 0 ? name.slice(comma + 1).trim() : name
  return given.split(/\s+/)[0] ?? ''
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * The saved reply's HTML with its placeholders filled: only in text, never inside a tag (a
 * link's address keeps its braces), values escaped as text. Returns the HTML and the
 * placeholders left for the person (unknown ones, and known ones the message has no value for).
 */
export function fillPlaceholders(html: string, values: PlaceholderValues): { html: string; left: string[] } {
  const left = new Set<string>()
  const out = html.split(/(<[^>]*>)/).map((part) => (part.startsWith('<') ? part : part.replace(PLACEHOLDER, (whole, name: string) => {
    const value = (PLACEHOLDERS as readonly string[]).includes(name) ? values[name as Placeholder]?.trim() : undefined
    if (value) return escapeHtml(value)
    left.add(name)
    return whole
  })))
  return { html: out.join(''), left: [...left] }
}
