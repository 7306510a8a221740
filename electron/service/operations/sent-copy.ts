import type { ImapFlow } from 'imapflow'
import type { StateStore } from '../storage/state-store'
import { findByMessageId } from './triage'

/**
 * The copy of a sent message in the Sent folder of the mailbox it was sent from — once. Some
 * servers file their own copy of every message submitted over SMTP (Exchange Online: in the
 * submitter's Sent Items, and in a shared mailbox's where its administrator enabled
 * MessageCopyForSentAsEnabled / MessageCopyForSendOnBehalfEnabled); a client that appends its
 * own as well leaves two. So after a send Tandem looks for a copy with the message's Message-ID
 * for a bounded moment, and appends its own only when none came.
 *
 * How long it looks depends on what it learned of that mailbox on this device: where the server
 * was seen filing copies, long enough for a busy server's copy to arrive; where it was seen not
 * to, a short look (an administrator may turn copies on later: the first copy seen changes the
 * answer); where nothing is known yet, in between.
 */
export const LOOK_MS = { files: 10_000, unknown: 3_000, none: 1_000 } as const
/** Between two looks. */
const EVERY_MS = 250

type Learned = keyof typeof LOOK_MS
const KEY = 'sentCopies'

/** What this device learned per mailbox (by address): whether its server files copies of sent mail. */
async function learned(state: StateStore, mailbox: string): Promise<Learned> {
  return (await state.read<Record<string, 'files' | 'none'>>(KEY))?.[mailbox.toLowerCase()] ?? 'unknown'
}

async function learn(state: StateStore, mailbox: string, now: 'files' | 'none'): Promise<void> {
  const all = await state.read<Record<string, 'files' | 'none'>>(KEY) ?? {}
  if (all[mailbox.toLowerCase()] === now) return
  await state.write(KEY, { ...all, [mailbox.toLowerCase()]: now })
}

export interface SentCopy {
  /** The working connection of the mailbox the message was sent from. */
  client: () => Promise<ImapFlow>
  /** Its Sent folder's path. */
  path: string
  messageId: string
  /** The copy Tandem would append (built only when needed). */
  build: () => Promise<Buffer>
  /** The mailbox's address: what is learned is kept per mailbox. */
  mailbox: string
  state: StateStore
}

/**
 * Makes sure the Sent folder holds one copy of the message: the server's own when it files one
 * within the moment, else Tandem's. Says whose it is.
 */
export async function completeSentCopy(c: SentCopy): Promise<'server' | 'ours'> {
  const until = Date.now() + LOOK_MS[await learned(c.state, c.mailbox)]
  for (;;) {
    // Called once the server accepted the message and before Tandem appended anything: a copy
    // under its Message-ID (unique to this message, fixed through every attempt) is the server's.
    if (await findByMessageId(await c.client(), c.path, c.messageId) !== null) {
      await learn(c.state, c.mailbox, 'files')
      return 'server'
    }
    if (Date.now() >= until) break
    await new Promise((r) => setTimeout(r, Math.min(EVERY_MS, Math.max(0, until - Date.now()))))
  }
  await (await c.client()).append(c.path, await c.build(), ['\\Seen'])
  await learn(c.state, c.mailbox, 'none')
  return 'ours'
}
