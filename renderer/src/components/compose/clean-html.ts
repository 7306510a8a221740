import DOMPurify from 'dompurify'

/**
 * What HTML the composer accepts — from a paste, a team's signature, a draft — and what leaves
 * in a message: text formatting, lists, quotes, links to http(s) and mailto, and the signature
 * block. Everything else (scripts, event handlers, styles, forms, frames, javascript: links,
 * remote images that would report the reader) is removed. DOMPurify parses as the browser does.
 */
const ALLOWED_TAGS = ['p', 'br', 'div', 'span', 'strong', 'b', 'em', 'i', 'u', 's', 'ul', 'ol', 'li', 'blockquote', 'a', 'h1', 'h2', 'h3', 'h4', 'pre', 'code', 'hr']
const ALLOWED_ATTR = ['href', 'data-signature', 'class']
const SAFE_URL = /^(?:https?:|mailto:)/i

/** The HTML with only what the composer allows (see above). */
export function cleanHtml(html: string): string {
  const out = DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOWED_URI_REGEXP: SAFE_URL, KEEP_CONTENT: true }) as unknown as string
  return out
}

/** Whether a link address may go into a message: http(s) and mailto only. */
export function safeLinkAddress(url: string): boolean {
  const u = url.trim()
  if (!SAFE_URL.test(u) || /\s/.test(u)) return false
  if (/^mailto:/i.test(u)) return u.length > 7
  try { return !!new URL(u).host } catch { return false }
}

/** The marker of the signature block in the composer's HTML (a div with this attribute). */
export const SIGNATURE_ATTR = 'data-signature'

/** The signature block's HTML for the composer, from the signature's own (cleaned) HTML. */
export function signatureBlock(html: string): string {
  const inner = cleanHtml(html).trim()
  return inner ? `<div ${SIGNATURE_ATTR}="">${/^<(p|ul|ol|blockquote|div|h\d|pre)\b/i.test(inner) ? inner : `<p>${inner}</p>`}</div>` : ''
}

/**
 * The composer's HTML with its signature block replaced by `block` (empty: removed). Where it
 * has none, the new one goes where a signature belongs: above the quoted text of a reply (the
 * first blockquote at the top level, with the line that introduces it), or at the end.
 */
export function withSignature(html: string, block: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
  const body = doc.body
  const old = body.querySelector(`div[${SIGNATURE_ATTR}]`)
  const fresh = block ? (new DOMParser().parseFromString(`<body>${block}</body>`, 'text/html').body.firstElementChild) : null
  if (old) {
    if (fresh) old.replaceWith(doc.importNode(fresh, true))
    else old.remove()
    return body.innerHTML
  }
  if (!fresh) return html
  const quote = [...body.children].find((c) => c.tagName === 'BLOCKQUOTE' || c.hasAttribute('data-quote-intro'))
  if (quote) body.insertBefore(doc.importNode(fresh, true), quote)
  else body.appendChild(doc.importNode(fresh, true))
  return body.innerHTML
}

const escape = (t: string) => t.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)

/** Plain text as the composer's HTML: a paragraph per paragraph, line breaks kept. */
export function textToHtml(t: string): string {
  return t.split(/\n{2,}/).map((p) => `<p>${escape(p).replace(/\n/g, '<br>')}</p>`).join('')
}

/** A quoted message's text as a quote block of the composer. */
export function quoteHtml(text: string): string {
  return `<blockquote>${textToHtml(text.replace(/\s+$/, '')) || '<p></p>'}</blockquote>`
}

/**
 * The plain-text alternative of the composer's HTML, as mail readers expect it: quotes with
 * "> ", list items with "- " or their number, links with their address, the signature after
 * the "-- " line (RFC 3676's signature separator).
 */
export function htmlToPlain(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
  const blocks = (el: Element, prefix: string): string[] => {
    const out: string[] = []
    let inline = ''
    const flush = () => { if (inline !== '') { out.push(...inline.split('\n').map((l) => prefix + l)); inline = '' } }
    for (const node of [...el.childNodes]) {
      if (node.nodeType === 3) { inline += (node.textContent ?? '').replace(/\s+/g, ' '); continue }
      if (node.nodeType !== 1) continue
      const e = node as Element
      const tag = e.tagName
      if (tag === 'BR') { inline += '\n'; continue }
      if (tag === 'A') {
        const href = e.getAttribute('href') ?? ''
        const label = e.textContent ?? ''
        inline += href && href.replace(/^mailto:/i, '') !== label && href !== label ? `${label} <${href}>` : label
        continue
      }
      if (['P', 'DIV', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'H1', 'H2', 'H3', 'H4', 'PRE', 'HR'].includes(tag)) {
        flush()
        if (tag === 'BLOCKQUOTE') out.push(...blocks(e, `${prefix}> `).map((l) => l.replace(/> $/, '>')))
        else if (tag === 'UL' || tag === 'OL') {
          let n = 0
          for (const li of [...e.children]) {
            n++
            const lines = blocks(li, '')
            const mark = tag === 'OL' ? `${n}. ` : '- '
            lines.forEach((l, i) => out.push(prefix + (i === 0 ? mark : ' '.repeat(mark.length)) + l))
          }
        } else if (tag === 'HR') out.push(`${prefix}---`)
        else if (tag === 'DIV' && e.hasAttribute(SIGNATURE_ATTR)) { out.push(`${prefix}-- `, ...blocks(e, prefix)) }
        else {
          const inner = blocks(e, prefix)
          out.push(...(inner.length ? inner : [prefix.trimEnd()]))
        }
        continue
      }
      inline += e.textContent ?? ''
    }
    flush()
    return out
  }
  return blocks(doc.body, '').join('\n').replace(/\n{3,}/g, '\n\n').trim()
}
