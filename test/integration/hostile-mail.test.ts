import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseOrganisation } from '../mailstack/organisation'
import { startMailStack, type MailStack } from '../mailstack/stack'
import { newService, serverSettings, streamedMessages, type TestService } from './helpers'
import type { MessageSummary } from '../../shared/domain'

let stack: MailStack
let t: TestService
const crlf = (lines: string[]) => lines.join('\r\n')

const BROKEN = {
  // Multipart that never closes its boundary, with a part in a charset nobody knows.
  noBoundaryEnd: crlf(['From: a@x.example', 'Subject: Broken boundary', 'MIME-Version: 1.0', 'Content-Type: multipart/alternative; boundary="zzz"', '',
    '--zzz', 'Content-Type: text/plain; charset=x-klingon', '', 'Qapla\' from a strange charset', '--zzz', 'Content-Type: text/html', '', '<p>half an html part']),
  // A boundary parameter that is missing altogether.
  noBoundary: crlf(['From: b@x.example', 'Subject: No boundary at all', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed', '', 'just some text that is not in any part']),
  // Garbage headers, 8-bit subject, no From.
  garbage: Buffer.concat([Buffer.from('Subject: Caf\xe9 menu \xff\xfe\r\nX-Weird: \x01\x02\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n', 'latin1')]),
  // A huge plain-text body.
  huge: crlf(['From: c@x.example', 'Subject: Huge', 'Content-Type: text/plain; charset=utf-8', '', 'x'.repeat(3 * 1024 * 1024)]),
}

beforeAll(async () => {
  stack = await startMailStack(parseOrganisation({
    name: 'H', domains: ['h.test'],
    users: [{ address: 'hugo@h.test', name: 'Hugo', password: 'hugo-pw', quotaMB: 1 }],
  }))
  await stack.seed('hugo@h.test', 'INBOX', Object.values(BROKEN).map((raw) => ({ raw })))
  t = await newService()
  await t.service.signIn({ address: 'hugo@h.test', password: 'hugo-pw', server: serverSettings(stack) })
  await t.service.listFolders('own:hugo@h.test')
})
afterAll(async () => { await t?.service.stop(); await stack?.stop() })

describe('malformed and hostile mail', () => {
  let list: MessageSummary[] = []

  it('syncs every message of a mailbox full of broken MIME', async () => {
    await t.service.syncMessages({ folderId: 'own:hugo@h.test|INBOX', since: null, knownUids: 0 })
    list = streamedMessages(t.events)
    expect(list).toHaveLength(4)
    expect(list.map((m) => m.subject)).toEqual(expect.arrayContaining(['Broken boundary', 'Huge', 'No boundary at all']))
    // 8-bit garbage in a header still gives a subject the list can show.
    expect(list.find((m) => m.subject.startsWith('Caf'))).toBeDefined()
    expect(list.find((m) => m.subject.startsWith('Caf'))!.from).toEqual([])
  })

  it('shows what can be shown of each, never failing', async () => {
    for (const m of list) {
      const body = await t.service.body(m.folderId, m.uid)
      expect(body.text ?? body.html, m.subject).toBeTruthy()
    }
    const strange = await t.service.body(list.find((m) => m.subject === 'Broken boundary')!.folderId, list.find((m) => m.subject === 'Broken boundary')!.uid)
    expect(strange.text).toContain('Qapla')
    expect(strange.warnings.map((w) => w.message).join(' ')).toContain('x-klingon')
  })

  it('cuts a huge body to a readable size and says so', async () => {
    const huge = list.find((m) => m.subject === 'Huge')!
    const body = await t.service.body(huge.folderId, huge.uid)
    expect(body.truncated).toBe(true)
    expect(body.text!.length).toBeLessThanOrEqual(2 * 1024 * 1024)
  })

  it('marks a mailbox over its quota as full (R5, R6)', async () => {
    const session = await t.service.refreshMailboxes()
    const own = session.mailboxes[0]!
    expect(own.quota).toMatchObject({ limit: 1024 * 1024, level: 'full' })
    expect(own.quota!.percent).toBeGreaterThanOrEqual(100)
  })
})
