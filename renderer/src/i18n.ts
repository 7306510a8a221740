import { createI18n } from 'vue-i18n'
import type { ApiError, Text } from '../../shared/api/errors'
import { formatBytes } from '../../shared/rules/quota'
import { catalogues, detailsWith, joinDetails, localParams, LOCALES, pickLocale, type Locale, type MessageKey, type Params } from '../../shared/i18n'
import { ruleOfKey } from '../../shared/api/error-rules'

const CHOICE = 'tandem.locale'
// The stores also run outside a window (the integration tests drive them in Node): no storage,
// no document, no navigator there, and English.
const storage = (): Storage | null => (typeof localStorage === 'undefined' ? null : localStorage)
const setLang = (l: string) => { if (typeof document !== 'undefined') document.documentElement.lang = l }

/** The person's choice, kept on this device; null follows the system. */
export function chosenLocale(): Locale | null {
  const v = storage()?.getItem(CHOICE)
  return LOCALES.find((l) => l === v) ?? null
}

/** The system's language (Electron's locale, the browser's languages), if Tandem speaks it. */
export const systemLocale = (): Locale => (typeof navigator === 'undefined' ? 'en'
  : pickLocale(navigator.languages?.length ? navigator.languages : [navigator.language]))

export const i18n = createI18n({
  legacy: false,
  locale: chosenLocale() ?? systemLocale(),
  fallbackLocale: 'en',
  messages: catalogues,
  missingWarn: false,
  fallbackWarn: false,
})
setLang(i18n.global.locale.value)

/** Switches the language now (null: follow the system again) and keeps the choice. */
export function setLocale(l: Locale | null): void {
  if (l) storage()?.setItem(CHOICE, l)
  else storage()?.removeItem(CHOICE)
  i18n.global.locale.value = l ?? systemLocale()
  setLang(i18n.global.locale.value)
}

export const locale = (): Locale => i18n.global.locale.value as Locale

/**
 * A catalogue message in the person's language. A count (params.count) chooses the plural form;
 * timestamps (at, …At) are dates of the locale.
 */
export function tr(key: MessageKey, params: Params = {}): string {
  const named = localParams(params, locale())
  return typeof params.count === 'number' ? i18n.global.t(key, named, params.count) : i18n.global.t(key, named)
}

/** What main said (an error, a warning, a note): its key and parameters, its details, and its English text. */
export type Sayable = Pick<ApiError | Text, 'message'> & { key?: string; params?: Params; rule?: string; reply?: string; cause?: string }

/**
 * What main said, in the person's language, as a lead and a details line: the lead says what
 * happened and what to do; the details name the rule (R8…), the server's own reply and the
 * technical cause, or are null. An unknown key shows main's English text as the lead.
 */
export function sayParts(e: Sayable): { lead: string; details: string | null } {
  if (!e.key || !i18n.global.te(e.key, 'en')) return { lead: e.message, details: null }
  const rule = e.rule ?? ruleOfKey(e.key)
  return { lead: tr(e.key as MessageKey, e.params ?? {}), details: detailsWith(tr, { rule, reply: e.reply, cause: e.cause }) }
}

/** {@link sayParts} in one string ("Lead. (Rule R8)"), for places with room for one line of text only. */
export function say(e: Sayable): string {
  const { lead, details } = sayParts(e)
  return joinDetails(lead, details)
}

/**
 * One formatter per locale and options: making an Intl formatter costs far more than using it,
 * and every list row formats its date (a scroll draws a dozen rows a frame).
 */
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>()
function dateFormat(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale()}\n${JSON.stringify(opts)}`
  let f = formatters.get(key) as Intl.DateTimeFormat | undefined
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat(locale(), opts)))
  return f
}
/** A number as the locale writes it (1,234 / 1.234). */
export const num = (n: number): string => {
  const key = `${locale()}\nnumber`
  let f = formatters.get(key) as Intl.NumberFormat | undefined
  if (!f) formatters.set(key, (f = new Intl.NumberFormat(locale())))
  return f.format(n)
}
/** A time that no Date can hold (a record's `at` out of range) is written as nothing, never thrown on. */
const formatted = (f: Intl.DateTimeFormat, d: Date | number): string => (Number.isFinite(+d) && Math.abs(+d) <= MAX_TIME ? f.format(d) : '')
const MAX_TIME = 8.64e15
/** A time of day as the locale writes it (14:05, 9:00 AM: no "09:00 AM"). */
export const time = (d: Date | number): string => formatted(dateFormat({ hour: 'numeric', minute: '2-digit' }), d)
/** A date (12 Mar 2026). */
export const date = (d: Date | number, opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium' }): string => formatted(dateFormat(opts), d)
/** A date and time. */
export const dateTime = (d: Date | number): string => formatted(dateFormat({ dateStyle: 'medium', timeStyle: 'short' }), d)
/** A size (1.2 MB / 1,2 MB). */
export const bytes = (n: number): string => formatBytes(n, locale())
