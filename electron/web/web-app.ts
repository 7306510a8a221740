import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ServerSettings } from '../../shared/domain'
import { createDispatcher, serviceHandlers } from '../api/dispatcher'
import { MailService } from '../service/mail-service'
import type { BackoffPolicy } from '../service/imap/mailbox-runtime'
import { MemorySecretStore } from '../service/storage/secret-store'
import { FileStateStore, MemoryStateStore, type StateStore } from '../service/storage/state-store'
import { consoleLogger, internalErrors, withoutSecrets } from '../service/logger'
import { WebHost } from './web-host'
import { parseOAuthClients } from '../../shared/rules/server-presets'

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface WebAppOptions {
  rendererDir?: string
  port?: number
  /** Where non-secret state is kept between launches; memory when absent. */
  stateFile?: string
  suggestedServer?: ServerSettings | null
  /** How often synced folders are polled for changes made elsewhere. */
  pollMs?: number
  /** Reconnection backoff (R9); tests shorten it. */
  backoff?: Partial<BackoffPolicy>
  log?: (line: string) => void
}

export interface WebApp {
  url: string
  origin: string
  token: string
  service: MailService
  stop(): Promise<void>
}

/** Runs the mail service and the web host together, as `npm run web` and the e2e tests do. */
export async function startWebApp(opts: WebAppOptions = {}): Promise<WebApp> {
  // Every line redacted: the host's own and the one door's internal failures (their stacks).
  const log = (line: string) => (opts.log ?? console.error)(withoutSecrets(line))
  const rendererDir = opts.rendererDir ?? join(projectRoot, 'out', 'renderer')
  const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version
  const state: StateStore = opts.stateFile ? new FileStateStore(opts.stateFile, consoleLogger) : new MemoryStateStore()
  let host: WebHost | null = null
  const service = new MailService({
    secrets: new MemorySecretStore(),
    state,
    emit: (name, payload) => host?.broadcast(name, payload),
    host: 'web',
    version,
    suggestedServer: opts.suggestedServer ?? null,
    oauthClients: parseOAuthClients(process.env.TANDEM_OAUTH_CLIENTS),
    attachmentUrl: (ticket) => `/attachments/${ticket}`,
    pollMs: opts.pollMs,
    backoff: opts.backoff,
  })
  await service.start()
  const dispatch = createDispatcher(serviceHandlers(service), internalErrors((_level, line) => log(line)))
  host = new WebHost({ rendererDir, dispatch, port: opts.port ?? 0, log, attachment: (t) => service.openAttachment(t) })
  await host.start()
  const h = host
  return {
    url: h.url,
    origin: h.origin,
    token: h.token,
    service,
    async stop() {
      await h.stop()
      await service.stop()
    },
  }
}
