import { gzipSync } from 'node:zlib'
import type { ImapFlow } from 'imapflow'
import MailComposer from 'nodemailer/lib/mail-composer'
import { formatIn, type Locale } from '../../../shared/i18n'
import { BATCH_HEADER, MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MIN_BATCH_BYTES, batchChain, batchHeaderValue, batchSlice, chainEnd, encodeBatch, type BatchInfo, type BatchRange } from '../../../shared/team/batches'
import type { StoredTeamRecord } from '../../../shared/team/records'
import { appendTeamRecord } from './team'
import { batchDigest } from './team-authors'
import { logRecords, verifyBatches } from './team-batch-check'
import { BATCH_FILE, BATCH_TYPE, listBatches } from './team-batches'

/** Records appended since the last batch before a member's client writes the next one. */
export const BATCH_EVERY = 2000

/** What a batch says to a person who opens the folder in another client. */
export function batchSentence(count: number, locale: Locale): { subject: string; text: string } {
  const subject = formatIn(locale, 'team.record.batch', { count })
  return { subject, text: `${subject}.\n\n${formatIn(locale, 'team.record.batchExplain')}` }
}

/** A batch as a message: the sentence, and the records as a gzip attachment; \Seen, appended, never sent. */
export async function batchMessage(from: number, records: StoredTeamRecord[], by: { address: string; name: string }, locale: Locale): Promise<{ raw: Buffer; range: BatchRange }> {
  const range = { from, upto: records.at(-1)!.uid, records: records.length }
  const zipped = gzipSync(Buffer.from(encodeBatch(records)))
  const { subject, text } = batchSentence(records.length, locale)
  const digest = batchDigest(zipped)
  const raw = await new MailComposer({
    from: { name: by.name, address: by.address },
    subject,
    messageId: `<batch-${range.from}-${range.upto}-${digest}@team.tandem.invalid>`,
    headers: { 'X-Tandem-Team': '1', 'Auto-Submitted': 'auto-generated', [BATCH_HEADER]: batchHeaderValue(range) },
    text,
    attachments: [{ filename: BATCH_FILE, content: zipped, contentType: BATCH_TYPE }],
  }).compile().build()
  return { raw, range }
}

/**
 * Appends a batch of the records after the chain, when there are `threshold` of them or more,
 * checking the chain first (a batch that differs from the log is passed over, as every reader
 * that checked it does). `verified`: batches this service already checked, kept across calls.
 * The new batch, or null when there were too few records to batch. `attest`: puts a copy in
 * the author's own folder before the batch is appended (team-authors.ts).
 */
export async function compactTeamFolder(client: ImapFlow, path: string, by: { address: string; name: string }, locale: Locale, threshold: number,
  verified: { uidValidity: string; good: Set<number>; bad: Set<number> }, attest: (raw: Buffer) => Promise<void> = async () => undefined): Promise<(BatchInfo & { passedOver: BatchInfo[] }) | null> {
  const listed = await listBatches(client, path)
  if (verified.uidValidity !== listed.uidValidity) { verified.uidValidity = listed.uidValidity; verified.good.clear(); verified.bad.clear() }
  const passedOver: BatchInfo[] = []
  let chain = batchChain(listed.batches, verified.bad)
  for (;;) {
    const unchecked = chain.filter((b) => !verified.good.has(b.uid))
    if (!unchecked.length) break
    const { bad } = await verifyBatches(client, path, unchecked.map((b) => b.uid))
    for (const b of unchecked) (bad.some((x) => x.uid === b.uid) ? verified.bad : verified.good).add(b.uid)
    passedOver.push(...bad)
    chain = batchChain(listed.batches, verified.bad)
  }
  const from = chainEnd(chain)
  const lock = await client.getMailboxLock(path, { readOnly: true })
  let candidates: number
  try {
    const found = (await client.search({ uid: `${from}:*` }, { uid: true })) || []
    candidates = found.filter((u) => u >= from).length - listed.batches.filter((b) => b.uid >= from).length
  } finally {
    lock.release()
  }
  if (candidates < threshold) return null
  // As many as one batch may take (MAX_BATCH_RECORDS, MAX_BATCH_BYTES); the rest go in the next.
  const records = batchSlice(await logRecords(client, path, listed.uidValidity, from, Number.MAX_SAFE_INTEGER, MAX_BATCH_RECORDS))
  if (records.length < threshold && encodeBatch(records).length < MAX_BATCH_BYTES / 2) return null
  const { raw, range } = await batchMessage(from, records, by, locale)
  // Too small to be found (listBatches): not worth a message of its own.
  if (raw.length <= MIN_BATCH_BYTES) return null
  // Its copy in the author's own folder first, where the administrator set one up (team-authors.ts).
  await attest(raw)
  const uid = await appendTeamRecord(client, path, raw)
  if (uid !== null) verified.good.add(uid)
  return { ...range, uid: uid ?? 0, by: by.address, passedOver }
}
