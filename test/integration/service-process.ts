import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { build } from 'esbuild'
import { WebSocket as NodeWebSocket } from 'ws'
import { ApiClient } from '../../renderer/src/api/client'
import { wsTransport } from '../../renderer/src/api/ws-transport'
import { projectRoot } from '../../electron/web/web-app'

/** The service in a process of its own, as `npm run web` runs it, reached as the renderer reaches it. */
export interface ServiceProcess { proc: ChildProcess; api: ApiClient; exited: Promise<void>; kill(): Promise<void> }

/**
 * Bundles the web host's entry once, so that each (re)start of the service takes a moment, not a
 * compile. Returns the bundle's path.
 */
export async function bundleService(name: string): Promise<string> {
  const bundle = join(projectRoot, 'out', 'test-service', `${name}.mjs`)
  await build({ entryPoints: [join(projectRoot, 'electron', 'web', 'web-main.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'error' })
  return bundle
}

/** Starts the service process on a state file of its own; resolves once it listens. */
export async function startServiceProcess(bundle: string, stateFile: string): Promise<ServiceProcess> {
  const proc = spawn(process.execPath, [bundle, '--port', '0', '--state', stateFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const url = await new Promise<URL>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (d) => {
      out += String(d)
      const m = /running at (http:\/\/\S+)/.exec(out)
      if (m) resolve(new URL(m[1]!))
    })
    void exited.then(() => reject(new Error(`the service exited at start: ${out}`)))
  })
  const origin = url.origin
  const token = /token=([\w-]+)/.exec(url.hash)![1]!
  // The renderer's own transport, over Node's ws with the Origin a browser would send.
  ;(globalThis as { WebSocket?: unknown }).WebSocket = class extends NodeWebSocket {
    constructor(address: string) { super(address, { origin }) }
  }
  return {
    proc, exited,
    api: new ApiClient(wsTransport(token, `ws://${url.host}/api`)),
    /** SIGKILL: the process ends with nothing written after this instant. */
    kill: async () => { proc.kill('SIGKILL'); await exited },
  }
}
