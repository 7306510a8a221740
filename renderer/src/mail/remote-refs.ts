/**
 * Telling what in a mail would load something from elsewhere. Browsers are generous readers of
 * URLs and CSS: `\\evil/a` and `https:evil/a` are both remote, `u\rl(` is `url(`, and
 * `image-set()` or `@import "…"` load without any `url(`. So this allows what is known to be
 * local (data: images, cid: parts, #anchors) and treats everything else as remote.
 */

/** A reference that loads nothing from the network. */
export function isLocalRef(value: string): boolean {
  const v = value.trim().toLowerCase()
  return v === '' || v.startsWith('#') || v.startsWith('cid:') || /^data:image\/(png|jpe?g|gif|webp|bmp);/.test(v)
}

/** The absolute http(s) address a remote image reference means, for "Show images"; null if none. */
export function remoteImageUrl(value: string): string | null {
  let v = value.trim().replace(/\\/g, '/')
  if (v.startsWith('//')) v = `https:${v}`
  else if (/^https?:(?!\/\/)/i.test(v)) v = v.replace(/^(https?:)\/*/i, '$1//')
  try {
    const u = new URL(v)
    return /^https?:$/.test(u.protocol) ? u.href : null
  } catch {
    return null
  }
}

/** CSS with its comments and escapes resolved, so that what a browser reads is what is checked. */
function decodeCss(css: string): string {
  return css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\\\r?\n/g, '')
    .replace(/\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?/g, (_, hex: string) => {
      const code = parseInt(hex, 16)
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD'
    })
    .replace(/\\(.)/g, '$1')
}

// CSS functions that fetch: url() and the image functions that take a bare string.
const LOADING = /(?:-webkit-)?(?:url|image-set|image|cross-fade)\s*\(/gi

/** The end (exclusive) of the function whose "(" is at `open`, skipping strings; css.length if unclosed. */
function closeOf(css: string, open: number): number {
  let depth = 0
  let quote: string | null = null
  for (let i = open; i < css.length; i++) {
    const c = css[i]!
    if (quote) { if (c === quote) quote = null; continue }
    if (c === '"' || c === "'") quote = c
    else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return i + 1
  }
  return css.length
}

/**
 * CSS that loads nothing remote: every @import goes, every loading function whose argument is
 * not a local data: image becomes `none`. Returns how many were blocked.
 */
export function neutralizeCss(css: string): { css: string; blocked: number } {
  const decoded = decodeCss(css)
  let blocked = 0
  let out = decoded.replace(/@import\b[^;]*;?/gi, () => { blocked++; return '' })
  let result = ''
  let at = 0
  LOADING.lastIndex = 0
  for (let m = LOADING.exec(out); m; m = LOADING.exec(out)) {
    const open = m.index + m[0].length - 1
    const end = closeOf(out, open)
    const arg = out.slice(open + 1, end - 1).trim().replace(/^['"]|['"]$/g, '')
    if (/^url\s*\($/i.test(m[0]) && isLocalRef(arg) && !arg.startsWith('#')) continue
    result += out.slice(at, m.index) + 'none'
    blocked++
    at = end
    LOADING.lastIndex = end
  }
  out = result + out.slice(at)
  return blocked || decoded !== css ? { css: out, blocked } : { css, blocked: 0 }
}
