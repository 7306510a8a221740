/** Links from mail or the UI may leave the app only to these schemes, in the system's handler. */
const ALLOWED = new Set(['http:', 'https:', 'mailto:'])

export function isAllowedExternalUrl(url: string): boolean {
  try {
    return ALLOWED.has(new URL(url).protocol)
  } catch {
    return false
  }
}
