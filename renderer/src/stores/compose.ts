import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { apiError, text as asNote, type ApiError, type Text } from '../../../shared/api/errors'
import { useComposeFiles } from '../composables/use-compose-files'
import type { Identity, MessageBody, MessageSummary } from '../../../shared/domain'
import { defaultIdentity } from '../../../shared/rules/identities'
import { formatAddress, parseAddressList, replySubject } from '../../../shared/rules/addresses'
import { parseMailto } from '../../../shared/rules/mailto'
import { replyReferences } from '../../../shared/conversation'
import { useApi } from '../api/use-api'
import { useSessionStore } from './session'
import { useSignaturesStore, type Signature } from './signatures'
import { cleanHtml, htmlToPlain, quoteHtml, signatureBlock, textToHtml, withSignature } from '../components/compose/clean-html'
import { useQueueStore } from './queue'
import { useNoticesStore } from './notices'
import { useTeamStore, WRITING_MS } from './team'
import { useFoldersStore } from './folders'
import { useMessagesStore } from './messages'
import type { SendTask } from '../queue/task-queue'
import { dateTime, tr } from '../i18n'

export type ComposeMode = 'new' | 'reply' | 'replyAll' | 'forward'

/**
 * The References of a reply to (or forward of) a message: its whole chain as its body gave it,
 * and its Message-ID; trimmed from the middle only (shared/conversation.ts). Without the body,
 * what the summary keeps: the root, and the parent.
 */
function chainOf(m: MessageSummary, body: MessageBody | null): string[] {
  const known = body?.references?.length ? body.references : [m.referencesRoot, m.inReplyTo].filter((x): x is string => !!x)
  return replyReferences(known, m.messageId)
}

/** One message being written: identity, recipients, text, and what it answers. */
export const useComposeStore = defineStore('compose', () => {
  const api = useApi()
  const session = useSessionStore()
  const queue = useQueueStore()
  const notices = useNoticesStore()
  const open = ref(false)
  const team = useTeamStore()
  const folders = useFoldersStore()
  const messages = useMessagesStore()
  /** When the person opened this message to write it: another member's answer after that is news to them. */
  let openedAt = Date.now()
  /** The shared mailbox's conversation this answers, for "is writing a reply" (docs/team-state.md). */
  let answering: MessageSummary | null = null
  let writingTimer: ReturnType<typeof setInterval> | null = null
  watch(open, (now) => {
    if (writingTimer) { clearInterval(writingTimer); writingTimer = null }
    const m = answering
    if (!m) return
    if (now) {
      void team.writing(m, true)
      // Renewed while the window is open: a mark lasts a minute, so a crash does not leave it standing.
      writingTimer = setInterval(() => { void team.writing(m, true) }, WRITING_MS / 2)
    } else {
      answering = null
      void team.writing(m, false)
    }
  })
  /** The queued message being changed, when compose was opened from the outbox. */
  const editing = ref<string | null>(null)
  /** Saved versions of this draft share a key; each has its own number (a fixed Message-ID). */
  let draftKey = crypto.randomUUID()
  let draftN = 0
  /** Drafts saved (or queued to be saved) for this message, removed once it has gone. */
  let savedDrafts: { key: string; mailboxId: string }[] = []
  /** True while the newest version waits on this device for the connection. */
  const draftQueued = ref(false)
  const identities = ref<Identity[]>([])
  const identityId = ref('')
  const note = ref<Text | ApiError | null>(null)
  const to = ref('')
  const cc = ref('')
  const bcc = ref('')
  const subject = ref('')
  const text = ref('')
  /**
   * Rich text mode: the editor's HTML; `text` is then derived from it for the plain part. The
   * choice is each person's (kept per signed-in account on this device), not the device's.
   */
  const richKey = () => `tandem.compose.rich.${session.session?.account.address ?? ''}`
  // Before, one choice was kept for whoever used the device next: nobody's in particular, so not carried over.
  localStorage.removeItem('tandem.compose.rich')
  const rich = ref(false)
  const html = ref('')
  const encrypt = ref(false)
  const inReplyTo = ref<string | null>(null)
  const references = ref<string[]>([])
  const sending = ref(false)
  const error = ref<ApiError | null>(null)
  const { attachments, maxBytes, wireSize, attach, attachSaved, detach, restore } = useComposeFiles(() => text.value.length, (e) => { error.value = e })
  /** Where the latest saved version of this draft is, and when it was saved. */
  const draft = ref<{ folderId: string; uid: number | null } | null>(null)
  const savedAt = ref<Date | null>(null)
  let saveTimer: ReturnType<typeof setTimeout> | null = null
  let starting = false
  const signatures = useSignaturesStore()
  /** Whether this message is new (its signature is the one for new messages) or answers one. */
  let replying = false
  /** The signature in this message now, in plain text as it was put there (to find and replace it). */
  let plainSignature = ''
  /** Plain text: where the quoted text starts ("On … wrote:"), so a signature goes above it. */
  let quoteIntro = ''
  const plainBlock = (sig: Signature | null) => (sig?.html ? `\n\n-- \n${htmlToPlain(sig.html)}` : '')
  /** The signature a message from this identity starts with, for this kind of message (or null). */
  async function signatureFor(id: string): Promise<Signature | null> {
    const i = identities.value.find((x) => x.id === id)
    const sig = i ? await signatures.forIdentity(i).catch(() => null) : null
    return sig && (replying ? sig.forReplies : sig.forNew) ? sig : null
  }
  /** Puts a signature in place of the one there (null: removes it), in both modes. */
  function putSignature(sig: Signature | null): void {
    if (rich.value) {
      html.value = withSignature(html.value, sig ? signatureBlock(sig.html) : '')
    } else {
      const next = plainBlock(sig)
      if (plainSignature && text.value.includes(plainSignature)) text.value = text.value.replace(plainSignature, next)
      else if (next) {
        const at = quoteIntro ? text.value.indexOf(quoteIntro) : -1
        text.value = at >= 0 ? `${text.value.slice(0, at)}${next}${text.value.slice(at)}` : text.value + next
      }
      plainSignature = next
    }
    hasSignature.value = !!sig?.html
  }
  /** Whether the message holds a signature block now. */
  const hasSignature = ref(false)
  /** Puts the identity's signature (as now set) in place of the one in this message. */
  async function refreshSignature(): Promise<void> {
    if (open.value) putSignature(await signatureFor(identityId.value))
  }
  /** Takes the signature out of this message. */
  function removeSignature(): void {
    putSignature(null)
  }
  const identity = computed(() => identities.value.find((i) => i.id === identityId.value) ?? null)

  /** Why the encrypt option is off for this identity (R4, or no certificate yet), or null. */
  const encryptBlocked = computed(() => identity.value?.noEncryption ?? null)

  async function start(mode: ComposeMode, mailboxId: string | null, source?: { message: MessageSummary; body: MessageBody | null }): Promise<void> {
    starting = true
    rich.value = localStorage.getItem(richKey()) === '1'
    identities.value = await api.call('compose.identities', {})
    attachments.value = []
    draft.value = null
    savedAt.value = null
    editing.value = null
    draftKey = crypto.randomUUID()
    draftN = 0
    savedDrafts = []
    draftQueued.value = false
    void api.call('compose.limits', {}).then((l) => { maxBytes.value = l.maxBytes }).catch(() => undefined)
    const mailbox = session.session?.mailboxes.find((m) => m.id === (source?.message.mailboxId ?? mailboxId))
    const pick = defaultIdentity(identities.value, mailbox?.id ?? null, mailbox?.name)
    identityId.value = pick.identity.id
    note.value = pick.note
    to.value = ''; cc.value = ''; bcc.value = ''; subject.value = ''; text.value = ''
    inReplyTo.value = null; references.value = []; encrypt.value = false; error.value = null
    html.value = ''; quoteIntro = ''; plainSignature = ''
    replying = mode !== 'new'
    const m = source?.message
    let quoteRich = ''
    if (m) {
      const mine = new Set(identities.value.map((i) => i.from.address))
      const others = (list: typeof m.to) => list.filter((a) => !mine.has(a.address.toLowerCase()))
      // An HTML-only message is quoted by its text, read from its cleaned HTML (scripts and styles never become text).
      const bodyText = source.body?.text || (source.body?.html ? htmlToPlain(cleanHtml(source.body.html)) : '')
      const quoted = bodyText.split('\n').map((l) => `> ${l}`).join('\n')
      const who = m.from[0] ? formatAddress(m.from[0]) : tr('compose.someone')
      const when = dateTime(new Date(m.date))
      if (mode === 'forward') {
        subject.value = replySubject(m.subject, 'Fwd')
        // A forward stays in the conversation (References, no In-Reply-To): so another member's
        // reply meanwhile stops it as it stops a reply.
        references.value = chainOf(m, source.body)
        quoteIntro = `\n\n${tr('compose.forwarded')}`
        const head = `${tr('compose.forwarded')}\n${tr('reader.from')}: ${who}\n${tr('reader.date')}: ${when}\n${tr('compose.subject')}: ${m.subject}\n${tr('reader.to')}: ${m.to.map(formatAddress).join(', ')}`
        text.value = `\n\n${head}\n\n${bodyText}`
        quoteRich = `<blockquote>${textToHtml(head)}${source.body?.html ? cleanHtml(source.body.html) : textToHtml(bodyText)}</blockquote>`
      } else {
        subject.value = replySubject(m.subject, 'Re')
        to.value = [...m.from, ...(mode === 'replyAll' ? others(m.to) : [])].map(formatAddress).join(', ')
        if (mode === 'replyAll') cc.value = others(m.cc).map(formatAddress).join(', ')
        quoteIntro = `\n\n${tr('compose.wrote', { when, who })}`
        text.value = `${quoteIntro}\n${quoted}`
        quoteRich = `${textToHtml(tr('compose.wrote', { when, who }))}${source.body?.html ? `<blockquote>${cleanHtml(source.body.html)}</blockquote>` : quoteHtml(bodyText)}`
        inReplyTo.value = m.messageId
        references.value = chainOf(m, source.body)
      }
    }
    // The signature goes at the end of a new message and above the quoted text of a reply, as
    // Outlook puts it: its own block, replaced when the From changes, removable.
    const sig = await signatureFor(identityId.value)
    if (rich.value) {
      html.value = `<p></p>${sig ? signatureBlock(sig.html) : ''}${quoteRich}`
      hasSignature.value = !!sig?.html
    } else {
      text.value = `${plainBlock(sig)}${text.value}`
      plainSignature = plainBlock(sig)
      hasSignature.value = !!sig?.html
    }
    openedAt = Date.now()
    answering = m && mode !== 'new' ? m : null
    pristine = written()
    open.value = true
    setTimeout(() => { starting = false }, 0)
  }

  /** The fields of a message written before (a saved draft, a queued send), its signature part of its text. */
  function fill(m: Pick<SendTask['request'], 'to' | 'cc' | 'bcc' | 'subject' | 'text' | 'html' | 'inReplyTo' | 'references' | 'attachments'>): void {
    const list = (xs: typeof m.to) => xs.map(formatAddress).join(', ')
    to.value = list(m.to); cc.value = list(m.cc); bcc.value = list(m.bcc)
    subject.value = m.subject
    text.value = m.text
    if (rich.value) html.value = m.html ? cleanHtml(m.html) : textToHtml(m.text)
    hasSignature.value = false; plainSignature = ''
    inReplyTo.value = m.inReplyTo
    references.value = m.references
    restore(m.attachments)
  }

  /**
   * Reopens a saved draft from a Drafts folder. One this device saved goes on as the same draft
   * (its next version replaces it); anyone else's — another member's in a shared mailbox, or one
   * written elsewhere — opens as a copy, saved as a draft of the person's own: never two people
   * silently editing one draft.
   */
  async function openDraft(m: MessageSummary): Promise<void> {
    const opened = await api.call('drafts.open', { folderId: m.folderId, uid: m.uid })
    await start('new', m.mailboxId)
    starting = true
    const d = opened.draft
    if (d.identityId && identities.value.some((i) => i.id === d.identityId)) identityId.value = d.identityId
    else note.value = asNote('compose.draftNoIdentity')
    fill(d)
    if (opened.key) {
      draftKey = opened.key as typeof draftKey
      draftN = opened.n
      savedDrafts = [{ key: opened.key, mailboxId: m.mailboxId }]
      draft.value = { folderId: m.folderId, uid: m.uid }
    } else {
      note.value = opened.by ? asNote('compose.draftCopy', { who: opened.by.name || opened.by.address }) : asNote('compose.draftCopyUnknown')
    }
    // The conversation it answers, for "is writing a reply".
    if (d.inReplyTo) answering = m
    pristine = written()
    setTimeout(() => { starting = false }, 0)
  }

  /** Swaps the signature block when the From identity changes (the new one's, or none). */
  watch(identityId, async (next, prev) => {
    if (!open.value || !prev || starting) return
    putSignature(await signatureFor(next))
  })

  /** Switches between plain and rich text, keeping what was written; the choice is kept for this person. */
  function setRich(on: boolean): void {
    if (on === rich.value) return
    if (on) {
      const sig = plainSignature && text.value.includes(plainSignature) ? plainSignature : ''
      const [before, after] = sig ? [text.value.slice(0, text.value.indexOf(sig)), text.value.slice(text.value.indexOf(sig) + sig.length)] : [text.value, '']
      html.value = `${textToHtml(before)}${sig ? `<div data-signature="">${textToHtml(sig.replace(/^\n\n-- \n/, ''))}</div>` : ''}${textToHtml(after.replace(/^\n+/, ''))}`
    } else {
      text.value = htmlToPlain(html.value)
      plainSignature = ''
    }
    rich.value = on
    localStorage.setItem(richKey(), on ? '1' : '0')
  }

  const request = () => {
    // What leaves is cleaned again (clean-html.ts), whatever the editor holds; the plain part follows from it.
    const outgoingHtml = rich.value ? cleanHtml(html.value) : null
    const plain = rich.value ? htmlToPlain(outgoingHtml ?? '') : text.value
    const lists = { to: parseAddressList(to.value), cc: parseAddressList(cc.value), bcc: parseAddressList(bcc.value) }
    return {
      identityId: identityId.value, to: lists.to.addresses, cc: lists.cc.addresses, bcc: lists.bcc.addresses,
      subject: subject.value, text: plain, html: outgoingHtml, inReplyTo: inReplyTo.value, references: references.value, encrypt: encrypt.value,
      attachments: attachments.value.map(({ filename, contentType, contentBase64 }) => ({ filename, contentType, contentBase64 })),
    }
  }
  /**
   * What the person wrote, as a comparable string: the text as plain text (a rich editor's
   * rewriting of the same HTML is no change), the recipients, the subject, the files.
   */
  const written = () => JSON.stringify([identityId.value, to.value.trim(), cc.value.trim(), bcc.value.trim(), subject.value.trim(),
    (rich.value ? htmlToPlain(html.value) : text.value).trim(), attachments.value.map((a) => [a.filename, a.size])])
  /** The message as it was opened (a new reply with its quote and signature, a reopened draft): saving it would save nothing of the person's. */
  let pristine = ''
  /** The person changed something since the window opened: only then is there a draft to keep. */
  const hasContent = () => written() !== pristine

  /**
   * Saves the draft now into the Drafts of the chosen identity's mailbox — through the queue,
   * so that offline it is kept on this device and saved when the connection is back.
   */
  async function saveDraft(): Promise<void> {
    if (saveTimer) { clearTimeout(saveTimer); saveTimer = null }
    if (!hasContent() || !identity.value) return
    await dropQueuedDrafts()
    const n = ++draftN
    const mailboxId = identity.value.mailboxId
    if (!savedDrafts.some((d) => d.key === draftKey && d.mailboxId === mailboxId)) savedDrafts.push({ key: draftKey, mailboxId })
    const outcome = await queue.addAndWait({ kind: 'draft', id: `${draftKey}.${n}`, key: draftKey, n, mailboxId, request: request() })
    if (outcome.kind === 'done') {
      draft.value = outcome.result as { folderId: string; uid: number | null }
      savedAt.value = new Date()
      draftQueued.value = false
    } else if (outcome.kind === 'waiting') {
      draftQueued.value = true
      savedAt.value = new Date()
    } else {
      // Refused (e.g. no Drafts folder there): the text stays in this window.
      await queue.cancel(`${draftKey}.${n}`)
    }
  }

  /** Only the newest version of a draft matters: older ones still queued are dropped. */
  async function dropQueuedDrafts(): Promise<void> {
    for (const t of queue.tasks) if (t.kind === 'draft' && t.key === draftKey) await queue.cancel(t.id)
  }

  // Autosave a few seconds after the person stops typing.
  watch([identityId, to, cc, bcc, subject, text, html, attachments], () => {
    if (!open.value || starting || sending.value || !hasContent()) return
    if (saveTimer) clearTimeout(saveTimer)
    saveTimer = setTimeout(() => { void saveDraft() }, 2500)
  })

  /**
   * Closes the window, keeping what was written as a draft: where it went (the identity's
   * mailbox's Drafts, or this device until the connection is back), or null when nothing was
   * written — an untouched reply or new message leaves no draft behind.
   */
  async function close(): Promise<{ mailboxId: string; queued: boolean } | null> {
    open.value = false
    const mailboxId = identity.value?.mailboxId ?? null
    if (!hasContent() || !mailboxId) { if (saveTimer) { clearTimeout(saveTimer); saveTimer = null }; return null }
    await saveDraft()
    return draft.value || draftQueued.value ? { mailboxId, queued: draftQueued.value } : null
  }

  /** Throws the draft away, also on the server. */
  async function discard(): Promise<void> {
    open.value = false
    await dropDraft()
  }

  /** Stops autosaving; versions still queued are not saved any more. */
  async function stopDrafts(): Promise<void> {
    if (saveTimer) { clearTimeout(saveTimer); saveTimer = null }
    await dropQueuedDrafts()
  }

  /**
   * Stops autosaving and removes what was saved of this draft from the server, through the
   * queue: offline it goes when the connection is back. Drafts of a queued message being
   * changed stay: that message still replaces them when it goes.
   */
  async function dropDraft(): Promise<void> {
    await stopDrafts()
    for (const d of savedDrafts.filter((x) => x.key === draftKey)) {
      await queue.add({ kind: 'discardDraft', id: crypto.randomUUID(), mailboxId: d.mailboxId, key: d.key })
    }
    savedDrafts = savedDrafts.filter((x) => x.key !== draftKey)
    draft.value = null
  }

  /** Sends through the outbox: 'sent', 'queued' (offline; goes later), or false (refused, or invalid). */
  /** `answeredOk`: the person read another member's answer and sends theirs anyway. */
  async function send(opts: { answeredOk?: boolean } = {}): Promise<'sent' | 'queued' | 'held' | false> {
    error.value = null
    for (const [field, value] of Object.entries({ to: to.value, cc: cc.value, bcc: bcc.value })) {
      const l = parseAddressList(value)
      if (l.invalid.length) { error.value = apiError({ code: 'request.invalid', field, key: 'compose.notAddress', params: { addresses: l.invalid.join(', ') } }); return false }
    }
    sending.value = true
    // No version saved behind the message's back: one landing after it went would stay in Drafts.
    if (saveTimer) { clearTimeout(saveTimer); saveTimer = null }
    try {
      if (editing.value) {
        // Changing a queued message replaces it: take the old one out first (after its attempt
        // in flight, if one is); if it went meanwhile, say so rather than send a second one.
        let old = await queue.cancel(editing.value)
        if (!old) { await queue.flush(); old = await queue.cancel(editing.value) }
        if (!old) {
          error.value = apiError({ code: 'request.invalid', key: 'compose.alreadyGone' })
          editing.value = null
          return false
        }
        editing.value = null
      }
      // The message goes through the outbox: its id fixes the Message-ID for every attempt.
      const id = crypto.randomUUID()
      const mailboxId = identity.value?.mailboxId ?? ''
      // The drafts go with the message, on the server: also when it waits in the outbox (offline).
      const replacesDrafts = savedDrafts.length ? { replacesDrafts: savedDrafts } : {}
      const outcome = await queue.addAndWait({ kind: 'send', id, mailboxId, request: { ...request(), queuedAt: openedAt, ...(opts.answeredOk ? { answeredOk: true } : {}), ...replacesDrafts } })
      if (outcome.kind === 'held' && outcome.error.code === 'send.uncertain') {
        // It may have gone: it stays in the Outbox, where the person decides. Sending it again
        // from here would be a new message, delivered a second time without their decision.
        const what = subject.value
        open.value = false
        await stopDrafts()
        draft.value = null
        queue.heldNotice(what, outcome.error)
        return 'held'
      }
      if (outcome.kind === 'held') {
        // Refused (R2, R3, R4, R6…): nothing left; the reason shows next to the field, and the
        // message stays here to change rather than in the outbox.
        await queue.cancel(id)
        error.value = outcome.error
        // Another member answered: their reply joins the conversation's timeline now, not at the next poll.
        const sent = outcome.error.code === 'send.conversationAnswered' ? (folders.byMailbox[mailboxId] ?? []).find((f) => f.role === 'sent') : null
        if (sent) void messages.sync(sent.id)
        return false
      }
      open.value = false
      await stopDrafts()
      draft.value = null
      if (outcome.kind === 'waiting') {
        notices.show(tr('compose.queuedOffline'))
        return 'queued'
      }
      return 'sent'
    } finally {
      sending.value = false
    }
  }

  /**
   * The person read another member's reply in the collision panel and goes on editing theirs:
   * that reply is news no more, so the next send stops only for one that comes after now.
   */
  function acknowledgeAnswer(): void {
    openedAt = Date.now()
    error.value = null
  }

  /** Opens a queued message from the outbox to change it; sending replaces the queued one. */
  async function editQueued(task: SendTask): Promise<void> {
    await start('new', task.mailboxId)
    const r = task.request
    identityId.value = r.identityId
    fill(r)
    // The queued message's drafts are this one's too: they go when the changed message goes.
    savedDrafts = [...(r.replacesDrafts ?? [])]
    note.value = task.error ?? null
    editing.value = task.id
  }

  /** A new message from a mailto: link another program handed to Tandem (opened once signed in). */
  let pendingMailto: string | null = null
  async function fromMailto(url: string): Promise<void> {
    const fields = parseMailto(url)
    if (!fields) return
    if (!session.session) { pendingMailto = url; return }
    await start('new', null)
    to.value = fields.to; cc.value = fields.cc; bcc.value = fields.bcc; subject.value = fields.subject
    if (fields.body) {
      text.value = `${fields.body}${text.value}`
      if (rich.value) html.value = `${textToHtml(fields.body)}${html.value.replace(/^<p><\/p>/, '')}`
    }
  }
  api.on('app.mailto', ({ url }) => { void fromMailto(url) })
  watch(() => session.session, (s) => { if (s && pendingMailto) { const url = pendingMailto; pendingMailto = null; void fromMailto(url) } })

  return {
    fromMailto,
    open, identities, identityId, identity, note, to, cc, bcc, subject, text, encrypt, encryptBlocked, sending, error,
    attachments, maxBytes, wireSize, attach, attachSaved, detach, start, openDraft, send, acknowledgeAnswer, close, discard, saveDraft, draft, savedAt, draftQueued, editing, editQueued, rich, html, setRich, hasSignature, removeSignature, refreshSignature,
  }
})
