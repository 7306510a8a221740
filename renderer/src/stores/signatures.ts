import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Identity } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { i18n } from '../i18n'
import { useSessionStore } from './session'
import { cleanHtml, textToHtml } from '../components/compose/clean-html'

/** A signature and when it is added (Outlook's two choices: new messages, replies and forwards). */
export interface Signature { html: string; forNew: boolean; forReplies: boolean }
/** A shared mailbox's signature as its team last saved it, with who and when. */
export type TeamSignature = Signature & { by: string; at: number }

const EMPTY: Signature = { html: '', forNew: true, forReplies: true }

/**
 * Signatures: the person's own per identity, kept per person on this device; a shared
 * mailbox's, kept in that mailbox on the server (the team folder: shared/rules/shared-signature.ts)
 * so every member sends the same one. Every signature's HTML is cleaned when it is read.
 */
export const useSignaturesStore = defineStore('signatures', () => {
  const api = useApi()
  const session = useSessionStore()
  const personal = ref<Record<string, Signature>>({})
  /** Shared mailboxes' signatures by mailbox id, as last read (null: the team has none). */
  const team = ref<Record<string, TeamSignature | null>>({})
  let loadedFor = ''

  const me = () => session.session?.account.address ?? ''
  const key = (who: string) => `tandem.signatures.v2.${who}`

  /** The person's own signatures, from this device; plain-text ones of before carried over. */
  function load(): void {
    const who = me()
    if (loadedFor === who) return
    loadedFor = who
    const stored = localStorage.getItem(key(who))
    if (stored) {
      const parsed = JSON.parse(stored) as Record<string, Signature>
      personal.value = Object.fromEntries(Object.entries(parsed).map(([id, s]) => [id, { ...EMPTY, ...s, html: cleanHtml(s.html ?? '') }]))
      return
    }
    // Before, each was plain text kept under this key, added to every message: carried over as such.
    const old = JSON.parse(localStorage.getItem(`tandem.signatures.${who}`) ?? '{}') as Record<string, string>
    personal.value = Object.fromEntries(Object.entries(old).filter(([, t]) => typeof t === 'string' && t.trim()).map(([id, t]) => [id, { ...EMPTY, html: textToHtml(t.trim()) }]))
    if (Object.keys(personal.value).length) localStorage.setItem(key(who), JSON.stringify(personal.value))
  }

  function setPersonal(identityId: string, s: Signature): void {
    load()
    personal.value = { ...personal.value, [identityId]: { ...s, html: cleanHtml(s.html) } }
    localStorage.setItem(key(me()), JSON.stringify(personal.value))
  }

  const isShared = (mailboxId: string) => session.session?.mailboxes.find((m) => m.id === mailboxId)?.kind === 'shared'

  /** Reads a shared mailbox's signature from the server; throws what the service said when it cannot. */
  async function loadTeam(mailboxId: string): Promise<TeamSignature | null> {
    const { signature } = await api.call('signatures.shared', { mailboxId })
    const s = signature ? { ...signature, html: cleanHtml(signature.html) } : null
    team.value = { ...team.value, [mailboxId]: s }
    return s
  }

  /** Saves a shared mailbox's signature for the whole team. */
  async function saveTeam(mailboxId: string, s: Signature): Promise<void> {
    const html = cleanHtml(s.html)
    await api.call('signatures.setShared', { mailboxId, id: crypto.randomUUID(), at: Date.now(), html, forNew: s.forNew, forReplies: s.forReplies, locale: i18n.global.locale.value })
    await loadTeam(mailboxId)
  }

  /**
   * The signature a message from this identity starts with: a shared mailbox's from its team
   * (read again, or as last read when the server cannot be asked now); where the team has none,
   * the person's own for that identity (a signature of before stays theirs until the team sets one).
   */
  async function forIdentity(identity: Identity): Promise<Signature | null> {
    load()
    if (isShared(identity.mailboxId)) {
      // Known already: the window opens with it at once, and reads it again for the next message.
      const fresh = loadTeam(identity.mailboxId).catch(() => team.value[identity.mailboxId] ?? null)
      const s = identity.mailboxId in team.value ? team.value[identity.mailboxId] : await fresh
      if (s) return s
    }
    return personal.value[identity.id] ?? null
  }

  return { personal, team, load, setPersonal, loadTeam, saveTeam, forIdentity, isShared }
})
