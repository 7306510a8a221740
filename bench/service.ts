import { spawn, type ChildProcess } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import type { Page } from '@playwright/test'
import { projectRoot } from '../electron/web/web-app'

/**
 * The service in a process of its own, as Electron's main process would be: it must not share
 * an event loop with this harness, and its memory is its own. Bundled, as Electron runs it
 * (under tsx its loader thread alone would add tens of megabytes to the RSS measured).
 */
export async function startService(server: object, profileDir?: string): Promise<{ url: string; child: ChildProcess }> {
  const bundle = join(projectRoot, 'out', 'bench-service', 'web-main.mjs')
  await build({ entryPoints: [join(projectRoot, 'electron', 'web', 'web-main.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'error' })
  const child = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), bundle, '--port', '0',
    '--server', JSON.stringify(server), '--state', join(tmpdir(), `tandem-bench-${process.pid}.json`)], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += String(d)
      const m = /running at (\S+)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`the service exited (${code})`)))
  })
  return { url, child }
}

/** Opens the app at `url` signed in as `address`: through the form, unless the service kept a session from an earlier page. */
export async function openSignedIn(page: Page, url: string, address: string, password: string): Promise<void> {
  await page.goto(url)
  await page.locator('#address, [data-testid="signed-in-as"]').first().waitFor()
  if (await page.locator('#address').count()) {
    await page.getByLabel('E-mail address').fill(address)
    await page.getByLabel('Password').fill(password)
    await page.getByLabel('Password').press('Enter')
  }
}
