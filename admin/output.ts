import { formatIn, type Locale, type MessageKey, type Params } from '../shared/i18n'
import { formatSize } from './config'
import type { AdminError } from './errors'
import type { Access, WhoHas } from './commands/reports'
import type { AuditRecord } from './public-folders'

/** Words for the administrator, in their language (LANG), from the catalogue (admin.*). */
export class Words {
  constructor(readonly locale: Locale) {}

  t(key: MessageKey, params: Params = {}): string {
    return formatIn(this.locale, key, params)
  }

  /** An error as people read it: what happened and what to do; the rule and the server's reply in a details line. */
  error(e: AdminError): { message: string; details: string | null } {
    const phrases = Object.fromEntries(Object.entries(e.extra.phrases ?? {}).map(([k, p]) => [k, this.t(p.key, p.params)]))
    const message = this.t(`admin.errors.${e.code}` as MessageKey, { ...e.params, ...phrases })
    const parts = [e.rule, e.reply].filter(Boolean)
    return { message, details: parts.length ? `${this.t('admin.details')}: ${parts.join(' · ')}` : null }
  }
}

/** The lines of a who-has report. */
export function whoHasText(w: Words, r: WhoHas): string[] {
  const lines = [r.name ? w.t('admin.report.title', { name: r.name, address: r.address }) : w.t('admin.report.noEntry', { address: r.address })]
  const size = (n: number | null) => (n === null ? w.t('admin.report.unknown') : formatSize(n))
  lines.push(w.t('admin.report.quota', {
    used: size(r.quota.used), limit: size(r.quota.limit), plan: r.licence.plan,
    archive: w.t(r.licence.archive === 'none' ? 'admin.report.noArchive' : 'admin.report.autoExpanding'),
    hold: w.t(r.licence.hold ? 'admin.report.on' : 'admin.report.off'),
  }))
  if (!r.members.length) lines.push(w.t('admin.report.noMembers'))
  else lines.push(w.t('admin.report.members'))
  for (const m of r.members) {
    const what = [w.t(m.full ? 'admin.report.fullAccess' : 'admin.report.someRights')]
    if (m.sendAs.directory && m.sendAs.postfix) what.push(w.t('admin.report.sendAs'))
    else if (m.sendAs.directory) what.push(w.t('admin.report.sendAsUnenforced'))
    if (m.sendOnBehalf) what.push(w.t('admin.report.sendOnBehalf'))
    lines.push(`  ${w.t('admin.report.member', { address: m.address, what: what.join(', ') })}`)
  }
  if (r.drift.length) {
    lines.push(w.t('admin.report.drift'))
    for (const d of r.drift) lines.push(`  ${w.t(`admin.report.${d.key}`, { address: d.address })}`)
  }
  return lines
}

/** The lines of an access report. */
export function accessText(w: Words, r: Access): string[] {
  const kind = r.kind === 'shared' ? 'admin.report.sharedAccount' : r.kind === 'admin' ? 'admin.report.adminAccount' : 'admin.report.person'
  const lines = [w.t(kind, { address: r.address })]
  if (!r.mailboxes.length) lines.push(w.t('admin.report.noAccess'))
  for (const m of r.mailboxes) {
    const what = [w.t(m.full ? 'admin.report.fullAccess' : 'admin.report.someRights')]
    if (m.sendAs) what.push(w.t('admin.report.sendAs'))
    if (m.sendOnBehalf) what.push(w.t('admin.report.sendOnBehalf'))
    lines.push(`  ${w.t('admin.report.mailbox', { name: m.name ?? m.address, address: m.address, what: what.join(', ') })}`)
  }
  return lines
}

/**
 * The lines of the audit report, in the reader's language where the record holds its changes as
 * catalogue keys this version knows (else as written: English).
 */
export function auditText(w: Words, records: AuditRecord[]): string[] {
  if (!records.length) return [w.t('admin.report.noAudit')]
  const known = (key: string): key is MessageKey => key.startsWith('admin.') && w.t(key as MessageKey) !== key
  const lines: string[] = []
  for (const r of records) {
    lines.push(w.t('admin.report.auditEntry', { at: Date.parse(r.at), by: r.by.sudoUser ? `${r.by.sudoUser} (${r.by.user})` : r.by.user, host: r.by.host, command: shownLine(r.command) }))
    r.changes.forEach((c, i) => {
      const s = r.said?.[i]
      lines.push(`  • ${s && known(s.key) ? w.t(s.key, s.params) : c}`)
    })
    const stop = r.stop
    const phrasesKnown = stop && Object.values(stop.phrases).every((p) => known(p.key))
    if (stop && known(stop.change.key) && known(`admin.errors.${stop.code}`) && phrasesKnown) {
      const phrases = Object.fromEntries(Object.entries(stop.phrases).map(([k, p]) => [k, w.t(p.key as MessageKey, p.params)]))
      const error = `${w.t(stop.change.key, stop.change.params)}: ${w.t(`admin.errors.${stop.code}` as MessageKey, { ...stop.params, ...phrases })}${stop.reply ? ` (${stop.reply})` : ''}`
      lines.push(`  ${w.t('admin.report.auditStopped', { error })}`)
    } else if (r.error) lines.push(`  ${w.t('admin.report.auditStopped', { error: r.error })}`)
  }
  return lines
}

/** A command line for people: arguments with spaces or quotes in quotes. */
export const shownLine = (line: string[]): string => line.map((a) => (/[\s"']/.test(a) || a === '' ? JSON.stringify(a) : a)).join(' ')
