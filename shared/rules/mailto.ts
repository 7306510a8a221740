/** What a mailto: link (RFC 6068) asks the compose window to fill in. */
export interface MailtoFields { to: string; cc: string; bcc: string; subject: string; body: string }

/**
 * Parses a mailto: link from another program. Only the fields people expect are taken (To, Cc,
 * Bcc, Subject, Body); anything else a link carries (e.g. "attach", "from", custom headers) is
 * ignored, so a link cannot add a file or choose the identity. Null when it is no mailto: link.
 */
export function parseMailto(url: string): MailtoFields | null {
  if (!/^mailto:/i.test(url.trim())) return null
  const rest = url.trim().slice('mailto:'.length)
  const q = rest.indexOf('?')
  // Each run of %XX on its own: one broken escape does not leave the rest undecoded.
  const decode = (s: string) => s.replace(/(%[0-9a-f]{2})+/gi, (run) => { try { return decodeURIComponent(run) } catch { return run } })
  const fields: MailtoFields = { to: decode(q < 0 ? rest : rest.slice(0, q)), cc: '', bcc: '', subject: '', body: '' }
  for (const pair of (q < 0 ? '' : rest.slice(q + 1)).split('&')) {
    const at = pair.indexOf('=')
    if (at < 0) continue
    const key = pair.slice(0, at).toLowerCase()
    const value = decode(pair.slice(at + 1))
    if (key === 'to') fields.to = [fields.to, value].filter(Boolean).join(', ')
    else if (key === 'cc' || key === 'bcc' || key === 'subject' || key === 'body') fields[key] = value.slice(0, key === 'body' ? 100_000 : 2000)
  }
  fields.to = fields.to.slice(0, 2000)
  return fields
}
