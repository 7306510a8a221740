import type { SendRequest } from '../../../../shared/api/contract'
import type { TaskBase, TaskKind } from './types'

export interface SendTask extends TaskBase { kind: 'send'; request: SendRequest }
export interface DraftTask extends TaskBase { kind: 'draft'; request: SendRequest; key: string; n: number }
/** A discarded draft: every saved version of it (by key) leaves the mailbox's Drafts. */
export interface DiscardDraftTask extends TaskBase { kind: 'discardDraft'; key: string }

function stripOutbox(r: SendRequest) {
  const { outboxId: _o, queuedAt: _q, answeredOk: _a, replacesDrafts: _d, ...draft } = withoutDecisions(r)
  return draft
}

/**
 * A request as an earlier version stored it could carry the person's decision about an
 * uncertain attempt (resend, alreadySent) for good. Decisions live in main's journal now, each
 * covering one attempt: what the window stored is dropped, and can authorise nothing.
 */
function withoutDecisions(r: SendRequest): SendRequest {
  const { resend: _r, alreadySent: _s, ...rest } = r as SendRequest & { resend?: unknown; alreadySent?: unknown }
  return rest
}

const noRows = { rows: () => null, overlay: () => null, revert: () => Promise.resolve(), inverse: () => null } as const

/** A message to send: the task row is the Outbox; main checks R2–R6 again when it runs. */
export const sendTask: TaskKind<SendTask> = {
  ...noRows,
  run: (t, call) => call('messages.send', { ...withoutDecisions(t.request), outboxId: t.id, queuedAt: t.request.queuedAt ?? t.createdAt }),
  refused: 'hold',
  afterCrash: 'The outbox id fixes the Message-ID: main finds it in its journal (numbered attempts, marked before the end of DATA) and the Sent folder, and does not submit it twice; a message that may have gone waits for the person, whose decision main keeps for one attempt.',
}

/** A version of a draft, saved in the identity's mailbox's Drafts. */
export const draftTask: TaskKind<DraftTask> = {
  ...noRows,
  run: (t, call) => call('drafts.save', { draft: stripOutbox(t.request), version: { key: t.key, n: t.n } }),
  refused: 'hold',
  afterCrash: 'A version (key, n) replaces the earlier versions this device saved, so saving it twice leaves one.',
}

export const discardDraftTask: TaskKind<DiscardDraftTask> = {
  ...noRows,
  run: (t, call) => call('drafts.delete', { mailboxId: t.mailboxId, key: t.key }),
  refused: 'drop',
  afterCrash: 'Removing versions that are gone already removes nothing.',
}
