import { ApiFailure, fail, type ApiError } from '../../../shared/api/errors'
import type { AppInfo, NotificationTarget, SignInRequest } from '../../../shared/api/contract'
import type { ConnectionState, Mailbox, ServerSettings, Session } from '../../../shared/domain'
import { insecureEndpointReason } from '../../../shared/rules/connection-security'
import { DIRECTORY_ENTRY, NO_DIRECTORY, discoverMemberships, organisationDomains, parseOwnName, readDirectory, type Directory, type SharedMembership } from '../session/directory'
import { getMetadata } from '../imap/raw'
import type { SmimeIdentity } from '../crypto/smime'
import { SmimeKeyring } from '../crypto/smime-keyring'
import { mailboxKey } from '../../../shared/ids'
import { connectImap, type ImapLogin } from '../imap/connect'
import { ConnectionBudget, DEFAULT_MAX_CONNECTIONS } from '../imap/connection-budget'
import { MailboxRuntime, type BackoffPolicy, type Emit } from '../imap/mailbox-runtime'
import { reconcileMemberships, type SessionMailboxes } from '../session/memberships'
import { type FetchPolicy } from '../operations/remote-content'
import type { SecretStore } from '../storage/secret-store'
import { consoleLogger, redacting, type Logger } from '../logger'
import { discoverServer, type AutoconfigOptions, type Discovered } from '../session/autoconfig'
import type { StateStore } from '../storage/state-store'
import { ClaimedGrants } from '../session/claimed-grants'
import { addedAddresses, openByAddress, setAddedAddresses, withAddedMailboxes } from '../session/added-mailboxes'
import type { ImapFlow } from 'imapflow'
import { rootCertificates } from 'node:tls'
import { OAuthFlows, type TokenSource } from './oauth'
import type { OAuthClients } from '../../../shared/rules/server-presets'
import { hostsOutsideDomain, tokenHostsVerdict, presetOfIssuer } from '../../../shared/rules/token-hosts'
import { hostsQuestion, notConfirmed, refuseAll, type Confirm } from '../confirm'
import type { FlagScanSchedule } from '../operations/flag-scan'
import type { TeamWatch } from '../imap/watcher'

export interface MailServiceDeps {
  secrets: SecretStore
  state: StateStore
  /** Pushes an event to the renderer(s). */
  emit: Emit
  host: AppInfo['host']
  version: string
  /** Server settings a launcher suggests for the sign-in form (the demo's loopback stack). */
  suggestedServer?: ServerSettings | null
  /** Turns an attachment ticket into a URL the host serves (web route or Electron protocol). */
  attachmentUrl?: (ticket: string) => string
  /** How often synced folders are polled for changes made elsewhere (R15). */
  pollMs?: number
  /**
   * How the team folder's watch steps back while nothing changes there (watcher.ts, TEAM_WATCH:
   * every poll for two minutes after activity, then every 15 s); tests make it short.
   */
  teamWatch?: TeamWatch
  /** Which addresses remote images may come from (tests add their own loopback listener). */
  remotePolicy?: FetchPolicy
  /** Reconnection backoff (R9); tests make it short. */
  backoff?: Partial<BackoffPolicy>
  /**
   * The most IMAP connections the person's Tandem holds at once over all their mailboxes (R9;
   * default 10, connection-budget.ts). Hosts take it from TANDEM_MAX_CONNECTIONS.
   */
  maxConnections?: number
  /** How often a mailbox at rest in that budget connects to poll (R9; default 30 s); tests make it short. */
  turnMs?: number
  /** When flags are scanned on a server without CONDSTORE (flag-scan.ts; hosts take it from TANDEM_FLAG_SCAN). */
  flagScan?: FlagScanSchedule
  /** The clock flag scans are scheduled by (tests move it on). */
  now?: () => number
  /** Where warnings go (default: the console). */
  log?: Logger
  /** Where server settings are looked up from an address (tests serve their own). */
  autoconfig?: AutoconfigOptions
  /**
   * Opens a URL in the person's own browser (Electron: shell.openExternal, http/https only).
   * Absent in the web host: the renderer opens the sign-in page in a new tab.
   */
  openExternal?: (url: string) => Promise<void>
  /** Shows a desktop notification (Electron's); absent in the web host, where the browser shows them. */
  notify?: (n: { title: string; body: string; target: NotificationTarget }) => void
  /** Whose notification conventions the text follows (Linux reads a body as markup); this process's by default. */
  platform?: NodeJS.Platform
  /** Sets the dock / taskbar badge (Electron's); absent in the web host. */
  badge?: (count: number) => void
  /** Tandem's client IDs with providers (the build's, or TANDEM_OAUTH_CLIENTS): their presets then sign in with OAuth2. */
  oauthClients?: OAuthClients
  /**
   * Asks the person something the window must not answer (electron/service/confirm.ts): a native
   * dialog under Electron, the web host's own page. Absent: every such question is answered no.
   */
  confirm?: Confirm
  /** The certificates an S/MIME chain must end at to count as verified (default: the system's roots, Node's bundle). */
  trustAnchors?: readonly string[]
}

/** What the service remembers of the last session, to start offline with it. */
interface SessionSnapshot { session: Session; name: string; memberships: SharedMembership[] }
const LAST_SESSION = 'lastSession'

const KNOWN_SHARED = 'knownSharedMailboxes'
const KNOWN_PEOPLE = 'knownPeople'
/** The servers each organisation sign-in was confirmed for (issuer, person, IMAP, SMTP), as the person answered. */
const CONFIRMED_TOKEN_HOSTS = 'confirmedTokenHosts'
const hostsKey = (issuer: string, address: string, server: ServerSettings) =>
  JSON.stringify([issuer.replace(/\/+$/, ''), address.toLowerCase(), server.imap.host.toLowerCase(), server.imap.port, server.imap.security, server.smtp.host.toLowerCase(), server.smtp.port, server.smtp.security])

export interface Active extends SessionMailboxes {
  own: MailboxRuntime
  /** The person's display name, from the directory entry on their own INBOX. */
  name: string
  /** The person's own S/MIME certificate and key (kept in the secret store), if imported. */
  smime: SmimeIdentity | null
  /** OAuth2: the person's tokens (IMAP and SMTP use them); null with a password. */
  tokens: TokenSource | null
}

const oauthKey = (accountId: string) => `oauth:${accountId}`

const sharedSignIn = (address: string) => fail({ code: 'auth.sharedMailbox', rule: 'R8', field: 'address', key: 'errors.auth.shared', params: { address } })


/**
 * The session's lifecycle: sign-in (R8), an offline start from what was kept, memberships (R1)
 * and mailboxes opened by address, sign-out. The mailbox operations build on it (mail-service.ts).
 */
export abstract class SessionLifecycle {
  protected active: Active | null = null
  protected memberships: SharedMembership[] = []
  protected knownShared = new Set<string>()
  /** People who signed in on this device: a generic refusal of anyone else may be R8. */
  protected knownPeople = new Set<string>()
  protected readonly keyring: SmimeKeyring
  protected readonly claims: ClaimedGrants
  protected readonly log: Logger
  private readonly oauth: OAuthFlows
  /** The server settings of each OAuth sign-in under way, and the address the person typed. */
  private readonly pendingServers = new Map<string, { server: ServerSettings; typed: string | null }>()
  /** The organisation's directory as read this session (null until read: an offline start). */
  protected directory: Directory | null = null
  protected readonly confirm: Confirm


  constructor(protected readonly deps: MailServiceDeps) {
    this.keyring = new SmimeKeyring(deps.secrets, deps.state, () => deps.trustAnchors ?? rootCertificates)
    this.claims = new ClaimedGrants(deps.state)
    this.log = redacting(deps.log ?? consoleLogger)
    this.oauth = new OAuthFlows(deps.secrets, this.log)
    this.confirm = deps.confirm ?? refuseAll
  }

  /**
   * Loads what the service keeps between launches. When the last session's password is still
   * in the secret store (the OS keychain under Electron), the session comes back at once, even
   * with the server down: the renderer shows its cache, and the mailboxes connect when they can
   * (R9 backoff), with no sign-in form in the way.
   */
  async start(): Promise<void> {
    this.knownShared = new Set(await this.deps.state.read<string[]>(KNOWN_SHARED) ?? [])
    this.knownPeople = new Set(await this.deps.state.read<string[]>(KNOWN_PEOPLE) ?? [])
    const last = await this.deps.state.read<SessionSnapshot>(LAST_SESSION)
    if (!last) return
    const { account } = last.session
    if (account.server.oauth) {
      const tokens = await this.oauth.resume(account.server.oauth, oauthKey(account.id))
      if (tokens) await this.resume(last, this.tokenLogin(account.server.imap, account.address, tokens), tokens)
      return
    }
    const password = await this.deps.secrets.get(`imap:${account.id}`)
    if (password) await this.resume(last, { endpoint: account.server.imap, user: account.address, password, budget: this.budget() }, null)
  }

  /** A new session's connection budget (R9): all of the person's connections, every mailbox's, share it. */
  private budget(): ConnectionBudget {
    return new ConnectionBudget(this.deps.maxConnections ?? DEFAULT_MAX_CONNECTIONS)
  }

  /** A login with the person's OAuth2 tokens; a refused refresh token ends the session (kept cache, kept queue). */
  private tokenLogin(endpoint: ImapLogin['endpoint'], address: string, tokens: TokenSource): ImapLogin {
    return {
      endpoint, user: address, password: '', budget: this.budget(),
      accessToken: (renew) => tokens.token(renew).catch((e: unknown) => {
        if (e instanceof ApiFailure && e.code === 'auth.expired') void this.expire(tokens, e.error)
        throw e
      }),
    }
  }

  /**
   * The organisation's sign-in ended (refresh token refused or revoked): the session closes and
   * the renderer asks the person to sign in again. The last session is kept, so the cache, the
   * queue and the outbox journal are there when they do; nothing is sent meanwhile.
   */
  private async expire(tokens: TokenSource, error: ApiError): Promise<void> {
    if (this.active?.tokens !== tokens) return
    await this.closeAll()
    this.deps.emit('session.ended', { error })
  }

  protected runtimeOptions() {
    return { emit: this.deps.emit, pollMs: this.deps.pollMs, teamWatch: this.deps.teamWatch, backoff: this.deps.backoff, turnMs: this.deps.turnMs, flagScan: this.deps.flagScan, now: this.deps.now, log: this.log }
  }

  private async resume(last: SessionSnapshot, login: ImapLogin, tokens: TokenSource | null): Promise<void> {
    const { account } = last.session
    const ownBox = last.session.mailboxes.find((m) => m.kind === 'own')!
    const own = new MailboxRuntime(ownBox, login, { kind: 'session' }, this.runtimeOptions())
    this.active = {
      session: { account, mailboxes: [ownBox], ...(last.session.domains ? { domains: last.session.domains } : {}) }, login, own, runtimes: new Map([[ownBox.id, own]]),
      name: last.name, grants: new Map(), smime: await this.keyring.identity(account.id), tokens,
    }
    this.memberships = last.memberships
    await this.claims.load(account.id)
    // Quotas as last seen until the server answers; each runtime reconnects by itself.
    await this.reconcile(last.memberships, last.session.mailboxes)
    void own.connection().catch(() => undefined)
  }

  /** Keeps the session (not the password: that is the secret store's) for an offline start. */
  private async remember(): Promise<void> {
    if (!this.active) return
    await this.deps.state.write<SessionSnapshot>(LAST_SESSION, { session: this.active.session, name: this.active.name, memberships: this.memberships })
  }

  async stop(): Promise<void> {
    await this.closeAll()
  }

  /** Server settings for an address: its domain's autoconfig, else a preset, else nothing (the form guesses). */
  discoverServer(address: string): Promise<Discovered> {
    return discoverServer(address, { ...this.deps.autoconfig, clients: this.deps.oauthClients })
  }

  badge(count: number): { ok: true } {
    this.deps.badge?.(count)
    return { ok: true }
  }

  /** Name, version and launch hints. */
  appInfo(): AppInfo {
    return { name: 'Tandem', version: this.deps.version, host: this.deps.host, suggestedServer: this.deps.suggestedServer ?? null, secretsPersist: this.deps.secrets.persistent !== false, oauthClients: this.deps.oauthClients ?? {} }
  }

  /**
   * Signs a person in over IMAP, then finds the shared mailboxes the server says they belong to
   * (R1). Refuses shared mailboxes (R8) before the password leaves when the address is known to
   * be shared; otherwise the server's refusal is explained.
   */
  async signIn(req: SignInRequest): Promise<Session> {
    this.checkServer(req.server)
    if (this.knownShared.has(req.address)) {
      throw sharedSignIn(req.address)
    }
    const login: ImapLogin = { endpoint: req.server.imap, user: req.address, password: req.password, budget: this.budget() }
    const client = await connectImap(login, this.knownShared, { knownPeople: this.knownPeople })
    const session = await this.open(req.address, { ...req.server, oauth: null }, login, client, null)
    await this.deps.secrets.set(`imap:${req.address}`, req.password)
    return session
  }

  private checkServer(server: ServerSettings): void {
    const smtpProblem = insecureEndpointReason('SMTP', server.smtp)
    if (smtpProblem) throw new ApiFailure(smtpProblem)
  }

  /**
   * Starts signing in with the organisation's OpenID provider: the sign-in page opens in the
   * person's browser (or, in the web host, the renderer opens the returned URL in a new tab).
   * Refused while someone is signed in (after sign-in no call from the window changes where a
   * token goes), and for a known provider's issuer with servers other than its own.
   * `selectAccount`: the browser asks which account, after a sign-in that came back as another person.
   */
  async oauthBegin(server: ServerSettings, loginHint?: string, selectAccount = false): Promise<{ flowId: string; url: string; opened: boolean }> {
    if (this.active) throw fail({ code: 'request.invalid', key: 'errors.auth.signedInAlready', params: { address: this.active.session.account.address } })
    this.checkServer(server)
    const settings = server.oauth
    if (!settings) throw fail({ code: 'request.invalid', field: 'server', key: 'errors.request.noProvider' })
    this.checkTokenHosts(server)
    const { flowId, url } = await this.oauth.begin(settings, { loginHint, selectAccount })
    this.pendingServers.set(flowId, { server, typed: loginHint?.toLowerCase() ?? null })
    if (this.deps.openExternal) await this.deps.openExternal(url)
    return { flowId, url, opened: !!this.deps.openExternal }
  }

  /** A known provider's tokens go only to its own servers (shared/rules/token-hosts.ts). */
  private checkTokenHosts(server: ServerSettings): void {
    if (tokenHostsVerdict(server) !== 'refused') return
    const preset = presetOfIssuer(server.oauth!.issuer)!
    throw fail({ code: 'security.insecure', field: 'server', key: 'errors.auth.presetHosts', params: { provider: preset.name, imap: preset.settings.imap.host, smtp: preset.settings.smtp.host } })
  }

  /**
   * Any other issuer's token goes only to servers the person confirmed for this sign-in, asked
   * by main (never the window), with a warning for servers outside the address's domain.
   */
  private async confirmTokenHosts(address: string, server: ServerSettings): Promise<void> {
    if (tokenHostsVerdict(server) !== 'confirm') return
    const issuer = server.oauth!.issuer
    const confirmed = new Set(await this.deps.state.read<string[]>(CONFIRMED_TOKEN_HOSTS) ?? [])
    const key = hostsKey(issuer, address, server)
    if (confirmed.has(key)) return
    const yes = await this.confirm(hostsQuestion(issuer, address, server.imap, server.smtp, hostsOutsideDomain(address, server))).catch(() => false)
    if (!yes) throw notConfirmed('hosts')
    confirmed.add(key)
    await this.deps.state.write(CONFIRMED_TOKEN_HOSTS, [...confirmed].sort())
  }

  /** Waits for the browser to come back, then signs in over IMAP with the token (XOAUTH2). */
  async oauthFinish(flowId: string): Promise<Session> {
    const pending = this.pendingServers.get(flowId)
    if (!pending) throw fail({ code: 'request.invalid', key: 'errors.request.flowGone' })
    const { server, typed } = pending
    try {
      const { address, tokens } = await this.oauth.finish(flowId, oauthKey)
      // The browser was still signed in as someone else (a shared reception PC): never open
      // their mailbox instead; the form offers to sign in as the person typed.
      if (typed && address !== typed) {
        await tokens.forget()
        throw fail({ code: 'auth.refused', field: 'address', key: 'errors.auth.otherPerson', params: { typed, returned: address } })
      }
      if (this.knownShared.has(address)) {
        await tokens.forget()
        throw sharedSignIn(address)
      }
      this.checkTokenHosts(server)
      await this.confirmTokenHosts(address, server).catch(async (e: unknown) => { await tokens.forget(); throw e })
      const login = this.tokenLogin(server.imap, address, tokens)
      const client = await connectImap(login, this.knownShared, { knownPeople: this.knownPeople }).catch(async (e: unknown) => { await tokens.forget(); throw e })
      return await this.open(address, server, login, client, tokens)
    } finally {
      this.pendingServers.delete(flowId)
    }
  }

  oauthCancel(flowId: string): void {
    this.oauth.cancel(flowId)
  }

  /** The session of a person whose own connection is open: own mailbox, memberships (R1), grants. */
  private async open(address: string, server: ServerSettings, login: ImapLogin, client: ImapFlow, tokens: TokenSource | null): Promise<Session> {
    await this.rememberPerson(address)
    await this.closeAll()
    const accountId = address
    const ownBox: Mailbox = { id: mailboxKey('own', address), accountId, kind: 'own', address, name: address, quota: null }
    const own = new MailboxRuntime(ownBox, login, { kind: 'session' }, this.runtimeOptions(), client)
    const listed = await client.list({ listOnly: true })
    const directory = await readDirectory(client, listed).catch((e: unknown) => { this.log('warn', `the directory could not be read: ${(e as Error).message}`); return NO_DIRECTORY })
    this.directory = directory
    // The person's name as the administrator lists it; where the directory names nobody, their own word (their own From only).
    const name = directory.entries.get(address.toLowerCase())?.name ?? parseOwnName(await getMetadata(client, 'INBOX', DIRECTORY_ENTRY))
    this.active = {
      session: { account: { id: accountId, address, server }, mailboxes: [ownBox] },
      login, own, runtimes: new Map([[ownBox.id, own]]), name, grants: new Map(),
      smime: await this.keyring.identity(accountId), tokens,
    }
    await this.claims.load(accountId)
    await own.refreshQuota().catch(() => null)
    await this.reconcile(await this.withAdded(client, await discoverMemberships(client, address, directory, listed)))
    return this.active.session
  }

  current(): Session | null {
    return this.active?.session ?? null
  }

  /** Each mailbox's connection state as last announced. */
  connections(): ConnectionState[] {
    return [...(this.active?.runtimes.values() ?? [])].map((r) => r.state)
  }

  async signOut(): Promise<void> {
    const accountId = this.active?.session.account.id
    await this.closeAll()
    if (accountId) await this.deps.secrets.delete(`imap:${accountId}`)
    if (accountId) await this.deps.secrets.delete(oauthKey(accountId))
    await this.deps.state.write(LAST_SESSION, undefined)
  }

  private refreshing: Promise<Session> | null = null

  /**
   * Asks the server again for memberships (R1) and quotas; emits session.changed when anything
   * moved. Calls while one runs share its answer (one fresh login, not one per window event).
   */
  refreshMailboxes(): Promise<Session> {
    this.refreshing ??= this.refreshNow().finally(() => { this.refreshing = null })
    return this.refreshing
  }

  private async refreshNow(): Promise<Session> {
    const active = this.requireSession()
    // A fresh session: a long-lived one may keep the server's cached view of its ACLs.
    const probe = await connectImap(active.login, this.knownShared)
    const memberships = await (async () => {
      const listed = await probe.list({ listOnly: true })
      this.directory = await readDirectory(probe, listed)
      return this.withAdded(probe, await discoverMemberships(probe, active.session.account.address, this.directory, listed))
    })().finally(() => probe.logout().catch(() => probe.close()))
    const before = JSON.stringify(active.session.mailboxes)
    await Promise.all([...active.runtimes.values()].map((r) => r.refreshQuota().catch(() => null)))
    await this.reconcile(memberships)
    if (JSON.stringify(active.session.mailboxes) !== before) this.deps.emit('session.changed', active.session)
    return active.session
  }

  /**
   * Opens a shared mailbox by address (R1: only when the server lets the person open it) and
   * keeps it for this account; it reopens offline from the cache like any other.
   */
  async addSharedMailbox(address: string): Promise<Session> {
    const active = this.requireSession()
    const a = address.trim().toLowerCase()
    if (a === active.session.account.address.toLowerCase()) throw fail({ code: 'request.invalid', field: 'address', key: 'errors.request.ownAddress' })
    if (!active.runtimes.has(mailboxKey('shared', a))) {
      const own = await active.own.connection()
      this.directory ??= await readDirectory(own)
      const membership = await openByAddress(own, active.login, active.session.account.server.delegateLogin, a, { directory: this.directory, me: active.session.account.address })
      const accountId = active.session.account.id
      await setAddedAddresses(this.deps.state, accountId, [...await addedAddresses(this.deps.state, accountId), a])
      await this.reconcile([...this.memberships.filter((m) => m.address !== a), membership])
      this.deps.emit('session.changed', active.session)
    }
    return active.session
  }

  /** The mailbox the person works in now (R9: the connection budget keeps its connections longest). */
  focusMailbox(mailboxId: string): { ok: true } {
    this.active?.runtimes.get(mailboxId)?.focus()
    return { ok: true }
  }

  /** Removes a shared mailbox the person opened by address (one the server lists stays: R1 is the server's). */
  async removeSharedMailbox(mailboxId: string): Promise<Session> {
    const active = this.requireSession()
    const m = this.memberships.find((x) => mailboxKey('shared', x.address) === mailboxId)
    if (!m?.added) throw fail({ code: 'request.invalid', field: 'mailboxId', key: 'errors.request.notAddedByYou' })
    const accountId = active.session.account.id
    await setAddedAddresses(this.deps.state, accountId, (await addedAddresses(this.deps.state, accountId)).filter((a) => a !== m.address))
    await this.reconcile(this.memberships.filter((x) => x !== m))
    this.deps.emit('session.changed', active.session)
    return active.session
  }

  /** The server's memberships plus the mailboxes the person added by address that it still lets them open. */
  private withAdded(client: ImapFlow, discovered: SharedMembership[]): Promise<SharedMembership[]> {
    const active = this.requireSession()
    return withAddedMailboxes(client, discovered, {
      state: this.deps.state, accountId: active.session.account.id, login: active.login,
      template: active.session.account.server.delegateLogin, previous: this.memberships, log: this.log,
      directory: this.directory ?? NO_DIRECTORY, me: active.session.account.address,
    })
  }

  protected requireSession(): Active {
    if (!this.active) throw fail({ code: 'session.required', key: 'errors.session.signedOut' })
    return this.active
  }

  protected runtime(mailboxId: string): MailboxRuntime {
    const r = this.requireSession().runtimes.get(mailboxId)
    if (!r) throw fail({ code: 'request.invalid', field: 'mailboxId', key: 'errors.request.noSuchMailbox', params: { mailboxId } })
    return r
  }

  /** Runtimes for the memberships the server reports (R1), then kept for an offline start. */
  private async reconcile(memberships: SharedMembership[], lastSeen: Mailbox[] = []): Promise<void> {
    this.memberships = memberships
    const active = this.requireSession()
    // The organisation's domains as the directory read this session says (an offline start keeps the last ones).
    if (this.directory) active.session = { ...active.session, domains: organisationDomains(this.directory, active.session.account.address) }
    await reconcileMemberships(active, memberships, lastSeen, this.runtimeOptions())
    await this.rememberShared(memberships.map((m) => m.address))
    await this.remember()
  }

  /** People who signed in here, and shared mailboxes seen here, kept for the R8 explanations. */
  private rememberPerson(address: string): Promise<void> {
    return this.rememberIn(this.knownPeople, KNOWN_PEOPLE, [address.toLowerCase()])
  }

  private rememberShared(addresses: string[]): Promise<void> {
    return this.rememberIn(this.knownShared, KNOWN_SHARED, addresses)
  }

  private async rememberIn(known: Set<string>, key: string, addresses: string[]): Promise<void> {
    const before = known.size
    for (const a of addresses) known.add(a)
    if (known.size !== before) await this.deps.state.write(key, [...known].sort())
  }

  private async closeAll(): Promise<void> {
    const runtimes = [...(this.active?.runtimes.values() ?? [])]
    this.active = null
    this.directory = null
    await Promise.all(runtimes.map((r) => r.stop()))
  }
}
