import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SendRequest } from '../../shared/api/contract'
import { loadOrganisation, smallOrganisation, type Organisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { memberSession, newService, oauthSignIn, passwordOf, serverSettings, type TestService } from './helpers'

/**
 * One copy of each sent message in the right Sent folder, on both server shapes: where the
 * server files its own (the Exchange-shaped organisation: the submitter's Sent Items, and a
 * shared mailbox's where it says so) Tandem appends none; where it does not (Dovecot's own
 * shape, and a shared mailbox without copies) Tandem appends exactly one. Counted by an
 * independent session. The server's copy is the message as submitted, so it has no Bcc header;
 * Tandem's keeps the Bcc for the sender: that tells whose copy it is.
 */
const request = (identityId: string, subject: string, to: string, bcc: string): SendRequest => ({
  identityId, to: [{ name: '', address: to }], cc: [], bcc: [{ name: '', address: bcc }], subject, text: `Body of ${subject}.`, html: null,
  inReplyTo: null, references: [], encrypt: false, attachments: [], outboxId: randomUUID(), queuedAt: Date.now(),
})

/** The copies of a message in a Sent folder, as another client of the person sees them: whose each is. */
async function copiesIn(stack: MailStack, person: string, mailbox: string | undefined, messageId: string): Promise<('server' | 'tandem')[]> {
  const c = await memberSession(stack, person, mailbox)
  try {
    // The stack's filer saves its copy, then marks it read in a second step (doveadm save takes
    // no flags): a copy seen between the two is looked at again, for up to 10 s.
    for (let tries = 0; ; tries++) {
      await c.mailboxOpen(stack.org.folders.sent, { readOnly: true })
      const uids = (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || []
      const out: ('server' | 'tandem')[] = []
      let unread = 0
      for (const uid of uids) {
        const m = await c.fetchOne(String(uid), { headers: ['bcc'], flags: true }, { uid: true })
        if (!(m && m.flags?.has('\\Seen'))) unread++
        out.push(/^bcc:/im.test(String(m && m.headers)) ? 'tandem' : 'server')
      }
      if (unread && tries < 100) { await new Promise((r) => setTimeout(r, 100)); continue }
      expect(unread, 'copies not marked read').toBe(0)
      return out
    }
  } finally {
    await c.logout()
  }
}

describe('one Sent copy: the Exchange-shaped server files its own', () => {
  const D = 'northwind.test'
  let stack: MailStack
  const services: TestService[] = []
  beforeAll(async () => { stack = await startMailStack(await loadOrganisation(new URL('../fixtures/orgs/northwind-exchange.json', import.meta.url).pathname)) })
  afterAll(async () => { await Promise.all(services.map((s) => s.service.stop())); await stack?.stop() })
  const signIn = async (address: string) => {
    const t = await newService()
    services.push(t)
    await oauthSignIn(t, stack, address)
    return t
  }

  it('the person\'s own mail: the server\'s copy in their Sent Items, none of Tandem\'s — the second time too', async () => {
    const maria = await signIn(`maria@${D}`)
    for (const n of [1, 2]) {
      const sent = await maria.service.send(request(`self:maria@${D}`, `Own ${n}`, `hanna@${D}`, `yoshi@${D}`))
      expect(await copiesIn(stack, `maria@${D}`, undefined, sent.messageId)).toEqual(['server'])
    }
  })

  it('sent as a shared mailbox that gets copies: one in its Sent Items (the server\'s), one in the member\'s own', async () => {
    const maria = await signIn(`maria@${D}`)
    await maria.service.addSharedMailbox(`orders@${D}`)
    await maria.service.claimGrant(`shared:orders@${D}`, 'sendAs', true)
    const sent = await maria.service.send(request(`sendAs:orders@${D}`, 'As Orders', `hanna@${D}`, `yoshi@${D}`))
    expect(await copiesIn(stack, `maria@${D}`, `orders@${D}`, sent.messageId)).toEqual(['server'])
    expect(await copiesIn(stack, `maria@${D}`, undefined, sent.messageId)).toEqual(['server'])
  })

  it('as a shared mailbox that gets none: Tandem\'s one copy in its Sent Items; the server\'s in the member\'s own', async () => {
    // No directory on this server: Yoshi says he has Send As, which the server checks itself
    // (a claimed On Behalf is never acted on where nothing at the server checks it, R3).
    const yoshi = await signIn(`yoshi@${D}`)
    await yoshi.service.addSharedMailbox(`returns@${D}`)
    await yoshi.service.claimGrant(`shared:returns@${D}`, 'sendAs', true)
    for (const n of [1, 2]) {
      const sent = await yoshi.service.send(request(`sendAs:returns@${D}`, `For Returns ${n}`, `hanna@${D}`, `tom@${D}`))
      expect(await copiesIn(stack, `yoshi@${D}`, `returns@${D}`, sent.messageId)).toEqual(['tandem'])
      expect(await copiesIn(stack, `yoshi@${D}`, undefined, sent.messageId)).toEqual(['server'])
    }
  })
})

describe('one Sent copy: Dovecot\'s own shape files none', () => {
  const D = 'adventure.test'
  const org: Organisation = smallOrganisation('Adventure Works', D, {
    people: { ida: 'Ida Ivers', kai: 'Kai Kent' },
    shared: [{ local: 'sales', name: 'Adventure Sales', members: [{ local: 'ida', sendAs: true }] }],
  })
  let stack: MailStack
  let ida: TestService
  beforeAll(async () => {
    stack = await startMailStack(org)
    ida = await newService()
    await ida.service.signIn({ address: `ida@${D}`, password: passwordOf(stack, `ida@${D}`), server: serverSettings(stack) })
  })
  afterAll(async () => { await ida?.service.stop(); await stack?.stop() })

  it('the person\'s own mail and mail sent as the shared mailbox: Tandem\'s one copy each, the second time too', async () => {
    for (const n of [1, 2]) {
      const own = await ida.service.send(request(`self:ida@${D}`, `Own ${n}`, `kai@${D}`, `kai@${D}`))
      expect(await copiesIn(stack, `ida@${D}`, undefined, own.messageId)).toEqual(['tandem'])
      const asSales = await ida.service.send(request(`sendAs:sales@${D}`, `As Sales ${n}`, `kai@${D}`, `kai@${D}`))
      expect(await copiesIn(stack, `ida@${D}`, `sales@${D}`, asSales.messageId)).toEqual(['tandem'])
    }
  })
})
