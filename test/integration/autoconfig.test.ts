import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { discoverServer } from '../../electron/service/session/autoconfig'
import { MailService } from '../../electron/service/mail-service'
import { MemorySecretStore } from '../../electron/service/storage/secret-store'
import { MemoryStateStore } from '../../electron/service/storage/state-store'
import { newService } from './helpers'

const fixture = (name: string) => readFile(new URL(`../fixtures/autoconfig/${name}`, import.meta.url), 'utf8')

let http: Server
let base = ''
const asked: string[] = []
/** A listener on this computer where a hostile answer points plain connections: what reached it. */
let trap: TcpServer
const trapped: string[] = []
/** Bytes the chunked answer got to send before the client stopped reading. */
let streamed = 0
const hostile: Record<string, string> = {
  '/evil-host': '<clientConfig><emailProvider><incomingServer type="imap"><hostname>evil host;rm -rf</hostname><port>993</port><socketType>SSL</socketType></incomingServer><outgoingServer type="smtp"><hostname>smtp.evil.test</hostname><port>587</port><socketType>STARTTLS</socketType></outgoingServer></emailProvider></clientConfig>',
  '/plain-remote': '<clientConfig><emailProvider><incomingServer type="imap"><hostname>imap.evil.test</hostname><port>143</port><socketType>plain</socketType></incomingServer><outgoingServer type="smtp"><hostname>smtp.evil.test</hostname><port>25</port><socketType>plain</socketType></outgoingServer></emailProvider></clientConfig>',
  '/laughs': '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><clientConfig><emailProvider><incomingServer type="imap"><hostname>&lol2;</hostname><port>993</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>',
  '/not-xml': '{"imap": "imap.evil.test"}',
}

beforeAll(async () => {
  trap = createTcpServer((socket) => { socket.on('data', (d) => trapped.push(String(d))); socket.write('* OK IMAP4rev1 ready\r\n220 ready\r\n') })
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()))
  const trapPort = (trap.address() as AddressInfo).port
  const northwind = await fixture('northwind.xml')
  const office = await fixture('office365.xml')
  // A remote answer that names this computer in plain text: whatever listens there would get the password.
  hostile['/plain-loopback'] = `<clientConfig><emailProvider><incomingServer type="imap"><hostname>localhost</hostname><port>${trapPort}</port><socketType>plain</socketType></incomingServer><outgoingServer type="smtp"><hostname>127.0.0.1</hostname><port>${trapPort}</port><socketType>plain</socketType></outgoingServer></emailProvider></clientConfig>`
  // Microsoft's IMAP server with the answer's own SMTP server: not Microsoft's settings, and never its sign-in.
  const mixed = office.replace('smtp.office365.com', 'smtp.evil.test')
  http = createServer((req, res) => {
    asked.push(req.url ?? '')
    const path = (req.url ?? '').split('?')[0]!
    if (path === '/northwind/mail/config-v1.1.xml') res.writeHead(200, { 'content-type': 'text/xml' }).end(northwind)
    else if (path === '/office/.well-known/autoconfig/mail/config-v1.1.xml') res.writeHead(200, { 'content-type': 'text/xml' }).end(office)
    else if (path === '/mixed') res.writeHead(200, { 'content-type': 'text/xml' }).end(mixed)
    else if (path === '/endless') {
      // A chunked answer with no length, that never ends: read as it streams, and dropped at 64 KB.
      res.writeHead(200, { 'content-type': 'text/xml' })
      const chunk = Buffer.alloc(16 * 1024, 'x')
      const pump = () => { while (!res.destroyed && streamed < 1024 ** 3) { streamed += chunk.length; if (!res.write(chunk)) { res.once('drain', pump); return } } }
      res.once('close', () => undefined)
      pump()
    }
    else if (hostile[path]) res.writeHead(200, { 'content-type': 'text/xml' }).end(hostile[path])
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
})
afterAll(async () => { http?.closeAllConnections(); http?.close(); trap?.close() })

describe('server settings found from the address', () => {
  it('reads Thunderbird\'s autoconfig file, and says which host published the servers it names', async () => {
    const urls = (_d: string, address: string) => [`${base}/northwind/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address)}`]
    const found = await discoverServer('ines@northwind.test', { urls })
    expect(found).toMatchObject({
      source: 'autoconfig', foundAt: '127.0.0.1',
      server: { imap: { host: 'imap.northwind.test', port: 993, security: 'tls' }, smtp: { host: 'mail.northwind.test', port: 587, security: 'starttls' }, oauth: null },
    })
    expect(asked.some((u) => u.includes('emailaddress=ines%40northwind.test'))).toBe(true)
    const service = new MailService({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), emit: () => undefined, host: 'web', version: 'test', autoconfig: { urls } })
    expect(await service.discoverServer('ines@northwind.test')).toEqual(found)
    await service.stop()
  })

  it('never offers a plain connection from an answer, not even to this computer: nothing reaches what listens there', async () => {
    const found = await discoverServer('ines@northwind.test', { urls: () => [`${base}/plain-loopback`] })
    expect(found).toMatchObject({ server: null, note: { key: 'notes.autoconfigIgnored' } })
    expect(trapped).toEqual([])
  })

  it('an answer naming Microsoft\'s IMAP server and another SMTP server gets neither Microsoft\'s sign-in nor its preset; a token is never asked for those servers', async () => {
    const clients = { microsoft365: { clientId: 'tandem-test-client' } }
    const found = await discoverServer('ann@contoso-online.test', { urls: () => [`${base}/mixed`], clients })
    expect(found).toMatchObject({ source: 'autoconfig', provider: null, server: { smtp: { host: 'smtp.evil.test' }, oauth: null, delegateLogin: null } })
    // A window that sends those servers with Microsoft's sign-in anyway is refused before any sign-in starts.
    const t = await newService()
    const microsoft = { imap: found.server!.imap, smtp: found.server!.smtp, oauth: { issuer: 'https://login.microsoftonline.com/common/v2.0', clientId: 'tandem-test-client', scopes: ['openid', 'email'] } }
    await expect(t.service.oauthBegin(microsoft)).rejects.toMatchObject({ error: { code: 'security.insecure', key: 'errors.auth.presetHosts', message: expect.stringContaining('smtp.office365.com') } })
    expect(t.asked).toEqual([])
    await t.service.stop()
  })

  it('reads an endless chunked answer only up to 64 KB, then stops', async () => {
    const found = await discoverServer('ines@northwind.test', { urls: () => [`${base}/endless`] })
    expect(found).toMatchObject({ server: null })
    // What the server got to send before Tandem stopped reading: the cap plus what sockets buffer, not a gigabyte.
    await new Promise((r) => setTimeout(r, 200))
    expect(streamed).toBeLessThan(8 * 1024 * 1024)
  })

  it('tries the .well-known path next, and knows Microsoft 365 by its hosts (with its delegate login)', async () => {
    const found = await discoverServer('ann@contoso-online.test', { urls: () => [`${base}/missing/config-v1.1.xml`, `${base}/office/.well-known/autoconfig/mail/config-v1.1.xml`] })
    expect(found).toEqual({
      source: 'autoconfig', provider: 'Microsoft 365', note: null, foundAt: '127.0.0.1',
      server: { imap: { host: 'outlook.office365.com', port: 993, security: 'tls' }, smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' }, delegateLogin: '{user}\\{shared}', oauth: null },
    })
    // Once Tandem has a client ID for Microsoft, the same answer signs in with Entra ID, and
    // shared mailboxes open by their own address with the member's token.
    const withClient = await discoverServer('ann@contoso-online.test', {
      urls: () => [`${base}/office/.well-known/autoconfig/mail/config-v1.1.xml`], clients: { microsoft365: { clientId: 'tandem-test-client' } },
    })
    expect(withClient.server).toMatchObject({ delegateLogin: '{shared}', oauth: { issuer: 'https://login.microsoftonline.com/common/v2.0', clientId: 'tandem-test-client' } })
  })

  it('ships presets for Microsoft and Google consumer domains without asking anyone', async () => {
    const before = asked.length
    expect(await discoverServer('someone@gmail.com', { urls: () => [`${base}/never`] })).toMatchObject({ source: 'preset', provider: 'Google', server: { imap: { host: 'imap.gmail.com', port: 993, security: 'tls' } } })
    expect(await discoverServer('someone@outlook.com', { urls: () => [`${base}/never`] })).toMatchObject({ source: 'preset', provider: 'Microsoft 365' })
    expect(asked.length).toBe(before)
  })

  it.each(Object.keys(hostile))('ignores a hostile or broken answer (%s), with a note', async (path) => {
    const found = await discoverServer('ines@northwind.test', { urls: () => [`${base}${path}`] })
    expect(found).toMatchObject({ server: null, note: { key: 'notes.autoconfigIgnored', message: expect.stringContaining('ignored') } })
  })

  it('fetches only https, plain http only from this computer', async () => {
    let fetched = 0
    const fetcher = (async () => { fetched++; return new Response('') }) as unknown as typeof fetch
    expect(await discoverServer('ines@northwind.test', { urls: () => ['http://autoconfig.northwind.test/mail/config-v1.1.xml', 'ftp://northwind.test/x', 'file:///etc/passwd'], fetcher })).toMatchObject({ server: null })
    expect(fetched).toBe(0)
  })
})
