import { describe, expect, it } from 'vitest'
import { isLocalRef, neutralizeCss, remoteImageUrl } from '../../../renderer/src/mail/remote-refs'

describe('what in a mail loads from elsewhere', () => {
  it.each([
    ['https://evil.example/a.png', false], ['//evil.example/a.png', false], ['\\\\evil/a', false], ['https:evil/a', false],
    ['HTTP://EVIL/a', false], ['  https://evil/a', false], ['relative.png', false], ['/abs/path.png', false], ['ftp://evil/a', false],
    ['data:image/svg+xml,<svg/>', false], ['data:text/html,<script>', false], ['javascript:alert(1)', false],
    ['data:image/png;base64,iVBOR', true], ['cid:part1@mail', true], ['#top', true], ['', true],
  ])('%j is local: %s', (value, local) => {
    expect(isLocalRef(value)).toBe(local)
  })

  it.each([
    ['\\\\evil/a', 'https://evil/a'], ['https:evil/a', 'https://evil/a'], ['//tracker.example/p.gif?u=bob', 'https://tracker.example/p.gif?u=bob'],
    ['http://cdn.example/x.png', 'http://cdn.example/x.png'], ['javascript:alert(1)', null], ['relative.png', null],
  ])('"Show images" fetches %j as %j', (value, url) => {
    expect(remoteImageUrl(value)).toBe(url)
  })
})

describe('CSS that loads nothing remote', () => {
  it.each([
    ['body { background: url(https://evil/bg.png) }', 1],
    ["@import 'https://evil/x.css'; p { color: red }", 1],
    ['@import url(//evil/x.css);', 1],
    ['p { background: u\\rl(https://evil/a) }', 1],
    ['p { background: \\75 rl(https://evil/a) }', 1],
    ['p { background: ur/**/l(https://evil/a) }', 1], // comments go before the check: over-blocked, never under
    ['p { background-image: image-set("https://evil/a.png" 1x) }', 1],
    ['p { background-image: -webkit-image-set("https://evil/a.png" 1x) }', 1],
    ['p { background: URL( "//evil/a" ) }', 1],
    ['@font-face { font-family: x; src: url(https://evil/font.woff) }', 1],
    ['p { background: url(data:image/png;base64,iVBOR) }', 0],
    ['p { color: red }', 0],
  ])('%j: %d blocked', (css, blocked) => {
    const safe = neutralizeCss(css)
    expect(safe.blocked).toBe(blocked)
    expect(safe.css).not.toMatch(/evil/)
  })

  it('leaves harmless CSS as it was', () => {
    expect(neutralizeCss('p { color: red; margin: 0 }')).toEqual({ css: 'p { color: red; margin: 0 }', blocked: 0 })
  })
})
