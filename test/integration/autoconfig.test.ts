import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { discoverServer } from '../../electron/service/session/autoconfig'
import { MailService } from '../../electron/service/mail-service'
import { MemorySecretStore } from '../../electron/service/storage/secret-store'
import { MemoryStateStore } from '../../electron/service/storage/state-store'
import { parseOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { passwordOf } from './helpers'

const fixture = (name: string) => readFile(new URL(`../fixtures/autoconfig/${name}`, import.meta.url), 'utf8')

let stack: MailStack
let http: Server
let base = ''
const asked: string[] = []
const hostile: Record<string, string> = {
  '/evil-host': '<clientConfig><emailProvider><incomingServer type="imap"><hostname>evil host;rm -rf</hostname><port>993</port><socketType>SSL</socketType></incomingServer><outgoingServer type="smtp"><hostname>smtp.evil.test</hostname><port>587</port><socketType>STARTTLS</socketType></outgoingServer></emailProvider></clientConfig>',
  '/plain-remote': '<clientConfig><emailProvider><incomingServer type="imap"><hostname>imap.evil.test</hostname><port>143</port><socketType>plain</socketType></incomingServer><outgoingServer type="smtp"><hostname>smtp.evil.test</hostname><port>25</port><socketType>plain</socketType></outgoingServer></emailProvider></clientConfig>',
  '/laughs': '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><clientConfig><emailProvider><incomingServer type="imap"><hostname>&lol2;</hostname><port>993</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>',
  '/not-xml': '{"imap": "imap.evil.test"}',
}

beforeAll(async () => {
  stack = await startMailStack(parseOrganisation({
    name: 'Northwind', domains: ['northwind.test'],
    users: [{ address: 'ines@northwind.test', name: 'Ines Ibarra', password: 'ines-pass-1' }],
  }))
  const northwind = (await fixture('northwind.xml')).replace('IMAP_PORT', String(stack.ports.imap)).replace('SMTP_PORT', String(stack.ports.submission))
  const office = await fixture('office365.xml')
  http = createServer((req, res) => {
    asked.push(req.url ?? '')
    const path = (req.url ?? '').split('?')[0]!
    if (path === '/northwind/mail/config-v1.1.xml') res.writeHead(200, { 'content-type': 'text/xml' }).end(northwind)
    else if (path === '/office/.well-known/autoconfig/mail/config-v1.1.xml') res.writeHead(200, { 'content-type': 'text/xml' }).end(office)
    else if (hostile[path]) res.writeHead(200, { 'content-type': 'text/xml' }).end(hostile[path])
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
})
afterAll(async () => { http?.close(); await stack?.stop() })

describe('server settings found from the address', () => {
  it('reads Thunderbird\'s autoconfig file and signs in with what it says', async () => {
    const urls = (_d: string, address: string) => [`${base}/northwind/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(address)}`]
    const found = await discoverServer('ines@northwind.test', { urls })
    expect(found).toMatchObject({ source: 'autoconfig', server: { imap: { host: '127.0.0.1', port: stack.ports.imap, security: 'none' }, smtp: { host: '127.0.0.1', port: stack.ports.submission, security: 'none' } } })
    expect(asked.some((u) => u.includes('emailaddress=ines%40northwind.test'))).toBe(true)
    const service = new MailService({ secrets: new MemorySecretStore(), state: new MemoryStateStore(), emit: () => undefined, host: 'web', version: 'test', autoconfig: { urls } })
    const discovered = await service.discoverServer('ines@northwind.test')
    const session = await service.signIn({ address: 'ines@northwind.test', password: passwordOf(stack, 'ines@northwind.test'), server: discovered.server! })
    expect(session.account.address).toBe('ines@northwind.test')
    await service.stop()
  })

  it('tries the .well-known path next, and knows Microsoft 365 by its hosts (with its delegate login)', async () => {
    const found = await discoverServer('ann@contoso-online.test', { urls: () => [`${base}/missing/config-v1.1.xml`, `${base}/office/.well-known/autoconfig/mail/config-v1.1.xml`] })
    expect(found).toEqual({
      source: 'autoconfig', provider: 'Microsoft 365', note: null,
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
