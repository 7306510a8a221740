import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import nodemailer, { type SendMailOptions } from 'nodemailer'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { memberSession } from '../mailstack/sessions'
import { RawImap } from '../mailstack/raw-imap'
import { eventually } from './helpers'

/**
 * The Exchange Online-shaped organisation of the test stack (Northwind): what its servers say
 * and do, checked on the wire, so that tests of Tandem on it test what they claim to. What
 * Dovecot cannot imitate is listed in test/mailstack/dovecot-config.ts.
 */
const NORTHWIND = new URL('../fixtures/orgs/northwind-exchange.json', import.meta.url).pathname
const EXCHANGE_CAPABILITIES = 'IMAP4rev1 AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+'.split(' ')
const D = 'northwind.test'

let stack: MailStack
beforeAll(async () => { stack = await startMailStack(await loadOrganisation(NORTHWIND)) })
afterAll(async () => { await stack?.stop() })

/** A raw session signed in with the person's token; `login` may be a shared address (delegate login). */
async function raw(person: string, login = person): Promise<RawImap> {
  const { imap } = await RawImap.connect(stack.ports.imap)
  const auth = await imap.authenticate(login, stack.oidc!.accessToken(person))
  expect(auth.tagged).toMatch(/^OK/)
  return imap
}

const capabilitiesIn = (line: string) => /CAPABILITY ([^\]]*)/.exec(line)?.[1]?.split(' ') ?? []

describe('the Exchange-shaped organisation', () => {
  it('advertises exactly Exchange Online\'s capabilities, before and after sign-in', async () => {
    const { imap, greeting } = await RawImap.connect(stack.ports.imap)
    // Before sign-in Dovecot also says LOGINDISABLED (no passwords) and repeats AUTH=XOAUTH2.
    expect(new Set(capabilitiesIn(greeting))).toEqual(new Set([...EXCHANGE_CAPABILITIES, 'LOGINDISABLED']))
    imap.close()
    const signedIn = await raw(`maria@${D}`)
    const { untagged } = await signedIn.command('CAPABILITY')
    expect(untagged.map((l) => l.replace(/^\* CAPABILITY /, '').split(' '))).toEqual([EXCHANGE_CAPABILITIES])
    signedIn.close()
  })

  it('has one personal namespace and no shared one; folders by Exchange\'s names with no SPECIAL-USE flags', async () => {
    const imap = await raw(`maria@${D}`)
    expect((await imap.command('NAMESPACE')).untagged).toEqual(['* NAMESPACE (("" "/")) NIL NIL'])
    const list = (await imap.command('LIST "" "*"')).untagged
    const names = list.map((l) => /"([^"]*)"$|(\S+)$/.exec(l)!.slice(1).find(Boolean))
    expect(names.sort()).toEqual(['Archive', 'Deleted Items', 'Drafts', 'INBOX', 'Junk Email', 'Sent Items'])
    for (const l of list) expect(l).toMatch(/^\* LIST \((\\HasNoChildren|\\HasChildren)\) "\/" /)
    imap.close()
  })

  it('answers no ACL, QUOTA or METADATA command, and takes no custom keyword', async () => {
    const imap = await raw(`maria@${D}`)
    for (const cmd of ['MYRIGHTS INBOX', 'GETQUOTAROOT INBOX']) expect((await imap.command(cmd)).tagged, cmd).toMatch(/^BAD/)
    // Dovecot knows the command and says it is off; Exchange does not know it (BAD).
    expect((await imap.command('GETMETADATA INBOX /shared/comment')).tagged).toMatch(/^NO .*not enabled/)
    await imap.command('APPEND INBOX {24+}\r\nSubject: kw\r\n\r\nkeyword\r\n')
    const select = await imap.command('SELECT INBOX')
    const permanent = select.untagged.find((l) => l.includes('PERMANENTFLAGS'))!
    for (const f of ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft']) expect(permanent).toContain(f)
    expect((await imap.command('STORE 1 +FLAGS (\\Flagged)')).tagged).toMatch(/^OK/)
    // Exchange takes no keyword; Dovecot 2.3 still offers \* (dovecot-config.ts) but refuses each one.
    expect((await imap.command('STORE 1 +FLAGS ($Label1)')).tagged).toMatch(/^(NO|BAD)/)
    imap.close()
  })

  it('refuses a command line over its limit and takes the same command split', async () => {
    const imap = await raw(`maria@${D}`)
    await imap.command('SELECT INBOX')
    const uids = Array.from({ length: 1200 }, (_, i) => 2 * i + 1)
    const line = `UID SEARCH UID ${uids.join(',')}`
    expect(line.length).toBeGreaterThan(stack.org.server.maxLineLength!)
    expect((await imap.command(line)).tagged).toMatch(/^BAD .*too (large|long)/i)
    const half = uids.length / 2
    expect((await imap.command(`UID SEARCH UID ${uids.slice(0, half).join(',')}`)).tagged).toMatch(/^OK/)
    expect((await imap.command(`UID SEARCH UID ${uids.slice(half).join(',')}`)).tagged).toMatch(/^OK/)
    imap.close()
  })

  it('takes tokens only; a shared mailbox opens with its own address and a member\'s token, its ACLs as that member', async () => {
    const { imap } = await RawImap.connect(stack.ports.imap)
    expect((await imap.command(`LOGIN maria@${D} maria-pass-1`)).tagged).toMatch(/^NO/)
    // Someone else's token does not open a person's own mailbox.
    expect((await imap.authenticate(`maria@${D}`, stack.oidc!.accessToken(`tom@${D}`))).tagged).toMatch(/^NO/)
    imap.close()
    const member = await raw(`maria@${D}`, `orders@${D}`)
    expect((await member.command('STATUS INBOX (MESSAGES)')).tagged).toMatch(/^OK/)
    expect((await member.command('LIST "" "*"')).untagged.some((l) => l.endsWith('"Sent Items"'))).toBe(true)
    member.close()
    // Yoshi is not a member of Orders: in, and nothing to see (Exchange refuses the sign-in itself).
    const outsider = await raw(`yoshi@${D}`, `orders@${D}`)
    expect((await outsider.command('STATUS INBOX (MESSAGES)')).tagged).toMatch(/^NO/)
    expect((await outsider.command('SELECT "Sent Items"')).tagged).toMatch(/^NO/)
    outsider.close()
  })

  it('files its own copy of each submitted message in the submitter\'s Sent Items, and in a shared mailbox\'s where set', async () => {
    const send = async (person: string, mail: SendMailOptions) => {
      const t = nodemailer.createTransport({ host: stack.host, port: stack.ports.submission, secure: false, ignoreTLS: true, auth: { type: 'OAuth2', user: person, accessToken: stack.oidc!.accessToken(person) } })
      await t.sendMail({ to: `hanna@${D}`, text: 'Hello.', ...mail })
      t.close()
    }
    await send(`maria@${D}`, { from: `maria@${D}`, subject: 'Own', messageId: `<own-1@${D}>` })
    await send(`maria@${D}`, { envelope: { from: `orders@${D}`, to: [`hanna@${D}`] }, from: `Northwind Orders <orders@${D}>`, subject: 'Sent as Orders', messageId: `<as-1@${D}>` })
    await send(`tom@${D}`, { envelope: { from: `tom@${D}`, to: [`hanna@${D}`] }, from: `returns@${D}`, sender: `tom@${D}`, subject: 'On behalf of Returns', messageId: `<obo-1@${D}>` })
    const sentItems = async (person: string, shared?: string) => {
      const c = await memberSession(stack, person, shared)
      try {
        const box = await c.mailboxOpen('Sent Items', { readOnly: true })
        const out: string[] = []
        if (box.exists === 0) return out
        // Read, as a copy of one's own sent mail is.
        for await (const m of c.fetch('1:*', { envelope: true, flags: true })) out.push(`${m.envelope!.messageId!}${m.flags?.has('\\Seen') ? '' : ' (unread)'}`)
        return out.sort()
      } finally {
        await c.logout()
      }
    }
    // Filed a moment after the submission was accepted (a queued delivery), then marked read:
    // each mailbox is looked at until it holds what it will hold. A look that fails meanwhile (it
    // happened once, under load, in a fresh-clone run; the cause was not pinned down) is
    // "nothing yet", not the end of the wait.
    const settled = async (person: string, shared: string | undefined, want: string[]) => {
      let last: string[] = []
      try {
        await eventually(async () => { last = await sentItems(person, shared).catch(() => []); return JSON.stringify(last) === JSON.stringify(want) }, `${shared ?? person}'s Sent Items`, 15_000)
      } catch { /* the assertion below shows what was there */ }
      return last
    }
    expect(await settled(`tom@${D}`, undefined, [`<obo-1@${D}>`])).toEqual([`<obo-1@${D}>`])
    expect(await settled(`maria@${D}`, undefined, [`<as-1@${D}>`, `<own-1@${D}>`])).toEqual([`<as-1@${D}>`, `<own-1@${D}>`])
    expect(await settled(`maria@${D}`, `orders@${D}`, [`<as-1@${D}>`])).toEqual([`<as-1@${D}>`])
    // Returns gets no copy of its own (its sentCopy is false): Tom's copy was filed by now, and
    // the same delivery would have filed one for Returns.
    expect(await sentItems(`tom@${D}`, `returns@${D}`)).toEqual([])
    // The copy is the message as submitted: no Received field of the submission service.
    const c = await memberSession(stack, `maria@${D}`)
    await c.mailboxOpen('Sent Items', { readOnly: true })
    const own = await c.fetchOne('*', { source: true })
    expect(String(own && own.source)).not.toMatch(/^Received:/im)
    await c.logout()
  })
})
