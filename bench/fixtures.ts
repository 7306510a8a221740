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
