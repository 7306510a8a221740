import DOMPurify from 'dompurify'

export interface SafeHtml {
  /** Sanitized HTML with every remote reference disabled. */
  html: string
  /** How many remote images, backgrounds or stylesheets were blocked. */
  blocked: number
  /** The blocked image addresses, in order (for "Show images"). */
  remote: string[]
}

const REMOTE = /^\s*(https?:)?\/\//i
const CSS_URL = /url\(\s*(['"]?)\s*((?:https?:)?\/\/[^'")]+)\1\s*\)/gi

/**
 * Makes mail HTML safe to show: DOMPurify removes scripts, event handlers, forms, frames and
 * other active content; then every remote reference (img src/srcset, background, CSS url(),
 * link stylesheets) is disabled, so opening a mail sends nothing anywhere until the person
 * allows it. The result also runs in a sandboxed frame without scripts, under the app's CSP.
 */
export function sanitizeMail(raw: string): SafeHtml {
  const remote: string[] = []
  let blocked = 0
  const purifier = DOMPurify()
  purifier.addHook('uponSanitizeElement', (node) => {
    if ((node as Element).tagName === 'LINK') blocked++
  })
  purifier.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element
    for (const attr of ['src', 'srcset', 'background', 'poster', 'data']) {
      const v = el.getAttribute?.(attr)
      if (v && (REMOTE.test(v) || (attr === 'srcset' && /(https?:)?\/\//i.test(v)))) {
        if (attr === 'src' && el.tagName === 'IMG') { el.setAttribute('data-tandem-src', v); remote.push(v) }
        el.removeAttribute(attr)
        blocked++
      }
    }
    const style = el.getAttribute?.('style')
    if (style && CSS_URL.test(style)) {
      CSS_URL.lastIndex = 0
      el.setAttribute('style', style.replace(CSS_URL, () => { blocked++; return 'none' }))
    }
    if (el.tagName === 'A') {
      const href = el.getAttribute('href') ?? ''
      if (!/^(https?:|mailto:|#)/i.test(href.trim())) el.removeAttribute('href')
      el.setAttribute('rel', 'noopener noreferrer')
      el.removeAttribute('target')
    }
  })
  purifier.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && node.textContent && CSS_URL.test(node.textContent)) {
      CSS_URL.lastIndex = 0
      node.textContent = node.textContent.replace(CSS_URL, () => { blocked++; return 'none' })
    }
  })
  const html = purifier.sanitize(raw, {
    WHOLE_DOCUMENT: false,
    ADD_TAGS: ['style'],
    FORBID_TAGS: ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'form', 'input', 'button', 'textarea', 'select', 'link', 'meta', 'base', 'svg', 'math', 'audio', 'video'],
    FORBID_ATTR: ['action', 'formaction', 'ping'],
    ALLOW_DATA_ATTR: false,
  }) as unknown as string
  return { html, blocked, remote }
}

/** The document shown in the frame: the sanitized body plus its own policy (no scripts, no loads). */
export function frameDocument(safe: string): string {
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; font-src data:">
<style>html,body{margin:0;padding:0;background:#fff;color:#1c2330;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;word-wrap:break-word}body{padding:4px 2px}img{max-width:100%;height:auto}img[data-tandem-src]{display:inline-block;min-width:16px;min-height:16px;background:#eef1f5;outline:1px dashed #c5ccd6}pre{white-space:pre-wrap}table{max-width:100%}</style>
</head><body>${safe}</body></html>`
}

/** Plain text shown as text, links made clickable, nothing else interpreted. */
export function textDocument(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
  const linked = escaped.replace(/\b(https?:\/\/[^\s<>"']+)/g, '<a href="$1" rel="noopener noreferrer">$1</a>')
  return frameDocument(`<pre style="font:inherit;margin:0">${linked}</pre>`)
}
