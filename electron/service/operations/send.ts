import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import MailComposer from 'nodemailer/lib/mail-composer'
import MimeNode from 'nodemailer/lib/mime-node'
import SMTPConnection from 'nodemailer/lib/smtp-connection'
import { envelope, innerEntity, sign, type SmimeIdentity } from '../crypto/smime'
import type { SendRequest } from '../../../shared/api/contract'
import { ApiFailure, apiError, fail, withCode } from '../../../shared/api/errors'
import { smtpRefusal } from '../../../shared/rules/identities'
import { formatDraftAuthor } from '../../../shared/rules/draft-author'
import type { Endpoint, Identity } from '../../../shared/domain'
import { insecureEndpointReason } from '../../../shared/rules/connection-security'
import { xoauth2 } from '../../../shared/rules/oauth'
import type { RefusedRecipient } from './outbox-journal'

export interface SmtpLogin {
  endpoint: Endpoint
  user: string
  password: string
  /** OAuth2 (XOAUTH2): the person's access token; `renew` after the server refused one. */
  accessToken?: (renew?: boolean) => Promise<string>
}

/** A Message-ID with this local part, in the sending address's domain. */
export function messageIdFor(local: string, from: string): string {
  return `<${local}@${from.split('@')[1] ?? 'tandem.invalid'}>`
}

/** A fresh, unique Message-ID (queued messages get a fixed one from their outbox id instead). */
export function newMessageId(from: string): string {
  return messageIdFor(`${Date.now().toString(36)}.${randomBytes(9).toString('base64url')}`, from)
}

/**
 * Who wrote a draft, in the draft itself: a shared mailbox's Drafts are every member's, and a
 * send-as draft has no Sender. Any member could write this header, so it is shown as the draft's
 * word ("Bob's draft"), never trusted; the message that is finally sent is composed anew without it.
 */
export const DRAFT_AUTHOR_HEADER = 'X-Tandem-Draft-By'

/** The MIME message: From and Sender as the identity says (R2: no Sender; R3: Sender = member). */
export async function composeMessage(identity: Identity, req: SendRequest, messageId: string, keepBcc: boolean, draftBy?: { name: string; address: string }): Promise<Buffer> {
  const composer = new MailComposer({
    from: identity.from,
    ...(identity.kind === 'onBehalf' && identity.sender ? { sender: identity.sender } : {}),
    to: req.to, cc: req.cc, bcc: req.bcc,
    subject: req.subject,
    text: req.text,
    ...(req.html ? { html: req.html } : {}),
    ...(req.inReplyTo ? { inReplyTo: req.inReplyTo } : {}),
    ...(req.references.length ? { references: req.references } : {}),
    messageId,
    date: new Date(),
    headers: { 'X-Mailer': 'Tandem', ...(draftBy ? { [DRAFT_AUTHOR_HEADER]: { prepared: true, value: formatDraftAuthor(draftBy) } } : {}) },
    attachments: attachmentsOf(req),
  })
  const node = composer.compile()
  ;(node as unknown as { keepBcc: boolean }).keepBcc = keepBcc
  return node.build()
}

/** What happened to a submission that failed: definitely not sent, or perhaps sent. */
export class SubmitFailure extends ApiFailure {
  constructor(error: ApiFailure['error'], readonly maybeSent: boolean, readonly network: boolean) { super(error) }
}

/** What the server did with a submitted message: taken for these, refused for those (RCPT). */
export interface Submitted {
  accepted: string[]
  refused: RefusedRecipient[]
}

/**
 * Submits over SMTP as the person. The envelope sender is the shared address for Send As (the
 * server checks it against the login) and the person for On Behalf and own mail: nodemailer
 * would take it from From, so it is set explicitly.
 *
 * The message is streamed, and `beforeEnd` runs once the whole of it has been handed to the
 * connection and before the end of DATA (the final dot) is written: the moment from which the
 * server may have the message. A failure before it means the server never had the whole
 * message (it discards an unfinished DATA), so trying again is safe; a lost connection after it
 * leaves it unknown (`maybeSent`). nodemailer writes the dot when the message stream ends, and
 * the stream ends only after `beforeEnd` resolved.
 */
export async function submit(login: SmtpLogin, identity: Identity, person: string, req: SendRequest, raw: Buffer, beforeEnd?: () => Promise<void>): Promise<Submitted> {
  const insecure = insecureEndpointReason('SMTP', login.endpoint)
  if (insecure) throw new ApiFailure(insecure)
  const { host, port, security } = login.endpoint
  const conn = new SMTPConnection({
    host, port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    connectionTimeout: 15_000,
    socketTimeout: 60_000,
  })
  let marked = false
  let ok = false
  let tokenFailure: ApiFailure | null = null
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once('error', reject)
      conn.connect(() => resolve())
    })
    const token = login.accessToken
    const credentials = token
      ? {
          user: login.user,
          // nodemailer asks once more with renew=true when the server refuses the token. A
          // failure to get one (the sign-in ended) is kept as it is and thrown below.
          oauth2: {
            getToken: (renew: boolean, cb: (err: Error | null, token?: string) => void) => {
              token(renew).then((t) => cb(null, t), (e: unknown) => { tokenFailure = e instanceof ApiFailure ? e : null; cb(new Error((e as Error).message)) })
            },
            buildXOAuth2Token: (accessToken: string) => xoauth2(login.user, accessToken),
          },
        }
      : { user: login.user, pass: login.password }
    await new Promise<void>((resolve, reject) => conn.login(credentials as never, (err) => (err ? reject(err) : resolve())))
    const env = { from: identity.kind === 'sendAs' ? identity.from.address : person, to: [...req.to, ...req.cc, ...req.bcc].map((r) => r.address) }
    // Read only after the server answered DATA with 354: the whole message, then the mark, then
    // the end. In pieces, so that the connection's backpressure holds the mark back while the
    // message is still on its way: it comes as late as it can.
    const message = Readable.from((async function* () {
      for (let at = 0; at < raw.length; at += CHUNK) yield raw.subarray(at, at + CHUNK)
      await beforeEnd?.()
      marked = true
    })(), { objectMode: false })
    const info = await new Promise<SentInfo>((resolve, reject) => conn.send(env, message, (err, i) => (err ? reject(err) : resolve(i as SentInfo))))
    ok = true
    return {
      accepted: (info.accepted ?? []).map(String),
      refused: (info.rejectedErrors ?? []).map((e) => ({ address: String(e.recipient ?? ''), code: e.responseCode ?? 0, text: e.response ?? e.message })),
    }
  } catch (e) {
    if (e instanceof ApiFailure) throw e
    if (tokenFailure) throw tokenFailure
    const err = e as { responseCode?: number; response?: string; code?: string; message: string }
    const text = err.response ?? err.message
    const known = err.responseCode ? smtpRefusal(identity.kind, err.responseCode, text) : null
    // A refusal the server stated means nothing went; a connection lost after the mark may have.
    const maybeSent = marked && !err.responseCode
    throw new SubmitFailure(apiError({
      code: err.responseCode ? 'send.refused' : 'network.unreachable',
      ...(known?.rule ? { rule: known.rule, field: 'from' } : {}),
      ...(known ?? (err.responseCode
        ? { key: 'errors.send.refused', reply: withCode(err.responseCode, text) }
        : { key: 'errors.send.smtpUnreachable', params: { host, port }, cause: err.code ?? text })),
    }), maybeSent, !err.responseCode)
  } finally {
    // After a failure mid-DATA a QUIT would be read as part of the message: the connection is
    // dropped instead, and the server discards what it has of an unfinished message.
    if (ok) conn.quit()
    else conn.close()
  }
}

const CHUNK = 64 * 1024

interface SentInfo {
  accepted?: unknown[]
  rejectedErrors?: { recipient?: string; responseCode?: number; response?: string; message: string }[]
}

/**
 * A personal message signed and encrypted with S/MIME: the headers stay outside, the body is
 * application/pkcs7-mime (enveloped data) for the sender and every recipient. Never for a
 * shared identity (R4: authoriseSend refuses it before this is reached).
 */
export async function composeEncrypted(identity: Identity, req: SendRequest, messageId: string, me: SmimeIdentity, certPems: string[]): Promise<Buffer> {
  if (identity.kind !== 'self') throw fail({ code: 'send.encryptionShared', rule: 'R4', key: 'errors.send.encryptionSharedShort' })
  const entity = req.attachments.length
    ? await new MailComposer({ text: req.text, ...(req.html ? { html: req.html } : {}), attachments: attachmentsOf(req) }).compile().build()
    : innerEntity(req.text, req.html)
  const der = envelope(sign(entity, me), certPems)
  const root = new MimeNode('application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"')
  root.setHeader('From', identity.from)
  if (req.to.length) root.setHeader('To', req.to)
  if (req.cc.length) root.setHeader('Cc', req.cc)
  root.setHeader('Subject', req.subject)
  root.setHeader('Message-ID', messageId)
  root.setHeader('Date', new Date().toUTCString())
  if (req.inReplyTo) root.setHeader('In-Reply-To', req.inReplyTo)
  if (req.references.length) root.setHeader('References', req.references.join(' '))
  root.setHeader('X-Mailer', 'Tandem')
  root.setHeader('Content-Disposition', 'attachment; filename="smime.p7m"')
  root.setHeader('Content-Transfer-Encoding', 'base64')
  root.setContent(der)
  return root.build()
}

function attachmentsOf(req: SendRequest) {
  return req.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType || 'application/octet-stream', content: Buffer.from(a.contentBase64, 'base64') }))
}

/**
 * The submission server's SIZE limit (RFC 1870) from its EHLO answer. nodemailer parses it but
 * keeps it private (_maxAllowedSize); reading it beats guessing and having a send bounce.
 */
export async function smtpSizeLimit(endpoint: Endpoint): Promise<number | null> {
  const { host, port, security } = endpoint
  const conn = new SMTPConnection({ host, port, secure: security === 'tls', ignoreTLS: security === 'none', requireTLS: security === 'starttls', connectionTimeout: 10_000 })
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once('error', reject)
      conn.connect(() => resolve())
    })
    const size = (conn as unknown as { _maxAllowedSize?: number })._maxAllowedSize
    return size && size > 0 ? size : null
  } catch {
    return null
  } finally {
    conn.quit()
  }
}
