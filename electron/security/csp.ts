/**
 * The renderer's Content-Security-Policy: only our own scripts and styles, no inline script, no
 * eval, no plugins, no remote anything. The web host adds its own WebSocket to connect-src.
 */
export function contentSecurityPolicy(extra: { connect?: string[] } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
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
