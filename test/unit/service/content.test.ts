import { describe, expect, it } from 'vitest'
import { fetchRemoteImage, isPrivateHost } from '../../../electron/service/remote-content'
import { attachmentsOf, normaliseSubject, textPartsOf, cacheableFlags, threadKey } from '../../../electron/service/summaries'

describe('remote images the person allowed', () => {
  it.each([['127.0.0.1', true], ['localhost', true], ['10.1.2.3', true], ['172.20.0.1', true], ['192.168.1.1', true], ['169.254.169.254', true],
    ['printer.local', true], ['fd00::1', true], ['tracker.example', false], ['8.8.8.8', false], ['172.32.0.1', false]])('%s is private: %s', (h, yes) => {
    expect(isPrivateHost(h)).toBe(yes)
  })

  it('never fetches a private address, another scheme, or something that is not an image', async () => {
    const asked: string[] = []
    const fake = (async (u: URL) => { asked.push(String(u)); return new Response('<svg/>', { headers: { 'content-type': u.pathname.endsWith('.png') ? 'image/png' : 'image/svg+xml' } }) }) as unknown as typeof fetch
    expect(await fetchRemoteImage('http://192.168.1.1/x.png', fake)).toBeNull()
    expect(await fetchRemoteImage('file:///etc/passwd', fake)).toBeNull()
    expect(await fetchRemoteImage('https://cdn.example/logo.svg', fake)).toBeNull()
    expect(await fetchRemoteImage('https://cdn.example/logo.png', fake)).toMatch(/^data:image\/png;base64,/)
    expect(asked).toEqual(['https://cdn.example/logo.svg', 'https://cdn.example/logo.png'])
  })
})

describe('message summaries', () => {
  it('groups conversations by the subject people keep', () => {
    expect(['Re: Order 12', 'RE: Fwd: order 12', 'AW: WG: Order 12', 'Re[2]: Order 12', 'Order 12'].map(normaliseSubject)).toEqual(Array(5).fill('order 12'))
  })

  it('keeps conversations with different people apart, and leaves the mailbox itself out', () => {
    const a = threadKey('Change delivery address', [{ name: '', address: 'maya@n.example' }, { name: '', address: 'support@contoso.test' }], 'shared:support@contoso.test')
    const b = threadKey('Re: Change delivery address', [{ name: '', address: 'support@contoso.test' }, { name: '', address: 'Maya@n.example' }], 'shared:support@contoso.test')
    const c = threadKey('Change delivery address', [{ name: '', address: 'noah@w.example' }, { name: '', address: 'support@contoso.test' }], 'shared:support@contoso.test')
    expect(a).toBe(b)
    expect(a).not.toBe(c)
  })

  it('keeps \\Recent out of the cache', () => {
    expect(cacheableFlags(['\\Seen', '\\Recent', '$Label1'])).toEqual(['\\Seen', '$Label1'])
  })

  it('finds the text parts and the attachments in a MIME tree', () => {
    const tree = {
      type: 'multipart/mixed', childNodes: [
        { type: 'multipart/alternative', part: '1', childNodes: [{ type: 'text/plain', part: '1.1' }, { type: 'text/html', part: '1.2' }] },
        { type: 'application/pdf', part: '2', disposition: 'attachment', dispositionParameters: { filename: 'invoice.pdf' }, size: 1234 },
        { type: 'text/plain', part: '3', disposition: 'attachment', dispositionParameters: { filename: 'log.txt' }, size: 10 },
      ],
    } as never
    expect(textPartsOf(tree)).toMatchObject({ text: { part: '1.1' }, html: { part: '1.2' } })
    expect(attachmentsOf(tree).map((a) => [a.partId, a.filename, a.contentType])).toEqual([['2', 'invoice.pdf', 'application/pdf'], ['3', 'log.txt', 'text/plain']])
  })
})
