import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, protocol, safeStorage, session, shell, type IpcMainInvokeEvent } from 'electron'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { IPC_CALL, IPC_EVENT } from '../shared/api/names'
import { createDispatcher, serviceHandlers } from './api/dispatcher'
import { MailService } from './service/mail-service'
import { attachmentHeaders } from './service/operations/attachments'
import { KeychainSecrets } from './service/storage/keychain-secrets'
import { FileStateStore } from './service/storage/state-store'
import { consoleLogger, internalErrors } from './service/logger'
import { contentSecurityPolicy } from './security/csp'
import { isAllowedExternalUrl } from './security/external-links'
import { serverSettingsSchema } from '../shared/domain'
import { parseOAuthClients } from '../shared/rules/server-presets'
import { apiError } from '../shared/api/errors'
import { formatIn, pickLocale, type MessageKey } from '../shared/i18n'
import type { Text } from '../shared/api/errors'
import type { ConfirmQuestion } from './service/confirm'
import { maxConnectionsFrom } from './service/imap/connection-budget'

// Electron is this file and preload.ts only; everything else is the plain-Node mail service.

/** Internal failures, redacted (an IMAP or OAuth error may quote a password or a token). */
const logInternal = internalErrors(consoleLogger)

/** Attachments stream through this scheme, one-time ticket in the path (never a file: URL). */
const ATTACHMENT_SCHEME = 'tandem-attachment'
protocol.registerSchemesAsPrivileged([{ scheme: ATTACHMENT_SCHEME, privileges: { stream: true } }])

let mainWindow: BrowserWindow | null = null
const here = dirname(fileURLToPath(import.meta.url))
const rendererUrl = process.env.ELECTRON_RENDERER_URL
const rendererFile = join(here, '../renderer/index.html')

/** Only our own renderer's top frame may call the service. */
function isTrustedSender(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame
  if (!frame || !mainWindow || e.sender !== mainWindow.webContents || frame !== e.sender.mainFrame) return false
  const url = new URL(frame.url)
  if (rendererUrl) return url.origin === new URL(rendererUrl).origin
  return url.protocol === 'file:' && decodeURIComponent(url.pathname).endsWith('/renderer/index.html')
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 520,
    title: 'Tandem',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: true,
      // A packaged Tandem has no DevTools: a mail or a person at the keyboard must not get a console into the window.
      devTools: !app.isPackaged,
    },
  })
  mainWindow.once('ready-to-show', () => mainWindow?.show())
  if (rendererUrl) void mainWindow.loadURL(rendererUrl)
  else void mainWindow.loadFile(rendererFile)
}

/**
 * Main's own questions (electron/service/confirm.ts) as a native dialog: drawn by the system,
 * outside the window's reach, so no code in the renderer can answer it. Closing it means no.
 */
async function askNatively(q: ConfirmQuestion): Promise<boolean> {
  const locale = pickLocale([app.getLocale()])
  const t = (x: Text) => formatIn(locale, x.key as MessageKey, x.params ?? {})
  const options = {
    type: q.warning ? 'warning' as const : 'question' as const,
    title: 'Tandem',
    message: t(q.title),
    detail: [...q.body.map(t), ...(q.warning ? [t(q.warning)] : [])].join('\n\n'),
    buttons: [t(q.refuse), t(q.accept)],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  }
  const { response } = mainWindow ? await dialog.showMessageBox(mainWindow, options) : await dialog.showMessageBox(options)
  return response === 1
}

/** A mailto: link the system handed to Tandem (first launch or a second instance). */
function mailtoFrom(argv: string[]): string | null {
  return argv.find((a) => /^mailto:/i.test(a)) ?? null
}

async function boot(): Promise<void> {
  app.enableSandbox()
  // One Tandem at a time: two would share one state file and one keychain entry. A second
  // launch (e.g. a mailto: link clicked elsewhere) hands its link to the first and quits.
  if (!app.requestSingleInstanceLock()) { app.quit(); return }
  let pendingMailto = mailtoFrom(process.argv)
  const deliverMailto = () => {
    if (pendingMailto && mainWindow && !mainWindow.webContents.isLoading()) {
      mainWindow.webContents.send(IPC_EVENT, 'app.mailto', { url: pendingMailto })
      pendingMailto = null
    }
  }
  app.on('second-instance', (_e, argv) => {
    pendingMailto = mailtoFrom(argv) ?? pendingMailto
    if (mainWindow) { if (mainWindow.isMinimized()) mainWindow.restore(); mainWindow.focus() }
    deliverMailto()
  })
  app.on('open-url', (e, url) => { e.preventDefault(); if (/^mailto:/i.test(url)) { pendingMailto = url; deliverMailto() } })
  await app.whenReady()
  if (app.isPackaged) Menu.setApplicationMenu(null)
  const csp = contentSecurityPolicy()
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    // An attachment keeps its own policy (a sandbox that runs nothing, see attachmentHeaders).
    if (details.url.startsWith(`${ATTACHMENT_SCHEME}:`)) return cb({ responseHeaders: details.responseHeaders })
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } })
  })
  // A mail client needs no camera, microphone, location, MIDI, USB…: every request and every
  // check is refused, except desktop notifications for Tandem's own window.
  session.defaultSession.setPermissionRequestHandler((wc, perm, cb) => cb(perm === 'notifications' && wc === mainWindow?.webContents))
  session.defaultSession.setPermissionCheckHandler((wc, perm) => perm === 'notifications' && !!wc && wc === mainWindow?.webContents)

  const suggested = process.env.TANDEM_SUGGESTED_SERVER
  const secrets = new KeychainSecrets(join(app.getPath('userData'), 'secrets.json'), safeStorage, process.platform, consoleLogger)
  const service = new MailService({
    secrets,
    state: new FileStateStore(join(app.getPath('userData'), 'state.json'), consoleLogger),
    emit: (name, payload) => mainWindow?.webContents.send(IPC_EVENT, name, payload),
    // New mail: the renderer decides a notification is due (not muted, not quiet hours, not the
    // person's own); main shows it, and a click brings the window forward on that message.
    notify: ({ title, body, target }) => {
      if (!Notification.isSupported()) return
      const n = new Notification({ title, body })
      n.on('click', () => {
        if (mainWindow?.isMinimized()) mainWindow.restore()
        mainWindow?.show()
        mainWindow?.focus()
        mainWindow?.webContents.send(IPC_EVENT, 'app.notificationClicked', target)
      })
      n.show()
    },
    badge: (count) => { app.setBadgeCount(count) },
    confirm: askNatively,
    // OAuth2 sign-in in the person's own browser (RFC 8252), never in a window of Tandem's.
    openExternal: async (url) => { if (/^https?:\/\//i.test(url)) await shell.openExternal(url) },
    host: 'electron',
    version: app.getVersion(),
    suggestedServer: suggested ? serverSettingsSchema.parse(JSON.parse(suggested)) : null,
    oauthClients: parseOAuthClients(process.env.TANDEM_OAUTH_CLIENTS),
    attachmentUrl: (ticket) => `${ATTACHMENT_SCHEME}://file/${ticket}`,
    maxConnections: maxConnectionsFrom(process.env.TANDEM_MAX_CONNECTIONS),
  })
  // Whatever goes wrong resuming the last session (an unreadable keychain entry, a broken state
  // file), the window opens: the person can always sign in again.
  await service.start().catch((e: unknown) => logInternal('could not resume the last session', e))
  const ticketOf = (url: string) => new URL(url).pathname.replace(/^\/+/, '')

  // The renderer's attachment links stream from here: a checked viewable type in place (in the
  // viewer below), anything else as a download, for which Electron asks where to save it.
  protocol.handle(ATTACHMENT_SCHEME, async (request) => {
    const file = await service.openAttachment(ticketOf(request.url)).catch(() => null)
    if (!file) return new Response(formatIn(pickLocale([app.getLocale()]), 'app.attachmentExpired'), { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
    return new Response(Readable.toWeb(file.stream as Readable) as ReadableStream, { headers: attachmentHeaders(file) })
  })

  /**
   * Open: images, PDF and text show in a window of Tandem's own, sandboxed, without preload;
   * nothing is ever written to disk and handed to the system to run. A type the
   * service cannot prove viewable arrives as a download instead.
   */
  function openAttachment(url: string): void {
    const viewer = new BrowserWindow({
      width: 900,
      height: 700,
      title: formatIn(pickLocale([app.getLocale()]), 'app.attachmentTitle'),
      autoHideMenuBar: true,
      // No preload, sandboxed; the document itself comes with CSP "sandbox", so nothing in it
      // runs. JavaScript stays on for the window only because Chromium's PDF viewer needs it.
      webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, plugins: true, spellcheck: false, devTools: !app.isPackaged },
    })
    void viewer.loadURL(url)
  }
  const dispatch = createDispatcher(serviceHandlers(service), logInternal)
  // The only ipcMain handler: sender checked, then the dispatcher validates against the contract.
  ipcMain.handle(IPC_CALL, (e, name: unknown, input: unknown) => {
    if (!isTrustedSender(e)) return { ok: false, error: apiError({ code: 'request.invalid', key: 'errors.request.notFromWindow' }) }
    return dispatch(name, input)
  })

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev) => ev.preventDefault())
    // Frames too (a mail's frame, an attachment viewer): nothing navigates anywhere.
    contents.on('will-frame-navigate', (ev) => { if (!/^about:(srcdoc|blank)$/.test(ev.url)) ev.preventDefault() })
    contents.on('will-attach-webview', (ev) => ev.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith(`${ATTACHMENT_SCHEME}:`)) openAttachment(url)
      else if (isAllowedExternalUrl(url)) void shell.openExternal(url)
      return { action: 'deny' }
    })
  })
  createWindow()
  mainWindow?.webContents.on('did-finish-load', deliverMailto)
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow() })
  app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit() })
  app.on('before-quit', () => { void service.stop() })
}

// A mail server that drops connections mid-command must never take the app down with it.
process.on('unhandledRejection', (e) => logInternal('unhandled rejection', e))
void boot()
