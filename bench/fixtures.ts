import { prng } from '../test/mailstack/demo-mail'
import type { SeedMessage } from '../test/mailstack/maildir'

const NAMES = ['Maya Lindqvist', 'Tomás Herrera', 'Priya Raman', 'Jonas Weber', 'Aiko Tanaka', 'Liam O\'Connor', 'Fatima Zahra', 'Noah Kim']
const WORDS = 'order invoice refund delivery portal account billing shipment replacement warranty plan upgrade address password'.split(' ')

/** Many plain support messages quickly (string templates, no MIME library): for benchmarks only. */
export function benchMessages(count: number, to: string, seed = 1): SeedMessage[] {
  const rnd = prng(seed)
  const start = Date.UTC(2026, 0, 1)
  const out: SeedMessage[] = []
  for (let i = 0; i < count; i++) {
    const name = NAMES[i % NAMES.length]!
    const w = () => WORDS[Math.floor(rnd() * WORDS.length)]!
    const date = new Date(start + i * 60_000)
    const subject = `${w()} ${w()} question #${i}`
    out.push({
      raw: `From: ${name} <c${i % 5000}@customers.example>\nTo: ${to}\nSubject: ${subject}\nMessage-ID: <bench-${seed}-${i}@customers.example>\nDate: ${date.toUTCString()}\nContent-Type: text/plain; charset=utf-8\n\nHello, about my ${w()} and ${w()}: case ${i}.\n`,
      date,
      flags: rnd() < 0.5 ? ['\\Seen'] : [],
    })
  }
  return out
}

/**
 * Support mail in conversations, quickly (string templates, for benchmarks only): customers
 * write, and write again in about a third of conversations (References to the first message);
 * the team answered about a quarter of them from the shared Sent (on behalf, R3). The newest
 * conversation has `big` messages. Returns the Inbox and the Sent Items, and how many
 * conversations the Inbox holds.
 */
export function benchConversations(count: number, mailbox: string, big = 50, seed = 2): { inbox: SeedMessage[]; sent: SeedMessage[]; conversations: number } {
  const rnd = prng(seed)
  const start = Date.UTC(2026, 0, 1)
  const inbox: SeedMessage[] = []
  const sent: SeedMessage[] = []
  let conversations = 0
  let i = 0
  const mail = (from: string, to: string, subject: string, id: string, date: Date, root: string | null, extra = '') =>
    `From: ${from}\nTo: ${to}\n${extra}Subject: ${subject}\nMessage-ID: ${id}\n${root ? `In-Reply-To: ${root}\nReferences: ${root}\n` : ''}Date: ${date.toUTCString()}\nContent-Type: text/plain; charset=utf-8\n\nHello, about case ${i}: ${WORDS[i % WORDS.length]}.\n`
  while (inbox.length < count - big) {
    const name = NAMES[i % NAMES.length]!
    const customer = `${name} <c${i % 5000}@customers.example>`
    const root = `<conv-${seed}-${i}@customers.example>`
    const subject = `${WORDS[Math.floor(rnd() * WORDS.length)]} question #${i}`
    const date = new Date(start + inbox.length * 60_000)
    conversations++
    inbox.push({ raw: mail(customer, mailbox, subject, root, date, null), date, flags: rnd() < 0.5 ? ['\\Seen'] : [] })
    if (rnd() < 0.25) {
      const d = new Date(date.getTime() + 30_000)
      sent.push({ raw: mail(`Contoso Support <${mailbox}>`, customer, `Re: ${subject}`, `<team-${seed}-${i}@contoso.test>`, d, root, 'Sender: Bob Baker <bob@contoso.test>\n'), date: d, flags: ['\\Seen'] })
    }
    if (rnd() < 0.33 && inbox.length < count - big) {
      const d = new Date(date.getTime() + 45_000)
      inbox.push({ raw: mail(customer, mailbox, `Re: ${subject}`, `<again-${seed}-${i}@customers.example>`, d, root), date: d, flags: [] })
    }
    i++
  }
  // One long conversation, the newest: 50 messages back and forth.
  conversations++
  const root = `<big-${seed}@customers.example>`
  for (let k = 0; k < big; k++) {
    const date = new Date(start + (count + k) * 60_000)
    inbox.push({ raw: mail('Maya Lindqvist <maya@customers.example>', mailbox, k ? 'Re: Big conversation' : 'Big conversation', k ? `<big-${seed}-${k}@customers.example>` : root, date, k ? root : null), date, flags: ['\\Seen'] })
  }
  return { inbox, sent, conversations }
}
