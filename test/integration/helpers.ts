import { MailService } from '../../electron/service/mail-service'
import { MemorySecretStore } from '../../electron/service/secret-store'
import { MemoryStateStore, type StateStore } from '../../electron/service/state-store'
import type { EventName, EventPayload } from '../../shared/api/contract'
import type { ServerSettings } from '../../shared/domain'
import type { MailStack } from '../mailstack/stack'

export const CONTOSO = new URL('../fixtures/orgs/contoso.json', import.meta.url).pathname

/** The settings a person would type for this stack (loopback, so plain connections are allowed). */
export function serverSettings(stack: MailStack): ServerSettings {
  return {
    imap: { host: stack.host, port: stack.ports.imap, security: 'none' },
    smtp: { host: stack.host, port: stack.ports.submission, security: 'none' },
  }
}

export function password(stack: MailStack, address: string): string {
  const u = stack.org.users.find((x) => x.address === address)
  if (!u) throw new Error(`${address} is not a user of ${stack.org.name}`)
  return u.password
}

export interface TestService {
  service: MailService
  events: { name: EventName; payload: unknown }[]
}

export async function newService(state: StateStore = new MemoryStateStore()): Promise<TestService> {
  const events: TestService['events'] = []
  const service = new MailService({
    secrets: new MemorySecretStore(),
    state,
    emit: <N extends EventName>(name: N, payload: EventPayload<N>) => { events.push({ name, payload }) },
    host: 'web',
    version: 'test',
  })
  await service.start()
  return { service, events }
}
