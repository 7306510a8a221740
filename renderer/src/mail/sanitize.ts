import DOMPurify from 'dompurify'
import { isLocalRef, neutralizeCss, remoteImageUrl } from './remote-refs'

export interface SafeHtml {
  /** Sanitized HTML with every remote reference disabled. */
  html: string
  /** How many remote images, backgrounds or stylesheets were blocked. */
  blocked: number
  /** The blocked image addresses, in order (for "Show images"). */
  remote: string[]
}

/** Attributes that load what they name (href only where it is not a link). */
const LOADING_ATTRS = ['src', 'srcset', 'background', 'poster', 'data', 'lowsrc', 'dynsrc', 'xlink:href', 'href']
const LINKS = new Set(['A', 'AREA'])

/**
 * Makes mail HTML safe to show: DOMPurify removes scripts, event handlers, forms, frames and
 * other active content; then every reference that is not known to be local (data: images, cid:
 * parts, anchors) is disabled — img src, srcset, backgrounds, CSS url()/image-set()/@import in
 * any spelling a browser accepts — so opening a mail sends nothing anywhere until the person
 * allows it, and the count says how much was held back. The result also runs in a sandboxed
 * frame without scripts, under a CSP that allows no remote load.
 */
export function sanitizeMail(raw: string): SafeHtml {
  const remote: string[] = []
  let blocked = 0
  const purifier = DOMPurify()
  purifier.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'link') blocked++
    if (data.tagName === 'style' && node.textContent) {
      const safe = neutralizeCss(node.textContent)
      blocked += safe.blocked
      if (safe.css !== node.textContent) node.textContent = safe.css
    }
  })
  purifier.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element
    if (!el.getAttribute) return
    for (const attr of LOADING_ATTRS) {
      if (attr === 'href' && LINKS.has(el.tagName)) continue
      const v = el.getAttribute(attr)
      if (v === null) continue
      const local = attr === 'srcset' ? v.split(',').every((c) => isLocalRef(c.trim().split(/\s+/)[0] ?? '')) : isLocalRef(v)
      if (local) continue
      if (attr === 'src' && el.tagName === 'IMG') {
        const url = remoteImageUrl(v)
        if (url) { el.setAttribute('data-tandem-src', url); remote.push(url) }
      }
      el.removeAttribute(attr)
      blocked++
    }
    const style = el.getAttribute('style')
    if (style) {
      const safe = neutralizeCss(style)
      blocked += safe.blocked
      if (safe.css !== style) el.setAttribute('style', safe.css)
    }
    if (LINKS.has(el.tagName)) {
      const href = el.getAttribute('href') ?? ''
      if (!/^(https?:\/\/|mailto:|#)/i.test(href.trim())) el.removeAttribute('href')
      el.setAttribute('rel', 'noopener noreferrer')
      el.removeAttribute('target')
    }
  })
  const html = purifier.sanitize(raw, {
    WHOLE_DOCUMENT: false,
    // Parse as body content: a <head>'s <style> and <link> then pass through the hooks above —
    // kept (styles) or removed and counted (stylesheets) — instead of vanishing uncounted.
    FORCE_BODY: true,
    ADD_TAGS: ['style'],
    FORBID_TAGS: ['script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'form', 'input', 'button', 'textarea', 'select', 'link', 'meta', 'base', 'svg', 'math', 'audio', 'video', 'portal', 'template'],
    FORBID_ATTR: ['action', 'formaction', 'ping'],
    ALLOW_DATA_ATTR: false,
  }) as unknown as string
  return { html, blocked, remote }
}

/** The document shown in the frame: the sanitized body plus its own policy (no scripts, no loads). */
export function frameDocument(safe: string): string {
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; font-src data:">
<style>html,body{margin:0;padding:0;background:#fff;color:#1c2330;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;word-wrap:break-word}body{padding:4px 2px}img{max-width:100%;height:auto}img[data-tandem-src]{display:inline-block;min-width:16px;min-height:16px;background:#eef1f5;outline:1px dashed #c5ccd6}pre{white-space:pre-wrap}table{max-width:100%}details.tandem-quote{margin-top:6px;color:#4a5568}details.tandem-quote>summary{cursor:pointer;color:#2b5fb4;font-size:12px}</style>
</head><body>${safe}</body></html>`
}

const asHtml = (text: string): string => text
  .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
  .replace(/\b(https?:\/\/[^\s<>"']+)/g, '<a href="$1" rel="noopener noreferrer">$1</a>')

/**
 * Plain text shown as text, links made clickable, nothing else interpreted; a quote it ends with
 * folded in a closed <details> (it opens without scripts).
 */
export function textDocument(text: string, fold?: { quoted: string; label: string }): string {
  const quote = fold ? `<details class="tandem-quote"><summary>${asHtml(fold.label)}</summary><pre style="font:inherit;margin:0">${asHtml(fold.quoted)}</pre></details>` : ''
  return frameDocument(`<pre style="font:inherit;margin:0">${asHtml(text)}</pre>${quote}`)
}
