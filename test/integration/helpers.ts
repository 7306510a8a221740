import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { MailService } from '../../electron/service/mail-service'
import { MemorySecretStore, type SecretStore } from '../../electron/service/storage/secret-store'
import type { BackoffPolicy } from '../../electron/service/imap/mailbox-runtime'
import type { Logger } from '../../electron/service/logger'
import type { FlagScanSchedule } from '../../electron/service/operations/flag-scan'
import type { TeamWatch } from '../../electron/service/imap/watcher'
import { MemoryStateStore, type StateStore } from '../../electron/service/storage/state-store'
import { events as contractEvents, type EventName, type EventWire } from '../../shared/api/contract'
import type { MessageSummary, ServerSettings, Session } from '../../shared/domain'
import type { MailStack } from '../mailstack/stack'
import type { Confirm, ConfirmQuestion } from '../../electron/service/confirm'
import { signInOnPage } from '../mailstack/oidc-browser'
import { passwordOf } from '../mailstack/sessions'
import { delegateLoginTemplate } from '../mailstack/organisation'

export { imapSession, memberSession, passwordOf } from '../mailstack/sessions'

export const CONTOSO = new URL('../fixtures/orgs/contoso.json', import.meta.url).pathname

/** The settings a person would type for this stack (loopback, so plain connections are allowed). */
export function serverSettings(stack: MailStack): ServerSettings {
  return {
    imap: { host: stack.host, port: stack.ports.imap, security: 'none' },
    smtp: { host: stack.host, port: stack.ports.submission, security: 'none' },
    // The organisation's delegate login: Dovecot's master logins (shared*member), or the shared address itself.
    delegateLogin: delegateLoginTemplate(stack.org),
  }
}

/** Whether Postfix holds no message any more (delivered or bounced: nothing in flight). */
export async function postfixQueueEmpty(stack: MailStack): Promise<boolean> {
  const queue = join(stack.dir, 'postfix', 'queue')
  for (const sub of ['maildrop', 'incoming', 'active', 'deferred', 'hold']) {
    const files = await readdir(join(queue, sub), { recursive: true, withFileTypes: true }).catch(() => [])
    if (files.some((f) => f.isFile())) return false
  }
  return true
}

/** Waits until check() is truthy, polling; fails with the message after the timeout. */
export async function eventually<T>(check: () => Promise<T> | T, message: string, timeoutMs = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out: ${message}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}


/**
 * The messages the service streamed in sync.messages events (from index `from` of the events),
 * read through the contract as the renderer reads them.
 */
export function streamedMessages(events: TestService['events'], from = 0): MessageSummary[] {
  return events.slice(from).filter((e) => e.name === 'sync.messages').flatMap((e) => contractEvents['sync.messages'].parse(e.payload).messages)
}

export interface TestService {
  service: MailService
  events: { name: EventName; payload: unknown }[]
  /** What the service keeps between launches (tests read it as an independent witness). */
  state: StateStore
  /** The questions main asked the person (confirm.ts), in order; `answer` decides the next answers. */
  asked: ConfirmQuestion[]
  person: { answer: boolean | ((q: ConfirmQuestion) => boolean) }
}

export async function newService(state: StateStore = new MemoryStateStore(), pollMs = 500, opts: { secrets?: SecretStore; backoff?: Partial<BackoffPolicy>; log?: Logger; trustAnchors?: string[]; maxConnections?: number; turnMs?: number; flagScan?: FlagScanSchedule; now?: () => number; teamWatch?: TeamWatch } = {}): Promise<TestService> {
  const events: TestService['events'] = []
  // The person at the screen, who answers main's own questions (a native dialog under Electron):
  // yes unless a test says otherwise. The window never answers these.
  const asked: ConfirmQuestion[] = []
  const person: TestService['person'] = { answer: true }
  const confirm: Confirm = async (q) => { asked.push(q); return typeof person.answer === 'function' ? person.answer(q) : person.answer }
  const service = new MailService({
    confirm,
    trustAnchors: opts.trustAnchors,
    secrets: opts.secrets ?? new MemorySecretStore(),
    backoff: opts.backoff,
    log: opts.log,
    maxConnections: opts.maxConnections,
    turnMs: opts.turnMs,
    flagScan: opts.flagScan,
    teamWatch: opts.teamWatch,
    now: opts.now,
    state,
    emit: <N extends EventName>(name: N, payload: EventWire<N>) => { events.push({ name, payload }) },
    host: 'web',
    version: 'test',
    pollMs,
  })
  await service.start()
  return { service, events, state, asked, person }
}

/** The server settings with the stack's OpenID provider (a stack started with `oauth`). */
export function oauthServerSettings(stack: MailStack): ServerSettings {
  const op = stack.oidc!
  return { ...serverSettings(stack), oauth: { issuer: op.issuer, clientId: op.clientId, scopes: op.scopes } }
}

/**
 * Signs in as a person would with OAuth2: the provider's own page (as a browser drives it), then
 * the browser back on the service's loopback listener, which finishes the sign-in.
 */
export async function oauthSignIn(t: TestService, stack: MailStack, address: string, opts: { password?: string; cancel?: boolean; jar?: Map<string, string>; server?: ServerSettings; selectAccount?: boolean; as?: string; shown?: () => void } = {}): Promise<{ session: Session; page: string }> {
  const { flowId, url } = await t.service.oauthBegin(opts.server ?? oauthServerSettings(stack), address, opts.selectAccount)
  const finished = t.service.oauthFinish(flowId)
  finished.catch(() => undefined)
  // `as`: who the person signs in as on the provider's page (a browser signed in already shows none).
  const who = opts.as ?? address
  const back = await signInOnPage(url, who, opts.password ?? passwordOf(stack, who), { cancel: opts.cancel, jar: opts.jar, shown: opts.shown })
  const page = await (await fetch(back)).text()
  return { session: await finished, page }
}
