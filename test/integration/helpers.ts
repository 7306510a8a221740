import { MailService } from '../../electron/service/mail-service'
import { MemorySecretStore, type SecretStore } from '../../electron/service/storage/secret-store'
import type { BackoffPolicy } from '../../electron/service/imap/mailbox-runtime'
import type { Logger } from '../../electron/service/logger'
import { MemoryStateStore, type StateStore } from '../../electron/service/storage/state-store'
import type { EventName, EventPayload } from '../../shared/api/contract'
import type { ServerSettings } from '../../shared/domain'
import type { MailStack } from '../mailstack/stack'

export { imapSession, passwordOf } from '../mailstack/sessions'

export const CONTOSO = new URL('../fixtures/orgs/contoso.json', import.meta.url).pathname

/** The settings a person would type for this stack (loopback, so plain connections are allowed). */
export function serverSettings(stack: MailStack): ServerSettings {
  return {
    imap: { host: stack.host, port: stack.ports.imap, security: 'none' },
    smtp: { host: stack.host, port: stack.ports.submission, security: 'none' },
    // The test stack's delegate login (Dovecot master users): member opens shared*member.
    delegateLogin: `{shared}${stack.org.layout.masterSeparator}{user}`,
  }
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


export interface TestService {
  service: MailService
  events: { name: EventName; payload: unknown }[]
  /** What the service keeps between launches (tests read it as an independent witness). */
  state: StateStore
}

export async function newService(state: StateStore = new MemoryStateStore(), pollMs = 500, opts: { secrets?: SecretStore; backoff?: Partial<BackoffPolicy>; log?: Logger } = {}): Promise<TestService> {
  const events: TestService['events'] = []
  const service = new MailService({
    secrets: opts.secrets ?? new MemorySecretStore(),
    backoff: opts.backoff,
    log: opts.log,
    state,
    emit: <N extends EventName>(name: N, payload: EventPayload<N>) => { events.push({ name, payload }) },
    host: 'web',
    version: 'test',
    pollMs,
  })
  await service.start()
  return { service, events, state }
}
