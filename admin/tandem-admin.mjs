#!/usr/bin/env node
// The `tandem-admin` command. In a checkout (its TypeScript source beside this file), the source
// through tsx, so it never runs an older bundle; in an install (npm pack ships only this file and
// the bundle `npm run build:admin` makes, with every dependency inside), the bundle.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join } from 'node:path'

const here = dirname(fileURLToPath(import.meta.url))
const source = join(here, 'cli.ts')
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(source).href)
} else {
  await import(pathToFileURL(join(here, '..', 'out', 'admin', 'tandem-admin.mjs')).href)
}
