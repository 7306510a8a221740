import { describe, expect, it } from 'vitest'
import { isDeliveredMail } from '../../../shared/rules/delivered'
import { hostsOutsideDomain, tokenHostsVerdict } from '../../../shared/rules/token-hosts'
import { addressInDomains, domainOf } from '../../../shared/rules/organisation'
import { authorizationParams } from '../../../shared/rules/oauth'
import { presetFor, serverChecksSenders } from '../../../shared/rules/server-presets'
import { addressOfOwner, organisationDomains, parseDirectoryMessage, type Directory } from '../../../electron/service/session/directory'

describe('delivered mail is never state (isDeliveredMail)', () => {
  it.each([
    ['Return-Path: <x@example.net>\r\nDelivered-To: support@contoso.test\r\nSubject: a\r\n\r\nbody', true],
    ['Received: from mx.example.net\r\n\tby mail.contoso.test; Mon, 1 Dec 2026\r\nSubject: a\r\n\r\n', true],
    ['subject: a\r\ndelivered-to: support+Directory@contoso.test\r\n\r\n', true],
    ['From: Mail administrator <postmaster@contoso.test>\r\nX-Tandem-Directory: 1\r\n\r\n{"received": 1}\r\nReceived: not a header here', false],
    ['Subject: folded\r\n Received: inside a folded line is no field\r\n\r\n', false],
    ['X-Tandem-Record: e30=\r\n\r\n', false],
  ])('%#: %j → %s', (headers, delivered) => {
    expect(isDeliveredMail(headers)).toBe(delivered)
  })
})

describe('a token only where its issuer vouches (token-hosts)', () => {
  const ms = { issuer: 'https://login.microsoftonline.com/common/v2.0', clientId: 'x', scopes: ['openid'] }
  const office = { imap: { host: 'outlook.office365.com', port: 993, security: 'tls' as const }, smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' as const } }
  it('a preset\'s tokens go to its exact servers only; any other issuer asks the person', () => {
    expect(tokenHostsVerdict({ ...office, oauth: ms })).toBe('preset')
    expect(tokenHostsVerdict({ ...office, smtp: { host: 'smtp.evil.test', port: 587, security: 'starttls' }, oauth: ms })).toBe('refused')
    expect(tokenHostsVerdict({ ...office, imap: { ...office.imap, port: 143, security: 'starttls' }, oauth: ms })).toBe('refused')
    expect(tokenHostsVerdict({ ...office, oauth: { ...ms, issuer: 'https://login.contoso.test' } })).toBe('confirm')
    expect(tokenHostsVerdict({ ...office, oauth: null })).toBe('preset')
  })
  it('names the servers outside the address\'s domain (subdomains are inside)', () => {
    const s = { imap: { host: 'imap.contoso.test', port: 993, security: 'tls' as const }, smtp: { host: 'smtp.evil.test', port: 587, security: 'starttls' as const } }
    expect(hostsOutsideDomain('ann@contoso.test', s)).toEqual(['smtp.evil.test'])
    expect(hostsOutsideDomain('ann@contoso.test', { ...s, smtp: { ...s.smtp, host: 'contoso.test' } })).toEqual([])
    expect(hostsOutsideDomain('ann@contoso.test', { ...s, imap: { ...s.imap, host: 'evilcontoso.test' } })).toEqual(['evilcontoso.test', 'smtp.evil.test'])
  })
  it('autoconfig answers are a provider\'s only with both of its servers; which grants its server checks', () => {
    expect(presetFor('contoso.test', office)?.id).toBe('microsoft365')
    expect(presetFor('contoso.test', { ...office, smtp: { host: 'smtp.evil.test', port: 587, security: 'starttls' } })).toBeNull()
    expect(serverChecksSenders(office)).toEqual(['sendAs', 'onBehalf'])
    expect(serverChecksSenders({ ...office, smtp: { host: 'smtp.contoso.test', port: 587, security: 'starttls' } })).toEqual([])
  })
  it('account selection is added to the prompt, never replacing consent', () => {
    expect(authorizationParams({ scopes: ['offline_access'] }, true)).toEqual({ prompt: 'consent select_account' })
    expect(authorizationParams({ scopes: ['openid'] }, true)).toEqual({ prompt: 'select_account' })
    expect(authorizationParams({ scopes: ['x'], authParams: { access_type: 'offline', prompt: 'consent' } }, true)).toEqual({ access_type: 'offline', prompt: 'consent select_account' })
  })
})

describe('the organisation\'s domains and the directory (R7, R2, R3)', () => {
  const entry = (address: string) => ({ address, name: address, sendAs: [], sendOnBehalf: [], members: [] })
  const directory: Directory = { entries: new Map([['helpdesk@contoso.test', entry('helpdesk@contoso.test')], ['desk@contoso-help.test', entry('desk@contoso-help.test')]]), domains: ['contoso.net'], folder: 'Public/Directory' }
  it('are the directory\'s own list, its entries\' domains and the person\'s own', () => {
    expect(organisationDomains(directory, 'ann@contoso.org')).toEqual(['contoso-help.test', 'contoso.net', 'contoso.org', 'contoso.test'])
    expect(addressInDomains('x@Contoso.TEST', ['contoso.test'])).toBe(true)
    expect(addressInDomains('x@bank.example', ['contoso.test'])).toBe(false)
    expect(domainOf('nobody')).toBe('')
  })
  it('a bare user name is the one entry of that name in the organisation, else the person\'s domain', () => {
    expect(addressOfOwner('helpdesk', 'ann@contoso.org', directory)).toBe('helpdesk@contoso.test')
    expect(addressOfOwner('desk', 'ann@contoso.org', directory)).toBe('desk@contoso-help.test')
    expect(addressOfOwner('finance', 'ann@contoso.org', directory)).toBe('finance@contoso.org')
    expect(addressOfOwner('Support@Contoso.test', 'ann@contoso.org', directory)).toBe('support@contoso.test')
  })
  it('an entry names one address; the domains entry lists domains; anything else is nothing', () => {
    expect(parseDirectoryMessage('{"address":"A@B.test","name":"A"}')).toEqual({ entry: { address: 'a@b.test', name: 'A', sendAs: [], sendOnBehalf: [], members: [] } })
    expect(parseDirectoryMessage('{"name":"No address"}')).toBeNull()
    expect(parseDirectoryMessage('{"domains":["contoso.test"]}')).toEqual({ domains: ['contoso.test'] })
    expect(parseDirectoryMessage('{"domains":["contoso.test"],"extra":1}')).toBeNull()
    expect(parseDirectoryMessage('not json')).toBeNull()
  })
})
