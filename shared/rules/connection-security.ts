import { apiError, type ApiError } from '../api/errors'
import type { Endpoint } from '../domain'

/** Loopback names and addresses: the only places a password may travel unencrypted. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '')
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h)
  return h === 'localhost' || h === '::1' || (!!v4 && v4.slice(1).every((o) => Number(o) <= 255))
}

/**
 * Returns why an endpoint is unsafe to send a password to, or null. Plain connections are
 * refused to anything but this machine: a password must not cross a network in the clear.
 */
export function insecureEndpointReason(kind: 'IMAP' | 'SMTP', e: Endpoint): ApiError | null {
  if (e.security !== 'none' || isLoopbackHost(e.host)) return null
  return apiError({ code: 'security.insecure', field: 'server', key: 'errors.security.insecure', params: { kind, host: e.host } })
}
