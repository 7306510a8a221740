import type { ApiError } from '../api/errors'

/** What the IMAP server said when it refused a LOGIN/AUTHENTICATE. */
export interface SignInRefusal {
  address: string
  /** RFC 5530 response code, e.g. AUTHENTICATIONFAILED, CONTACTADMIN, UNAVAILABLE. */
  responseCode?: string
  /** The human text after the code, when the server gave one. */
  responseText?: string
}

const SHARED_HINT = /\bshared mailbox\b|\bR8\b/i

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
    return {
      code: 'auth.sharedMailbox',
      rule: 'R8',
      field: 'address',
      message: `${address} is a shared mailbox, and shared mailboxes cannot sign in (R8). Sign in with your own address and password: the shared mailboxes you are a member of appear next to your own mailbox.`,
    }
  }
  const code = (refusal.responseCode ?? '').toUpperCase()
  // RFC 5530: a temporary failure (e.g. the server is shutting down, or its auth service is
  // busy). Not the person's fault, and worth another attempt.
  if (code === 'UNAVAILABLE') {
    return {
      code: 'server.error',
      rule: 'R9',
      message: `The server cannot sign ${address} in just now${text ? ` ("${text}")` : ''}. Tandem tries again by itself; your changes wait meanwhile.`,
    }
  }
  if (code && code !== 'AUTHENTICATIONFAILED' && text && !/^authentication failed\.?$/i.test(text)) {
    return {
      code: 'auth.refused',
      message: `The server refused the sign-in for ${address}: "${text}". If this keeps happening, contact your administrator.`,
    }
  }
  if (knownPeople && !knownPeople.has(address)) {
    return {
      code: 'auth.failed',
      rule: 'R8',
      field: 'password',
      message: `The server did not accept the sign-in for ${address}. Either the password is wrong (passwords are case-sensitive), or ${address} is a shared mailbox: shared mailboxes cannot sign in (R8) — sign in with your own address, and the shared mailboxes you are a member of appear next to yours.`,
    }
  }
  return {
    code: 'auth.failed',
    field: 'password',
    message: `The server did not accept the password for ${address}. Check it (passwords are case-sensitive) and try again.`,
  }
}
