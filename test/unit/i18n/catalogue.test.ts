import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { compile } from '@intlify/core-base'
import { describe, expect, it } from 'vitest'
import { acceptedLanguages, catalogues, english, flatten, formatIn, fullText, localParams, pickLocale, type MessageKey } from '../../../shared/i18n'
import { apiError, text } from '../../../shared/api/errors'
import { RULE_OF_KEY } from '../../../shared/api/error-rules'

const root = join(__dirname, '..', '..', '..')
const en = new Map(flatten(catalogues.en))
const nl = new Map(flatten(catalogues.nl))

/** The parameters a message names ({mailbox}), not its literals ({'@'}). */
const params = (m: string) => [...m.matchAll(/\{\s*([A-Za-z_]\w*)\s*\}/g)].map((x) => x[1]).sort()
const forms = (m: string) => m.split(/(?<!\{'\|'\})\|/).length
const rules = (m: string) => [...m.matchAll(/\bR\d{1,2}\b/g)].map((x) => x[0]).sort()

/** Keys whose Dutch is rightly the same as the English: names, codes, pure placeholders. */
const SAME_IN_BOTH = new Set([
  'app.languages.en', 'app.languages.nl', 'server.provider', 'server.host',
  'sidebar.offline', 'sidebar.offlineState', 'shell.bannerOffline', 'notify.one', 'notify.oneBody', 'notify.manyBody', 'notify.titleBadge',
  'team.status.open', 'team.panel', 'team.statusLabel', 'list.inMailbox', 'reader.inFolder',
  'admin.details', 'admin.report.title', 'admin.report.member', 'admin.report.mailbox',
  'responseTimes.duration.minutes', 'report.none',
])

describe('the catalogue: English and Dutch complete', () => {
  it('has the same keys in both languages', () => {
    expect([...nl.keys()].filter((k) => !en.has(k))).toEqual([])
    expect([...en.keys()].filter((k) => !nl.has(k))).toEqual([])
  })

  it('names the same parameters, plural forms and rule numbers in both', () => {
    for (const [key, e] of en) {
      const n = nl.get(key)!
      expect.soft(params(n), key).toEqual(params(e))
      expect.soft(forms(n), key).toBe(forms(e))
      expect.soft(rules(n), key).toEqual(rules(e))
    }
  })

  it('compiles every message with vue-i18n', () => {
    for (const [locale, map] of [['en', en], ['nl', nl]] as const) {
      for (const [key, message] of map) {
        const errors: string[] = []
        compile(message, { key, locale, onError: (err) => { errors.push(err.message) } })
        expect.soft(errors, `${locale}:${key}`).toEqual([])
      }
    }
  })

  it('has Dutch for every message, except names and codes that are the same in both', () => {
    const untranslated = [...en].filter(([k, v]) => nl.get(k) === v && !SAME_IN_BOTH.has(k)).map(([k]) => k)
    expect(untranslated).toEqual([])
  })

  it('calls the folder roles what Microsoft 365 calls them in Dutch', () => {
    expect(catalogues.nl.folders).toMatchObject({
      inbox: 'Postvak IN', sent: 'Verzonden items', trash: 'Verwijderde items', drafts: 'Concepten', archive: 'Archief', junk: 'Ongewenste e-mail',
    })
    expect(catalogues.nl.sidebar.claimSendAs).toContain('Verzenden als')
    expect(catalogues.nl.sidebar.claimOnBehalf).toContain('Verzenden namens')
    expect(catalogues.nl.errors.auth.shared).toContain('gedeeld postvak')
  })

  it('holds every key the code names', () => {
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name)
        if (statSync(p).isDirectory()) { if (name !== 'i18n' || !dir.endsWith('shared')) walk(p) }
        else if (/\.(ts|vue)$/.test(name)) files.push(p)
      }
    }
    for (const d of ['renderer/src', 'electron', 'shared', 'admin']) walk(join(root, d))
    const sections = Object.keys(catalogues.en).join('|')
    // tr('…'), text('…'), english('…'), key: '…' (an ApiError), what/label: '…' (tables of keys), a ? '…' : '…'
    const literal = new RegExp(`(?:(?:tr|text|english)\\(\\s*|(?:key|what|label):\\s*|\\?\\s*|['"]\\s*:\\s*)['"]((?:${sections})\\.[A-Za-z0-9_.]+)['"]`, 'g')
    const named = new Set<string>()
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(literal)) named.add(m[1]!)
    expect(named.size).toBeGreaterThan(300)
    expect([...named].filter((k) => !en.has(k))).toEqual([])
  })
})

describe('formatting', () => {
  it('formats English in main, with plural forms chosen by count', () => {
    expect(english('errors.auth.shared', { address: 'support@contoso.test' })).toMatch(/^support@contoso\.test is a shared mailbox/)
    // main's English for logs carries the details: the rule, and the server's words.
    expect(apiError({ code: 'auth.sharedMailbox', key: 'errors.auth.shared', params: { address: 'support@contoso.test' } }).message).toMatch(/shared mailbox.*\(Rule R8\)$/)
    expect(apiError({ code: 'auth.refused', key: 'errors.auth.refused', params: { address: 'a@b.test' }, reply: 'Account locked' }).message).toMatch(/^The server refused the sign-in for a@b\.test\. .*\(The server said: “Account locked”\)$/)
    expect(english('actions.moved', { count: 1, folder: 'Archive' })).toBe('Moved 1 message to Archive.')
    expect(english('actions.moved', { count: 3, folder: 'Archive' })).toBe('Moved 3 messages to Archive.')
    expect(english('signIn.addressPlaceholder')).toBe('you@example.com')
    expect(english('server.delegateTemplate')).toBe('Login form ({shared} and {user})')
  })

  it('picks the first language Tandem speaks from the system\'s list', () => {
    expect(pickLocale(['nl-NL', 'en-US'])).toBe('nl')
    expect(pickLocale(['de-DE', 'nl-BE'])).toBe('nl')
    expect(pickLocale(['fr-FR'])).toBe('en')
    expect(pickLocale([])).toBe('en')
    expect(pickLocale(acceptedLanguages('en;q=0.5,nl-NL,de;q=0.8'))).toBe('nl')
    expect(acceptedLanguages('fr-CH, fr;q=0.9, *;q=0.5, en;q=0')).toEqual(['fr-CH', 'fr'])
    expect(acceptedLanguages(undefined)).toEqual([])
  })

  it('formats Dutch in main too, for what main shows itself', () => {
    expect(formatIn('nl', 'actions.moved', { count: 2, folder: 'Archief' })).toBe('2 berichten verplaatst naar Archief.')
    expect(formatIn('nl', 'app.attachmentExpired')).toMatch(/verlopen/)
  })

  it('writes timestamps as dates of the locale', () => {
    const at = Date.UTC(2026, 2, 12, 14, 5)
    expect(localParams({ at, seconds: 30 }, 'nl').at).toMatch(/12 mrt 2026/)
    expect(localParams({ at, seconds: 30 }, 'en').at).toMatch(/Mar 12, 2026/)
    expect(localParams({ at, seconds: 30 }, 'nl').seconds).toBe(30)
  })
})

describe('errors: what happened and what to do in the sentence; the rule and the server in the details', () => {
  const errorKeys = [...en.keys()].filter((k) => k.startsWith('errors.') && !k.startsWith('errors.details.'))

  it('names no rule and quotes no server reply in any error sentence, in either language', () => {
    for (const key of errorKeys) {
      for (const [locale, map] of [['en', en], ['nl', nl]] as const) {
        const m = map.get(key)!
        expect.soft(rules(m), `${locale}:${key}`).toEqual([])
        // The server's own words travel as ApiError.reply, never as a parameter of the sentence.
        expect.soft(params(m).filter((p) => p === 'text' || p === 'detail'), `${locale}:${key}`).toEqual([])
      }
    }
  })

  it('gives every rule-based error its rule in the details line, in both languages', () => {
    expect(Object.keys(RULE_OF_KEY).length).toBeGreaterThan(20)
    for (const [key, rule] of Object.entries(RULE_OF_KEY)) {
      expect.soft(en.has(key), key).toBe(true)
      const e = apiError({ code: 'internal', key: key as MessageKey })
      expect.soft(e.rule, key).toBe(rule)
      expect.soft(e.message, key).toContain(`(Rule ${rule})`)
      expect.soft(fullText('nl', key as MessageKey, {}, { rule }), key).toContain(`(Regel ${rule})`)
      expect.soft(text(key as MessageKey).rule, key).toBe(rule)
    }
  })

  it('agrees with every place in the code that raises an error with a rule', () => {
    const files: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name)
        if (statSync(p).isDirectory()) walk(p)
        else if (/\.(ts|vue)$/.test(name)) files.push(p)
      }
    }
    for (const d of ['electron', 'shared/rules', 'renderer/src']) walk(join(root, d))
    const raised: Array<[string, string, string]> = []
    for (const f of files) {
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        const rule = /\brule: '(R\d{1,2})'/.exec(line)?.[1]
        if (!rule) continue
        for (const k of line.matchAll(/'(errors\.[A-Za-z.]+)'/g)) raised.push([f.slice(root.length + 1), k[1]!, rule])
      }
    }
    expect(raised.length).toBeGreaterThan(10)
    for (const [file, key, rule] of raised) expect.soft(RULE_OF_KEY[key as MessageKey], `${file}: ${key}`).toBe(rule)
  })

  it('words the details line in Dutch too', () => {
    expect(fullText('nl', 'errors.auth.refused', { address: 'a@b.test' }, { reply: 'Account geblokkeerd', cause: 'ECONNRESET' }))
      .toBe('De server weigerde de aanmelding voor a@b.test. Neem contact op met je beheerder als dit blijft gebeuren. (De server zei: “Account geblokkeerd” · Oorzaak: ECONNRESET)')
  })
})
