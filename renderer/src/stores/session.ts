import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { AppInfo, SignInRequest } from '../../../shared/api/contract'
import { fail, type ApiError } from '../../../shared/api/errors'
import { apiErrorOf } from '../api/failure'
import type { ConnectionState, ServerSettings, Session } from '../../../shared/domain'
import { useApi } from '../api/use-api'
import { cacheFor, type TandemDb } from '../cache/db'
import { membershipChange } from '../../../shared/rules/membership'
import { useNoticesStore } from './notices'
import { tr } from '../i18n'

/** Who is signed in, and the connection state of each of their mailboxes. */
export const useSessionStore = defineStore('session', () => {
  const api = useApi()
  const notices = useNoticesStore()
  const info = ref<AppInfo | null>(null)
  const session = ref<Session | null>(null)
  const loaded = ref(false)
  const signingIn = ref(false)
  const error = ref<ApiError | null>(null)
  const connections = ref<Record<string, ConnectionState>>({})

  const signedIn = computed(() => session.value !== null)
  /** No mailbox of the session is online now. */
  const offline = computed(() => Object.values(connections.value).length > 0 && Object.values(connections.value).every((c) => c.state !== 'online'))
  /** The signed-in person's cache. */
  const db = computed<TandemDb | null>(() => (session.value ? cacheFor(session.value.account.address) : null))
  /** Called with the ids of mailboxes the person lost (R1), after their cache is purged. */
  const removedListeners = new Set<(ids: string[]) => void>()

  /** Mailboxes the person removed themselves (no "no longer available" notice for those). */
  const removedByPerson = new Set<string>()

  /** Applies a new list of mailboxes: anything no longer there is purged from the cache (R1). */
  async function apply(next: Session): Promise<void> {
    const before = session.value?.mailboxes ?? []
    session.value = next
    const lost = new Set(membershipChange(before, next.mailboxes.map((m) => m.id)).remove)
    const gone = before.filter((m) => lost.has(m.id))
    if (gone.length && db.value) {
      for (const m of gone) await db.value.purgeMailbox(m.id)
      for (const l of removedListeners) l(gone.map((m) => m.id))
    }
    for (const m of gone) {
      if (!removedByPerson.delete(m.id)) notices.show(tr('sidebar.lostMembership', { mailbox: m.name }), { ms: 10_000 })
    }
  }

  /** Opens a shared mailbox by address; returns its name. */
  async function addShared(address: string): Promise<string> {
    const next = await api.call('mailboxes.add', { address })
    await apply(next)
    return next.mailboxes.find((m) => m.address === address.toLowerCase())?.name ?? address
  }

  /** Removes a shared mailbox the person opened by address, with its cache. */
  async function removeShared(mailboxId: string): Promise<void> {
    removedByPerson.add(mailboxId)
    try {
      await apply(await api.call('mailboxes.remove', { mailboxId }))
    } catch (e) {
      removedByPerson.delete(mailboxId)
      throw e
    }
  }

  async function refresh(): Promise<void> {
    if (!session.value) return
    try {
      await apply(await api.call('mailboxes.refresh', {}))
    } catch {
      // Offline: the cache keeps serving; the next refresh tries again.
    }
  }

  async function load(): Promise<void> {
    try {
      const [appInfo, current] = await Promise.all([api.call('app.info', {}), api.call('session.current', {})])
      info.value = appInfo
      session.value = current
      if (current) await loadConnections()
    } catch (e) {
      error.value = apiErrorOf(e)
    } finally {
      loaded.value = true
    }
    api.on('connection.state', (s) => { connections.value = { ...connections.value, [s.mailboxId]: s } })
    api.on('session.ended', ({ error: why }) => { session.value = null; ended.value = why })
    api.on('session.changed', (next) => { void apply(next) })
  }

  /** Where each mailbox's connection stands now (after a reload no event has come yet). */
  async function loadConnections(): Promise<void> {
    const states = await api.call('session.connections', {}).catch(() => [])
    connections.value = Object.fromEntries(states.map((s) => [s.mailboxId, s]))
  }

  async function signIn(req: SignInRequest): Promise<boolean> {
    signingIn.value = true
    error.value = null
    try {
      session.value = await api.call('session.signIn', req)
      ended.value = null
      return true
    } catch (e) {
      error.value = apiErrorOf(e)
      return false
    } finally {
      signingIn.value = false
    }
  }

  /** The OAuth2 sign-in under way (the person is in the browser), to cancel it. */
  const oauthFlow = ref<string | null>(null)
  /** Why the last session ended on the main side (an organisation sign-in that expired). */
  const ended = ref<ApiError | null>(null)

  /**
   * Signs in with the organisation's OpenID provider: the sign-in page opens in the person's
   * browser (Electron: main opens it; web host: a new tab, opened at the click so no popup
   * blocker stops it), and Tandem waits until they come back. `selectAccount`: the provider lets
   * the person choose the account (the browser came back as someone else before).
   */
  async function signInWithProvider(server: ServerSettings, loginHint?: string, selectAccount = false): Promise<boolean> {
    signingIn.value = true
    error.value = null
    const tab = info.value?.host === 'web' ? window.open('about:blank', '_blank') : null
    try {
      const flow = await api.call('session.oauthBegin', { server, ...(loginHint ? { loginHint } : {}), ...(selectAccount ? { selectAccount } : {}) })
      oauthFlow.value = flow.flowId
      if (!flow.opened) {
        if (tab) {
          // The provider's page must not reach back into Tandem's window.
          tab.opener = null
          tab.location.href = flow.url
        } else if (!window.open(flow.url, '_blank', 'noopener')) {
          throw fail({ code: 'auth.cancelled', key: 'errors.auth.popupBlocked', params: { url: flow.url } })
        }
      }
      session.value = await api.call('session.oauthFinish', { flowId: flow.flowId })
      ended.value = null
      return true
    } catch (e) {
      tab?.close()
      error.value = apiErrorOf(e)
      return false
    } finally {
      oauthFlow.value = null
      signingIn.value = false
    }
  }

  async function cancelProviderSignIn(): Promise<void> {
    if (oauthFlow.value) await api.call('session.oauthCancel', { flowId: oauthFlow.value }).catch(() => undefined)
  }

  /**
   * Signs out, then the page starts afresh: nothing the person had in any store (team state,
   * saved replies, bodies, search) outlives the session for whoever signs in next.
   */
  async function signOut(): Promise<void> {
    await api.call('session.signOut', {})
    session.value = null
    globalThis.location?.reload()
  }

  return { info, session, loaded, signingIn, error, connections, offline, signedIn, db, oauthFlow, ended, load, signIn, signInWithProvider, cancelProviderSignIn, signOut, refresh, addShared, removeShared, onMailboxesRemoved: (l: (ids: string[]) => void) => removedListeners.add(l) }
})
