import { randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import SMTPConnection from 'nodemailer/lib/smtp-connection'
import { insecureEndpointReason } from '../../../shared/rules/connection-security'
import { xoauth2 } from '../../../shared/rules/oauth'
import type { SmtpLogin } from './send'

/**
 * Whether the submission server itself refuses an envelope sender the signed-in person does
 * not own (Postfix's smtpd_sender_login_maps with reject_sender_login_mismatch). Only then is a
 * Send As the person claims for themselves acted on (R2): where the server checks nothing,
 * Tandem's own word would be the only check, and a window must not be able to create a grant.
 *
 * It asks with an address no one owns, in the given domain, and the person's own address as
 * the only recipient. A refusal of MAIL FROM or RCPT TO means the server checks. An
 * acceptance means it does not; the DATA that follows is never finished: the connection is
 * dropped before the end-of-data dot, so nothing is delivered (RFC 5321 §4.1.1.4: a message is
 * taken only at the dot). A network failure says nothing: null.
 */
export async function serverRefusesForeignSender(login: SmtpLogin, domain: string): Promise<boolean | null> {
  if (insecureEndpointReason('SMTP', login.endpoint)) return null
  const { host, port, security } = login.endpoint
  const conn = new SMTPConnection({
    host, port, secure: security === 'tls', requireTLS: security === 'starttls', ignoreTLS: security === 'none',
    connectionTimeout: 15_000, socketTimeout: 30_000,
  })
  conn.on('error', () => undefined)
  try {
    await new Promise<void>((resolve, reject) => { conn.once('error', reject); conn.connect(() => resolve()) })
    const credentials = login.accessToken
      ? { user: login.user, oauth2: { getToken: (renew: boolean, cb: (e: Error | null, t?: string) => void) => { login.accessToken!(renew).then((t) => cb(null, t), (e: Error) => cb(e)) }, buildXOAuth2Token: (t: string) => xoauth2(login.user, t) } }
      : { user: login.user, pass: login.password }
    await new Promise<void>((resolve, reject) => conn.login(credentials as never, (err) => (err ? reject(err) : resolve())))
    const nobody = `tandem-sender-check-${randomBytes(6).toString('hex')}@${domain}`
    // A message that never ends: nodemailer pipes it only once the server accepted the envelope
    // and said 354 to DATA; then the connection is dropped, mid-message.
    const body = new PassThrough()
    return await new Promise<boolean | null>((resolve) => {
      body.pipe = (<T extends NodeJS.WritableStream>(dest: T): T => { resolve(false); conn.close(); return dest }) as typeof body.pipe
      conn.send({ from: nobody, to: [login.user] }, body, (err) => {
        const e = err as { code?: string; responseCode?: number } | null
        if (e?.code === 'EENVELOPE' && e.responseCode && e.responseCode >= 500) resolve(true)
        else resolve(null)
      })
    })
  } catch {
    return null
  } finally {
    conn.close()
  }
}
