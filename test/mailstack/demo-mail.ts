import MailComposer from 'nodemailer/lib/mail-composer'
import type { SeedMessage } from './maildir'

/** A small deterministic PRNG, so every demo and test run seeds the same mail. */
export function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const CUSTOMERS = [
  ['Maya Lindqvist', 'maya@northwind.example'], ['Tomás Herrera', 'tomas.herrera@fabrikam.example'],
  ['Priya Raman', 'priya@adatum.example'], ['Jonas Weber', 'j.weber@litware.example'],
  ['Aiko Tanaka', 'aiko.tanaka@wingtip.example'], ['Liam O\'Connor', 'liam@proseware.example'],
  ['Fatima Zahra', 'fatima@tailspin.example'], ['Noah Kim', 'noah.kim@woodgrove.example'],
  ['Élodie Martin', 'elodie.martin@coho.example'], ['Oluwaseun Adeyemi', 'seun@lucerne.example'],
  ['Grace Hopper Jr', 'grace@margie.example'], ['Mateo Rossi', 'mateo@alpine.example'],
] as const

const TOPICS = [
  ['Order #{n} has not arrived', 'I ordered on the {d}th and tracking has not moved for a week. Can you check what happened to order #{n}?'],
  ['Refund for invoice {n}', 'We were charged twice for invoice {n}. Please refund the duplicate payment to the original card.'],
  ['Cannot sign in to the portal', 'Since this morning the portal says my password is wrong, although I reset it twice.'],
  ['Question about the Pro plan', 'Does the Pro plan include phone support, and can we switch from monthly to yearly billing?'],
  ['Broken item in delivery {n}', 'The lamp in delivery {n} arrived with a cracked shade. Photos attached. Can you send a replacement?'],
  ['Change delivery address', 'Please deliver order #{n} to our new office: 12 Harbour Street, Suite 4.'],
  ['Invoice copy needed', 'Our accounts team needs a copy of invoice {n} with our VAT number on it.'],
  ['Feedback on your service', 'Just wanted to say your team solved our issue within an hour. Thank you!'],
] as const

const fill = (t: string, n: number, d: number) => t.replaceAll('{n}', String(n)).replaceAll('{d}', String(d))

async function compose(opts: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(opts).compile().build()
}

function html(body: string, name: string): string {
  return `<div style="font-family:Arial,sans-serif;font-size:14px">
<p>Hello,</p><p>${body}</p>
<table style="border-collapse:collapse;margin:12px 0"><tr><td style="border:1px solid #ccc;padding:4px 8px"><b>Customer</b></td><td style="border:1px solid #ccc;padding:4px 8px">${name}</td></tr></table>
<p>Kind regards,<br><b>${name}</b></p>
<p style="color:#888;font-size:11px"><img src="https://tracker.example/pixel.gif?u=${encodeURIComponent(name)}" width="1" height="1" alt="">Sent from my phone</p>
</div>`
}

/** Realistic support mail: threads, HTML and plain text, attachments, many senders, mixed flags. */
export async function supportInbox(count: number, to: string, seed = 7): Promise<SeedMessage[]> {
  const rnd = prng(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
  const out: SeedMessage[] = []
  const start = Date.UTC(2026, 9, 1)
  const span = Date.UTC(2026, 10, 24) - start
  let i = 0
  while (out.length < count) {
    const [name, address] = pick(CUSTOMERS)
    const [subjectT, bodyT] = pick(TOPICS)
    const n = 10_000 + Math.floor(rnd() * 90_000)
    const subject = fill(subjectT, n, 1 + Math.floor(rnd() * 27))
    const body = fill(bodyT, n, 1 + Math.floor(rnd() * 27))
    const date = new Date(start + Math.floor(((out.length + rnd()) / count) * span))
    const id = `<${seed}.${i++}.${n}@${address.split('@')[1]}>`
    const asHtml = rnd() < 0.45
    const attach = rnd() < 0.2
    const raw = await compose({
      from: { name, address }, to, subject, date, messageId: id,
      text: `Hello,\n\n${body}\n\nKind regards,\n${name}\n`,
      ...(asHtml ? { html: html(body, name) } : {}),
      attachments: attach
        ? [rnd() < 0.5
          ? { filename: `invoice-${n}.csv`, content: `invoice,amount,currency\n${n},${(rnd() * 900 + 50).toFixed(2)},EUR\n` }
          : { filename: `photo-${n}.txt`, content: 'A photo would be here; the demo keeps attachments small.\n' }]
        : [],
    })
    const flags = [...(rnd() < 0.55 ? ['\\Seen'] : []), ...(rnd() < 0.08 ? ['\\Flagged'] : [])]
    out.push({ raw, date, flags })
    // About a third of conversations continue: the customer writes again.
    if (rnd() < 0.35 && out.length < count) {
      const later = new Date(date.getTime() + Math.floor(rnd() * 36 * 3600_000))
      const reply = await compose({
        from: { name, address }, to, subject: `Re: ${subject}`, date: later,
        messageId: `<${seed}.${i++}.re@${address.split('@')[1]}>`, inReplyTo: id, references: [id],
        text: `Any news on this? It is still open on our side.\n\n> ${body}\n`,
      })
      out.push({ raw: reply, date: later, flags: rnd() < 0.3 ? ['\\Seen'] : [] })
    }
  }
  return out
}

/** A few personal messages from colleagues. */
export async function personalInbox(owner: string, colleagues: { name: string; address: string }[], count: number, seed = 11): Promise<SeedMessage[]> {
  const rnd = prng(seed)
  const subjects = ['Lunch on Thursday?', 'Rota for next week', 'Slides for the team meeting', 'Holiday request approved', 'Coffee machine is fixed']
  const out: SeedMessage[] = []
  for (let k = 0; k < count; k++) {
    const from = colleagues[Math.floor(rnd() * colleagues.length)]!
    const date = new Date(Date.UTC(2026, 10, 1) + Math.floor(rnd() * 23 * 86400_000))
    out.push({
      raw: await compose({ from, to: owner, subject: subjects[k % subjects.length]!, date, messageId: `<${seed}.${k}@contoso.test>`, text: `Hi,\n\n${subjects[k % subjects.length]!}: see you soon.\n\n${from.name}\n` }),
      date,
      flags: rnd() < 0.5 ? ['\\Seen'] : [],
    })
  }
  return out
}

/**
 * The team's replies to some of a shared mailbox's conversations, as its Sent Items hold them:
 * from the mailbox, on behalf of a member (Sender, R3) or as the mailbox (Send As), answering the
 * customer's message with In-Reply-To and the whole References chain.
 */
export async function teamReplies(inbox: SeedMessage[], mailbox: { name: string; address: string }, members: { name: string; address: string; onBehalf: boolean }[], every = 3, seed = 23): Promise<SeedMessage[]> {
  const rnd = prng(seed)
  const out: SeedMessage[] = []
  for (const [k, m] of inbox.entries()) {
    const head = m.raw.toString('utf8').split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ')
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? null
    const id = field('Message-ID')
    const from = field('From')
    if (k % every || !id || !from || field('In-Reply-To')) continue
    const member = members[Math.floor(rnd() * members.length)]!
    const date = new Date((m.date ?? new Date()).getTime() + Math.floor((0.2 + rnd()) * 3 * 3600_000))
    const subject = (field('Subject') ?? '').replace(/^(Re:\s*)?/i, 'Re: ')
    out.push({
      raw: await compose({
        from: mailbox, ...(member.onBehalf ? { sender: { name: member.name, address: member.address } } : {}), to: from, subject, date,
        messageId: `<${seed}.${k}.team@${mailbox.address.split('@')[1]}>`, inReplyTo: id, references: [id],
        text: `Hello,\n\nThank you for your message. We are looking into it and will get back to you today.\n\nKind regards,\n${member.name}\n${mailbox.name}\n`,
      }),
      date,
      flags: ['\\Seen'],
    })
  }
  return out
}
