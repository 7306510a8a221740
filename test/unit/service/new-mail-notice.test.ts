import { describe, expect, it } from 'vitest'
import { NoticeLimiter, platformText } from '../../../electron/service/operations/new-mail-notice'

describe('new-mail notification text for the platform', () => {
  const sender = 'Mallory <a href="https://evil.example/">Bank</a> <img src="file:///etc/passwd"> & co\'s'
  it('escapes the body on Linux, where notification servers read it as markup; leaves it as it is elsewhere', () => {
    expect(platformText(sender, 'linux', 'body')).toBe('Mallory &lt;a href=&quot;https://evil.example/&quot;&gt;Bank&lt;/a&gt; &lt;img src=&quot;file:///etc/passwd&quot;&gt; &amp; co&#39;s')
    expect(platformText(sender, 'darwin', 'body')).toBe(sender)
    expect(platformText(sender, 'win32', 'body')).toBe(sender)
    // The title is plain text by the freedesktop spec (and holds the mailbox's name only).
    expect(platformText('Contoso Support', 'linux', 'title')).toBe('Contoso Support')
  })

  it('drops control and bidirectional-override characters, and bounds both fields', () => {
    expect(platformText('Invoice \u202egnp.exe\u202c\u0007\r\nnext', 'darwin', 'body')).toBe('Invoice gnp.exe\nnext')
    expect([...platformText('x'.repeat(10_000), 'linux', 'body')]).toHaveLength(500)
    expect([...platformText('😀'.repeat(1000), 'linux', 'title')]).toHaveLength(200)
  })
})

describe('notification rate limit', () => {
  it('one per mailbox every 3 s, ten a minute in all', () => {
    const l = new NoticeLimiter()
    const t0 = 1_000_000
    expect(l.allow('shared:a', t0)).toBe(true)
    expect(l.allow('shared:a', t0 + 1000)).toBe(false)
    expect(l.allow('shared:b', t0 + 1000)).toBe(true)
    expect(l.allow('shared:a', t0 + 3000)).toBe(true)
    let shown = 3
    for (let i = 0; i < 30; i++) if (l.allow(`m${i}`, t0 + 4000 + i)) shown++
    expect(shown).toBe(10)
    expect(l.allow('shared:z', t0 + 61_000)).toBe(true)
  })
})
