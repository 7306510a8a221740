import { describe, expect, it } from 'vitest'
import { loadOrganisation, parseOrganisation } from '../../mailstack/organisation'
import { delegateLoginTemplate } from '../../mailstack/organisation'
import { dovecotConfig, denyFile, mastersFile, noSignInFile, oauth2DelegateConfig, passwdFile } from '../../mailstack/dovecot-config'
import { postfixMainCf, postfixMasterCf, senderLoginMap, sentCopyConfig, transportMap, virtualMailboxMap } from '../../mailstack/postfix-config'

const org = await loadOrganisation(new URL('../../fixtures/orgs/contoso.json', import.meta.url).pathname)
const paths = { root: '/tmp/x/dovecot', home: (a: string) => `/tmp/x/dovecot/home/${a}` }
const ports = { imap: 10143, lmtp: 10024, auth: 10025 }

describe('the Contoso organisation file', () => {
  it('has the users and shared mailboxes the tests rely on', () => {
    expect(org.users.map((u) => u.address)).toEqual(['alice@contoso.test', 'bob@contoso.test', 'carol@contoso.test', 'dave@contoso.test'])
    expect(org.sharedMailboxes.map((s) => [s.address, s.name])).toEqual([['support@contoso.test', 'Contoso Support'], ['reception@contoso.test', 'Reception Desk']])
  })
})

describe('generated configuration', () => {
  it('lets only Send As holders use a shared envelope sender (R2)', () => {
    const map = senderLoginMap(org)
    expect(map).toContain('support@contoso.test support@contoso.test,alice@contoso.test\n')
    expect(map).toContain('reception@contoso.test reception@contoso.test,carol@contoso.test\n')
    expect(map).toContain('bob@contoso.test bob@contoso.test\n')
    expect(map).not.toMatch(/support@contoso\.test .*bob@/)
  })

  it('never lists a shared mailbox as a master login, and denies it SMTP AUTH (R8)', () => {
    expect(mastersFile(org)).not.toContain('support@')
    expect(mastersFile(org)).toContain('alice@contoso.test:')
    expect(denyFile(org).trim().split('\n')).toEqual(['support@contoso.test:::::::', 'reception@contoso.test:::::::', 'tandem-admin@contoso.test:::::::'])
    // R8's passdb lists them in a file tandem-admin keeps (the account store), not in the configuration.
    expect(noSignInFile(org).trim().split('\n')).toEqual(['support@contoso.test:::::::', 'reception@contoso.test:::::::'])
    const conf = dovecotConfig(org, paths, ports)
    expect(conf).toContain('args = /tmp/x/dovecot/no-sign-in.passwd\n  default_fields = nopassword=y nologin=y reason=')
    expect(conf.indexOf('deny = yes')).toBeLessThan(conf.indexOf('no-sign-in.passwd'))
    expect(conf.indexOf('no-sign-in.passwd')).toBeLessThan(conf.indexOf('master = yes'))
  })

  it('gives shared mailboxes an unusable password and their own quota (R5, R8)', () => {
    const line = passwdFile(org, paths).split('\n').find((l) => l.startsWith('support@'))!
    expect(line).toMatch(/\{PLAIN\}!disabled-/)
    expect(line).toContain(`userdb_quota_rule=*:bytes=${50 * 1024 * 1024}`)
  })

  it('serves the administrator\'s API (doveadm over HTTP) on loopback only, with its key (R12)', () => {
    const conf = dovecotConfig(org, paths, { ...ports, doveadm: 10026 }, { doveadmApiKey: 'k3y' })
    expect(conf).toContain('doveadm_api_key = k3y\nservice doveadm {\n  inet_listener http {\n    address = 127.0.0.1\n    port = 10026\n')
    expect(dovecotConfig(org, paths, ports)).not.toContain('doveadm_api_key')
    // Full Access covers folders made later: a folder without its own ACL has its INBOX's.
    expect(conf).toContain('acl_defaults_from_inbox = yes')
  })

  it('listens on loopback only', () => {
    expect(dovecotConfig(org, paths, ports)).toContain('listen = 127.0.0.1')
    expect(postfixMasterCf('/tmp/x/postfix', { smtp: 1, submission: 2, lmtp: 3, auth: 4 })).toMatch(/^127\.0\.0\.1:2 inet/m)
    expect(virtualMailboxMap(org).trim().split('\n')).toHaveLength(6)
  })

  it('keeps the directory in a public namespace no person owns; files detail addresses into folders only where asked', () => {
    const conf = dovecotConfig(org, paths, ports)
    expect(conf).toContain('namespace public {\n  type = public\n  separator = /\n  prefix = Public/\n')
    expect(conf).not.toContain('lmtp_save_to_detail_mailbox')
    const detail = { ...org, detailDelivery: true }
    expect(dovecotConfig(detail, paths, ports)).toContain('recipient_delimiter = +\nlmtp_save_to_detail_mailbox = yes')
    expect(postfixMainCf(detail, '/tmp/x/postfix', { smtp: 1, submission: 2, lmtp: 3, auth: 4 })).toContain('recipient_delimiter = +')
    const exchangeLike = { ...org, layout: { ...org.layout, sharedPrefix: null, publicPrefix: null } }
    expect(dovecotConfig(exchangeLike, paths, ports)).not.toContain('type = public')
    expect(postfixMasterCf('/tmp/x/postfix', { smtp: 1, submission: 2, lmtp: 3, auth: 4 }, false)).not.toContain('reject_sender_login_mismatch')
  })

  it('refuses an external member (R7) and a member who is not a user', () => {
    const base = { name: 'X', domains: ['x.test'], users: [{ address: 'a@x.test', name: 'A', password: 'p' }] }
    expect(() => parseOrganisation({ ...base, sharedMailboxes: [{ address: 's@x.test', name: 'S', members: [{ address: 'someone@gmail.com' }] }] })).toThrow(/R7/)
    expect(() => parseOrganisation({ ...base, sharedMailboxes: [{ address: 's@x.test', name: 'S', members: [{ address: 'ghost@x.test' }] }] })).toThrow(/not a user/)
  })
})

describe('the Exchange-shaped organisation (Northwind)', async () => {
  const northwind = await loadOrganisation(new URL('../../fixtures/orgs/northwind-exchange.json', import.meta.url).pathname)
  const conf = dovecotConfig(northwind, paths, ports, { oauth: { issuer: 'http://127.0.0.1:1' } })
  const filer = { node: '/usr/bin/node', script: '/tmp/x/postfix/sent-copy-filer.mjs', config: '/tmp/x/postfix/sent-copy.json' }

  it('advertises exactly Exchange Online\'s capabilities and serves no ACL, QUOTA, METADATA or SPECIAL-USE', () => {
    expect(conf).toContain('imap_capability = IMAP4rev1 AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\n')
    expect(conf).toContain('protocol imap {\n  mail_plugins = $mail_plugins\n  imap_metadata = no\n')
    expect(conf).not.toContain('special_use')
    expect(conf).not.toContain('namespace shared')
    // Membership is still the acl plugin's to enforce.
    expect(conf).toContain('mail_plugins = $mail_plugins acl quota')
    expect(conf).toContain('mail_max_keyword_length = 0')
    expect(conf).toContain('imap_max_line_length = 4096')
  })

  it('signs in with tokens only, a shared mailbox by its own address with a member\'s token', () => {
    expect(conf).toContain('auth_mechanisms = xoauth2\n')
    expect(conf).not.toContain('master = yes')
    expect(conf).not.toContain('users.passwd\n  mechanisms = plain')
    expect(conf).toContain('username_filter = orders@northwind.test returns@northwind.test\n  mechanisms = xoauth2\n  args = /tmp/x/dovecot/oauth2-delegate.conf.ext')
    // Checked as the member: the token's person is whom the ACLs apply to.
    expect(oauth2DelegateConfig(paths, { issuer: 'http://127.0.0.1:1' })).toContain('pass_attrs = userdb_acl_user=%{oauth2:sub}')
    expect(delegateLoginTemplate(northwind)).toBe('{shared}')
    expect(delegateLoginTemplate(org)).toBe('{shared}*{user}')
    expect(() => dovecotConfig(northwind, paths, ports)).toThrow(/tokens only/)
  })

  it('files the server\'s own Sent copies: the submitter\'s, and Orders\' (its sentCopy) but not Returns\'', () => {
    expect(postfixMainCf(northwind, '/tmp/x/postfix', { smtp: 1, submission: 2, lmtp: 3, auth: 4 })).toContain('transport_maps = texthash:/tmp/x/postfix/transport')
    expect(transportMap()).toBe('sent-copy.tandem.invalid sentcopy:\n')
    const master = postfixMasterCf('/tmp/x/postfix', { smtp: 1, submission: 2, lmtp: 3, auth: 4 }, true, filer)
    expect(master).toContain('-o smtpd_sasl_authenticated_header=yes\n  -o cleanup_service_name=sentcopy-cleanup')
    expect(master).toContain('user=nobody argv=/usr/bin/node /tmp/x/postfix/sent-copy-filer.mjs /tmp/x/postfix/sent-copy.json')
    expect(sentCopyConfig(northwind, '/tmp/x/dovecot/dovecot.conf')).toEqual({
      doveadm: '/usr/bin/doveadm', dovecotConf: '/tmp/x/dovecot/dovecot.conf', sentFolder: 'Sent Items',
      sharedCopies: { 'orders@northwind.test': ['maria@northwind.test', 'tom@northwind.test'] },
    })
    // Dovecot's shape files nothing of its own.
    expect(postfixMasterCf('/tmp/x/postfix', { smtp: 1, submission: 2, lmtp: 3, auth: 4 })).not.toContain('sentcopy')
  })

  it('refuses a delegate login by address without tokens, and a shared Sent copy without the server\'s', () => {
    const base = { name: 'X', domains: ['x.test'], users: [{ address: 'a@x.test', name: 'A', password: 'p' }] }
    expect(() => parseOrganisation({ ...base, server: { delegateLogin: 'address' } })).toThrow(/needs sign-in by token/)
    expect(() => parseOrganisation({ ...base, sharedMailboxes: [{ address: 's@x.test', name: 'S', sentCopy: true }] })).toThrow(/server\.sentCopy/)
  })
})
