import type { ImapFlow } from 'imapflow'
import { ApiFailure } from '../../shared/api/errors'
import type { AppInfo, EventName, EventPayload, SignInRequest } from '../../shared/api/contract'
import type { Folder, Mailbox, ServerSettings, Session } from '../../shared/domain'
import { insecureEndpointReason } from '../../shared/rules/connection-security'
import { connectImap, type ImapLogin } from './imap-connect'
import { discoverSharedAddresses, listOwnFolders } from './folders'
import type { SecretStore } from './secret-store'
import type { StateStore } from './state-store'

export interface MailServiceDeps {
  secrets: SecretStore
  state: StateStore
  /** Pushes an event to the renderer(s). */
  emit: <N extends EventName>(name: N, payload: EventPayload<N>) => void
  host: AppInfo['host']
  version: string
  /** Server settings a launcher suggests for the sign-in form (the demo's loopback stack). */
  suggestedServer?: ServerSettings | null
}

const KNOWN_SHARED = 'knownSharedMailboxes'

interface Active {
  session: Session
  login: ImapLogin
  own: ImapFlow | null
}

/**
 * The mail service: all network work and the rules. Plain Node, no Electron; constructed with
 * its dependencies, started and stopped by its host (Electron main or the web host).
 */
export class MailService {
  private active: Active | null = null
  private knownShared = new Set<string>()

  constructor(private readonly deps: MailServiceDeps) {}

  async start(): Promise<void> {
    this.knownShared = new Set(await this.deps.state.read<string[]>(KNOWN_SHARED) ?? [])
  }

  async stop(): Promise<void> {
    await this.closeConnections()
  }

  /** Name, version and launch hints. */
  appInfo(): AppInfo {
    return { name: 'Tandem', version: this.deps.version, host: this.deps.host, suggestedServer: this.deps.suggestedServer ?? null }
  }

  /**
   * Signs a person in over IMAP. Refuses shared mailboxes (R8) before the password leaves when
   * the address is known to be shared; otherwise the server's refusal is explained.
   */
  async signIn(req: SignInRequest): Promise<Session> {
    const smtpProblem = insecureEndpointReason('SMTP', req.server.smtp)
    if (smtpProblem) throw new ApiFailure({ code: 'security.insecure', message: smtpProblem, field: 'server' })
    if (this.knownShared.has(req.address)) {
      throw new ApiFailure({
        code: 'auth.sharedMailbox', rule: 'R8', field: 'address',
        message: `${req.address} is a shared mailbox, and shared mailboxes cannot sign in (R8). Sign in with your own address and password: the shared mailboxes you are a member of appear next to your own mailbox.`,
      })
    }
    const login: ImapLogin = { endpoint: req.server.imap, user: req.address, password: req.password }
    const client = await connectImap(login, this.knownShared)
    await this.closeConnections()
    const accountId = req.address
    const own: Mailbox = { id: `own:${req.address}`, accountId, kind: 'own', address: req.address, name: req.address }
    const session: Session = { account: { id: accountId, address: req.address, server: req.server }, mailboxes: [own] }
    this.active = { session, login, own: this.watch(client, own.id) }
    await this.deps.secrets.set(`imap:${accountId}`, req.password)
    await this.rememberShared(await discoverSharedAddresses(client))
    this.deps.emit('connection.state', { mailboxId: own.id, state: 'online' })
    return session
  }

  current(): Session | null {
    return this.active?.session ?? null
  }

  async signOut(): Promise<void> {
    const accountId = this.active?.session.account.id
    await this.closeConnections()
    this.active = null
    if (accountId) await this.deps.secrets.delete(`imap:${accountId}`)
  }

  /** Folders of one of the session's mailboxes. */
  async listFolders(mailboxId: string): Promise<Folder[]> {
    const active = this.requireSession()
    const mailbox = active.session.mailboxes.find((m) => m.id === mailboxId)
    if (!mailbox) {
      throw new ApiFailure({ code: 'request.invalid', field: 'mailboxId', message: `There is no mailbox ${mailboxId} in this session.` })
    }
    return listOwnFolders(await this.ownConnection(active), mailbox.id)
  }

  private requireSession(): Active {
    if (!this.active) throw new ApiFailure({ code: 'session.required', message: 'You are signed out. Sign in to continue.' })
    return this.active
  }

  /** The own mailbox's connection, reopened with the kept password if it dropped. */
  private async ownConnection(active: Active): Promise<ImapFlow> {
    if (active.own?.usable) return active.own
    const mailboxId = active.session.mailboxes[0]!.id
    this.deps.emit('connection.state', { mailboxId, state: 'connecting' })
    const password = await this.deps.secrets.get(`imap:${active.session.account.id}`)
    if (!password) throw new ApiFailure({ code: 'session.required', message: 'Your session has ended. Sign in again.' })
    try {
      active.own = this.watch(await connectImap({ ...active.login, password }, this.knownShared), mailboxId)
    } catch (e) {
      this.deps.emit('connection.state', { mailboxId, state: 'offline', detail: (e as Error).message })
      throw e
    }
    this.deps.emit('connection.state', { mailboxId, state: 'online' })
    return active.own
  }

  private watch(client: ImapFlow, mailboxId: string): ImapFlow {
    client.on('close', () => {
      if (this.active?.own === client) this.deps.emit('connection.state', { mailboxId, state: 'offline', detail: 'The connection to the server closed.' })
    })
    return client
  }

  private async rememberShared(addresses: string[]): Promise<void> {
    const before = this.knownShared.size
    for (const a of addresses) this.knownShared.add(a)
    if (this.knownShared.size !== before) await this.deps.state.write(KNOWN_SHARED, [...this.knownShared].sort())
  }

  private async closeConnections(): Promise<void> {
    const own = this.active?.own
    if (this.active) this.active.own = null
    if (own) await own.logout().catch(() => own.close())
  }
}
