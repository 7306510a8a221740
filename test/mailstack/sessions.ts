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
