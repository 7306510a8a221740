import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it } from 'vitest'
import type { MessageSummary } from '../../../shared/domain'
import { TandemDb } from '../../../renderer/src/cache/db'
import { HeaderIndex, type HeaderEntry } from '../../../renderer/src/cache/header-index'
import { mailboxOfFolder, messageKey } from '../../../shared/ids'

const INBOX = 'shared:support@example.test|INBOX'
const OWN = 'own:bob@example.test|INBOX'

function summary(folderId: string, uid: number, subject: string, from = 'Maya Patel <maya@example.test>'): MessageSummary {
  const [, name, address] = /^(.*) <(.*)>$/.exec(from)!
  return {
    id: messageKey(folderId, uid), folderId, mailboxId: mailboxOfFolder(folderId), uid, messageId: null, inReplyTo: null,
    subject, from: [{ name: name!, address: address! }], to: [], cc: [], date: uid, size: 1, flags: [], hasAttachments: false, sender: null, draftBy: null, referencesRoot: null, threadIndex: null, conversationId: subject,
  }
}

let db: TandemDb
afterEach(async () => { db.close(); await db.delete() })
const everywhere = () => true
const ids = (es: HeaderEntry[]) => es.map((e) => e.id).sort()
const sorted = (xs: string[]) => [...xs].sort()

describe('the header index (offline search)', () => {
  it('finds every word in subject, names and addresses, within the scope, and follows the cache\'s changes', async () => {
    db = new TandemDb('index@example.test')
    await db.summaries.put([
      summary(INBOX, 1, 'Refund for order 17'),
      summary(INBOX, 2, 'Order 18 arrived broken', 'Priya Shah <priya@example.test>'),
      summary(INBOX, 3, 'Your invoice'),
      summary(OWN, 1, 'Refund question', 'Priya Shah <priya@example.test>'),
    ])
    const index = new HeaderIndex()
    db.summaries.onChange((c) => index.apply(c))
    expect(ids(await index.search(db, ['refund'], everywhere))).toEqual(sorted([`${INBOX}|1`, `${OWN}|1`]))
    expect(ids(await index.search(db, ['order', 'priya'], everywhere))).toEqual([`${INBOX}|2`])
    expect(ids(await index.search(db, ['refund', 'priya'], (e) => e.folderId === INBOX))).toEqual([])
    expect(ids(await index.search(db, ['maya@example'], (e) => e.folderId === INBOX))).toEqual([`${INBOX}|1`, `${INBOX}|3`])
    expect(await index.search(db, ['zzz'], everywhere)).toEqual([])

    await db.summaries.put([summary(INBOX, 4, 'Second refund request')])
    await db.summaries.remove([`${INBOX}|1`])
    expect(ids(await index.search(db, ['refund'], everywhere))).toEqual(sorted([`${INBOX}|4`, `${OWN}|1`]))
  })

  it('also finds messages whose cached body holds the words', async () => {
    db = new TandemDb('index-bodies@example.test')
    await db.summaries.put([summary(INBOX, 1, 'Hello'), summary(INBOX, 2, 'Hello again')])
    await db.bodies.put({ id: `${INBOX}|2`, mailboxId: 'shared:support@example.test', folderId: INBOX, uid: 2, html: null, text: 'the warranty plan', attachments: [], problems: [], searchText: 'the warranty plan' } as never)
    const index = new HeaderIndex()
    expect(ids(await index.search(db, ['warranty'], everywhere))).toEqual([`${INBOX}|2`])
    expect(ids(await index.search(db, ['hello'], everywhere))).toEqual([`${INBOX}|1`, `${INBOX}|2`])
  })
})

describe('the header index built in the background', () => {
  it('waits between its pages for what the window holds it for, until a search wants it', async () => {
    db = new TandemDb('index-background@example.test')
    // Enough blocks for several pages (8 blocks of 256 UIDs a page).
    await db.summaries.put(Array.from({ length: 5000 }, (_, i) => summary(INBOX, i * 3 + 1, `subject ${i}`)))
    let release: (() => void) | null = null
    let paused = 0
    const index = new HeaderIndex(() => { paused++; return new Promise<void>((r) => { release = r }) })
    const warm = index.get(db, true)
    await new Promise((r) => setTimeout(r, 50))
    // Held after its first page: one pause asked for, nothing more read.
    expect(paused).toBe(1)
    // A search does not wait for the hold: the walk goes on in idle moments alone.
    const found = await index.search(db, ['subject', '4999'], everywhere)
    expect(found.map((e) => e.id)).toEqual([messageKey(INBOX, 4999 * 3 + 1)])
    expect(paused).toBe(1)
    release!()
    expect((await warm).size).toBe(5000)
  })
})
