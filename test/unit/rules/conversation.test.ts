import { describe, expect, it } from 'vitest'
import {
  conversationIdFromRoot, conversationIdOf, conversationRoot, firstMessageId, headerField, legacyConversationId, messageIdsIn, referencesRoot,
  replyReferences, threadIndexRoot, type ThreadHeaders,
} from '../../../shared/conversation'
import type { Address } from '../../../shared/domain'

/**
 * Threading from each message's own headers (shared/conversation.ts), on header blocks shaped as
 * the clients named write them. Every message of one story must land in one conversation, and
 * what is another conversation must not.
 */
const MAILBOX = 'support@contoso.test'

const addresses = (v: string | null): Address[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
  const m = /^(.*?)\s*<([^>]+)>$/.exec(s)
  return m ? { name: m[1]!.replace(/"/g, ''), address: m[2]!.toLowerCase() } : { name: '', address: s.toLowerCase() }
})

/** What the service keeps of a message's headers (summaries.ts does the same from the envelope and the header block). */
function headersOf(raw: string): ThreadHeaders {
  return {
    messageId: firstMessageId(headerField(raw, 'Message-ID')),
    inReplyTo: firstMessageId(headerField(raw, 'In-Reply-To')),
    referencesRoot: referencesRoot(headerField(raw, 'References')),
    threadIndex: threadIndexRoot(headerField(raw, 'Thread-Index')),
    subject: headerField(raw, 'Subject') ?? '',
    from: addresses(headerField(raw, 'From')),
    to: addresses(headerField(raw, 'To')),
    cc: addresses(headerField(raw, 'Cc')),
  }
}
const idOf = (raw: string) => conversationIdOf(headersOf(raw), MAILBOX)

// One support conversation, as the clients involved write its headers.
const customerGmail = `From: Élodie Martin <elodie.martin@gmail.com>
To: Contoso Support <support@contoso.test>
Subject: Printer on fire
Date: Mon, 30 Nov 2026 09:12:44 +0100
Message-ID: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com>
MIME-Version: 1.0`

const tandemOnBehalf = `From: Contoso Support <support@contoso.test>
Sender: Bob Baker <bob@contoso.test>
To: Élodie Martin <elodie.martin@gmail.com>
Subject: Re: Printer on fire
Message-ID: <7d1f0e52-6a4b-4c1e-9b3a-2f0c8d9e1a77@contoso.test>
In-Reply-To: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com>
References: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com>`

const customerReplyAllAddsCc = `From: Élodie Martin <elodie.martin@gmail.com>
To: Contoso Support <support@contoso.test>
Cc: Marc Dubois <marc@fabrikam.example>
Subject: Re: Printer on fire
Message-ID: <CAF8+pQ0aa9Lr@mail.gmail.com>
In-Reply-To: <7d1f0e52-6a4b-4c1e-9b3a-2f0c8d9e1a77@contoso.test>
References: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com>
 <7d1f0e52-6a4b-4c1e-9b3a-2f0c8d9e1a77@contoso.test>`

const editedSubject = `From: Marc Dubois <marc@fabrikam.example>
To: Contoso Support <support@contoso.test>
Subject: Re: Printer on fire - now the scanner too
Message-ID: <a9f3@fabrikam.example>
In-Reply-To: <CAF8+pQ0aa9Lr@mail.gmail.com>
References: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com> <7d1f0e52-6a4b-4c1e-9b3a-2f0c8d9e1a77@contoso.test> <CAF8+pQ0aa9Lr@mail.gmail.com>`

const exchangeReply = `From: Dave Dunn <dave@contoso.test>
To: Élodie Martin <elodie.martin@gmail.com>
Subject: RE: Printer on fire
Thread-Topic: Printer on fire
Thread-Index: AdnJejseTzyaHS6LTH+aCxwtPk9aawAAobLD
Message-ID: <AM0PR05MB6411B7E4@AM0PR05MB6411.eurprd05.prod.outlook.com>
References: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com>
 <CAF8+pQ0aa9Lr@mail.gmail.com>
In-Reply-To: <CAF8+pQ0aa9Lr@mail.gmail.com>
Content-Language: nl-NL`

const appleMailReply = `From: Élodie Martin <elodie@icloud.com>
Subject: Re: Printer on fire
Date: Tue, 1 Dec 2026 08:02:11 +0100
References: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com> <AM0PR05MB6411B7E4@AM0PR05MB6411.eurprd05.prod.outlook.com>
To: Contoso Support <support@contoso.test>
In-Reply-To: <AM0PR05MB6411B7E4@AM0PR05MB6411.eurprd05.prod.outlook.com>
Message-Id: <4B6E1F2A-9C3D-4E5F-8A7B-1C2D3E4F5A6B@icloud.com>
X-Mailer: Apple Mail (2.3774.300.61.1.2)`

const gmailForwardToColleague = `From: Bob Baker <bob@contoso.test>
To: Carol Chen <carol@contoso.test>
Subject: Fwd: Printer on fire
Message-ID: <CAG5fwd9x@mail.gmail.com>
In-Reply-To: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com>
References: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com>`

const brokenReferencesNoBrackets = `From: Élodie Martin <elodie.martin@gmail.com>
To: support@contoso.test
Subject: Re: Printer on fire
Message-ID: <8812@webmail.example>
References: CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com 7d1f0e52-6a4b-4c1e-9b3a-2f0c8d9e1a77@contoso.test`

const brokenReferencesGarbageFirst = `From: Élodie Martin <elodie.martin@gmail.com>
To: support@contoso.test
Subject: Re: Printer on fire
Message-ID: <8813@webmail.example>
In-Reply-To: <7d1f0e52-6a4b-4c1e-9b3a-2f0c8d9e1a77@contoso.test>
References: <> <not-an-id> <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com>`

const inReplyToOnly = `From: Élodie Martin <elodie.martin@gmail.com>
To: support@contoso.test
Subject: Re: Printer on fire
Message-ID: <mutt.20261201@home.example>
In-Reply-To: <CAF8+pQ3xk2v=Fq7mK2@mail.gmail.com> (from Contoso Support)`

// Another conversation: Outlook starts it; replies inside Exchange carry only Thread-Index.
const outlookStarter = `From: Noor Haddad <noor@fabrikam.example>
To: Contoso Support <support@contoso.test>
Subject: Invoice 2026-118
Thread-Topic: Invoice 2026-118
Thread-Index: AdnJejseTzyaHS6LTH+aCxwtPk9aaw==
Message-ID: <DB9PR01MB7777@DB9PR01MB7777.eurprd01.prod.outlook.com>`
const exchangeInternalReply1 = `From: Dave Dunn <dave@contoso.test>
To: Contoso Support <support@contoso.test>
Subject: RE: Invoice 2026-118
Thread-Topic: Invoice 2026-118
Thread-Index: AdnJejseTzyaHS6LTH+aCxwtPk9aawAAobLD
Message-ID: <AM0PR05MB0001@AM0PR05MB0001.eurprd05.prod.outlook.com>`
const exchangeInternalReply2 = `From: Carol Chen <carol@contoso.test>
To: Contoso Support <support@contoso.test>
Subject: RE: Invoice 2026-118
Thread-Index: AdnJejseTzyaHS6LTH+aCxwtPk9aawAAobLDAAHD1OU=
Message-ID: <AM0PR05MB0002@AM0PR05MB0002.eurprd05.prod.outlook.com>`

// Same customer, same subject, two separate requests.
const invoiceA = `From: Noor Haddad <noor@fabrikam.example>
To: support@contoso.test
Subject: Invoice
Message-ID: <inv-a@fabrikam.example>`
const invoiceB = `From: Noor Haddad <noor@fabrikam.example>
To: support@contoso.test
Subject: Invoice
Message-ID: <inv-b@fabrikam.example>`

// Mail with no Message-ID, In-Reply-To, References or Thread-Index at all (a device's alarm).
const noIdsA = `From: Printer 4F <printer4f@contoso.test>
To: support@contoso.test
Subject: Toner low`
const noIdsB = `From: Printer 4F <printer4f@contoso.test>
To: support@contoso.test
Subject: RE: Toner low`
const noIdsOtherPrinter = `From: Printer 2B <printer2b@contoso.test>
To: support@contoso.test
Subject: Toner low`

describe('a conversation\'s id', () => {
  it('is the same 32 hex digits it always was (team records on the server name conversations by it)', () => {
    // Pinned from the first implementation (each hash's low 32 bits by modulo and toString(16)).
    expect(conversationIdFromRoot('m:<a@b>')).toBe('87373e63d3ee44359c2d237425d77378')
    expect(conversationIdFromRoot('s:invoice question|maya@customer.example')).toBe('923b2144308d3a81f9f664e5ffc80ca2')
    const modulo = (n: number) => (n % 4294967296 >>> 0).toString(16).padStart(8, '0')
    for (let i = 0; i < 2000; i++) {
      const id = conversationIdFromRoot(`m:<${i}.${i * 7919}@example.test>`)
      expect(id).toMatch(/^[0-9a-f]{32}$/)
      // Every 8-digit group is a 32-bit value written with its leading zeros, as the modulo form wrote it.
      for (let g = 0; g < 4; g++) expect(modulo(parseInt(id.slice(8 * g, 8 * g + 8), 16))).toBe(id.slice(8 * g, 8 * g + 8))
    }
  })
})

describe('one conversation from each message\'s own headers', () => {
  const printer = idOf(customerGmail)
  it.each([
    ['the team\'s reply on behalf (Tandem)', tandemOnBehalf],
    ['the customer\'s reply-all that adds a Cc (Gmail)', customerReplyAllAddsCc],
    ['a reply with an edited subject', editedSubject],
    ['an Exchange reply (Thread-Index and References)', exchangeReply],
    ['an Apple Mail reply', appleMailReply],
    ['a forward to a colleague (Gmail keeps In-Reply-To and References)', gmailForwardToColleague],
    ['a broken References without angle brackets', brokenReferencesNoBrackets],
    ['a broken References whose first entries are not ids', brokenReferencesGarbageFirst],
    ['a client that sends In-Reply-To only, with a comment', inReplyToOnly],
  ])('%s belongs to the conversation the customer started', (_what, raw) => {
    expect(idOf(raw)).toBe(printer)
  })

  it('an Outlook conversation\'s first message is known by its Message-ID, its Thread-Index-only replies by the index\'s root', () => {
    expect(conversationRoot(headersOf(outlookStarter), MAILBOX)).toBe('m:<DB9PR01MB7777@DB9PR01MB7777.eurprd01.prod.outlook.com>')
    expect(idOf(exchangeInternalReply1)).toBe(idOf(exchangeInternalReply2))
    expect(conversationRoot(headersOf(exchangeInternalReply1), MAILBOX)).toBe(`t:${'01d9c97a3b1e4f3c9a1d2e8b4c7f9a0b1c2d3e4f5a6b'}`)
    expect(idOf(exchangeInternalReply1)).not.toBe(printer)
  })

  it('two "Invoice" mails from one customer are two conversations', () => {
    expect(idOf(invoiceA)).not.toBe(idOf(invoiceB))
  })

  it('only mail without any id groups by subject and people', () => {
    expect(idOf(noIdsA)).toBe(idOf(noIdsB))
    expect(idOf(noIdsA)).not.toBe(idOf(noIdsOtherPrinter))
    expect(conversationRoot(headersOf(noIdsA), MAILBOX)).toBe('s:toner low|printer4f@contoso.test')
  })

  it('ids are 32 hex digits, the same in every process (no platform API)', () => {
    expect(printer).toMatch(/^[0-9a-f]{32}$/)
    expect(idOf(customerGmail)).toBe(printer)
  })
})

describe('reading the headers', () => {
  it('message ids: bracketed first, bare words only where there are no brackets, bounded', () => {
    expect(messageIdsIn('<a@b> (comment) <c@d>')).toEqual(['<a@b>', '<c@d>'])
    expect(messageIdsIn('a@b, c@d')).toEqual(['<a@b>', '<c@d>'])
    expect(messageIdsIn('<no-at> <>')).toEqual([])
    expect(messageIdsIn(`<${'x'.repeat(300)}@y>`)).toEqual([])
    expect(messageIdsIn('<a@b> <c@d> <e@f>', 2)).toEqual(['<a@b>', '<c@d>'])
  })

  it('Thread-Index: a reply\'s root; none for a first message or for what is not an index', () => {
    expect(threadIndexRoot('AdnJejseTzyaHS6LTH+aCxwtPk9aaw==')).toBeNull()
    expect(threadIndexRoot('AdnJejseTzyaHS6LTH+aCxwtPk9aawAAobLD')).toBe('01d9c97a3b1e4f3c9a1d2e8b4c7f9a0b1c2d3e4f5a6b')
    expect(threadIndexRoot('not base64 at all!')).toBeNull()
    expect(threadIndexRoot('AAAA')).toBeNull()
  })

  it('folded header lines are read whole, names in any case', () => {
    expect(headerField('References: <a@b>\r\n <c@d>\r\nthread-index: xyz\r\n', 'Thread-Index')).toBe('xyz')
    expect(headerField('References: <a@b>\r\n <c@d>\r\n', 'references')).toBe('<a@b> <c@d>')
  })
})

describe('the References of a reply', () => {
  it('carry the whole chain and the parent', () => {
    expect(replyReferences(['<a@x>', '<b@x>'], '<c@x>')).toEqual(['<a@x>', '<b@x>', '<c@x>'])
  })
  it('a long chain is trimmed from the middle: the root stays first, the parent last (RFC 5322 §3.6.4)', () => {
    const chain = Array.from({ length: 80 }, (_, i) => `<m${i}@x>`)
    const refs = replyReferences(chain, '<parent@x>', 50)
    expect(refs).toHaveLength(50)
    expect(refs[0]).toBe('<m0@x>')
    expect(refs.at(-1)).toBe('<parent@x>')
    expect(refs[1]).toBe('<m32@x>')
  })
})

describe('the ids of before (carried over)', () => {
  it('are the 28-digit hash of subject and people that team records used', () => {
    const m = { subject: 'Re: Change delivery address', from: [{ name: '', address: 'Maya@n.example' }], to: [{ name: '', address: 'support@contoso.test' }], cc: [], mailboxId: 'shared:support@contoso.test' }
    // Computed by the code of before (shared/team/records.ts conversationId(threadKey(...))) for this message.
    expect(legacyConversationId(m)).toBe(LEGACY_CHANGE_DELIVERY)
    expect(legacyConversationId({ ...m, subject: 'Change delivery address' })).toBe(LEGACY_CHANGE_DELIVERY)
  })
})
const LEGACY_CHANGE_DELIVERY = '0b91ea8b7868450cde174f2845eb'
