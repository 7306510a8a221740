import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImapFlow } from 'imapflow'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { memberSession } from '../mailstack/sessions'
import { supportInbox } from '../mailstack/demo-mail'
import type { SeedMessage } from '../mailstack/maildir'
import { attachmentsMail, hostileMail } from '../e2e/mail-fixtures'
import { fetchSummaries } from '../../electron/service/imap/summary-fetch'
import { SUMMARY_QUERY, toWireSummary } from '../../electron/service/operations/summaries'
import type { WireSummary } from '../../shared/api/summary-wire'

/**
 * The purpose-built reader of the header sync's bulk FETCH against imapflow's own reading, message
 * by message, over Dovecot's real answers: hostile and malformed mail and a generated
 * organisation's support mail, on a server with CONDSTORE (Contoso) and the Exchange-shaped one
 * without it (Northwind). What the reader is not certain of must go imapflow's way and come out
 * the same.
 */
const crlf = (lines: string[]) => lines.join('\r\n')
const hostile = (to: string): SeedMessage[] => [
  hostileMail(), attachmentsMail(),
  crlf(['From: a@x.example', 'Subject: Broken boundary', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="zzz"', '', '--zzz', 'Content-Type: text/plain; charset=x-klingon', '', 'Qapla', '--zzz', 'Content-Type: text/html', '', '<p>half']),
  crlf(['From: b@x.example', 'Subject: No boundary at all', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed', '', 'text']),
  Buffer.from('Subject: Caf\xe9 menu \xff\xfe\r\nX-Weird: \x01\x02\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n', 'latin1'),
  crlf(['From: =?utf-8?q?Ren=C3=A9e_D=C3=BCrr?= <renee@x.example>', `To: ${to}`, 'Subject: =?utf-8?b?w4lsw6h2ZSBkZSBsYSBzZW1haW5l?=', 'Message-ID: <enc@x.example>', '', 'encoded words']),
  crlf(['From: "Smith, \\"Bob\\"" <bob@x.example>', 'To: undisclosed-recipients:;', 'Cc: Team: a@x.example, b@x.example;, c@x.example', 'Subject: "quoted" \\ subject', '', 'groups and escapes']),
  crlf(['Subject: nothing else', '', 'no From, no Date, no Message-ID']),
  crlf(['From: d@x.example', `To: ${to}`, 'Subject: huge header', `References: ${Array.from({ length: 8000 }, (_, i) => `<ref-${i}@x.example>`).join('\r\n ')}`, 'Thread-Index: AQHZabcdEFGH', '', 'huge']),
  crlf(['From: e@x.example', `To: ${Array.from({ length: 80 }, (_, i) => `Person ${i} <p${i}@x.example>`).join(', ')}`, 'Subject: many recipients', 'X-Tandem-Draft-By: "Bob Baker" <bob@x.example>', '', 'many']),
  crlf(['From: f@x.example', `To: ${to}`, 'Subject: RFC 2231 file', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'see file', '--b',
    'Content-Type: application/pdf', "Content-Disposition: attachment; filename*=utf-8''caf%C3%A9%20menu.pdf", 'Content-Transfer-Encoding: base64', '', 'AAAA', '--b--']),
  crlf(['From: g@x.example', `To: ${to}`, 'Subject: forwarded with a file inside', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="o"', '', '--o', 'Content-Type: text/plain', '', 'fwd', '--o', 'Content-Type: message/rfc822', '',
    'From: h@x.example', 'Subject: inner', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="i"', '', '--i', 'Content-Type: text/plain', '', 'inner', '--i', 'Content-Type: application/zip; name="a.zip"', 'Content-Transfer-Encoding: base64', '', 'AAAA', '--i--', '--o--']),
  crlf(['From: i@x.example', `To: ${to}`, 'Subject: inline logo', 'MIME-Version: 1.0', 'Content-Type: multipart/related; boundary="r"', '', '--r', 'Content-Type: text/html', '', '<img src="cid:logo@x">', '--r',
    'Content-Type: image/png; name="logo.png"', 'Content-ID: <logo@x>', 'Content-Disposition: inline; filename="logo.png"', 'Content-Transfer-Encoding: base64', '', 'AAAA', '--r--']),
  crlf(['From: j@x.example', 'Subject: deep', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="n0"', '', ...Array.from({ length: 30 }, (_, i) => [`--n${i}`, `Content-Type: multipart/mixed; boundary="n${i + 1}"`, '']).flat(), '--n30', 'Content-Type: application/octet-stream; name="deep.bin"', '', 'x', '--n30--']),
].map((raw) => ({ raw }))

/** Each message's wire summary by UID, and its flags as read. */
type Read = Map<number, { wire: WireSummary; flags: string[] }>

async function generic(c: ImapFlow, range: string, uid: boolean): Promise<Read> {
  const out: Read = new Map()
  for await (const m of c.fetch(range, SUMMARY_QUERY, { uid })) out.set(m.uid, { wire: toWireSummary(m), flags: [...(m.flags ?? [])] })
  return out
}

async function fast(c: ImapFlow, range: string, uid: boolean): Promise<{ read: Read; stats: { fast: number; generic: number } }> {
  const read: Read = new Map()
  const stats = await fetchSummaries(c, range, SUMMARY_QUERY, { uid }, (m) => { read.set(m.uid, { wire: toWireSummary(m), flags: [...(m.flags ?? [])] }) })
  return { read, stats }
}

describe.each([
  ['Contoso (Dovecot with CONDSTORE and QRESYNC)', 'contoso.json', 'support@contoso.test', 'bob@contoso.test'],
  ['Northwind (Exchange-shaped, no CONDSTORE)', 'northwind-exchange.json', 'orders@northwind.test', 'maria@northwind.test'],
])('the summary FETCH reader on %s', (_name, file, shared, member) => {
  let stack: MailStack
  let total = 0
  beforeAll(async () => {
    stack = await startMailStack(await loadOrganisation(new URL(`../fixtures/orgs/${file}`, import.meta.url).pathname))
    const mail = [...hostile(shared), ...await supportInbox(120, shared)]
    total = mail.length
    await stack.seed(shared, 'INBOX', mail)
  })
  afterAll(async () => { await stack?.stop() })

  it.each([['by UID', true], ['by sequence number', false]])('reads every message as imapflow does (%s), leaving what it is unsure of to imapflow', async (_how, uid) => {
    const c = await memberSession(stack, member, shared, { qresync: file === 'contoso.json' })
    try {
      await c.mailboxOpen('INBOX', { readOnly: true })
      const reference = await generic(c, '1:*', uid)
      const { read, stats } = await fast(c, '1:*', uid)
      expect(reference.size).toBe(total)
      expect(read.size).toBe(total)
      for (const [u, ref] of reference) expect(read.get(u), `UID ${u}: ${ref.wire[3]}`).toEqual(ref)
      // Both ways were taken: the plain mail by the reader, the hostile mail it is unsure of by imapflow.
      expect(stats.fast + stats.generic).toBe(total)
      expect(stats.fast).toBeGreaterThan(100)
      expect(stats.generic).toBeGreaterThan(0)
      // The session is as usable afterwards as after imapflow's own FETCH.
      await c.noop()
      expect(c.mailbox && c.mailbox.exists).toBe(total)
      expect((await generic(c, `${[...reference.keys()][0]}`, true)).size).toBe(1)
    } finally {
      await c.logout()
    }
  })
})
