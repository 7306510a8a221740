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

/** Each leaf of a catalogue with its dotted key. */
export function flatten(tree: object, prefix = ''): Array<[string, string]> {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v] as [string, string]] : flatten(v as object, `${prefix}${k}.`)))
}

let run: ((key: string, named: Params, plural?: number) => unknown) | null = null
/** A message formatted in English (main's logs and ApiError.message; the renderer translates by key). */
export function english(key: MessageKey, params: Params = {}): string {
  if (!run) {
    registerMessageCompiler(compile)
    registerMessageResolver(resolveValue)
    const ctx = createCoreContext({ locale: 'en', messages: { en }, missingWarn: false, fallbackWarn: false })
    type Ctx = Parameters<typeof translate>[0]
    run = (k, named, plural) => (plural === undefined ? translate(ctx as Ctx, k, named) : translate(ctx as Ctx, k, named, plural))
  }
  const out = run(key, localParams(params, 'en'), typeof params.count === 'number' ? params.count : undefined)
  return typeof out === 'string' ? out : key
}

/** Parameters as a person reads them: a timestamp (a key "at" or ending in "At", ms) as a date and time of the locale. */
export function localParams(params: Params, locale: string): Params {
  const out: Params = {}
  for (const [k, v] of Object.entries(params)) {
    out[k] = typeof v === 'number' && (k === 'at' || k.endsWith('At')) ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(v) : v
  }
  return out
}
