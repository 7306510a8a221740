import { computed, reactive, ref, watch } from 'vue'
import { signInRequestSchema, type SignInRequest } from '../../../shared/api/contract'
import { emailAddressSchema, serverSettingsSchema, type Security, type ServerSettings } from '../../../shared/domain'
import { PRESETS } from '../../../shared/rules/server-presets'
import { hostsOutsideDomain } from '../../../shared/rules/token-hosts'
import { useSessionStore } from '../stores/session'
import { useApi } from '../api/use-api'
import { text, type Text } from '../../../shared/api/errors'
import { tr, type Sayable } from '../i18n'

const PORTS: Record<'imap' | 'smtp', Record<Security, number>> = {
  imap: { tls: 993, starttls: 143, none: 143 },
  smtp: { tls: 465, starttls: 587, none: 587 },
}

/** What a sign-in form starts with when the launcher suggests nothing: the usual names and ports. */
export function guessServer(address: string): ServerSettings {
  const domain = address.split('@')[1]?.trim().toLowerCase() || 'example.com'
  return {
    imap: { host: `imap.${domain}`, port: PORTS.imap.tls, security: 'tls' },
    smtp: { host: `smtp.${domain}`, port: PORTS.smtp.starttls, security: 'starttls' },
  }
}

/** State and behaviour of the sign-in form; the component only lays it out. */
export function useSignInForm() {
  const store = useSessionStore()
  const api = useApi()
  const address = ref('')
  const password = ref('')
  const showServer = ref(false)
  const serverTouched = ref(false)
  const server = reactive<ServerSettings>(store.info?.suggestedServer ?? guessServer(''))
  const fieldErrors = ref<Record<string, string>>({})

  /** Where the settings came from: the domain's autoconfig, a preset, or a guess. */
  const serverSource = ref<Text | null>(null)
  /** What discovery found, while the settings are still its own (the person has not edited them). */
  const found = ref<{ server: ServerSettings; source: 'autoconfig' | 'preset'; provider: string | null; foundAt: string | null } | null>(null)
  let lookup: ReturnType<typeof setTimeout> | null = null

  // Follow the address's domain until the person edits the server settings themselves: the
  // guess at once, then what the domain publishes (autoconfig) or a preset, when there is one.
  watch(address, (a) => {
    clearErrors()
    if (serverTouched.value || store.info?.suggestedServer) return
    Object.assign(server, guessServer(a), { delegateLogin: null, oauth: null })
    serverSource.value = null
    found.value = null
    if (lookup) clearTimeout(lookup)
    if (!emailAddressSchema.safeParse(a).success) return
    lookup = setTimeout(() => {
      void api.call('server.discover', { address: a.trim() }).then((result) => {
        if (serverTouched.value || address.value !== a) return
        if (result.server) {
          Object.assign(server, result.server)
          const domain = a.trim().split('@')[1] ?? ''
          serverSource.value = result.source === 'preset' ? text('signIn.sourcePreset', { provider: result.provider ?? domain })
            : result.provider ? text('signIn.sourcePublishedBy', { domain, provider: result.provider }) : text('signIn.sourcePublished', { domain })
          if (result.source) found.value = { server: JSON.parse(JSON.stringify(result.server)) as ServerSettings, source: result.source, provider: result.provider, foundAt: result.foundAt }
        } else {
          serverSource.value = result.note
        }
      }).catch(() => undefined)
    }, 400)
  })

  const endpoint = (e: ServerSettings['imap']) => `${e.host}:${e.port}`
  /**
   * The servers discovery found, said before a password or token goes to them (the person sees
   * where they would sign in), with a warning for hosts outside the address's domain.
   */
  const serversNote = computed<Text | null>(() => {
    const f = found.value
    if (!f || serverTouched.value) return null
    const params = { imap: endpoint(f.server.imap), smtp: endpoint(f.server.smtp) }
    return f.source === 'preset' ? text('signIn.serversPreset', { ...params, provider: f.provider ?? '' }) : text('signIn.serversFound', { ...params, source: f.foundAt ?? '' })
  })
  const serversWarning = computed<Text | null>(() => {
    const f = found.value
    if (!f || serverTouched.value || f.source === 'preset') return null
    const outside = hostsOutsideDomain(address.value, f.server)
    return outside.length ? text('signIn.serversOutside', { hosts: outside.join(', '), count: outside.length, domain: address.value.trim().split('@')[1] ?? '' }) : null
  })

  function setSecurity(kind: 'imap' | 'smtp', security: Security): void {
    serverTouched.value = true
    clearErrors()
    server[kind].security = security
    server[kind].port = PORTS[kind][security]
  }

  /** Each field's error: the form's own check, or what the server said about the last attempt (shown with its details). */
  const errors = computed(() => {
    const e: Record<string, Sayable> = {}
    for (const [field, message] of Object.entries(fieldErrors.value)) e[field] = { message }
    const serverError = store.error
    if (serverError) e[serverError.field ?? 'form'] = serverError
    return e
  })
  /** An earlier attempt's errors no longer apply once the address or the server settings change. */
  function clearErrors(): void {
    if (Object.keys(fieldErrors.value).length) fieldErrors.value = {}
    if (store.error) store.error = null
  }

  async function submit(): Promise<boolean> {
    fieldErrors.value = {}
    store.error = null
    const parsed = signInRequestSchema.safeParse({ address: address.value, password: password.value, server })
    if (!parsed.success) {
      const out: Record<string, string> = {}
      for (const issue of parsed.error.issues) {
        const key = issue.path[0] === 'server' ? 'server' : String(issue.path[0] ?? 'form')
        out[key] ??= key === 'address' ? tr('signIn.addressInvalid') : key === 'password' ? tr('signIn.passwordMissing') : key === 'server' ? tr('signIn.checkServer', { field: issue.path.slice(1).join(' ') }) : tr('errors.request.unknownField')
      }
      fieldErrors.value = out
      if (out.server) showServer.value = true
      return false
    }
    const ok = await store.signIn(parsed.data as SignInRequest)
    const failure = store.error as { field?: string } | null
    if (!ok && failure?.field === 'server') showServer.value = true
    if (!ok && failure?.field === 'password') password.value = ''
    return ok
  }

  /** The organisation's sign-in provider, when the settings have one: the form offers it first. */
  const provider = computed(() => {
    const issuer = server.oauth?.issuer
    if (!issuer || !server.oauth?.clientId) return null
    // "Sign in with Microsoft 365" for a provider Tandem knows, else the provider's host.
    const known = PRESETS.find((p) => p.oauth?.issuer === issuer)
    if (known) return known.name
    try { return new URL(issuer).host } catch { return null }
  })
  /** The person chose to use a password although a provider is offered. */
  const usePassword = ref(false)

  async function providerSignIn(): Promise<boolean> {
    fieldErrors.value = {}
    store.error = null
    const checked = serverSettingsSchema.safeParse(server)
    if (!checked.success) {
      fieldErrors.value = { server: tr('signIn.checkServer', { field: checked.error.issues[0]?.path.join(' ') ?? '' }) }
      showServer.value = true
      return false
    }
    const hint = emailAddressSchema.safeParse(address.value)
    return store.signInWithProvider(JSON.parse(JSON.stringify(server)) as ServerSettings, hint.success ? hint.data : undefined)
  }

  /** The address the person typed, when the browser signed them in as someone else. */
  const otherPerson = computed(() => {
    const e = store.error
    return e?.key === 'errors.auth.otherPerson' && typeof e.params?.typed === 'string' ? e.params.typed : null
  })
  /** Signs in again as the person typed, asking the provider to let them choose the account. */
  async function signInAsTyped(): Promise<boolean> {
    const typed = otherPerson.value
    if (!typed) return false
    store.error = null
    return store.signInWithProvider(JSON.parse(JSON.stringify(server)) as ServerSettings, typed, true)
  }

  return {
    address, password, server, serverSource, serversNote, serversWarning, otherPerson, signInAsTyped, showServer, errors, busy: computed(() => store.signingIn), provider, usePassword,
    waitingForBrowser: computed(() => store.oauthFlow !== null),
    setSecurity, touchServer: () => { serverTouched.value = true; serverSource.value = null; clearErrors() }, submit, providerSignIn, cancelProvider: () => store.cancelProviderSignIn(),
  }
}
