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
import type { AutoconfigOptions } from '../service/session/autoconfig'
import { ConfirmPage } from './confirm-page'
import { parseOAuthClients } from '../../shared/rules/server-presets'
import { maxConnectionsFrom } from '../service/imap/connection-budget'
import { flagScanFrom } from '../service/operations/flag-scan'

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
  /** The person's connection budget (R9; else TANDEM_MAX_CONNECTIONS, else 10) and how often a mailbox at rest takes its turn. */
  maxConnections?: number
  turnMs?: number
  log?: (line: string) => void
  /** Where server settings are looked up from an address (tests and screenshots serve their own). */
  autoconfig?: AutoconfigOptions
  /** The certificates an S/MIME chain must end at to count as verified (default: the system's roots). */
  trustAnchors?: readonly string[]
}

export interface WebApp {
  url: string
  origin: string
  token: string
  service: MailService
  /** Where the person answers main's own questions (confirm-page.ts). */
  confirmUrl: string
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
  // Main's own questions (a claimed grant, a changed certificate, the servers a sign-in goes to)
  // on a page of the host's own origin; the window is only told that one waits, and where.
  const confirmPage = new ConfirmPage({
    announce: (e) => host?.broadcast(e.kind === 'waiting' ? 'confirm.waiting' : 'confirm.settled', e.kind === 'waiting' ? { id: e.id, title: e.title, url: e.url } : { id: e.id }),
  })
  await confirmPage.start()
  const service = new MailService({
    confirm: confirmPage.confirm,
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
    autoconfig: opts.autoconfig,
    trustAnchors: opts.trustAnchors,
    maxConnections: opts.maxConnections ?? maxConnectionsFrom(process.env.TANDEM_MAX_CONNECTIONS),
    turnMs: opts.turnMs,
    flagScan: flagScanFrom(process.env.TANDEM_FLAG_SCAN),
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
    confirmUrl: confirmPage.url,
    async stop() {
      await h.stop()
      await confirmPage.stop()
      await service.stop()
    },
  }
}
