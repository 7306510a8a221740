import type { Address } from '../domain'

const ADDRESS = /^[^@\s"<>,;]+@[^@\s"<>,;]+\.[^@\s"<>,;]+$/

/**
 * Parses what people type in To/Cc/Bcc: "Name <a@b.c>", "a@b.c", separated by commas or
 * semicolons (quoted names may contain them). Returns the addresses and what could not be read.
 */
export function parseAddressList(input: string): { addresses: Address[]; invalid: string[] } {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (const ch of input) {
    if (ch === '"') quoted = !quoted
    if ((ch === ',' || ch === ';') && !quoted) { parts.push(current); current = '' } else current += ch
  }
  parts.push(current)
  const addresses: Address[] = []
  const invalid: string[] = []
  for (const raw of parts.map((p) => p.trim()).filter(Boolean)) {
    const angle = /^(.*)<([^>]+)>$/.exec(raw)
    const name = angle ? angle[1]!.trim().replace(/^"|"$/g, '') : ''
    const address = (angle ? angle[2]! : raw).trim().toLowerCase()
    if (ADDRESS.test(address)) addresses.push({ name, address })
    else invalid.push(raw)
  }
  return { addresses, invalid }
}

export function formatAddress(a: Address): string {
  return a.name ? `${/[,;"]/.test(a.name) ? `"${a.name.replace(/"/g, '')}"` : a.name} <${a.address}>` : a.address
}

/** "Re: Re: AW: x" → "Re: x"; "x" → "Re: x". */
export function replySubject(subject: string, prefix: 'Re' | 'Fwd'): string {
  const base = subject.replace(/^\s*((re|fwd?|aw|wg|sv)\s*(\[\d+\])?\s*:\s*)+/i, '')
  return `${prefix}: ${base}`
}
