import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerSettings } from '../../shared/domain'
import { TEAM_FOLDER } from '../../shared/team/records'
import type { TeamWatch } from '../../electron/service/imap/watcher'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { startWireTap, type WireTap } from '../mailstack/wire-tap'
import { CONTOSO, eventually, newService, oauthServerSettings, oauthSignIn, passwordOf, serverSettings, type TestService } from './helpers'

/**
 * The team folder's adaptive watch (watcher.ts, TEAM_WATCH): main asks about it every poll while
 * the team is busy and steps back after a quiet spell. Another member's claim, written by their
 * own service, must reach this person's service as team.changed in both states; after the quiet
 * step the folder is asked far less often (the commands on the wire say so), and opening the
 * mailbox asks at once. Short intervals here; every wait is for the event, with a generous bound.
 * On Dovecot with CONDSTORE (Contoso, password sign-in) and on the Exchange-shaped Northwind
 * (no CONDSTORE, OAuth, the shared address as the login).
 */
const NORTHWIND = new URL('../fixtures/orgs/northwind-exchange.json', import.meta.url).pathname
const POLL_MS = 200
const BUSY_FOR_MS = 1500

interface Shape { what: string; org: string; person: string; other: string; shared: string; oauth: boolean }
const shapes: Shape[] = [
  { what: 'Dovecot with CONDSTORE (Contoso)', org: CONTOSO, person: 'bob@contoso.test', other: 'alice@contoso.test', shared: 'support@contoso.test', oauth: false },
  { what: 'Exchange-shaped, no CONDSTORE (Northwind)', org: NORTHWIND, person: 'maria@northwind.test', other: 'tom@northwind.test', shared: 'orders@northwind.test', oauth: true },
]

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

for (const shape of shapes) {
  describe(`the team folder's watch: ${shape.what}`, () => {
    let stack: MailStack
    let tap: WireTap
    const services: TestService[] = []
    const mailboxId = `shared:${shape.shared}`

    beforeAll(async () => {
      stack = await startMailStack(await loadOrganisation(shape.org))
      await stack.seed(shape.shared, 'INBOX', [{ raw: `From: Customer <customer@example.net>\r\nTo: ${shape.shared}\r\nSubject: Order\r\nMessage-ID: <order-1@example.net>\r\n\r\nHello\r\n` }])
      // The person's service talks to the server through this relay: its commands are the witness of how often it asks.
      tap = await startWireTap(stack.host, stack.ports.imap, { keepCommands: true })
    })
    afterAll(async () => { await Promise.all(services.map((s) => s.service.stop())); await tap?.close(); await stack?.stop() })

    /** A member's service signed in with the shared mailbox open, through the relay when `tapped`. */
    async function member(address: string, opts: { tapped: boolean; teamWatch?: TeamWatch }) {
      const t = await newService(undefined, POLL_MS, { teamWatch: opts.teamWatch })
      services.push(t)
      const base: ServerSettings = shape.oauth ? oauthServerSettings(stack) : serverSettings(stack)
      const server = opts.tapped ? { ...base, imap: { ...base.imap, port: tap.port } } : base
      if (shape.oauth) {
        await oauthSignIn(t, stack, address, { server })
        await t.service.addSharedMailbox(shape.shared)
      } else {
        await t.service.signIn({ address, password: passwordOf(stack, address), server })
      }
      const inbox = (await t.service.listFolders(mailboxId)).find((f) => f.role === 'inbox')!
      return { t, inbox }
    }

    /** A claim ("Assign to me") as the other member's window sends it. */
    const claim = (o: Awaited<ReturnType<typeof member>>, expect: string | null) =>
      o.t.service.teamRecord({ mailboxId, id: randomUUID(), about: { folderId: o.inbox.id, uid: 1, messageId: null }, at: Date.now(), action: { kind: 'assign', to: shape.other, expect }, locale: 'en' })

    const teamChanged = (t: TestService, from: number) => t.events.slice(from).some((e) => e.name === 'team.changed' && (e.payload as { mailboxId: string }).mailboxId === mailboxId)
    /** The looks at the team folder on the wire (STATUS; the person's working connection has INBOX open meanwhile). */
    const teamLooks = (from: number) => tap.commands.slice(from).filter((c) => / STATUS /i.test(c) && c.includes(TEAM_FOLDER)).length

    /** The person, watching the team folder from their first read on, with INBOX open on the working connection. */
    async function watching(teamWatch: TeamWatch) {
      const me = await member(shape.person, { tapped: true, teamWatch })
      await me.t.service.teamRead(mailboxId, null)
      // INBOX open on the working connection: the team folder's looks are STATUS commands, counted above.
      await me.t.service.syncMessages({ folderId: me.inbox.id, since: null, knownUids: 0 })
      // The first look says "changed" once (what came between the read and it is not taken as seen): the window would read again.
      await eventually(() => teamChanged(me.t, 0), 'the first look at the team folder', 30_000)
      return me
    }

    /** A note, as the other member's window sends it. */
    const note = (o: Awaited<ReturnType<typeof member>>, text: string) =>
      o.t.service.teamRecord({ mailboxId, id: randomUUID(), about: { folderId: o.inbox.id, uid: 1, messageId: null }, at: Date.now(), action: { kind: 'note', note: randomUUID(), text }, locale: 'en' })

    /** Stops a test's services, so the next test's count of looks is its own. */
    const done = async (...ts: TestService[]) => { for (const t of ts) await t.service.stop() }

    it('another member\'s claim is seen while the team is busy, their note still after the quiet step, when the folder is asked far less often', async () => {
      const other = await member(shape.other, { tapped: false })
      // The team folder exists once someone wrote to it.
      await note(other, 'Taking a look at the open orders.')
      const quietMs = 4000
      const me = await watching({ busyForMs: BUSY_FOR_MS, quietMs })
      try {
        // Busy (the person just read the team folder): the claim shows at one of the next polls.
        const before = me.t.events.length
        await claim(other, null)
        await eventually(() => teamChanged(me.t, before), 'team.changed for a claim while the team is busy', 30_000)

        // Quiet: nothing changed for longer than busyForMs. Over two quiet intervals the folder is
        // asked at most once per interval (and once more where the spell is cut), where every
        // poll would have asked about forty times. Slowness only makes this fewer.
        await sleep(BUSY_FOR_MS + 2000)
        const mark = tap.commands.length
        const spell = 2 * quietMs
        await sleep(spell)
        expect(teamLooks(mark)).toBeLessThanOrEqual(Math.floor(spell / (quietMs - POLL_MS / 2)) + 1)

        // Still seen after the quiet step: at the next look, within quietMs.
        const later = me.t.events.length
        await note(other, 'Done with the open orders.')
        await eventually(() => teamChanged(me.t, later), 'team.changed for a note after a quiet spell', 60_000)
      } finally {
        await done(me.t, other.t)
      }
    })

    it('with the team folder open on the person\'s working connection (a NOOP is the look), another member\'s note is told once, not at every poll after', async () => {
      const other = await member(shape.other, { tapped: false })
      await note(other, 'Who takes the refund?')
      const me = await member(shape.person, { tapped: true, teamWatch: { busyForMs: 600_000, quietMs: 600_000 } })
      try {
        // Read last: the team folder stays open on the working connection, so each poll NOOPs it.
        await me.t.service.teamRead(mailboxId, null)
        await eventually(() => teamChanged(me.t, 0), 'the first look at the team folder', 30_000)
        await sleep(1000)
        const from = me.t.events.length
        await note(other, 'I will.')
        await eventually(() => teamChanged(me.t, from), 'team.changed for the note', 30_000)
        // Ten polls and more (busy: every poll asks): the same change is not told again.
        await sleep(10 * POLL_MS + 1000)
        expect(me.t.events.slice(from).filter((e) => e.name === 'team.changed').length).toBe(1)
      } finally {
        await done(me.t, other.t)
      }
    })

    it('while the person\'s connection is never free (bodies read back to back, one always waiting for the lock), another member\'s claim is still seen, not only once it is quiet', async () => {
      const other = await member(shape.other, { tapped: false })
      await note(other, 'Looking at the queue.')
      const me = await watching({ busyForMs: 600_000, quietMs: 600_000 })
      let reading = true
      // Three readers: while one holds the mailbox lock, the others wait for it, so a poll never finds it free.
      const readers = Array.from({ length: 3 }, async () => { while (reading) await me.t.service.body(me.inbox.id, 1) })
      try {
        await sleep(500)
        const from = me.t.events.length
        await claim(other, null)
        // A poll steps aside for a busy lock MAX_SKIPPED_POLLS times, then waits its turn: seen while the reading goes on.
        await eventually(() => teamChanged(me.t, from), 'team.changed for a claim while the connection is busy', 30_000)
        expect(reading).toBe(true)
      } finally {
        reading = false
        await Promise.all(readers)
        await done(me.t, other.t)
      }
    })

    it('after a quiet spell the team folder is asked at once when the person opens the mailbox', async () => {
      const other = await member(shape.other, { tapped: false })
      await note(other, 'Back from lunch.')
      // Quiet looks ten minutes apart: without the look on opening, nothing would show within this test.
      const me = await watching({ busyForMs: BUSY_FOR_MS, quietMs: 600_000 })
      try {
        await sleep(BUSY_FOR_MS + 2000)
        const mark = tap.commands.length
        const from = me.t.events.length
        await claim(other, null)
        await sleep(2000)
        // Quiet: the claim is on the server, and the folder has not been asked since the spell began.
        expect(teamLooks(mark)).toBe(0)
        expect(teamChanged(me.t, from)).toBe(false)
        // The person opens the mailbox (the folder list's mailboxes.focus): the folder is asked at the next poll.
        me.t.service.focusMailbox(mailboxId)
        await eventually(() => teamChanged(me.t, from), 'team.changed once the person opened the mailbox', 30_000)
        expect(teamLooks(mark)).toBeGreaterThanOrEqual(1)
      } finally {
        await done(me.t, other.t)
      }
    })
  })
}
