import { readFile } from 'node:fs/promises'
import { hostname, userInfo } from 'node:os'
import { parseArgs } from 'node:util'
import { english, pickLocale, type MessageKey } from '../shared/i18n'
import { AccountStore } from './account-store'
import { DEFAULT_CONFIG, loadAdminConfig } from './config'
import { Plan, type Change, type Context } from './context'
import { Doveadm, DoveadmCommandError, EXIT_CODES, NEEDED_COMMANDS } from './doveadm'
import { AdminError, usage, type Phrase } from './errors'
import { accessText, auditText, shownLine, whoHasText, Words } from './output'
import { PostfixMap } from './postfix-maps'
import { appendAudit, readDirectoryFolder, type AuditRecord } from './public-folders'
import { sharedCreate, sharedRemove } from './commands/shared'
import { memberAdd, memberRemove } from './commands/member'
import { grant, revoke } from './commands/grant'
import { convert } from './commands/convert'
import { licence, PLANS } from './commands/licence'
import { access, audit, whoHas } from './commands/reports'

/** Where a run's words go, and what it may read of its environment (tests give their own). */
export interface AdminIo {
  env: Record<string, string | undefined>
  out: (line: string) => void
  err: (line: string) => void
}

type Values = Record<string, string | boolean | undefined>
type Reported = { lines: (w: Words) => string[]; json: unknown }

/**
 * The commands: their words on the command line, their arguments (every one needed), their own
 * options (those in `needs` must be given), what they do.
 */
interface Command {
  words: string[]
  args: string[]
  options: { name: keyof typeof OPTIONS; value?: string; needed?: boolean }[]
  help: MessageKey
  run: (ctx: Context, pos: string[], v: Values) => Promise<void | Reported>
}

const COMMANDS: Command[] = [
  { words: ['shared', 'create'], args: ['ADDRESS'], options: [{ name: 'name', value: 'NAME', needed: true }, { name: 'quota', value: 'SIZE' }], help: 'admin.help.sharedCreate', run: (c, p, v) => sharedCreate(c, { address: p[0], name: v.name as string, quota: v.quota as string | undefined }) },
  { words: ['shared', 'remove'], args: ['ADDRESS'], options: [{ name: 'delete-mail' }], help: 'admin.help.sharedRemove', run: (c, p, v) => sharedRemove(c, { address: p[0], deleteMail: !!v['delete-mail'] }) },
  { words: ['member', 'add'], args: ['SHARED', 'PERSON'], options: [], help: 'admin.help.memberAdd', run: (c, p) => memberAdd(c, { shared: p[0], person: p[1] }) },
  { words: ['member', 'remove'], args: ['SHARED', 'PERSON'], options: [], help: 'admin.help.memberRemove', run: (c, p) => memberRemove(c, { shared: p[0], person: p[1] }) },
  { words: ['grant'], args: ['SHARED', 'PERSON', 'send-as|send-on-behalf'], options: [], help: 'admin.help.grant', run: (c, p) => grant(c, { shared: p[0], person: p[1], kind: p[2] }) },
  { words: ['revoke'], args: ['SHARED', 'PERSON', 'send-as|send-on-behalf'], options: [], help: 'admin.help.revoke', run: (c, p) => revoke(c, { shared: p[0], person: p[1], kind: p[2] }) },
  { words: ['convert'], args: ['PERSON'], options: [{ name: 'to-shared', needed: true }, { name: 'members', value: 'A,B' }, { name: 'name', value: 'NAME' }], help: 'admin.help.convert', run: (c, p, v) => convert(c, { person: p[0], members: v.members as string | undefined, name: v.name as string | undefined }) },
  { words: ['licence'], args: ['SHARED'], options: [{ name: 'plan', value: Object.keys(PLANS).join('|'), needed: true }], help: 'admin.help.licence', run: (c, p, v) => licence(c, { shared: p[0], plan: v.plan as string }) },
  { words: ['who-has'], args: ['SHARED'], options: [], help: 'admin.help.whoHas', run: async (c, p) => { const r = await whoHas(c, { shared: p[0] }); return { json: r, lines: (w) => whoHasText(w, r) } } },
  { words: ['access'], args: ['PERSON'], options: [], help: 'admin.help.access', run: async (c, p) => { const r = await access(c, { person: p[0] }); return { json: r, lines: (w) => accessText(w, r) } } },
  { words: ['audit'], args: [], options: [{ name: 'limit', value: 'N' }], help: 'admin.help.audit', run: async (c, _p, v) => { const r = await audit(c, { limit: v.limit as string | undefined }); return { json: r, lines: (w) => auditText(w, r.records) } } },
]

/** Options every command takes: where the configuration and the key are, how to answer. */
const GLOBAL = new Set(['config', 'key-file', 'json', 'dry-run', 'help'])

const OPTIONS = {
  config: { type: 'string' }, 'key-file': { type: 'string' }, json: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  name: { type: 'string' }, quota: { type: 'string' }, members: { type: 'string' }, plan: { type: 'string' }, 'to-shared': { type: 'boolean' },
  'delete-mail': { type: 'boolean' }, limit: { type: 'string' },
} as const

/** How a command is written: `member add SHARED PERSON`, `licence SHARED --plan none|…`, optional options in brackets. */
export function synopsis(c: Command): string {
  const opts = c.options.map((o) => { const text = `--${o.name}${o.value ? ` ${o.value}` : ''}`; return o.needed ? text : `[${text}]` })
  return [...c.words, ...c.args, ...opts].join(' ')
}

/** The command line as the audit and the answers say it: the command, its arguments, its own options with their values. */
function lineOf(c: Command, args: string[], v: Values): string[] {
  const opts = c.options.flatMap((o) => (v[o.name] === undefined ? [] : typeof v[o.name] === 'boolean' ? [`--${o.name}`] : [`--${o.name}`, String(v[o.name])]))
  return [...c.words, ...args, ...opts]
}

const shown = shownLine

/** Why Node's parser refused a command line, as a phrase of the catalogue. */
function parseProblem(e: unknown): Phrase {
  const err = e as { code?: string; message?: string }
  const option = /'(-{1,2}[^'\s]+)/.exec(err.message ?? '')?.[1] ?? ''
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return { key: 'admin.usage.unknownOption', params: { option } }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return { key: /argument missing/.test(err.message ?? '') ? 'admin.usage.optionValueMissing' : 'admin.usage.optionTakesNoValue', params: { option } }
  }
  return { key: 'admin.usage.unreadable' }
}

/** Errors whose message says already that nothing was read or changed. */
const SAYS_NOTHING_CHANGED = new Set(['usage', 'usageOf', 'unknownCommand', 'keyMissing', 'keyUnreadable', 'keyRefused', 'keyInsecure', 'doveadmMissing'])

/** Runs one tandem-admin command line; its exit code (0 done, 1 refused or failed, 2 not a command line). */
export async function runAdmin(argv: string[], io: AdminIo): Promise<number> {
  const words = new Words(pickLocale([io.env.LC_ALL, io.env.LC_MESSAGES, io.env.LANG].filter((x): x is string => !!x && x !== 'C' && x !== 'POSIX')))
  let json = argv.includes('--json')
  /** Says why it stopped; before the first change, also that nothing was changed. */
  const fail = (e: AdminError, extra: { command?: string[]; changes?: string[]; audit?: unknown } = {}) => {
    const { message: said_, details } = words.error(e)
    const untouched = !extra.changes?.length && !extra.audit
    const message = untouched && !SAYS_NOTHING_CHANGED.has(e.code) ? `${said_} ${words.t('admin.nothingChanged')}` : said_
    if (json) io.out(JSON.stringify({ ok: false, error: { code: e.code, rule: e.rule ?? null, message, reply: e.reply ?? null }, changes: [], ...extra }, null, 2))
    else {
      io.err(`tandem-admin: ${message}`)
      if (details) io.err(details)
    }
    return e.code === 'usage' || e.code === 'usageOf' || e.code === 'unknownCommand' ? 2 : 1
  }
  let v: Values
  let pos: string[]
  try {
    const parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
    v = parsed.values as Values
    pos = parsed.positionals
  } catch (e) {
    return fail(usage(parseProblem(e)))
  }
  json = !!v.json
  if (v.help || pos.length === 0) {
    const lines = [words.t('admin.help.intro'), '']
    for (const c of COMMANDS) lines.push(`  tandem-admin ${synopsis(c)}`, `      ${words.t(c.help)}`)
    lines.push('', words.t('admin.help.options'))
    for (const l of lines) io.out(l)
    return v.help ? 0 : 2
  }
  const command = COMMANDS.find((c) => c.words.every((w, i) => pos[i] === w))
  if (!command) return fail(new AdminError('unknownCommand', { command: pos.slice(0, 2).join(' ') }))
  const args = pos.slice(command.words.length)
  // The whole command line is checked before the key is even looked at: a mistyped line changes nothing.
  const line = `tandem-admin ${synopsis(command)}`
  if (args.length < command.args.length) return fail(usage({ key: 'admin.usage.missing', params: { missing: command.args.slice(args.length).join(' ') } }, line))
  if (args.length > command.args.length) return fail(usage({ key: 'admin.usage.extra', params: { extra: shown(args.slice(command.args.length)) } }, line))
  for (const name of Object.keys(v)) {
    if (!GLOBAL.has(name) && !command.options.some((o) => o.name === name)) return fail(usage({ key: 'admin.usage.optionNotHere', params: { option: `--${name}` } }, line))
  }
  const needed = command.options.find((o) => o.needed && v[o.name] === undefined)
  if (needed) return fail(usage({ key: 'admin.usage.optionNeeded', params: { option: `--${needed.name}${needed.value ? ` ${needed.value}` : ''}` } }, line))
  const commandLine = lineOf(command, args, v)

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
  const applied: Change[] = []
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
      else if (plan.changes.length === 0) io.out(words.t('admin.nothing', { command: shown(commandLine) }))
      else {
        io.out(words.t('admin.dryRun', { command: shown(commandLine), count: said.length }))
        for (const c of said) io.out(`  • ${c.text}`)
      }
      return 0
    }
    applying = true
    for (const c of plan.changes) {
      await c.apply()
      applied.push(c)
    }
    const audited = await audit_(ctx, io, commandLine, applied, null)
    if (json) io.out(JSON.stringify({ ok: true, command: commandLine, dryRun: false, changes: said, audit: audited.audited }, null, 2))
    else {
      io.out(words.t('admin.done', { command: shown(commandLine), count: said.length }))
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
    const audited = await audit_(ctx, io, commandLine, applied, { change: failed, error: err })
    const code = fail(err, { command: commandLine, changes: applied.map((c) => english(c.key, c.params)), audit: audited.audited })
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
  if (e instanceof DoveadmCommandError) {
    const meaning = (EXIT_CODES as readonly number[]).includes(e.exitCode) ? `admin.exit.c${e.exitCode}` as MessageKey : 'admin.exit.other'
    return new AdminError('doveadmFailed', { command: e.command }, { reply: e.message, phrases: { meaning: { key: meaning } } })
  }
  // Anything else is a fault of tandem-admin itself: said as one, with what Node said.
  return new AdminError('internal', {}, { reply: (e as Error)?.message ?? String(e) })
}

/** Who ran it: the system user (and, under sudo, who called sudo) on this host. */
function runBy(io: AdminIo): AuditRecord['by'] {
  const sudo = io.env.SUDO_USER
  return { user: userInfo().username, ...(sudo ? { sudoUser: sudo } : {}), host: hostname() }
}

type Audited = { folder: string; by: AuditRecord['by']; written: boolean; error?: string }

/**
 * Appends the audit record: the changes in English (a record is read by every administrator, in
 * whatever language) and as catalogue keys (`audit` says them in the reader's), and where and
 * why a run stopped. What it said, or why it could not be written.
 */
async function audit_(ctx: Context, io: AdminIo, command: string[], changes: Change[], stop: { change: Change; error: AdminError } | null): Promise<{ audited: Audited; failure?: AdminError }> {
  const by = runBy(io)
  const record: AuditRecord = {
    at: new Date().toISOString(), by, command,
    changes: changes.map((c) => english(c.key, c.params)),
    said: changes.map((c) => ({ key: c.key, params: c.params })),
  }
  if (stop) {
    const { message } = new Words('en').error(stop.error)
    record.error = `${english(stop.change.key, stop.change.params)}: ${message}${stop.error.reply ? ` (${stop.error.reply})` : ''}`
    record.stop = { change: { key: stop.change.key, params: stop.change.params }, code: stop.error.code, params: stop.error.params, phrases: stop.error.extra.phrases ?? {}, reply: stop.error.reply ?? null }
  }
  try {
    await appendAudit(ctx.doveadm, ctx.cfg, record)
    return { audited: { folder: ctx.cfg.audit, by, written: true } }
  } catch (e) {
    // Why, said as any other error of this run (English in --json, the reader's language in words).
    const failure = asAdminError(e)
    const { message } = new Words('en').error(failure)
    return { audited: { folder: ctx.cfg.audit, by, written: false, error: failure.reply ? `${message} (${failure.reply})` : message }, failure }
  }
}

function auditLine(words: Words, ctx: Context, { audited, failure }: { audited: Audited; failure?: AdminError }): string {
  if (audited.written) return words.t('admin.audited', { folder: audited.folder, by: audited.by.sudoUser ? `${audited.by.sudoUser} (${audited.by.user})` : audited.by.user, host: audited.by.host })
  const why = failure ? words.error(failure).message + (failure.reply ? ` (${failure.reply})` : '') : ''
  return words.t('admin.auditFailed', { folder: ctx.cfg.audit, detail: why })
}
