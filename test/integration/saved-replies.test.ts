import { createHash, randomBytes, randomUUID } from 'node:crypto'
import nodemailer from 'nodemailer'
import { beforeAll, describe, expect, it } from 'vitest'
import { readSavedReplyRecords, savedReplyMessage } from '../../electron/service/operations/saved-replies'
import { placedWith } from '../../electron/service/imap/placed-search'
import { MAX_REPLY_FILES_BYTES, SAVED_REPLY_FILES_VERSION, SAVED_REPLY_HEADER, SAVED_REPLY_VERSION } from '../../shared/rules/saved-replies'
import type { MailStack } from '../mailstack/stack'
import { imapSession, passwordOf, type TestService } from './helpers'
import { organisationHarness, twoServerShapes } from './organisation-harness'

/**
 * Saved replies kept in a mailbox's team folder (R1, R10, R15): one member saves one, another
 * member's new service (another device, after a restart) reads it with its author; a delete is
 * kept and a restore brings it back; a record delivered into the folder through a detail address
 * and one a member forges in another's name do not count as theirs; someone who is not a member
 * can neither read nor write them; hostile sizes and counts are passed over; the person's own
 * mailbox keeps their own. On Proseware (Dovecot, a folder per member: confirmed authors) and
 * on Fabrikam, shaped like Exchange Online (no METADATA, ACL or custom keywords: claimed authors).
 */
const people = { eva: 'Eva Evers', finn: 'Finn Falk', gus: 'Gus Gray' }
const shared = [{ local: 'service', name: 'Service Desk', members: [{ local: 'eva', sendAs: true }, { local: 'finn' }] }]
const cases = twoServerShapes(people, shared, { teamMembers: true, detailDelivery: true })

for (const c of cases) {
  describe(`saved replies: ${c.what}`, () => {
    const org = organisationHarness(c.org, c.domain)
    const { at, signedIn } = org
    let stack: MailStack
    beforeAll(() => { stack = org.stack() })
    const deskOf = (t: TestService) => t.service.current()!.mailboxes.find((m) => m.address === at('service'))!
    const ownOf = (t: TestService) => t.service.current()!.mailboxes.find((m) => m.kind !== 'shared')!
    const save = (t: TestService, mailboxId: string, reply: string, name: string, html: string) =>
      t.service.changeSavedReply({ op: 'save', mailboxId, id: randomUUID(), reply, at: Date.now(), name, html, locale: 'en' })
    /** A member's own IMAP session into the shared mailbox, as a member who writes raw IMAP would. */
    const memberImap = (local: string) => imapSession(stack, `${at('service')}*${at(local)}`, passwordOf(stack, at(local)))

    it('one member saves a reply, another member reads it with its author; a delete is kept and a restore brings it back (R10)', async () => {
      const eva = await signedIn('eva')
      const desk = deskOf(eva)
      expect((await eva.service.savedReplies(desk.id)).replies).toEqual([])
      const reply = randomUUID()
      const html = '<p>Dear {customer.firstName},</p><p>Your refund is on its way. — {me.name}</p>'
      expect((await save(eva, desk.id, reply, 'Refund', html)).uid).toBeGreaterThan(0)

      // Finn, on his own device (a service of his own, started after the save).
      const finn = await signedIn('finn')
      const read = await finn.service.savedReplies(deskOf(finn).id)
      expect(read.authors).toBe(c.confirmed ? 'confirmed' : 'claimed')
      expect(read.replies).toEqual([expect.objectContaining({ id: reply, name: 'Refund', html, changedBy: at('eva'), changedConfirmed: c.confirmed, deleted: null })])

      // Finn deletes it: a record like any other, so Eva sees who did, and brings it back.
      await finn.service.changeSavedReply({ op: 'delete', mailboxId: deskOf(finn).id, id: randomUUID(), reply, at: Date.now(), locale: 'nl' })
      const deleted = (await eva.service.savedReplies(desk.id)).replies[0]!
      expect(deleted).toMatchObject({ html, deleted: { by: at('finn'), confirmed: c.confirmed } })
      await eva.service.changeSavedReply({ op: 'restore', mailboxId: desk.id, id: randomUUID(), reply, at: Date.now(), locale: 'en' })
      const back = (await finn.service.savedReplies(deskOf(finn).id)).replies[0]!
      expect(back).toMatchObject({ html, deleted: null, changedBy: at('eva') })
      expect(back.history.map((h) => [h.op, h.by])).toEqual([['restore', at('eva')], ['delete', at('finn')], ['save', at('eva')]])

      // An edit by a colleague: the newest save is the text, the record names him.
      await save(finn, deskOf(finn).id, reply, 'Refund', '<p>Refund sent, {customer.firstName}.</p>')
      expect((await eva.service.savedReplies(desk.id)).replies[0]).toMatchObject({ html: '<p>Refund sent, {customer.firstName}.</p>', changedBy: at('finn') })

      // Gus is not a member (R1): the mailbox's saved replies are not his to read or to write.
      const gus = await signedIn('gus')
      expect(gus.service.current()!.mailboxes.some((m) => m.id === desk.id)).toBe(false)
      await expect(gus.service.savedReplies(desk.id)).rejects.toBeTruthy()
      await expect(save(gus, desk.id, randomUUID(), 'Mine now', '<p>x</p>')).rejects.toBeTruthy()
      expect((await eva.service.savedReplies(desk.id)).replies.map((r) => r.name)).toEqual(['Refund'])
    }, 120_000)

    it('delivered mail is never a saved reply nor hides one, and a record a member forges in another\'s name is not confirmed as theirs', async () => {
      const FLOOD = 30
      const eva = await signedIn('eva')
      const desk = deskOf(eva)
      const before = (await eva.service.savedReplies(desk.id)).replies.length
      // Mail from outside, filed into the team folder through a detail address.
      const forged = await savedReplyMessage({ v: SAVED_REPLY_VERSION, op: 'save', id: randomUUID(), reply: randomUUID(), at: Date.now(), by: at('eva'), name: 'Password reset', html: '<p>Send your password to mallory@example.net</p>' }, 'Eva Evers', 'x', 'y')
      // Thirty of them, each near the biggest a record may be: together most of a read's byte
      // budget, which they must not spend (the server leaves delivered mail out of the SEARCH).
      const padded = Buffer.concat([forged, Buffer.from(`\r\n${'x'.repeat(76)}`.repeat(3000))])
      const mx = nodemailer.createTransport({ host: '127.0.0.1', port: stack.ports.smtp, secure: false, ignoreTLS: true })
      for (let i = 0; i < FLOOD; i++) await mx.sendMail({ envelope: { from: 'mallory@example.net', to: [`"service+Tandem Team"@${c.domain}`] }, raw: padded })
      mx.close()
      const witness = await memberImap('finn')
      try {
        const delivered = async () => {
          const lock = await witness.getMailboxLock('Tandem Team', { readOnly: true })
          try { return ((await witness.search({ header: { 'return-path': 'mallory@example.net' } }, { uid: true })) || []).length } finally { lock.release() }
        }
        await expect.poll(delivered, { timeout: 30_000 }).toBe(FLOOD)
        // Finn appends a record in Eva's name with his own IMAP client.
        const inHerName = await savedReplyMessage({ v: SAVED_REPLY_VERSION, op: 'save', id: randomUUID(), reply: randomUUID(), at: Date.now(), by: at('eva'), name: 'Forged', html: '<p>Forged</p>' }, 'Eva Evers', 'x', 'y')
        await witness.append('Tandem Team', inHerName, ['\\Seen'])
      } finally {
        await witness.logout()
      }
      const read = await eva.service.savedReplies(desk.id)
      expect(read.replies.map((r) => r.name)).not.toContain('Password reset')
      expect(read.replies).toHaveLength(before + 1)
      // Any member may add a saved reply; who wrote it is what the server confirms, and it does not confirm Eva for Finn's.
      expect(read.replies.find((r) => r.name === 'Forged')).toMatchObject({ changedBy: at('eva'), changedConfirmed: false })
    }, 120_000)

    it('hostile sizes and counts are passed over, bounded (R15)', async () => {
      const eva = await signedIn('eva')
      const desk = deskOf(eva)
      const imap = await memberImap('finn')
      try {
        // Records far bigger than any saved reply can be: never read.
        const huge = Buffer.from(`From: finn@${c.domain}\r\nSubject: big\r\n${SAVED_REPLY_HEADER}: ${'QUFB'.repeat(400_000)}\r\n\r\nx\r\n`)
        for (let i = 0; i < 3; i++) await imap.append('Tandem Team', huge, ['\\Seen'])
      } finally {
        await imap.logout()
      }
      const afterHuge = await eva.service.savedReplies(desk.id)
      expect(afterHuge.replies.map((r) => r.name)).toContain('Refund')
      expect(afterHuge.skipped).toBeGreaterThanOrEqual(3)

      // More records than a read looks at (the service's bound is MAX_REPLY_RECORDS; the same read with a bound of 40 here):
      // the newest are taken, and what was passed over is counted.
      const flood = await memberImap('finn')
      try {
        const junk = Buffer.from(`From: finn@${c.domain}\r\nSubject: junk\r\n${SAVED_REPLY_HEADER}: e30=\r\n\r\nx\r\n`)
        for (let i = 0; i < 50; i++) await flood.append('Tandem Team', junk, ['\\Seen'])
        await save(eva, desk.id, randomUUID(), 'After the flood', '<p>ok</p>')
        const read = await readSavedReplyRecords(flood, 'Tandem Team', 40)
        expect(read.records.map((r) => r.op === 'save' && r.name)).toEqual(['After the flood'])
        // Every message that carries the header is either read or counted as passed over.
        const lock = await flood.getMailboxLock('Tandem Team', { readOnly: true })
        let all = 0
        // (Delivered mail carrying it is left out by the server itself: never read, never counted.)
        try { all = ((await flood.search(placedWith(SAVED_REPLY_HEADER), { uid: true })) || []).length } finally { lock.release() }
        expect(all).toBeGreaterThan(50)
        expect(read.records.length + read.skipped).toBe(all)
      } finally {
        await flood.logout()
      }
    }, 240_000)

    it('a saved reply carries files: another member reads the list without them and gets them, checked, when using it; a forged part is refused', async () => {
      const eva = await signedIn('eva')
      const desk = deskOf(eva)
      const reply = randomUUID()
      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300_000)])
      const csv = Buffer.from('order,amount\n10248,32.00\n', 'utf8')
      await eva.service.changeSavedReply({ op: 'save', mailboxId: desk.id, id: randomUUID(), reply, at: Date.now(), name: 'Returns form', html: '<p>The form is attached.</p>', locale: 'en',
        files: [{ filename: 'Returns form.pdf', contentType: 'application/pdf', contentBase64: pdf.toString('base64') }, { filename: 'orders.csv', contentType: 'text/csv', contentBase64: csv.toString('base64') }] })

      // Finn's device lists it with what its files are (sizes and hashes worked out by Eva's service, never the window's word)…
      const finn = await signedIn('finn')
      const listed = (await finn.service.savedReplies(deskOf(finn).id)).replies.find((r) => r.id === reply)!
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
      expect(listed.files).toEqual([{ name: 'Returns form.pdf', type: 'application/pdf', size: pdf.length, sha256: sha(pdf) }, { name: 'orders.csv', type: 'text/csv', size: csv.length, sha256: sha(csv) }])
      expect(listed.filesUid).toBeGreaterThan(0)
      // …and gets the very bytes when he uses it.
      const got = await finn.service.savedReplyFiles(deskOf(finn).id, listed.filesUid!)
      expect(got.files.map((f) => [f.filename, f.contentType, Buffer.from(f.contentBase64, 'base64').equals(f.filename.endsWith('.pdf') ? pdf : csv)])).toEqual([['Returns form.pdf', 'application/pdf', true], ['orders.csv', 'text/csv', true]])

      // An independent session sees one message in the team folder holding both as attachments.
      const imap = await memberImap('finn')
      try {
        const lock = await imap.getMailboxLock('Tandem Team', { readOnly: true })
        try {
          const m = await imap.fetchOne(String(listed.filesUid), { bodyStructure: true, size: true }, { uid: true })
          const names: string[] = []
          const walk = (n: { disposition?: string; dispositionParameters?: { filename?: string }; childNodes?: unknown[] }) => { if (n.disposition === 'attachment') names.push(n.dispositionParameters?.filename ?? ''); for (const c of n.childNodes ?? []) walk(c as typeof n) }
          walk((m ? m.bodyStructure : {}) as never)
          expect(names).toEqual(['Returns form.pdf', 'orders.csv'])
        } finally { lock.release() }

        // A member appends a record that lists a file its message does not hold: it is listed, but its files are refused, in words.
        const other = Buffer.from('not the file the record lists')
        const forged = await savedReplyMessage({ v: SAVED_REPLY_FILES_VERSION, op: 'save', id: randomUUID(), reply: randomUUID(), at: Date.now(), by: at('finn'), name: 'Forged form', html: '<p>x</p>',
          files: [{ name: 'form.pdf', type: 'application/pdf', size: pdf.length, sha256: sha(pdf) }] }, 'Finn Falk', 'x', 'y', [other])
        await imap.append('Tandem Team', forged, ['\\Seen'])
      } finally {
        await imap.logout()
      }
      const forgedReply = (await eva.service.savedReplies(desk.id)).replies.find((r) => r.name === 'Forged form')!
      await expect(eva.service.savedReplyFiles(desk.id, forgedReply.filesUid!)).rejects.toMatchObject({ error: { key: 'errors.replies.filesChanged' } })
      // A reply's UID that holds no files (or no record) is "gone", not an attachment of anything else.
      const { uid: plainUid } = await save(eva, desk.id, randomUUID(), 'No files', '<p>Nothing attached.</p>')
      await expect(eva.service.savedReplyFiles(desk.id, plainUid!)).rejects.toMatchObject({ error: { key: 'errors.replies.filesGone' } })
      // Files beyond the bound are refused before anything is appended.
      const big = randomBytes(MAX_REPLY_FILES_BYTES + 1).toString('base64')
      await expect(eva.service.changeSavedReply({ op: 'save', mailboxId: desk.id, id: randomUUID(), reply: randomUUID(), at: Date.now(), name: 'Too big', html: '<p>x</p>', locale: 'en',
        files: [{ filename: 'big.bin', contentType: 'application/octet-stream', contentBase64: big }] })).rejects.toMatchObject({ error: { key: 'errors.replies.filesTooBig' } })
      expect((await eva.service.savedReplies(desk.id)).replies.some((r) => r.name === 'Too big')).toBe(false)
    }, 120_000)

    it('the person\'s own saved replies are kept in their own mailbox, for them alone', async () => {
      const finn = await signedIn('finn')
      const own = ownOf(finn)
      const reply = randomUUID()
      await save(finn, own.id, reply, 'Thanks', '<p>Thanks, {customer.firstName}!</p>')
      // A new device of Finn's reads it from his mailbox.
      const again = await signedIn('finn')
      expect((await again.service.savedReplies(ownOf(again).id)).replies).toEqual([expect.objectContaining({ id: reply, name: 'Thanks', changedBy: at('finn') })])
      // Eva's own mailbox has none of it, nor of the team's.
      const eva = await signedIn('eva')
      expect((await eva.service.savedReplies(ownOf(eva).id)).replies).toEqual([])
      // The team folder is not listed among the person's folders.
      expect((await again.service.listFolders(ownOf(again).id)).some((f) => f.name === 'Tandem Team')).toBe(false)
    }, 120_000)
  })
}
