import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The design system's promise: colours, sizes and spaces come from the tokens
 * (renderer/src/styles/tokens.css), so light, dark, density and the person's font size reach
 * every screen. Outside tokens.css no stylesheet or component names a raw colour (hex, rgb(),
 * hsl(), a colour keyword) or a pixel size.
 */
const root = join(__dirname, '..', '..', '..', 'renderer', 'src')
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? files(p) : /\.(css|vue)$/.test(n) ? [p] : []
  })
}
/** The CSS of a file: a stylesheet whole, a component's <style> blocks and style="" attributes. */
function cssOf(path: string): string {
  const text = readFileSync(path, 'utf8')
  if (path.endsWith('.css')) return text
  const blocks = [...text.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map((m) => m[1])
  const inline = [...text.matchAll(/\sstyle="([^"]*)"/g)].map((m) => m[1])
  return [...blocks, ...inline].join('\n')
}
const RAW = [
  { what: 'a hex colour', re: /#[0-9a-f]{3,8}\b/gi },
  { what: 'an rgb()/hsl() colour', re: /\b(rgba?|hsla?)\(/gi },
  { what: 'a pixel size', re: /(?<![\w-])\d*\.?\d+px\b/g },
  { what: 'a named colour', re: /:\s*(white|black|red|blue|green|grey|gray|orange|yellow)\b/gi },
]

describe('styles use tokens only', () => {
  const checked = files(root).filter((p) => !p.endsWith(join('styles', 'tokens.css')))
  it('finds the stylesheets and components', () => { expect(checked.length).toBeGreaterThan(20) })
  for (const path of checked) {
    it(`${relative(root, path)} names no raw colour or pixel size`, () => {
      const css = cssOf(path).replace(/\/\*[\s\S]*?\*\//g, '')
      const found = RAW.flatMap(({ what, re }) => [...css.matchAll(re)].map((m) => `${what}: ${m[0]}`))
      expect(found).toEqual([])
    })
  }
})
