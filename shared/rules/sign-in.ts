import { apiError, type ApiError } from '../api/errors'

/** What the IMAP server said when it refused a LOGIN/AUTHENTICATE. */
export interface SignInRefusal {
  address: string
  /** RFC 5530 response code, e.g. AUTHENTICATIONFAILED, CONTACTADMIN, UNAVAILABLE. */
  responseCode?: string
  /** The human text after the code, when the server gave one. */
  responseText?: string
}

const SHARED_HINT = /\bshared mailbox\b|\bR8\b/i

/** Whether a server's refusal says the account is a shared mailbox that cannot sign in (R8), as Dovecot's passdb reason can. */
export const namesSharedMailbox = (text: string | undefined): boolean => SHARED_HINT.test(text ?? '')

/**
 * Explains a refused sign-in (R8 first). A server may refuse a shared mailbox with nothing but a
 * generic AUTHENTICATIONFAILED, so the client also uses what it knows: shared mailboxes it has
 * seen through a member's session on this device, and people who signed in on it. An address
 * it knows as neither, refused with nothing useful, may be either: the error says both.
 */
export function explainSignInRefusal(refusal: SignInRefusal, knownShared: ReadonlySet<string>, knownPeople?: ReadonlySet<string>): ApiError {
  const address = refusal.address.toLowerCase()
  const text = (refusal.responseText ?? '').trim()
  if (knownShared.has(address) || SHARED_HINT.test(text)) {
    return apiError({ code: 'auth.sharedMailbox', rule: 'R8', field: 'address', key: 'errors.auth.shared', params: { address } })
  }
  const code = (refusal.responseCode ?? '').toUpperCase()
  // RFC 5530: a temporary failure (e.g. the server is shutting down, or its auth service is
  // busy). Not the person's fault, and worth another attempt.
  if (code === 'UNAVAILABLE') {
    return apiError({ code: 'server.error', rule: 'R9', key: 'errors.auth.unavailable', params: { address }, reply: text })
  }
  if (code && code !== 'AUTHENTICATIONFAILED' && text && !/^authentication failed\.?$/i.test(text)) {
    return apiError({ code: 'auth.refused', key: 'errors.auth.refused', params: { address }, reply: text })
  }
  if (knownPeople && !knownPeople.has(address)) {
    return apiError({ code: 'auth.failed', rule: 'R8', field: 'password', key: 'errors.auth.wrongOrShared', params: { address } })
  }
  return apiError({ code: 'auth.failed', field: 'password', key: 'errors.auth.wrongPassword', params: { address } })
}
