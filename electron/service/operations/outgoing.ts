import { createHmac, randomBytes } from 'node:crypto'
import type { ImapFlow } from 'imapflow'
import { fail, text, withCode } from '../../../shared/api/errors'
import type { CallOutput, SendRequest } from '../../../shared/api/contract'
import type { Folder, Identity } from '../../../shared/domain'
import type { MailboxRuntime } from '../imap/mailbox-runtime'
import type { OutboxDecision, OutboxJournal, RefusedRecipient } from './outbox-journal'
import type { SmtpWatch } from './smtp-watch'
import { composeEncrypted, composeMessage, messageIdFor, newMessageId, submit, SubmitFailure, type SmtpLogin, type Submitted } from './send'
import type { SmimeIdentity } from '../crypto/smime'
import type { SmimeKeyring } from '../crypto/smime-keyring'
import type { StateStore } from '../storage/state-store'
import { loadBody } from './bodies'
import { conversationIdOf, firstMessageId } from '../../../shared/conversation'
import { answeredSince, deleteByUid, findAllByMessageId, findByMessageId } from './triage'
import { completeSentCopy } from './sent-copy'

const DRAFT_SECRET = 'draftSecret'

export const NO_CERTIFICATE = text('errors.send.noCertificate')

/** An identity the service has authorised (R2, R3, R6), with the mailbox it sends from. */
export interface Authorised {
  identity: Identity
  /** The identity's mailbox: its Drafts and Sent folders take the copies. */
  runtime: MailboxRuntime
}

/**
 * What leaves the person's hands: drafts in the identity's Drafts folder, and sending exactly
 * once — through restarts and lost connections — with the copy in the identity's Sent folder.
 * The caller has authorised the identity; this module never widens what it may do.
 */
export class Outgoing {
  private secret: Promise<string> | null = null
  constructor(private readonly journal: OutboxJournal, private readonly keyring: SmimeKeyring, private readonly state: StateStore, private readonly smtp: SmtpWatch) {}

  /**
   * The part of a queued draft's Message-ID that only this device can make: an HMAC of the
   * draft's key under a secret kept on this device. Members see each other's draft keys in a
   * shared Drafts folder; without this, a crafted call with a colleague's key would remove
   * their drafts (R10). Replays on this device find their own versions; nobody else's match.
   */
  private async draftStem(key: string): Promise<string> {
    this.secret ??= (async () => {
      const kept = await this.state.read<string>(DRAFT_SECRET)
      if (kept) return kept
      const made = randomBytes(32).toString('hex')
      await this.state.write(DRAFT_SECRET, made)
      return made
    })()
    const tag = createHmac('sha256', await this.secret).update(key).digest('hex').slice(0, 16)
    return `draft.${key}.${tag}.`
  }

  /**
   * Saves a draft (a shared mailbox's drafts are visible to its other members). A queued draft's
   * version fixes its Message-ID: a replay finds it saved and does not save it twice, and the
   * older versions go by UID (UIDPLUS only: a plain EXPUNGE would also erase others' mail, R10).
   */
  async saveDraft({ identity, runtime }: Authorised, req: SendRequest, version: { key: string; n: number } | undefined, smime: SmimeIdentity | null, author: { name: string; address: string }): Promise<{ folderId: string; uid: number | null }> {
    const drafts = await runtime.folderWithRole('drafts')
    if (!drafts) throw fail({ code: 'folder.missing', key: 'errors.folder.noDrafts', params: { mailbox: runtime.mailbox.name } })
    const client = await runtime.connection()
    const from = identity.from.address
    const messageId = version ? messageIdFor(`${await this.draftStem(version.key)}${version.n}`, from) : newMessageId(from)
    let uid = version ? await findByMessageId(client, drafts.path, messageId) : null
    if (!uid) {
      const appended = await client.append(drafts.path, await this.draftMessage(identity, req, messageId, smime, author), ['\\Draft', '\\Seen'])
      uid = appended && appended.uid ? appended.uid : null
    }
    if (version) await this.dropOlderDrafts(client, drafts, version.key, uid)
    return { folderId: drafts.id, uid }
  }

  /**
   * A draft as stored on the server. One marked Encrypt is encrypted to the sender alone: a
   * draft must not leave in clear what the sent message will hide (a shared mailbox's Drafts are
   * read by every member; R4 keeps shared identities from encrypting at all). Without the
   * person's certificate it is not stored on the server: it stays in the window until sent.
   */
  private async draftMessage(identity: Identity, req: SendRequest, messageId: string, smime: SmimeIdentity | null, author: { name: string; address: string }): Promise<Buffer> {
    if (!req.encrypt) return composeMessage(identity, req, messageId, true, author)
    if (identity.kind !== 'self') throw fail({ code: 'send.encryptionShared', rule: 'R4', field: 'encrypt', key: 'errors.send.encryptionSharedDraft' })
    if (!smime) throw fail({ code: 'send.noCertificate', field: 'encrypt', key: 'errors.send.noCertificateDraft' })
    return composeEncrypted(identity, { ...req, bcc: [] }, messageId, smime, [smime.certPem])
  }

  /**
   * A draft's key and version when this device saved it (its Message-ID carries the key and an
   * HMAC only this device can make: draftStem); null for anyone else's draft, which the person
   * then edits as a copy — never two people silently editing one draft.
   */
  async ownDraft(messageId: string | null): Promise<{ key: string; n: number } | null> {
    const m = /^<?draft\.([0-9a-f-]{36})\.[0-9a-f]{16}\.(\d+)@/.exec(messageId ?? '')
    if (!m) return null
    const stem = await this.draftStem(m[1]!)
    return messageId!.replace(/^</, '').startsWith(stem) ? { key: m[1]!, n: Number(m[2]) } : null
  }

  /** Removes every saved version of a draft from the mailbox's Drafts (after it was sent). */
  async dropDraft(runtime: MailboxRuntime, key: string): Promise<void> {
    const drafts = await runtime.folderWithRole('drafts')
    if (drafts) await this.dropOlderDrafts(await runtime.connection(), drafts, key, null)
  }

  /** Removes the earlier saved versions of a queued draft (found by their Message-IDs). */
  private async dropOlderDrafts(client: ImapFlow, drafts: Folder, key: string, keep: number | null): Promise<void> {
    const found = await findAllByMessageId(client, drafts.path, await this.draftStem(key))
    await deleteByUid(client, drafts.path, found.filter((u) => u !== keep))
  }

  /**
   * Sends as the person (the SMTP login) from the authorised identity. Encrypted only for the
   * person's own identity, to recipients whose certificates are known (R4). A queued message
   * (outboxId) keeps one Message-ID through every attempt, and the journal says how far the
   * attempts got (outbox-journal.ts): accepted or already in Sent → only the Sent copy is
   * completed; an attempt that may have gone → the person decides (send.uncertain), and
   * Tandem never resends by itself; what they decided covers exactly one attempt.
   */
  async send({ identity, runtime }: Authorised, req: SendRequest, login: SmtpLogin, smime: SmimeIdentity | null): Promise<CallOutput<'messages.send'>> {
    let encryptTo: string[] | null = null
    if (req.encrypt) {
      if (!smime) throw fail({ code: 'send.noCertificate', field: 'encrypt', key: 'errors.send.noCertificate' })
      // Every recipient's certificate is named in the envelope, which all recipients can read:
      // a Bcc recipient there would be a Bcc no more.
      if (req.bcc.length) {
        throw fail({ code: 'send.encryptedBcc', field: 'bcc', key: 'errors.send.encryptedBcc' })
      }
      const { found, missing } = await this.keyring.certificatesFor([...req.to, ...req.cc, ...req.bcc].map((r) => r.address))
      if (missing.length) {
        throw fail({ code: 'send.noCertificate', field: 'encrypt', key: 'errors.send.noRecipientCertificate', params: { addresses: missing.join(', ') } })
      }
      encryptTo = [smime.certPem, ...found]
    }
    const messageId = req.outboxId ? messageIdFor(req.outboxId, identity.from.address) : newMessageId(identity.from.address)
    const sent = await runtime.folderWithRole('sent')
    const build = async (forSent: boolean) => (encryptTo && smime
      ? composeEncrypted(identity, req, messageId, smime, encryptTo)
      : composeMessage(identity, req, messageId, forSent))
    // Called only when the Sent folder has no copy yet (checked below, or just sent): the
    // server's own copy, where it files one, or Tandem's (sent-copy.ts).
    const saveCopy = async (): Promise<void> => {
      if (sent) await completeSentCopy({ client: () => runtime.connection(), path: sent.path, messageId, build: () => build(true), mailbox: runtime.mailbox.address, state: this.state })
    }
    const outboxId = req.outboxId
    const before = outboxId ? await this.journal.get(outboxId) : null
    let attempt = 1
    if (outboxId) {
      const inSent = sent ? await findByMessageId(await runtime.connection(), sent.path, messageId) : null
      if (before?.stage === 'accepted' || before?.stage === 'done' || inSent) {
        // An earlier attempt got it to the server (or the person found it did): complete the
        // Sent copy, never send again.
        if (!inSent && before?.stage !== 'done') await saveCopy()
        await this.journal.markDone(outboxId, messageId)
        return { messageId, sentFolderId: sent?.id ?? null, already: true, refused: refusedOf(before?.refused ?? []) }
      }
      if (before?.stage === 'uncertain') {
        // Only the person's decision about this very attempt lets the next one go.
        if (before.authorised !== before.attempt + 1) {
          throw fail({ code: 'send.uncertain', key: 'errors.send.uncertain', params: { attempt: before.attempt } })
        }
        attempt = before.authorised
      }
      // A reply or a forward names its conversation's root first in References (else In-Reply-To).
      const root = firstMessageId(req.references[0]) ?? firstMessageId(req.inReplyTo)
      if (root && req.queuedAt && !req.answeredOk && sent) {
        const ours = conversationIdOf({ messageId, inReplyTo: req.inReplyTo, referencesRoot: firstMessageId(req.references[0]), threadIndex: null, subject: req.subject, from: [identity.from], to: req.to, cc: req.cc }, runtime.mailbox.address)
        const other = await answeredSince(await runtime.connection(), sent, root, ours, req.queuedAt, messageId)
        if (other) {
          // The other member's reply itself, so the person can read it before deciding (its text, bounded).
          const reply = await loadBody(await runtime.connection(), sent.id, sent.path, other.uid).then((b) => (b.body.text ?? '').slice(0, 2000)).catch(() => '')
          throw fail({ code: 'send.conversationAnswered', key: 'errors.send.answered', params: { who: other.who, mailbox: runtime.mailbox.name, at: new Date(other.at).getTime(), subject: other.subject, reply } })
        }
      }
    }
    const raw = await build(false)
    // Known unreachable: fails at once, without a connection (smtp-watch.ts).
    this.smtp.check(login.endpoint)
    let submitted: Submitted
    try {
      submitted = await submit(login, identity, login.user, req, raw, outboxId ? () => this.journal.markUncertain(outboxId, attempt, messageId) : undefined)
    } catch (e) {
      if (e instanceof SubmitFailure) {
        if (e.network) this.smtp.lost(login.endpoint, e.error)
        else this.smtp.reached(login.endpoint)
        // The server stated a refusal after the end of DATA: this attempt sent nothing, and the
        // journal is as it was before it (a person's authorisation included).
        if (outboxId && !e.maybeSent) await this.journal.restore(outboxId, before)
      }
      throw e
    }
    this.smtp.reached(login.endpoint)
    if (outboxId) await this.journal.markAccepted(outboxId, attempt, messageId, submitted.refused)
    try {
      await saveCopy()
    } catch {
      throw fail({ code: 'network.unreachable', key: 'errors.send.sentCopyLater', params: { mailbox: runtime.mailbox.name } })
    }
    if (outboxId) await this.journal.markDone(outboxId, messageId)
    return { messageId, sentFolderId: sent?.id ?? null, refused: refusedOf(submitted.refused) }
  }

  /**
   * The person's decision about a message held as perhaps sent (attempt n): Send again lets
   * attempt n + 1 go, once; It was sent ends it (its Sent copy is completed, nothing is
   * submitted ever again). A decision about another attempt than the one held changes nothing.
   */
  async decide(outboxId: string, attempt: number, choice: OutboxDecision): Promise<CallOutput<'outbox.decide'>> {
    const entry = await this.journal.decide(outboxId, attempt, choice)
    const applied = !!entry && (choice === 'wasSent' ? entry.stage !== 'uncertain' : entry.authorised === attempt + 1)
    return { applied }
  }
}

/** Recipients the server refused, with its reason as the person reads it (R2/R3 where it names them). */
function refusedOf(refused: RefusedRecipient[]): CallOutput<'messages.send'>['refused'] {
  return refused.map((r) => ({
    address: r.address,
    reason: text('errors.send.recipientRefused', { address: r.address }, { reply: withCode(r.code, r.text) }),
  }))
}
