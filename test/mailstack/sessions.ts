import { ImapFlow } from 'imapflow'
import type { MailStack } from './stack'

/** A person's password in the stack's organisation (the fixtures know every one). */
export function passwordOf(stack: MailStack, address: string): string {
  const u = stack.org.users.find((x) => x.address === address)
  if (!u) throw new Error(`${address} is not a user of ${stack.org.name}`)
  return u.password
}

/**
 * An independent IMAP session, as another member's client would have (tests, demo, bench): to
 * see what reached the server, or to change something behind Tandem's back. A shared mailbox
 * opens through the stack's delegate login, `shared*member`.
 */
export async function imapSession(stack: MailStack, login: string, password: string, opts: { qresync?: boolean } = {}): Promise<ImapFlow> {
  const c = new ImapFlow({ host: stack.host, port: stack.ports.imap, secure: false, doSTARTTLS: false, auth: { user: login, pass: password }, logger: false, ...opts })
  c.on('error', () => undefined)
  await c.connect()
  return c
}

/**
 * A person's independent session on their own mailbox, or on a shared mailbox they belong to,
 * signed in the way the organisation's server takes: the delegate login of its shape (Dovecot's
 * `shared*member`, or the shared address itself) with a password, or — where the server takes
 * tokens only — with a token from the organisation's provider.
 */
export async function memberSession(stack: MailStack, person: string, shared?: string, opts: { qresync?: boolean } = {}): Promise<ImapFlow> {
  const { server, layout } = stack.org
  const login = !shared ? person : server.delegateLogin === 'address' ? shared : `${shared}${layout.masterSeparator}${person}`
  if (server.signIn !== 'oauth') return imapSession(stack, login, passwordOf(stack, person), opts)
  const c = new ImapFlow({
    host: stack.host, port: stack.ports.imap, secure: false, doSTARTTLS: false,
    auth: { user: login, accessToken: stack.oidc!.accessToken(person) }, logger: false, ...opts,
  })
  c.on('error', () => undefined)
  await c.connect()
  return c
}
