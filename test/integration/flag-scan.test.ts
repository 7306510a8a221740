import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FolderSyncState } from '../../shared/domain'
import { DEFAULT_FLAG_SCAN } from '../../electron/service/operations/flag-scan'
import { loadOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { startWireTap, type WireTap } from '../mailstack/wire-tap'
import { CONTOSO, eventually, memberSession, newService, oauthServerSettings, oauthSignIn, serverSettings, streamedMessages, passwordOf, type TestService } from './helpers'

/**
 * Another member's flag changes on a server without CONDSTORE (the Exchange-shaped Northwind):
 * seen by the scans of flag-scan.ts — the newest messages within the window's schedule, the
 * rest at the full scan — driven here by an injected clock, never by waiting. Every change is
 * made by an independent session of another member; the service's answer is the witness.
 */
const NORTHWIND = new URL('../fixtures/orgs/northwind-exchange.json', import.meta.url).pathname
const D = 'northwind.test'
const SIZE = 2500

let stack: MailStack
let tap: WireTap
const services: TestService[] = []
let clock = 1_000_000
const now = () => clock

beforeAll(async () => {
  stack = await startMailStack(await loadOrganisation(NORTHWIND))
  const seed = (folder: string) => stack.seed(`orders@${D}`, folder, Array.from({ length: SIZE }, (_, i) => ({
    raw: `From: Customer ${i} <customer${i}@example.net>\r\nTo: orders@${D}\r\nSubject: Order ${i}\r\nMessage-ID: <${folder}-${i}@example.net>\r\nDate: ${new Date(Date.now() - (SIZE - i) * 60_000).toUTCString()}\r\n\r\nOrder ${i}\r\n`,
    date: new Date(Date.now() - (SIZE - i) * 60_000),
    flags: i % 2 ? ['\\Seen'] : [],
  })))
  await seed('INBOX')
  await seed('Archive')
  tap = await startWireTap(stack.host, stack.ports.imap, { keepCommands: true })
})
afterAll(async () => { await Promise.all(services.map((s) => s.service.stop())); await tap?.close(); await stack?.stop() })

describe('flags without CONDSTORE', () => {
  it('another member\'s flag change among the newest messages is seen at the next window scan, an older one at the full scan; a sync in between reads no flags', async () => {
    const t = await newService(undefined, 100, { now })
    services.push(t)
    const server = { ...oauthServerSettings(stack), imap: { ...oauthServerSettings(stack).imap, port: tap.port } }
    await oauthSignIn(t, stack, `maria@${D}`, { server })
    await t.service.addSharedMailbox(`orders@${D}`)
    const folders = await t.service.listFolders(`shared:orders@${D}`)
    // Archive: no IDLE watches it, so only the scans can find what changed there.
    const archive = folders.find((f) => f.role === 'archive')!
    const inbox = folders.find((f) => f.role === 'inbox')!
    const from = t.events.length
    const first = await t.service.syncMessages({ folderId: archive.id, since: null, knownUids: 0 })
    const rows = streamedMessages(t.events, from)
    expect(rows).toHaveLength(SIZE)
    expect(first.state.highestModseq).toBeNull()
    expect(first.state.flagsSeen).toBeTruthy()
    // The working connection goes to another folder: Archive is watched by STATUS alone.
    await t.service.syncMessages({ folderId: inbox.id, since: null, knownUids: 0 })
    const uids = rows.map((r) => r.uid).sort((a, b) => a - b)
    const newest = uids.at(-1)!
    const oldest = uids[0]!

    const tom = await memberSession(stack, `tom@${D}`, `orders@${D}`)
    try {
      await tom.mailboxOpen('Archive')
      await tom.messageFlagsAdd(String(newest), ['\\Flagged'], { uid: true })
      await tom.messageFlagsAdd(String(oldest), ['\\Answered'], { uid: true })
    } finally {
      await tom.logout()
    }

    // Before a scan is due, a sync hands over no flags and reads little (no FETCH of every message's).
    let state: FolderSyncState = first.state
    const quiet = await t.service.syncMessages({ folderId: archive.id, since: state, knownUids: SIZE })
    expect(quiet.changed).toEqual([])
    expect(quiet.received).toBeLessThan(2000)
    state = quiet.state

    const changedAfter = async (advance: number) => {
      const mark = t.events.length
      clock += advance
      await eventually(() => t.events.slice(mark).some((e) => e.name === 'folder.changed' && (e.payload as { folderId: string }).folderId === archive.id), 'folder.changed for Archive after the scan', 10_000)
      const r = await t.service.syncMessages({ folderId: archive.id, since: state, knownUids: SIZE })
      state = r.state
      return r
    }
    // The window's time comes: the newest message's change, not the oldest's (outside the window).
    const windowed = await changedAfter(DEFAULT_FLAG_SCAN.windowMs)
    expect(windowed.changed).toEqual([{ uid: newest, flags: expect.arrayContaining(['\\Flagged']) }])
    // The full scan's time comes: the oldest message's change too.
    const full = await changedAfter(DEFAULT_FLAG_SCAN.fullMs)
    expect(full.changed.map((c) => [c.uid, c.flags.includes('\\Answered')])).toEqual([[oldest, true]])

    // A device that lost the last answer (it sends the token before) gets it again; a device
    // that holds nothing of this service's gets every message's flags.
    const again = await t.service.syncMessages({ folderId: archive.id, since: windowed.state, knownUids: SIZE })
    expect(again.changed.map((c) => c.uid)).toEqual([oldest])
    const fresh = await t.service.syncMessages({ folderId: archive.id, since: { ...state, flagsSeen: null }, knownUids: SIZE })
    expect(fresh.changed).toHaveLength(SIZE)
    expect(fresh.changed.find((c) => c.uid === newest)?.flags).toContain('\\Flagged')

    // Deletions are still found by the count and one UID SEARCH.
    const tom2 = await memberSession(stack, `tom@${D}`, `orders@${D}`)
    try {
      await tom2.mailboxOpen('Archive')
      await tom2.messageMove(String(newest), 'Deleted Items', { uid: true })
    } finally {
      await tom2.logout()
    }
    const after = await t.service.syncMessages({ folderId: archive.id, since: fresh.state, knownUids: SIZE })
    expect(after.present).not.toContain(newest)
    expect(after.present).toHaveLength(SIZE - 1)
    expect(tap.clientBugs, tap.commands.filter((c, i, all) => all[i + 1]?.includes('CLIENTBUG') || c.includes('CLIENTBUG')).join('\n')).toBe(0)
  })
})

describe('INBOX while IDLE watches it', () => {
  it('the poll asks about the open Archive every time and about INBOX only now and then, and another member\'s flag change and new mail in INBOX still reach the person by IDLE (no CONDSTORE)', async () => {
    // A relay of this test's own: the first test's service polls through the other one.
    const own = await startWireTap(stack.host, stack.ports.imap, { keepCommands: true })
    // The scan clock stands still: a flag change can only be found through IDLE's word (its hint).
    const t = await newService(undefined, 200, { now: () => 5_000_000 })
    try {
      const server = { ...oauthServerSettings(stack), imap: { ...oauthServerSettings(stack).imap, port: own.port } }
      await oauthSignIn(t, stack, `maria@${D}`, { server })
      await t.service.addSharedMailbox(`orders@${D}`)
      const folders = await t.service.listFolders(`shared:orders@${D}`)
      const inbox = folders.find((f) => f.role === 'inbox')!
      const archive = folders.find((f) => f.role === 'archive')!
      const from = t.events.length
      const first = await t.service.syncMessages({ folderId: inbox.id, since: null, knownUids: 0 })
      const newest = Math.max(...streamedMessages(t.events, from).map((m) => m.uid))
      // Archive synced last stays open on the working connection (a NOOP each poll); INBOX is IDLE's.
      await t.service.syncMessages({ folderId: archive.id, since: null, knownUids: 0 })
      await eventually(() => own.commands.some((c) => / IDLE$/i.test(c)), 'IDLE on INBOX', 20_000)
      const mark = own.commands.length
      await eventually(() => own.commands.slice(mark).filter((c) => / NOOP$/i.test(c)).length >= 10, 'ten polls of the open Archive', 30_000)
      const polls = own.commands.slice(mark).filter((c) => / NOOP$/i.test(c)).length
      const inboxLooks = own.commands.slice(mark).filter((c) => / STATUS "?INBOX"? /i.test(c)).length
      // Before, every poll sent a STATUS of INBOX as well; now one every IDLE_CHECK_MS (30 s) at most.
      expect(inboxLooks, own.commands.slice(mark).join('\n')).toBeLessThanOrEqual(1 + Math.floor(polls / 10))

      const tom = await memberSession(stack, `tom@${D}`, `orders@${D}`)
      try {
        await tom.mailboxOpen('INBOX')
        const flagged = t.events.length
        await tom.messageFlagsAdd(String(newest), ['\\Flagged'], { uid: true })
        await eventually(() => t.events.slice(flagged).some((e) => e.name === 'folder.changed' && (e.payload as { folderId: string }).folderId === inbox.id), 'folder.changed for INBOX after the flag change', 20_000)
        const seen = await t.service.syncMessages({ folderId: inbox.id, since: first.state, knownUids: SIZE })
        expect(seen.changed).toEqual([{ uid: newest, flags: expect.arrayContaining(['\\Flagged']) }])
        const arrived = t.events.length
        const appended = await tom.append('INBOX', `From: late@example.net\r\nTo: orders@${D}\r\nSubject: Late order\r\nMessage-ID: <late-order@example.net>\r\n\r\nOne more\r\n`)
        await eventually(() => t.events.slice(arrived).some((e) => e.name === 'folder.changed' && (e.payload as { folderId: string }).folderId === inbox.id), 'folder.changed for INBOX after new mail', 20_000)
        const rows = t.events.length
        const next = await t.service.syncMessages({ folderId: inbox.id, since: seen.state, knownUids: SIZE })
        expect(next.added).toBe(1)
        expect(streamedMessages(t.events, rows).map((m) => [m.uid, m.subject])).toEqual([[appended && appended.uid, 'Late order']])
      } finally {
        await tom.logout()
      }
    } finally {
      await t.service.stop()
      await own.close()
    }
  })
})

describe('no STATUS of the selected mailbox', () => {
  it('a sync and the watcher\'s polls of the folder open on the working connection send no STATUS of it; the poll\'s NOOP finds another member\'s change (Dovecot with CONDSTORE)', async () => {
    const contoso = await startMailStack(await loadOrganisation(CONTOSO))
    await contoso.seed('support@contoso.test', 'Archive', Array.from({ length: 50 }, (_, i) => ({
      raw: `From: c${i}@example.net\r\nSubject: Question ${i}\r\nMessage-ID: <q-${i}@example.net>\r\n\r\nHello\r\n`, date: new Date(Date.now() - i * 60_000),
    })))
    const ctap = await startWireTap(contoso.host, contoso.ports.imap, { keepCommands: true })
    try {
      const t = await newService(undefined, 100)
      services.push(t)
      await t.service.signIn({ address: 'bob@contoso.test', password: passwordOf(contoso, 'bob@contoso.test'), server: { ...serverSettings(contoso), imap: { ...serverSettings(contoso).imap, port: ctap.port } } })
      const folders = await t.service.listFolders('shared:support@contoso.test')
      const inbox = folders.find((f) => f.role === 'inbox')!
      const archive = folders.find((f) => f.role === 'archive')!
      await t.service.syncMessages({ folderId: inbox.id, since: null, knownUids: 0 })
      // Synced last, Archive stays open on the working connection; IDLE watches INBOX on its own.
      const from = t.events.length
      const first = await t.service.syncMessages({ folderId: archive.id, since: null, knownUids: 0 })
      expect(first.state.highestModseq).not.toBeNull()
      // Synced again while open: opened again (EXAMINE), not asked by STATUS.
      const second = await t.service.syncMessages({ folderId: archive.id, since: first.state, knownUids: first.added })
      expect(second.changed).toEqual([])
      const polls = ctap.commands.length
      await eventually(() => ctap.commands.slice(polls).filter((c) => / NOOP$/i.test(c)).length >= 3, 'three polls of the open Archive', 20_000)
      const uid = streamedMessages(t.events, from)[0]!.uid
      const mark = t.events.length
      const alice = await memberSession(contoso, 'alice@contoso.test', 'support@contoso.test')
      try {
        await alice.mailboxOpen('Archive')
        await alice.messageFlagsAdd(String(uid), ['\\Flagged'], { uid: true })
      } finally {
        await alice.logout()
      }
      await eventually(() => t.events.slice(mark).some((e) => e.name === 'folder.changed' && (e.payload as { folderId: string }).folderId === archive.id), 'folder.changed for Archive after the change')
      const next = await t.service.syncMessages({ folderId: archive.id, since: second.state, knownUids: first.added })
      expect(next.changed).toEqual([{ uid, flags: expect.arrayContaining(['\\Flagged']) }])
      expect(ctap.clientBugs, ctap.commands.filter((c) => / STATUS /i.test(c) || c.includes('CLIENTBUG')).join('\n')).toBe(0)
    } finally {
      await ctap.close()
      await contoso.stop()
    }
  })
})
