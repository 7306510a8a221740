import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiFailure, type ApiError } from '../../../shared/api/errors'
import type { Identity, MessageBody, MessageSummary } from '../../../shared/domain'
import { defaultIdentity } from '../../../shared/rules/identities'
import { formatAddress, parseAddressList, replySubject } from '../../../shared/rules/addresses'
import { useApi } from '../api/use-api'
import { useSessionStore } from './session'

export type ComposeMode = 'new' | 'reply' | 'replyAll' | 'forward'

/** One message being written: identity, recipients, text, and what it answers. */
export const useComposeStore = defineStore('compose', () => {
  const api = useApi()
  const session = useSessionStore()
  const open = ref(false)
  const identities = ref<Identity[]>([])
  const identityId = ref('')
  const note = ref<string | null>(null)
  const to = ref('')
  const cc = ref('')
  const bcc = ref('')
  const subject = ref('')
  const text = ref('')
  const encrypt = ref(false)
  const inReplyTo = ref<string | null>(null)
  const references = ref<string[]>([])
  const sending = ref(false)
  const error = ref<ApiError | null>(null)
  const identity = computed(() => identities.value.find((i) => i.id === identityId.value) ?? null)

  /** Why the encrypt option is off for this identity (R4, or no certificate yet), or null. */
  const encryptBlocked = computed(() => identity.value?.noEncryption ?? null)

  async function start(mode: ComposeMode, mailboxId: string | null, source?: { message: MessageSummary; body: MessageBody | null }): Promise<void> {
    identities.value = await api.call('compose.identities', {})
    const mailbox = session.session?.mailboxes.find((m) => m.id === (source?.message.mailboxId ?? mailboxId))
    const pick = defaultIdentity(identities.value, mailbox?.id ?? null, mailbox?.name)
    identityId.value = pick.identity.id
    note.value = pick.note
    to.value = ''; cc.value = ''; bcc.value = ''; subject.value = ''; text.value = ''
    inReplyTo.value = null; references.value = []; encrypt.value = false; error.value = null
    const m = source?.message
    if (m) {
      const mine = new Set(identities.value.map((i) => i.from.address))
      const others = (list: typeof m.to) => list.filter((a) => !mine.has(a.address.toLowerCase()))
      const quoted = (source.body?.text ?? '').split('\n').map((l) => `> ${l}`).join('\n')
      const who = m.from[0] ? formatAddress(m.from[0]) : 'someone'
      const when = new Date(m.date).toLocaleString()
      if (mode === 'forward') {
        subject.value = replySubject(m.subject, 'Fwd')
        text.value = `\n\n---------- Forwarded message ----------\nFrom: ${who}\nDate: ${when}\nSubject: ${m.subject}\nTo: ${m.to.map(formatAddress).join(', ')}\n\n${source.body?.text ?? ''}`
      } else {
        subject.value = replySubject(m.subject, 'Re')
        to.value = [...m.from, ...(mode === 'replyAll' ? others(m.to) : [])].map(formatAddress).join(', ')
        if (mode === 'replyAll') cc.value = others(m.cc).map(formatAddress).join(', ')
        text.value = `\n\nOn ${when}, ${who} wrote:\n${quoted}`
        inReplyTo.value = m.messageId
        references.value = [m.inReplyTo, m.messageId].filter((x): x is string => !!x)
      }
    }
    open.value = true
  }

  async function send(): Promise<boolean> {
    error.value = null
    const lists = { to: parseAddressList(to.value), cc: parseAddressList(cc.value), bcc: parseAddressList(bcc.value) }
    for (const [field, l] of Object.entries(lists)) {
      if (l.invalid.length) { error.value = { code: 'request.invalid', field, message: `Not an e-mail address: ${l.invalid.join(', ')}` }; return false }
    }
    sending.value = true
    try {
      await api.call('messages.send', {
        identityId: identityId.value, to: lists.to.addresses, cc: lists.cc.addresses, bcc: lists.bcc.addresses,
        subject: subject.value, text: text.value, html: null, inReplyTo: inReplyTo.value, references: references.value, encrypt: encrypt.value,
      })
      open.value = false
      return true
    } catch (e) {
      error.value = e instanceof ApiFailure ? e.error : { code: 'internal', message: String(e) }
      return false
    } finally {
      sending.value = false
    }
  }

  return { open, identities, identityId, identity, note, to, cc, bcc, subject, text, encrypt, encryptBlocked, sending, error, start, send, close: () => { open.value = false } }
})
