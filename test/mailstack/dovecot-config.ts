import { publicPrefixOf, type Organisation } from './organisation'

/** Where every Dovecot file of one stack lives; all under the stack's temporary directory. */
export interface DovecotPaths {
  root: string
  home: (address: string) => string
}

/** The public namespace's mail (no person owns it), under the stack's Dovecot directory. */
export const PUBLIC_DIR = 'public'

export interface DovecotPorts {
  imap: number
  lmtp: number
  /** Dovecot's auth listener, used by Postfix for SASL. */
  auth: number
  /** doveadm's HTTP API (the administrator's: tandem-admin), on loopback; absent: none. */
  doveadm?: number
}

export interface DovecotOptions {
  /** Dovecot's per-user+IP connection limit (R9 tests set it low). */
  maxUserIpConnections?: number
  /** Accept XOAUTH2 / OAUTHBEARER with the organisation's OpenID provider's JWT access tokens. */
  oauth?: { issuer: string }
  /** doveadm's HTTP API key (`Authorization: X-Dovecot-API <base64 key>`), with `ports.doveadm`. */
  doveadmApiKey?: string
}

/** Where Dovecot finds the provider's signing keys: `<dir>/<azp or default>/<alg>/<kid>` (PEM). */
export const OAUTH_KEYS_DIR = 'oauth-keys'

/**
 * Dovecot's oauth2 passdb settings: tokens are validated locally (signature with the provider's
 * key, issuer, expiry), and the person is the token's subject, which must be the login.
 */
export function oauth2Config(paths: DovecotPaths, oauth: { issuer: string }): string {
  return [
    'introspection_mode = local',
    `local_validation_key_dict = fs:posix:prefix=${paths.root}/${OAUTH_KEYS_DIR}/`,
    'username_attribute = sub',
    'username_format = %Lu',
    `issuers = ${oauth.issuer}`,
    '',
  ].join('\n')
}

/**
 * Exchange Online's delegate login: the shared mailbox's address as the login, with a member's
 * token. Dovecot 2.3 compares a token's subject with the login through `username_format`, so
 * this passdb (used only for shared addresses) compares the domains alone — and then applies
 * every ACL as the token's person (`userdb_acl_user`, the acl plugin's `acl_user`), so a
 * member gets the rights the shared mailbox's ACLs give them and anyone else gets in and sees
 * nothing. Exchange refuses a non-member's login outright; here the session opens empty (the
 * same answer a master login of a non-member gets), which Tandem must read as "not a member".
 */
export function oauth2DelegateConfig(paths: DovecotPaths, oauth: { issuer: string }): string {
  return [
    'introspection_mode = local',
    `local_validation_key_dict = fs:posix:prefix=${paths.root}/${OAUTH_KEYS_DIR}/`,
    'username_attribute = sub',
    'username_format = %Ld',
    `issuers = ${oauth.issuer}`,
    'pass_attrs = userdb_acl_user=%{oauth2:sub}',
    '',
  ].join('\n')
}

/** The uid/gid Dovecot runs as and owns the mail files with (nobody/nogroup on Debian). */
export const MAIL_UID = 65534
export const MAIL_GID = 65534

/**
 * The R8 reason Dovecot gives an IMAP client that tries to sign in as a shared mailbox. It is passed
 * through the environment because passdb extra fields cannot hold spaces.
 */
export const R8_REASON_ENV = 'TANDEM_R8_REASON'
export const R8_REASON =
  'This is a shared mailbox (R8): it has no password of its own and cannot sign in. Sign in as yourself; your access to it comes with your own account.'

const MB = 1024 * 1024

/**
 * The account the administrator's tools act as in doveadm (tandem-admin): the directory and the
 * audit folders of the public namespace give it, and only it, the right to write. It is in the
 * userdb only (a home for doveadm) and every passdb refuses it: nobody signs in as it (R12).
 */
export const adminAccountOf = (org: Organisation): string => `tandem-admin@${org.domains[0]}`

/** The passwd-file of people and shared mailboxes (userdb for both; passdb for people only), and of mailboxes outside the organisation the stack keeps (the demo's outside world). */
export function passwdFile(org: Organisation, paths: DovecotPaths, others: { address: string; password: string }[] = []): string {
  const line = (address: string, password: string, quotaMB: number) =>
    `${address}:{PLAIN}${password}:${MAIL_UID}:${MAIL_GID}::${paths.home(address)}::userdb_quota_rule=*:bytes=${Math.round(quotaMB * MB)}`
  const unusable = () => `!disabled-${Math.random().toString(36).slice(2)}`
  return [
    ...org.users.map((u) => line(u.address, u.password, u.quotaMB)),
    // Shared mailboxes need a userdb entry (home, quota) but never a usable password (R8): the
    // passdbs in front of this file refuse them before it is consulted.
    ...org.sharedMailboxes.map((s) => line(s.address, unusable(), s.quotaMB)),
    line(adminAccountOf(org), unusable(), 10),
    ...others.map((o) => line(o.address, o.password, 1024)),
  ].join('\n') + '\n'
}

/** Master logins (`shared*member`): people only, or a shared mailbox could open any mailbox. */
export function mastersFile(org: Organisation): string {
  return org.users.map((u) => `${u.address}:{PLAIN}${u.password}`).join('\n') + '\n'
}

/** Shared mailbox addresses (and the administrator's account), one passwd-file line each, for the SMTP deny passdb. */
export function denyFile(org: Organisation): string {
  return [...org.sharedMailboxes.map((s) => s.address), adminAccountOf(org)].map((a) => `${a}:::::::`).join('\n') + '\n'
}

/** The IMAP deny passdb's list: nobody but the administrator's account (shared mailboxes get R8's reason instead). */
export function denyImapFile(org: Organisation): string {
  return `${adminAccountOf(org)}:::::::\n`
}

/**
 * Accounts that can never sign in, with R8's reason (shared mailboxes, converted ones: R11): the
 * passdb of this file accepts any password or token for them and refuses the login with the
 * reason. Part of the organisation's account store, which tandem-admin keeps.
 */
export function noSignInFile(org: Organisation): string {
  return org.sharedMailboxes.map((s) => `${s.address}:::::::\n`).join('')
}

export function dovecotConfig(org: Organisation, paths: DovecotPaths, ports: DovecotPorts, opts: DovecotOptions = {}): string {
  const r = paths.root
  const shared = org.sharedMailboxes.map((s) => s.address)
  const f = org.folders
  const srv = org.server
  const tokensOnly = srv.signIn === 'oauth'
  if (tokensOnly && !opts.oauth) throw new Error(`${org.name} signs in with tokens only: start its stack with its OpenID provider`)
  // Exchange Online's IMAP offers XOAUTH2 alone; Dovecot's own shape offers both token forms.
  const tokenMechanisms = tokensOnly ? 'xoauth2' : 'xoauth2 oauthbearer'
  const mechanisms = [...(tokensOnly ? [] : ['plain', 'login']), ...(opts.oauth ? [tokenMechanisms] : [])].join(' ')
  // Roles by SPECIAL-USE flags (RFC 6154), or — like Exchange Online — by name alone.
  const folder = (name: string, use: string) => `  mailbox "${name}" {\n${srv.specialUse ? `    special_use = ${use}\n` : ''}    auto = subscribe\n  }`
  // R8 for IMAP: a passdb that matches only the accounts listed in no-sign-in.passwd (shared
  // mailboxes, converted ones), accepts any password or token and refuses the login with a reason
  // the client can show. nologin alone does not stop SMTP AUTH through Postfix, so the first
  // passdb denies them outright for every other service (deny-smtp.passwd lists them;
  // deny-imap.passwd only the administrator's account; any other service finds no file and fails
  // closed). Both are files, not settings: tandem-admin changes them without touching this file
  // (passwd-file passdbs are read again when they change). With tokens only there is no password
  // to refuse: a shared address signs in to IMAP only as a delegate login, with a member's token
  // (below), which this passdb would refuse.
  const r8 = `passdb {
  driver = passwd-file
  deny = yes
  args = ${r}/deny-%{service}.passwd
}
${tokensOnly ? '' : `passdb {
  driver = passwd-file
  args = ${r}/no-sign-in.passwd
  default_fields = nopassword=y nologin=y reason=%{env:${R8_REASON_ENV}}
}
`}`
  // Other people's mailboxes, where the layout has them (an owner by address with %%u, by bare
  // user name with %%n: then Dovecot takes the domain from the person looking).
  const sharedNamespace = org.layout.sharedPrefix === null ? '' : `namespace shared {
  type = shared
  separator = ${org.layout.separator}
  prefix = ${org.layout.sharedPrefix}
  location = maildir:%%h/Maildir:INBOX=%%h/Maildir
  subscriptions = no
  list = children
}
`
  // The public namespace (NAMESPACE's third part): folders no person owns, where the
  // administrator keeps the directory. Nobody may create anything at its top (no ACL file at its
  // root: no rights), and its directory folder gives people lookup and read only.
  const publicPrefix = publicPrefixOf(org)
  const publicNamespace = publicPrefix === null ? '' : `namespace public {
  type = public
  separator = ${org.layout.separator}
  prefix = ${publicPrefix}
  location = maildir:${r}/${PUBLIC_DIR}
  subscriptions = no
  list = yes
}
`
  // Mail for local+folder@ filed into that folder, as many servers are set up to do.
  const detail = org.detailDelivery ? 'recipient_delimiter = +\nlmtp_save_to_detail_mailbox = yes\n' : ''
  const passwordMechanisms = opts.oauth ? '\n  mechanisms = plain login' : ''
  const tokenPassdb = (file: string, extra = '') => `passdb {
  driver = oauth2${extra}
  mechanisms = ${tokenMechanisms}
  args = ${r}/${file}
}
`
  // Delegate logins: Dovecot's master logins (`shared*member`, people only: a shared mailbox
  // listed there could act as a master login), or the shared address with a member's token.
  const delegates = srv.delegateLogin === 'address'
    ? (shared.length ? tokenPassdb('oauth2-delegate.conf.ext', `\n  username_filter = ${shared.join(' ')}`) : '')
    : `${tokensOnly ? '' : `passdb {
  driver = passwd-file
  master = yes
  args = ${r}/masters.passwd${passwordMechanisms}
}
`}${opts.oauth ? tokenPassdb('oauth2.conf.ext', '\n  master = yes') : ''}`
  const people = `${tokensOnly ? '' : `passdb {
  driver = passwd-file
  args = ${r}/users.passwd${passwordMechanisms}
}
`}${opts.oauth ? tokenPassdb('oauth2.conf.ext') : ''}`
  const imapPlugins = [...(srv.acl ? ['imap_acl'] : []), ...(srv.quota ? ['imap_quota'] : [])]
  return `# Generated by Tandem's test mail stack from the organisation "${org.name}". Do not edit.
base_dir = ${r}/run
state_dir = ${r}/state
instance_name = tandem-${ports.imap}
log_path = ${r}/dovecot.log
import_environment = TZ ${R8_REASON_ENV}
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = ${mechanisms}
auth_failure_delay = 0
default_login_user = nobody
default_internal_user = nobody
default_internal_group = nogroup
first_valid_uid = ${MAIL_UID}
auth_master_user_separator = ${org.layout.masterSeparator}
mail_location = maildir:~/Maildir
mail_plugins = $mail_plugins acl quota
mail_attribute_dict = file:%h/Maildir/dovecot-attributes
mail_max_userip_connections = ${opts.maxUserIpConnections ?? 50}
${srv.keywords ? '' : `# Custom keywords refused: a keyword may be at most 0 characters long. Dovecot 2.3 still offers
# \\* in PERMANENTFLAGS wherever the w right is granted (only its imapc storage can withdraw it
# alone; the acl plugin withdraws it only together with \\Flagged and \\Answered), so unlike
# Exchange Online the server says it takes keywords, then refuses each one: "Keyword length too long".
mail_max_keyword_length = 0
`}${r8}${delegates}${people}
userdb {
  driver = passwd-file
  args = ${r}/users.passwd
}
namespace inbox {
  inbox = yes
  separator = ${org.layout.separator}
${folder(f.sent, '\\Sent')}
${folder(f.drafts, '\\Drafts')}
${folder(f.trash, '\\Trash')}
${folder(f.junk, '\\Junk')}
${folder(f.archive, '\\Archive')}
}
${sharedNamespace}${publicNamespace}${detail}plugin {
  acl = vfile
  # ACLs apply to the person, also in a delegate (master) login; %{master_user} breaks the session.
  acl_user = %{auth_user}
  acl_shared_dict = file:${r}/state/shared-mailboxes.db
  # Rights changed by the administrator apply at once (default: re-read every 30 s).
  acl_cache_secs = 0
${org.aclDefaultsFromInbox ? `  # A folder with no ACL of its own has its mailbox INBOX's: a member's Full Access covers
  # folders made later at the top (a subfolder copies its parent's ACL when it is created).
  acl_defaults_from_inbox = yes
` : ''}  # ns= keeps shared folders out of the member's own quota root.
  quota = count:User quota:ns=
  quota_vsizes = yes
}
protocol imap {
  mail_plugins = $mail_plugins${imapPlugins.map((p) => ` ${p}`).join('')}
  imap_metadata = ${srv.metadata ? 'yes' : 'no'}
${srv.capabilities ? `  # Exactly this list, after login too (an explicit list is never added to by Dovecot or its
  # plugins). Before login Dovecot appends its SASL mechanisms (AUTH=XOAUTH2 a second time) and,
  # with no PLAIN mechanism, LOGINDISABLED; Exchange Online refuses LOGIN without saying so.
  # Dovecot keeps serving what it has (CONDSTORE, ESEARCH…): a client must use only what is listed.
  imap_capability = ${srv.capabilities}
` : ''}${srv.maxLineLength ? `  # Command lines longer than this are refused ("IMAP command line too large"), as Exchange
  # Online refuses long ones ("Command Argument Error"); literals of APPEND do not count.
  imap_max_line_length = ${srv.maxLineLength}
` : ''}}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${ports.imap}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${ports.lmtp}
  }
}
${ports.doveadm && opts.doveadmApiKey ? `# The administrator's API (tandem-admin): loopback only, and nothing without the key.
doveadm_api_key = ${opts.doveadmApiKey}
service doveadm {
  inet_listener http {
    address = 127.0.0.1
    port = ${ports.doveadm}
  }
}
` : ''}service auth {
  inet_listener {
    address = 127.0.0.1
    port = ${ports.auth}
  }
}
service anvil {
  chroot =
  # Every test signs in from 127.0.0.1: the per-IP auth penalty would slow each failure after
  # the first by seconds. Real servers keep it.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`
}
