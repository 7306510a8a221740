#!/usr/bin/env node
// The `tandem-admin` command of an install: the bundle `npm run build:admin` makes, or, in a
// checkout with its dev dependencies, the TypeScript source through tsx.
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bundle = join(root, 'out', 'admin', 'tandem-admin.mjs')
if (existsSync(bundle)) {
  await import(pathToFileURL(bundle).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(join(root, 'admin', 'cli.ts')).href)
}
