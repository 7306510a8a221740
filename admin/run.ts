import { readFile } from 'node:fs/promises'
import { hostname, userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import { english, pickLocale, type MessageKey } from '../shared/i18n'
import { AccountStore } from './account-store'
import { DEFAULT_CONFIG, loadAdminConfig } from './config'
import { Plan, type Context } from './context'
import { Doveadm, DoveadmCommandError, NEEDED_COMMANDS } from './doveadm'
import { AdminError } from './errors'
import { accessText, auditText, whoHasText, Words } from './output'
import { PostfixMap } from './postfix-maps'
import { appendAudit, readDirectoryFolder, type AuditRecord } from './public-folders'
import { sharedCreate, sharedRemove } from './commands/shared'
import { memberAdd, memberRemove } from './commands/member'
import { grant, revoke } from './commands/grant'
import { convert } from './commands/convert'
import { licence } from './commands/licence'
import { access, audit, whoHas } from './commands/reports'

/** Where a run's words go, and what it may read of its environment (tests give their own). */
export interface AdminIo {
  env: Record<string, string | undefined>
  out: (line: string) => void
  err: (line: string) => void
}

type Values = Record<string, string | boolean | undefined>
type Reported = { lines: (w: Words) => string[]; json: unknown }

/** The commands: their words on the command line, their arguments, what they do. */
const COMMANDS: { words: string[]; args: string[]; help: MessageKey; run: (ctx: Context, pos: string[], v: Values) => Promise<void | Reported> }[] = [
  { words: ['shared', 'create'], args: ['ADDRESS', '--name NAME', '[--quota SIZE]'], help: 'admin.help.sharedCreate', run: (c, p, v) => sharedCreate(c, { address: p[0], name: v.name as string, quota: v.quota as string | undefined }) },
  { words: ['shared', 'remove'], args: ['ADDRESS', '[--delete-mail]'], help: 'admin.help.sharedRemove', run: (c, p, v) => sharedRemove(c, { address: p[0], deleteMail: !!v['delete-mail'] }) },
  { words: ['member', 'add'], args: ['SHARED', 'PERSON'], help: 'admin.help.memberAdd', run: (c, p) => memberAdd(c, { shared: p[0], person: p[1] }) },
  { words: ['member', 'remove'], args: ['SHARED', 'PERSON'], help: 'admin.help.memberRemove', run: (c, p) => memberRemove(c, { shared: p[0], person: p[1] }) },
  { words: ['grant'], args: ['SHARED', 'PERSON', 'send-as|send-on-behalf'], help: 'admin.help.grant', run: (c, p) => grant(c, { shared: p[0], person: p[1], kind: p[2] }) },
  { words: ['revoke'], args: ['SHARED', 'PERSON', 'send-as|send-on-behalf'], help: 'admin.help.revoke', run: (c, p) => revoke(c, { shared: p[0], person: p[1], kind: p[2] }) },
  { words: ['convert'], args: ['PERSON', '--to-shared', '[--members A,B]', '[--name NAME]'], help: 'admin.help.convert', run: (c, p, v) => convert(c, { person: p[0], toShared: !!v['to-shared'], members: v.members as string | undefined, name: v.name as string | undefined }) },
  { words: ['licence'], args: ['SHARED', '--plan none|plan1|plan1+archive|plan2'], help: 'admin.help.licence', run: (c, p, v) => licence(c, { shared: p[0], plan: v.plan as string | undefined }) },
  { words: ['who-has'], args: ['SHARED'], help: 'admin.help.whoHas', run: async (c, p) => { const r = await whoHas(c, { shared: p[0] }); return { json: r, lines: (w) => whoHasText(w, r) } } },
  { words: ['access'], args: ['PERSON'], help: 'admin.help.access', run: async (c, p) => { const r = await access(c, { person: p[0] }); return { json: r, lines: (w) => accessText(w, r) } } },
  { words: ['audit'], args: ['[--limit N]'], help: 'admin.help.audit', run: async (c, _p, v) => { const r = await audit(c, { limit: v.limit as string | undefined }); return { json: r, lines: (w) => auditText(w, r.records) } } },
]

const OPTIONS = {
  config: { type: 'string' }, 'key-file': { type: 'string' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  name: { type: 'string' }, quota: { type: 'string' }, members: { type: 'string' }, plan: { type: 'string' }, 'to-shared': { type: 'boolean' },
  'delete-mail': { type: 'boolean' }, limit: { type: 'string' },
} as const

/** Runs one tandem-admin command line; its exit code (0 done, 1 refused or failed, 2 not a command line). */
export async function runAdmin(argv: string[], io: AdminIo): Promise<number> {
  const words = new Words(pickLocale([io.env.LC_ALL, io.env.LC_MESSAGES, io.env.LANG].filter((x): x is string => !!x && x !== 'C' && x !== 'POSIX')))
  let json = argv.includes('--json')
  const fail = (e: AdminError, extra: Record<string, unknown> = {}) => {
    const { message, details } = words.error(e)
    if (json) io.out(JSON.stringify({ ok: false, error: { code: e.code, rule: e.rule ?? null, message, reply: e.reply ?? null }, ...extra }, null, 2))
    else {
      io.err(`tandem-admin: ${message}`)
      if (details) io.err(details)
    }
    return e.code === 'usage' || e.code === 'unknownCommand' ? 2 : 1
  }
  let v: Values
  let pos: string[]
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
    v = parsed.values as Values
    pos = parsed.positionals
  } catch (e) {
    return fail(new AdminError('usage', { detail: (e as Error).message }))
  }
  json = !!v.json
  if (v.help || pos.length === 0) {
    const lines = [words.t('admin.help.intro'), '']
    for (const c of COMMANDS) lines.push(`  tandem-admin ${[...c.words, ...c.args].join(' ')}`, `      ${words.t(c.help)}`)
    lines.push('', words.t('admin.help.options'))
    for (const l of lines) io.out(l)
    return v.help ? 0 : 2
  }
  const command = COMMANDS.find((c) => c.words.every((w, i) => pos[i] === w))
  if (!command) return fail(new AdminError('unknownCommand', { command: pos.slice(0, 2).join(' ') }))
  const args = pos.slice(command.words.length)
  const commandLine = [...command.words, ...args]

  // R12: nothing is read or changed without the administrator's key.
  let key = (io.env.TANDEM_ADMIN_KEY ?? '').trim()
  if (v['key-file']) {
    const path = v['key-file'] as string
    try { key = (await readFile(path, 'utf8')).trim() } catch (e) {
      return fail(new AdminError('keyUnreadable', { path, detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, { rule: 'R12' }))
    }
  }
  if (!key) return fail(new AdminError('keyMissing', {}, { rule: 'R12' }))

  let store: AccountStore | null = null
  const plan = new Plan()
  const applied: string[] = []
  let ctx: Context | null = null
  /** Set once the first change is being made: from then on a failure is audited, even one in the first change. */
  let applying = false
  try {
    const cfg = await loadAdminConfig((v.config as string | undefined) ?? io.env.TANDEM_ADMIN_CONFIG ?? DEFAULT_CONFIG)
    const doveadm = new Doveadm(cfg.doveadm.url, key, { ca: cfg.doveadm.ca })
    const offered = await doveadm.commands()
    const missing = NEEDED_COMMANDS.filter((c) => !offered.includes(c))
    if (missing.length) throw new AdminError('doveadmMissing', { url: cfg.doveadm.url, commands: missing.join(', ') })
    store = await AccountStore.open(cfg)
    ctx = {
      cfg, doveadm, store, plan,
      maps: { senders: await PostfixMap.read(cfg.postfix.senderLogins), mailboxes: await PostfixMap.read(cfg.postfix.virtualMailboxes) },
      directory: await readDirectoryFolder(doveadm, cfg),
    }
    const reported = await command.run(ctx, args, v)
    if (reported) {
      if (json) io.out(JSON.stringify({ ok: true, command: commandLine, report: reported.json }, null, 2))
      else for (const l of reported.lines(words)) io.out(l)
      return 0
    }
    const said = plan.changes.map((c) => ({ key: c.key, params: c.params, text: words.t(c.key, c.params) }))
    if (v['dry-run'] || plan.changes.length === 0) {
      if (json) io.out(JSON.stringify({ ok: true, command: commandLine, dryRun: !!v['dry-run'], changes: said }, null, 2))
      else if (plan.changes.length === 0) io.out(words.t('admin.nothing', { command: commandLine.join(' ') }))
      else {
        io.out(words.t('admin.dryRun', { command: commandLine.join(' '), count: said.length }))
        for (const c of said) io.out(`  • ${c.text}`)
      }
      return 0
    }
    applying = true
    for (const c of plan.changes) {
      await c.apply()
      applied.push(english(c.key, c.params))
    }
    const audited = await audit_(ctx, io, commandLine, applied, null)
    if (json) io.out(JSON.stringify({ ok: true, command: commandLine, dryRun: false, changes: said, audit: audited }, null, 2))
    else {
      io.out(words.t('admin.done', { command: commandLine.join(' '), count: said.length }))
      for (const c of said) io.out(`  • ${c.text}`)
      io.out(auditLine(words, ctx, audited))
    }
    return 0
  } catch (e) {
    const err = asAdminError(e)
    if (!ctx || !applying) return fail(err)
    // Stopped part way: what was done is said, and audited (in English, as every record), with
    // why it stopped and the change it stopped in, which may be partly made.
    const failed = plan.changes[applied.length]!
    const why = `${english(failed.key, failed.params)}: ${new Words('en').error(err).message}${err.reply ? ` (${err.reply})` : ''}`
    const audited = await audit_(ctx, io, commandLine, applied, why)
    const code = fail(err, { command: commandLine, changes: applied, audit: audited })
    if (!json) {
      if (applied.length) io.err(words.t('admin.stopped', { done: applied.length, count: plan.changes.length }))
      for (const c of plan.changes.slice(0, applied.length)) io.err(`  • ${words.t(c.key, c.params)}`)
      io.err(words.t('admin.stoppedIn', { change: words.t(failed.key, failed.params) }))
      io.err(auditLine(words, ctx, audited))
    }
    return code
  } finally {
    await store?.release()
  }
}

function asAdminError(e: unknown): AdminError {
  if (e instanceof AdminError) return e
  if (e instanceof DoveadmCommandError) return new AdminError('doveadmFailed', { command: e.command }, { reply: e.message })
  return new AdminError('doveadmFailed', { command: 'tandem-admin' }, { reply: (e as Error)?.message ?? String(e) })
}

/** Who ran it: the system user (and, under sudo, who called sudo) on this host. */
function runBy(io: AdminIo): AuditRecord['by'] {
  const sudo = io.env.SUDO_USER
  return { user: userInfo().username, ...(sudo ? { sudoUser: sudo } : {}), host: hostname() }
}

/** Appends the audit record; what it said, or why it could not be written. */
async function audit_(ctx: Context, io: AdminIo, command: string[], changes: string[], error: string | null): Promise<{ folder: string; by: AuditRecord['by']; written: boolean; error?: string }> {
  const by = runBy(io)
  const record: AuditRecord = { at: new Date().toISOString(), by, command, changes, ...(error ? { error } : {}) }
  try {
    await appendAudit(ctx.doveadm, ctx.cfg, record)
    return { folder: ctx.cfg.audit, by, written: true }
  } catch (e) {
    return { folder: ctx.cfg.audit, by, written: false, error: (e as Error).message }
  }
}

function auditLine(words: Words, ctx: Context, audited: { folder: string; by: AuditRecord['by']; written: boolean; error?: string }): string {
  return audited.written
    ? words.t('admin.audited', { folder: audited.folder, by: audited.by.sudoUser ? `${audited.by.sudoUser} (${audited.by.user})` : audited.by.user, host: audited.by.host })
    : words.t('admin.auditFailed', { folder: ctx.cfg.audit, detail: audited.error ?? '' })
}
