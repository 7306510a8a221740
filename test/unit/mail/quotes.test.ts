import { describe, expect, it } from 'vitest'
import { foldTextQuote } from '../../../renderer/src/mail/quotes'

describe('quoted text in a conversation\'s timeline', () => {
  it('folds the trailing quote of a reply, with the line that introduces it', () => {
    const text = 'Any news on this?\n\nÉlodie\n\nOn Mon, 30 Nov 2026 at 09:12, Contoso Support <support@contoso.test> wrote:\n> We are looking into it.\n>\n> Bob\n'
    expect(foldTextQuote(text)).toEqual({ own: 'Any news on this?\n\nÉlodie', quoted: 'On Mon, 30 Nov 2026 at 09:12, Contoso Support <support@contoso.test> wrote:\n> We are looking into it.\n>\n> Bob\n' })
  })

  it('folds Outlook\'s header block and what follows (Dutch too)', () => {
    const text = 'Dank je, het werkt weer.\n\nVan: Contoso Support <support@contoso.test>\nVerzonden: maandag 30 november 2026 09:15\nAan: Noor\nOnderwerp: RE: Printer\n\nProbeer het opnieuw.'
    const { own, quoted } = foldTextQuote(text)
    expect(own).toBe('Dank je, het werkt weer.')
    expect(quoted.startsWith('Van: Contoso Support')).toBe(true)
  })

  it('leaves quotes between the writer\'s own lines, and a message that is all quote, as they are', () => {
    const inline = '> Can you refund it?\nYes, done today.\n> And the shipping?\nAlso refunded.'
    expect(foldTextQuote(inline)).toEqual({ own: inline, quoted: '' })
    const all = '> only a quote\n> nothing else'
    expect(foldTextQuote(all)).toEqual({ own: all, quoted: '' })
    expect(foldTextQuote('Plain text.')).toEqual({ own: 'Plain text.', quoted: '' })
  })
})
