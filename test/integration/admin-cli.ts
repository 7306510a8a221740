import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runAdmin } from '../../admin/run'
import type { AdminConfig } from '../../admin/config'
import type { MailStack } from '../mailstack/stack'

export interface AdminRun {
  code: number
  out: string
  err: string
  /** The --json answer. */
  json: <T = Record<string, unknown>>() => T
}

/**
 * Runs tandem-admin against a test stack as its administrator would (its configuration file and
 * key; `key: null` runs it without one), in this process, in English.
 */
export async function admin(stack: MailStack, args: string[], opts: { key?: string | null; config?: string } = {}): Promise<AdminRun> {
  const out: string[] = []
  const err: string[] = []
  const key = opts.key === undefined ? stack.admin.key : opts.key
  const code = await runAdmin(args, {
    env: { TANDEM_ADMIN_CONFIG: opts.config ?? stack.admin.config, LANG: 'en_GB.UTF-8', ...(key === null ? {} : { TANDEM_ADMIN_KEY: key }) },
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  })
  return { code, out: out.join('\n'), err: err.join('\n'), json: <T>() => JSON.parse(out.join('\n')) as T }
}

/**
 * What tandem-admin could change on a stack, read independently: the account store's files,
 * Postfix's maps, every ACL of every shared mailbox's INBOX, and the public folders' messages.
 * Equal snapshots before and after: nothing was changed.
 */
export async function serverSnapshot(stack: MailStack): Promise<string> {
  const dv = join(stack.dir, 'dovecot')
  const pf = join(stack.dir, 'postfix')
  const files = ['users.passwd', 'masters.passwd', 'no-sign-in.passwd', 'deny-smtp.passwd', 'deny-imap.passwd'].map((f) => join(dv, f))
    .concat(['sender_logins', 'virtual_mailboxes'].map((f) => join(pf, f)))
  const parts: string[] = []
  for (const f of files) parts.push(`${f}\n${await readFile(f, 'utf8')}`)
  const shared = (await readFile(join(dv, 'no-sign-in.passwd'), 'utf8')).split('\n').map((l) => l.split(':')[0]).filter(Boolean)
  for (const s of shared) parts.push(`acl ${s}\n${await stack.doveadm('acl', 'get', '-u', s!, 'INBOX')}`)
  if (stack.directoryPath) {
    parts.push(`directory\n${await stack.doveadm('-o', 'mail_plugins=quota', 'search', '-u', stack.admin.account, 'mailbox', stack.directoryPath, 'all')}`)
  }
  return parts.join('\n')
}

/** A copy of the stack's tandem-admin configuration with some fields changed (another organisation's choices, a broken tool). */
export async function adminConfigWith(stack: MailStack, name: string, change: (config: AdminConfig) => void): Promise<string> {
  const config = JSON.parse(await readFile(stack.admin.config, 'utf8')) as AdminConfig
  change(config)
  const path = join(stack.dir, `tandem-admin-${name}.json`)
  await writeFile(path, JSON.stringify(config), { mode: 0o600 })
  return path
}
