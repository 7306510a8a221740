import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

/** Resolves a URL path inside root, or null when it would escape it or does not exist. */
export async function resolveStatic(root: string, urlPath: string): Promise<{ file: string; type: string } | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!)
  } catch {
    return null
  }
  const rel = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^([/\\])+/, '')
  const file = join(root, rel)
  if (file !== root && !file.startsWith(root + sep)) return null
  const info = await stat(file).catch(() => null)
  if (!info?.isFile()) return null
  return { file, type: TYPES[extname(file)] ?? 'application/octet-stream' }
}

export async function readStatic(file: string): Promise<Buffer> {
  return readFile(file)
}
