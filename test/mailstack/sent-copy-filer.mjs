// The test stack's Sent-copy filer, run by Postfix (master.cf "sentcopy", a pipe transport, as the
// mail user) for every message its submission service accepted: it files the server's own copy
// in the submitter's Sent folder — and in a shared mailbox's, where the organisation says so and
// the submitter is one of its members — as Exchange Online does for SMTP-submitted mail.
// Plain Node with no dependencies: Postfix starts it with nothing but this file and its config.
//
// Usage: node sent-copy-filer.mjs CONFIG.json < message
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** Postfix: try again later (the message stays queued). */
const TEMPFAIL = 75

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))

const chunks = []
for await (const c of process.stdin) chunks.push(c)
// latin1 keeps every byte as it is through the string functions below.
const message = Buffer.concat(chunks).toString('latin1')
const headEnd = message.search(/\r?\n\r?\n/)
const head = headEnd < 0 ? message : message.slice(0, headEnd)

/** The header fields in order, each with where it starts and ends in the message (folded lines included). */
const fields = []
for (const m of head.matchAll(/^([!-9;-~]+):[^\n]*(?:\n[ \t][^\n]*)*\n?/gm)) {
  fields.push({ name: m[1].toLowerCase(), text: m[0], start: m.index, end: m.index + m[0].length })
}

// The first Received field is the one this server's submission service wrote, naming the SASL
// login (smtpd_sasl_authenticated_header): the submitter, whatever the envelope or From say.
const received = fields.find((f) => f.name === 'received')
const submitter = /\(Authenticated sender: ([^)\s]+)\)/.exec(received?.text ?? '')?.[1]?.toLowerCase()
if (!submitter) process.exit(0)

const fromField = fields.find((f) => f.name === 'from')?.text ?? ''
const from = (/<([^<>\s]+@[^<>\s]+)>/.exec(fromField)?.[1] ?? /([^\s:<>,"]+@[^\s<>,"]+)/.exec(fromField.slice(5))?.[1] ?? '').toLowerCase()
const messageId = /<[^<>\s]+>/.exec(fields.find((f) => f.name === 'message-id')?.text ?? '')?.[0] ?? null

const owners = [submitter]
if ((config.sharedCopies[from] ?? []).includes(submitter)) owners.push(from)

// The copy is the message as the submitter handed it over: without this server's Received field.
const copy = Buffer.from(message.slice(0, received.start) + message.slice(received.end), 'latin1')

function doveadm(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(config.doveadm, ['-c', config.dovecotConf, ...args], { stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => { err += String(d) })
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`doveadm ${args[0]} exited ${code}: ${err.trim()}`))))
    child.stdin.end(input ?? '')
  })
}

try {
  for (const owner of owners) {
    await doveadm(['save', '-u', owner, '-m', config.sentFolder], copy)
    // Read, as a copy of one's own sent mail is (doveadm save takes no flags).
    if (messageId) await doveadm(['flags', 'add', '-u', owner, '\\Seen', 'mailbox', config.sentFolder, 'header', 'Message-ID', messageId])
  }
} catch (e) {
  process.stderr.write(`sent copy of ${messageId ?? 'a message'} not filed: ${e.message}\n`)
  process.exit(TEMPFAIL)
}
