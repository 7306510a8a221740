import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchRemoteImage, isPublicAddress } from '../../../electron/service/operations/remote-content'

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
import { attachmentsOf, textPartsOf, cacheableFlags } from '../../../electron/service/operations/summaries'
import { normaliseSubject } from '../../../shared/conversation'

describe('remote images the person allowed never reach this machine or its network', () => {
  let inside: Server
  let insidePort = 0
  const seen: string[] = []
  let outside: Server
  let outsidePort = 0
  beforeAll(async () => {
    // "inside": what a mail must never reach (this machine). "outside": stands in for a public
    // server, on a loopback address of its own that only these tests allow.
    inside = createServer((req, res) => { seen.push(req.url ?? ''); res.writeHead(200, { 'content-type': 'image/png' }).end(PNG) })
    await new Promise<void>((r) => inside.listen(0, '127.0.0.1', () => r()))
    insidePort = (inside.address() as AddressInfo).port
    outside = createServer((req, res) => {
      if (req.url === '/to-inside') res.writeHead(302, { location: `http://127.0.0.1:${insidePort}/via-redirect` }).end()
      else if (req.url?.startsWith('/loop')) res.writeHead(302, { location: `/loop${Number(req.url.slice(5) || 0) + 1}` }).end()
      else if (req.url === '/huge') { res.writeHead(200, { 'content-type': 'image/png' }); const mb = Buffer.alloc(1024 * 1024); let n = 0; const more = () => { while (n++ < 200) if (!res.write(mb)) return res.once('drain', more); res.end() }; more() }
      else if (req.url === '/page') res.writeHead(200, { 'content-type': 'text/html' }).end('<p>no</p>')
      else res.writeHead(200, { 'content-type': 'image/png' }).end(PNG)
    })
    await new Promise<void>((r) => outside.listen(0, '127.0.0.2', () => r()))
    outsidePort = (outside.address() as AddressInfo).port
  })
  afterAll(() => { inside?.close(); outside?.close() })

  const names: Record<string, string> = { 'rebind.example': '127.0.0.1', 'ten.example': '10.0.0.1', 'public.example': '127.0.0.2' }
  const lookup = ((host: string, _o: unknown, cb: (e: Error | null, a: { address: string; family: number }[]) => void) => {
    const a = names[host]
    if (!a) cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }), [])
    else cb(null, [{ address: a, family: 4 }])
  }) as never
  const policy = { lookup, allowed: (a: string) => a === '127.0.0.2' || isPublicAddress(a) }

  it.each([
    ['127.0.0.1', false], ['127.1', false], ['10.1.2.3', false], ['172.20.0.1', false], ['192.168.1.1', false], ['169.254.169.254', false],
    ['100.64.0.1', false], ['0.0.0.0', false], ['255.255.255.255', false], ['224.0.0.1', false], ['::1', false], ['::', false],
    ['::ffff:127.0.0.1', false], ['::ffff:10.0.0.1', false], ['fd00::1', false], ['fe80::1', false], ['64:ff9b::a00:1', false], ['2002:7f00:1::', false],
    ['8.8.8.8', true], ['93.184.216.34', true], ['2606:4700::1111', true], ['not an address', false],
  ])('%s is public: %s', (address, ok) => {
    expect(isPublicAddress(address)).toBe(ok)
  })

  it.each([
    'http://127.0.0.1:PORT/plain', 'http://2130706433:PORT/decimal', 'http://0x7f000001:PORT/hex', 'http://0177.0.0.1:PORT/octal', 'http://127.1:PORT/short',
    'http://[::ffff:127.0.0.1]:PORT/mapped', 'http://[::]:PORT/unspecified', 'http://0.0.0.0:PORT/zero', 'http://localhost:PORT/localhost',
    'http://rebind.example:PORT/dns', 'http://ten.example:PORT/private-dns', 'http://public.example:OUT/to-inside',
  ])('%s reaches nothing', async (template) => {
    const url = template.replace('PORT', String(insidePort)).replace('OUT', String(outsidePort))
    expect(await fetchRemoteImage(url, policy)).toBeNull()
    expect(seen).toEqual([])
  })

  it('fetches a public image, and refuses other schemes, non-images, endless redirects and bodies over 5 MB', async () => {
    expect(await fetchRemoteImage(`http://public.example:${outsidePort}/logo.png`, policy)).toBe(`data:image/png;base64,${PNG.toString('base64')}`)
    expect(await fetchRemoteImage(`http://public.example:${outsidePort}/page`, policy)).toBeNull()
    expect(await fetchRemoteImage(`http://public.example:${outsidePort}/loop0`, policy)).toBeNull()
    expect(await fetchRemoteImage('file:///etc/passwd', policy)).toBeNull()
    expect(await fetchRemoteImage(`http://user:pw@public.example:${outsidePort}/logo.png`, policy)).toBeNull()
    const before = process.memoryUsage().rss
    expect(await fetchRemoteImage(`http://public.example:${outsidePort}/huge`, policy)).toBeNull()
    expect(process.memoryUsage().rss - before).toBeLessThan(60 * 1024 * 1024)
    expect(seen).toEqual([])
  })
})

describe('message summaries', () => {
  it('mail without any message id groups by the subject people keep', () => {
    expect(['Re: Order 12', 'RE: Fwd: order 12', 'AW: WG: Order 12', 'Re[2]: Order 12', 'Order 12'].map(normaliseSubject)).toEqual(Array(5).fill('order 12'))
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
