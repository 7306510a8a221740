import { compile, createCoreContext, registerMessageCompiler, registerMessageResolver, resolveValue, translate } from '@intlify/core-base'
import { en } from './en'
import { nl } from './nl'

/**
 * The catalogue: every string a person reads, in English and Dutch. Messages use vue-i18n's
 * syntax ({name}, plural forms split by |); the renderer shows them in the person's language,
 * main formats the English one for logs and for ApiError.message.
 */
export const LOCALES = ['en', 'nl'] as const
export type Locale = (typeof LOCALES)[number]
export const catalogues: Record<Locale, Catalogue> = { en, nl }

/** What a catalogue holds: the English one's shape, every leaf a string. */
export type Catalogue = Shape<typeof en>
type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> }

/** Every key of the catalogue, dotted ("errors.auth.failed"). */
export type MessageKey = Paths<typeof en>
type Paths<T, P extends string = ''> = { [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`> }[keyof T & string]

/** Values a message may name: a mailbox, an address, a count, a number of seconds. */
export type Params = Record<string, string | number>

/** The first of the person's languages Tandem speaks ("nl-BE" → nl), else English. */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split(/[-_]/)[0]
    const hit = LOCALES.find((l) => l === base)
    if (hit) return hit
  }
  return 'en'
}

/** The languages of an Accept-Language header, most wanted first ("nl-NL,nl;q=0.9,en;q=0.8"). */
export function acceptedLanguages(header: string | undefined): string[] {
  return (header ?? '').split(',').map((part, i) => {
    const [tag = '', ...opts] = part.trim().split(';')
    const q = Number(opts.find((o) => o.trim().startsWith('q='))?.trim().slice(2) ?? 1)
    return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, i }
  }).filter((l) => l.tag && l.tag !== '*' && l.q > 0).sort((a, b) => b.q - a.q || a.i - b.i).map((l) => l.tag)
}

/** Each leaf of a catalogue with its dotted key. */
export function flatten(tree: object, prefix = ''): Array<[string, string]> {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : flatten(v as object, `${prefix}${k}.`)))
}

const runs = new Map<Locale, (key: string, named: Params, plural?: number) => unknown>()
/** A message formatted in a language, outside the renderer (main: a page it serves, a window title). */
export function formatIn(locale: Locale, key: MessageKey, params: Params = {}): string {
  let run = runs.get(locale)
  if (!run) {
    registerMessageCompiler(compile)
    registerMessageResolver(resolveValue)
    const ctx = createCoreContext({ locale, fallbackLocale: 'en', messages: catalogues, missingWarn: false, fallbackWarn: false })
    type Ctx = Parameters<typeof translate>[0]
    run = (k, named, plural) => (plural === undefined ? translate(ctx as Ctx, k, named) : translate(ctx as Ctx, k, named, plural))
    runs.set(locale, run)
  }
  const out = run(key, localParams(params, locale), typeof params.count === 'number' ? params.count : undefined)
  return typeof out === 'string' ? out : key
}

/** A message formatted in English (main's logs and ApiError.message; the renderer translates by key). */
export const english = (key: MessageKey, params: Params = {}): string => formatIn('en', key, params)

/** Parameters as a person reads them: a timestamp (a key "at" or ending in "At", ms) as a date and time of the locale. */
export function localParams(params: Params, locale: string): Params {
  const out: Params = {}
  for (const [k, v] of Object.entries(params)) {
    out[k] = typeof v === 'number' && (k === 'at' || k.endsWith('At')) ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(v) : v
  }
  return out
}

/** What an error's details line holds: the rule it is about, the server's own words, the technical cause. */
export interface DetailParts { rule?: string; reply?: string; cause?: string }

/**
 * An error's details line in a language ("Rule R8 · The server said: “…”"), or null when it has
 * none. Errors lead with what happened and what to do; this secondary line carries what support
 * and administrators need, so the sentence never has to.
 */
export function detailsWith(format: (key: MessageKey, params: Params) => string, d: DetailParts): string | null {
  const parts = [
    d.rule ? format('errors.details.rule', { rule: d.rule }) : null,
    d.reply ? format('errors.details.reply', { reply: d.reply }) : null,
    d.cause ? format('errors.details.cause', { cause: d.cause }) : null,
  ].filter((p): p is string => !!p)
  return parts.length ? parts.join(' · ') : null
}

/** The sentence and its details in one string, as a log or a plain-text place shows it: "Sentence. (Rule R8)". */
export const joinDetails = (lead: string, details: string | null): string => (details ? `${lead} (${details})` : lead)

/** A message with its details line, formatted in a language (main: ApiError.message in English). */
export function fullText(locale: Locale, key: MessageKey, params: Params = {}, d: DetailParts = {}): string {
  return joinDetails(formatIn(locale, key, params), detailsWith((k, p) => formatIn(locale, k, p), d))
}
