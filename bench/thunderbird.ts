import { spawn, execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { ImapLogin, PeerRun } from './peers'
import { treeCpuMs } from './proc'

const run = promisify(execFile)

/** Whether Debian's Thunderbird is installed here. */
export async function hasThunderbird(): Promise<boolean> {
  return run('thunderbird', ['--version']).then(() => true, () => false)
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = createServer()
  s.once('error', reject)
  s.listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)) })
})

/** A Marionette connection: length-prefixed JSON, `[0, id, command, params]` → `[1, id, error, result]`. */
class Marionette {
  private buf = ''
  private next = 1
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private greeted!: Promise<void>

  constructor(private readonly socket: Socket) {
    let greet: () => void
    this.greeted = new Promise((r) => { greet = r })
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => {
      this.buf += d
      for (;;) {
        const colon = this.buf.indexOf(':')
        if (colon < 0) return
        const len = Number(this.buf.slice(0, colon))
        // Lengths count bytes; the replies here are ASCII JSON.
        if (this.buf.length < colon + 1 + len) return
        const msg = JSON.parse(this.buf.slice(colon + 1, colon + 1 + len)) as unknown
        this.buf = this.buf.slice(colon + 1 + len)
        if (!Array.isArray(msg)) { greet(); continue }
        const [, id, error, result] = msg as [number, number, { message?: string } | null, unknown]
        const w = this.waiting.get(id)
        this.waiting.delete(id)
        if (error) w?.reject(new Error(`marionette: ${error.message ?? JSON.stringify(error)}`))
        else w?.resolve(result)
      }
    })
  }

  async send(command: string, params: object): Promise<unknown> {
    await this.greeted
    const id = this.next++
    const body = JSON.stringify([0, id, command, params])
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.socket.write(`${Buffer.byteLength(body)}:${body}`)
    })
  }
}

/**
 * Thunderbird (Debian's ESR) with a fresh profile, headless, driven through Marionette: an IMAP
 * account is made for the login in the chrome context, then the folder is updated in the
 * background (`updateFolder`) until it holds every message — what Thunderbird does for a folder
 * that is not on screen. Timed from the update's start; CPU is the whole Thunderbird process
 * tree's over the same span.
 */
export async function thunderbirdOpen(login: ImapLogin, expected: number): Promise<PeerRun> {
  const profile = await mkdtemp(join(tmpdir(), 'tandem-bench-tb-'))
  const port = await freePort()
  await writeFile(join(profile, 'user.js'), [
    `user_pref("marionette.port", ${port});`,
    'user_pref("mail.shell.checkDefaultClient", false);',
    'user_pref("mail.provider.suppress_dialog_on_startup", true);',
    'user_pref("mailnews.start_page.enabled", false);',
    'user_pref("app.update.disabledForTesting", true);',
    'user_pref("datareporting.policy.dataSubmissionEnabled", false);',
    'user_pref("browser.dom.window.dump.enabled", false);',
    // The machine has no internet: never let Thunderbird decide it is offline.
    'user_pref("network.manage-offline-status", false);',
    'user_pref("offline.autoDetect", false);',
  ].join('\n') + '\n')
  const child = spawn('thunderbird', ['--headless', '--marionette', '-remote-allow-system-access', '-no-remote', '-profile', profile], {
    stdio: 'ignore', env: { ...process.env, MOZ_HEADLESS: '1', HOME: profile },
  })
  try {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const deadline = Date.now() + 60_000
      const attempt = () => {
        const s = connect(port, '127.0.0.1')
        s.once('connect', () => resolve(s))
        s.once('error', () => { s.destroy(); if (Date.now() > deadline) reject(new Error('Thunderbird did not start Marionette')); else setTimeout(attempt, 200) })
      }
      attempt()
    })
    const m = new Marionette(socket)
    await m.send('WebDriver:NewSession', { capabilities: {} })
    await m.send('Marionette:SetContext', { value: 'chrome' })
    const cpu0 = treeCpuMs(child.pid!)
    const result = await m.send('WebDriver:ExecuteAsyncScript', {
      scriptTimeout: 600_000,
      args: [login.host, login.port, login.user, login.password, expected],
      script: `
        const [host, port, user, password, expected, resolve] = arguments;
        const { MailServices } = ChromeUtils.importESModule('resource:///modules/MailServices.sys.mjs');
        Services.io.manageOfflineStatus = false;
        Services.io.offline = false;
        const server = MailServices.accounts.createIncomingServer(user, host, 'imap');
        server.port = port;
        server.socketType = Ci.nsMsgSocketType.plain;
        server.authMethod = Ci.nsMsgAuthMethod.passwordCleartext;
        server.password = password;
        const account = MailServices.accounts.createAccount();
        const identity = MailServices.accounts.createIdentity();
        identity.email = 'bench@example.test';
        account.addIdentity(identity);
        account.incomingServer = server;
        const started = Date.now();
        const find = () => server.rootFolder.getFolderWithFlags(Ci.nsMsgFolderFlags.Inbox);
        const wait = () => {
          const inbox = find();
          const n = inbox ? inbox.getTotalMessages(false) : 0;
          if (n >= expected) return resolve({ ms: Date.now() - started, n });
          if (Date.now() - started > 590000) return resolve({ ms: -1, n });
          setTimeout(wait, 20);
        };
        const listener = { OnStartRunningUrl() {}, OnStopRunningUrl() {}, QueryInterface: ChromeUtils.generateQI(['nsIUrlListener']) };
        const go = () => { const inbox = find(); if (!inbox) return setTimeout(go, 20); inbox.QueryInterface(Ci.nsIMsgImapMailFolder).updateFolderWithListener(null, listener); wait(); };
        server.performExpand(null);
        go();
      `,
    }) as { value: { ms: number; n: number } }
    const cpuMs = treeCpuMs(child.pid!) - cpu0
    if (result.value.ms < 0) throw new Error(`Thunderbird had ${result.value.n} of ${expected} after 10 minutes`)
    await m.send('Marionette:Quit', { flags: ['eForceQuit'] }).catch(() => undefined)
    socket.destroy()
    return { ms: result.value.ms, cpuMs, detail: `${result.value.n} headers` }
  } finally {
    child.kill('SIGKILL')
    await rm(profile, { recursive: true, force: true })
  }
}
