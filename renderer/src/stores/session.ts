import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { AppInfo, SignInRequest } from '../../../shared/api/contract'
import { ApiFailure, type ApiError } from '../../../shared/api/errors'
import type { ConnectionState, Session } from '../../../shared/domain'
import { useApi } from '../api/use-api'

/** Who is signed in, and the connection state of each of their mailboxes. */
export const useSessionStore = defineStore('session', () => {
  const api = useApi()
  const info = ref<AppInfo | null>(null)
  const session = ref<Session | null>(null)
  const loaded = ref(false)
  const signingIn = ref(false)
  const error = ref<ApiError | null>(null)
  const connections = ref<Record<string, ConnectionState>>({})

  const signedIn = computed(() => session.value !== null)

  async function load(): Promise<void> {
    try {
      const [appInfo, current] = await Promise.all([api.call('app.info', {}), api.call('session.current', {})])
      info.value = appInfo
      session.value = current
    } catch (e) {
      error.value = e instanceof ApiFailure ? e.error : { code: 'internal', message: String(e) }
    } finally {
      loaded.value = true
    }
    api.on('connection.state', (s) => { connections.value = { ...connections.value, [s.mailboxId]: s } })
    api.on('session.ended', () => { session.value = null })
  }

  async function signIn(req: SignInRequest): Promise<boolean> {
    signingIn.value = true
    error.value = null
    try {
      session.value = await api.call('session.signIn', req)
      return true
    } catch (e) {
      error.value = e instanceof ApiFailure ? e.error : { code: 'internal', message: String(e) }
      return false
    } finally {
      signingIn.value = false
    }
  }

  async function signOut(): Promise<void> {
    await api.call('session.signOut', {})
    session.value = null
  }

  return { info, session, loaded, signingIn, error, connections, signedIn, load, signIn, signOut }
})
