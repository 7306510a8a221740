import { app, BrowserWindow, ipcMain, protocol, safeStorage, session, shell, type IpcMainInvokeEvent } from 'electron'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { IPC_CALL, IPC_EVENT } from '../shared/api/names'
import { createDispatcher, serviceHandlers } from './api/dispatcher'
import { MailService } from './service/mail-service'
import { attachmentHeaders } from './service/attachments'
import type { SecretStore } from './service/secret-store'
import { FileStateStore } from './service/state-store'
import { contentSecurityPolicy } from './security/csp'
import { isAllowedExternalUrl } from './security/external-links'
import { serverSettingsSchema } from '../shared/domain'

// Electron is this file and preload.ts only; everything else is the plain-Node mail service.

/** Passwords encrypted with the OS keychain (safeStorage), in one file under userData. */
class SafeStorageSecrets implements SecretStore {
  constructor(private readonly file: string) {}
  private async all(): Promise<Record<string, string>> {
    try { return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, string> } catch { return {} }
  }
  private async save(all: Record<string, string>) {
    await mkdir(join(this.file, '..'), { recursive: true })
    await writeFile(this.file, JSON.stringify(all), { mode: 0o600 })
  }
  async get(key: string) {
    const v = (await this.all())[key]
    return v && safeStorage.isEncryptionAvailable() ? safeStorage.decryptString(Buffer.from(v, 'base64')) : undefined
  }
  async set(key: string, secret: string) {
    // Without a keychain, the password stays in memory for this launch only.
    if (!safeStorage.isEncryptionAvailable()) return
    const all = await this.all()
    all[key] = safeStorage.encryptString(secret).toString('base64')
    await this.save(all)
  }
  async delete(key: string) {
    const all = await this.all()
    delete all[key]
    await this.save(all)
  }
}

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
    },
  })
  mainWindow.once('ready-to-show', () => mainWindow?.show())
  if (rendererUrl) void mainWindow.loadURL(rendererUrl)
  else void mainWindow.loadFile(rendererFile)
}

async function boot(): Promise<void> {
  app.enableSandbox()
  await app.whenReady()
  const csp = contentSecurityPolicy()
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    // An attachment keeps its own policy (a sandbox that runs nothing, see attachmentHeaders).
    if (details.url.startsWith(`${ATTACHMENT_SCHEME}:`)) return cb({ responseHeaders: details.responseHeaders })
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))

  const suggested = process.env.TANDEM_SUGGESTED_SERVER
  const service = new MailService({
    secrets: new SafeStorageSecrets(join(app.getPath('userData'), 'secrets.json')),
    state: new FileStateStore(join(app.getPath('userData'), 'state.json')),
    emit: (name, payload) => mainWindow?.webContents.send(IPC_EVENT, name, payload),
    host: 'electron',
    version: app.getVersion(),
    suggestedServer: suggested ? serverSettingsSchema.parse(JSON.parse(suggested)) : null,
    attachmentUrl: (ticket) => `${ATTACHMENT_SCHEME}://file/${ticket}`,
  })
  await service.start()
  const ticketOf = (url: string) => new URL(url).pathname.replace(/^\/+/, '')

  // The renderer's attachment links stream from here: a checked viewable type in place (in the
  // viewer below), anything else as a download, for which Electron asks where to save it.
  protocol.handle(ATTACHMENT_SCHEME, async (request) => {
    const file = await service.openAttachment(ticketOf(request.url)).catch(() => null)
    if (!file) return new Response('This download link has expired. Click the attachment again.', { status: 404 })
    return new Response(Readable.toWeb(file.stream as Readable) as ReadableStream, { headers: attachmentHeaders(file) })
  })

  /**
   * Open: images, PDF and text show in a window of Tandem's own, sandboxed, without preload or
   * scripts; nothing is ever written to disk and handed to the system to run. A type the
   * service cannot prove viewable arrives as a download instead.
   */
  function openAttachment(url: string): void {
    const viewer = new BrowserWindow({
      width: 900,
      height: 700,
      title: 'Tandem — attachment',
      autoHideMenuBar: true,
      webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, javascript: false, plugins: true, spellcheck: false },
    })
    void viewer.loadURL(url)
  }
  const dispatch = createDispatcher(serviceHandlers(service), (msg, e) => console.error(msg, e))
  // The only ipcMain handler: sender checked, then the dispatcher validates against the contract.
  ipcMain.handle(IPC_CALL, (e, name: unknown, input: unknown) => {
    if (!isTrustedSender(e)) return { ok: false, error: { code: 'request.invalid', message: 'Refused: not from Tandem\'s window.' } }
    return dispatch(name, input)
  })

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev) => ev.preventDefault())
    contents.on('will-attach-webview', (ev) => ev.preventDefault())
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith(`${ATTACHMENT_SCHEME}:`)) openAttachment(url)
      else if (isAllowedExternalUrl(url)) void shell.openExternal(url)
      return { action: 'deny' }
    })
  })
  createWindow()
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow() })
  app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit() })
  app.on('before-quit', () => { void service.stop() })
}

// A mail server that drops connections mid-command must never take the app down with it.
process.on('unhandledRejection', (e) => { console.error('tandem: unhandled rejection:', e) })
void boot()
