/**
 * Quoted text folded away in a conversation's timeline: the messages above already show it.
 * Only a trailing quote is folded (what a reply carries of the message before it), never text
 * the writer put between quotes; what is folded is one click away.
 */

/** Lines that introduce a quote in the clients people use ("On … wrote:", Outlook's header block). */
const INTRO = /^(On .{4,200} wrote:|Op .{4,200} (schreef|geschreven).{0,40}:|Am .{4,200} schrieb .{0,200}:|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Oorspronkelijk bericht\s*-{2,}|_{10,})\s*$/i
const OUTLOOK_HEADER = /^(From|Van|Von):\s.+$/

/** Splits a plain-text body into what the writer wrote and the quote it ends with (empty when none). */
export function foldTextQuote(text: string): { own: string; quoted: string } {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  let end = lines.length
  while (end > 0 && !lines[end - 1]!.trim()) end--
  // The trailing run of quoted (or blank) lines.
  let start = end
  while (start > 0 && (lines[start - 1]!.startsWith('>') || !lines[start - 1]!.trim())) start--
  const hasQuote = lines.slice(start, end).some((l) => l.startsWith('>'))
  if (hasQuote) {
    // Its introduction, just above it.
    let intro = start
    while (intro > 0 && !lines[intro - 1]!.trim()) intro--
    if (intro > 0 && INTRO.test(lines[intro - 1]!.trim())) start = intro - 1
  } else {
    // Outlook's style: a separator or "From:" header block, then the whole message before.
    const at = lines.findIndex((l, i) => INTRO.test(l.trim()) || (OUTLOOK_HEADER.test(l.trim()) && /^(Sent|Verzonden|Gesendet|Date|Datum):\s/i.test(lines[i + 1]?.trim() ?? '')))
    if (at < 0) return { own: text, quoted: '' }
    start = at
  }
  const own = lines.slice(0, start).join('\n').replace(/\s+$/, '')
  // Nothing of the writer's own: nothing is folded (a forward, say, is all quote).
  if (!own.trim()) return { own: text, quoted: '' }
  return { own, quoted: lines.slice(start).join('\n') }
}

/** Where a reply's quote starts in clients' HTML: Gmail, Apple Mail / Thunderbird, Outlook, Yahoo. */
const HTML_QUOTE = ['div.gmail_quote', 'blockquote[type="cite"]', 'div#divRplyFwdMsg', 'div#appendonsend', 'div.yahoo_quoted', 'blockquote']

/**
 * Wraps a sanitized HTML body's trailing quote in a closed <details> (it works in the reader's
 * frame without scripts): the first element that starts a quote, and everything after it.
 */
export function foldHtmlQuote(safeHtml: string, label: string): string {
  const doc = new DOMParser().parseFromString(`<body>${safeHtml}</body>`, 'text/html')
  let start: Element | null = null
  for (const sel of HTML_QUOTE) {
    start = doc.body.querySelector(sel)
    if (start) break
  }
  if (!start) return safeHtml
  // Up to a child of <body>, so that what follows it is inside the fold too.
  while (start.parentElement && start.parentElement !== doc.body) start = start.parentElement
  const before = [...doc.body.childNodes].slice(0, [...doc.body.childNodes].indexOf(start))
  if (!before.some((n) => (n.textContent ?? '').trim())) return safeHtml
  const details = doc.createElement('details')
  details.className = 'tandem-quote'
  const summary = doc.createElement('summary')
  summary.textContent = label
  details.append(summary)
  let n: ChildNode | null = start
  while (n) { const next: ChildNode | null = n.nextSibling; details.append(n); n = next }
  doc.body.append(details)
  return doc.body.innerHTML
}
