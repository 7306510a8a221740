/**
 * The renderer's Content-Security-Policy: only our own scripts, no inline script, no eval, no
 * plugins, no remote anything. The web host adds its own WebSocket to connect-src.
 * Inline styles are allowed because the mail frame (srcdoc) inherits this policy and HTML mail
 * is laid out with them; scripts stay 'self' only, and the frame is sandboxed without scripts.
 */
export function contentSecurityPolicy(extra: { connect?: string[] } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ${(extra.connect ?? []).join(' ')}`.trim(),
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
