import { ZodError, type z } from 'zod'
import { calls, isCallName, type CallName, type CallOutput, type CallResult } from '../../shared/api/contract'
import { apiError, ApiFailure, type ApiError } from '../../shared/api/errors'
import { asConnectionLoss } from '../service/imap/connect'

export type Handlers = {
  [N in CallName]: (input: z.infer<(typeof calls)[N]['input']>) => Promise<CallOutput<N>> | CallOutput<N>
}

/** Turns anything thrown into an error that can cross the boundary, without leaking internals. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiFailure) return e.error
  const lost = asConnectionLoss(e)
  if (lost instanceof ApiFailure) return lost.error
  if (e instanceof ZodError) {
    const issue = e.issues[0]
    return issue
      ? apiError({ code: 'request.invalid', key: 'errors.request.invalid', cause: `${issue.path.join('.') || 'request'}: ${issue.message}`, field: issue.path.map(String).join('.') || undefined })
      : apiError({ code: 'request.invalid', key: 'errors.request.unknownField' })
  }
  return apiError({ code: 'internal', key: 'errors.internal' })
}

/**
 * The one door into the main process: every call from any host (Electron IPC, web host) goes
 * through here. It checks the name, parses the input against the contract, runs the handler, and
 * checks the output too, so a service bug cannot send the renderer something off-contract.
 */
export function createDispatcher(handlers: Handlers, log: (msg: string, e: unknown) => void = () => undefined) {
  return async function dispatch(name: unknown, input: unknown): Promise<CallResult> {
    if (!isCallName(name)) {
      return { ok: false, error: apiError({ code: 'request.unknown', key: 'errors.request.unknownCall', params: { name: JSON.stringify(String(name)).slice(0, 80) } }) }
    }
    const spec = calls[name]
    const parsed = spec.input.safeParse(input ?? {})
    if (!parsed.success) return { ok: false, error: toApiError(parsed.error) }
    try {
      const handler = handlers[name] as (i: unknown) => Promise<unknown>
      const output = spec.output.safeParse(await handler(parsed.data))
      // Off-contract output is our bug, not the caller's.
      if (!output.success) throw new Error(`off-contract output: ${output.error.message}`)
      return { ok: true, value: output.data }
    } catch (e) {
      const error = toApiError(e)
      if (error.code === 'internal') log(`call ${name} failed`, e)
      return { ok: false, error }
    }
  }
}

export type Dispatch = ReturnType<typeof createDispatcher>

/** Binds the contract's calls to a MailService. */
export function serviceHandlers(service: import('../service/mail-service').MailService): Handlers {
  return {
    'app.info': () => service.appInfo(),
    'app.notify': (input) => service.notify(input),
    'app.badge': (input) => service.badge(input.count),
    'session.signIn': (input) => service.signIn(input),
    'session.current': () => service.current(),
    'session.connections': () => service.connections(),
    'session.signOut': async () => { await service.signOut(); return { ok: true as const } },
    'session.oauthBegin': (input) => service.oauthBegin(input.server, input.loginHint, input.selectAccount ?? false),
    'session.oauthFinish': (input) => service.oauthFinish(input.flowId),
    'session.oauthCancel': (input) => { service.oauthCancel(input.flowId); return { ok: true as const } },
    'folders.list': (input) => service.listFolders(input.mailboxId),
    'mailboxes.refresh': () => service.refreshMailboxes(),
    'mailboxes.focus': (input) => service.focusMailbox(input.mailboxId),
    'compose.claimGrant': (input) => service.claimGrant(input.mailboxId, input.kind, input.claimed),
    'server.discover': (input) => service.discoverServer(input.address),
    'mailboxes.add': (input) => service.addSharedMailbox(input.address),
    'mailboxes.remove': (input) => service.removeSharedMailbox(input.mailboxId),
    'messages.sync': (input) => service.syncMessages(input),
    'messages.threading': (input) => service.threading(input.folderId, input.uids),
    'messages.body': (input) => service.body(input.folderId, input.uid),
    'team.read': (input) => service.teamRead(input.mailboxId, input.since, input.distrust, input.batches),
    'team.verify': (input) => service.teamVerify(input.mailboxId, input.batches),
    'team.authors': (input) => service.teamAuthors(input.mailboxId, input.records),
    'team.compact': (input) => service.teamCompact(input.mailboxId, input.locale),
    'team.record': (input) => service.teamRecord(input),
    'signatures.shared': (input) => service.sharedSignature(input.mailboxId),
    'signatures.setShared': (input) => service.setSharedSignature(input),
    'targets.get': (input) => service.responseTargets(input.mailboxId),
    'targets.set': (input) => service.setResponseTargets(input),
    'replies.list': (input) => service.savedReplies(input.mailboxId),
    'replies.change': (input) => service.changeSavedReply(input),
    'replies.files': (input) => service.savedReplyFiles(input.mailboxId, input.uid),
    'read.state': (input) => service.ownReadState(input.mailboxId),
    'read.mark': (input) => service.markOwnRead(input),
    'messages.setFlags': async (input) => ({ ok: true as const, gone: await service.setFlags(input.folderId, input.uids, input.add, input.remove) }),
    'messages.move': (input) => service.move(input.folderId, input.uids, input.toFolderId, input.messageIds),
    'messages.delete': (input) => service.delete(input.folderId, input.uids, input.messageIds),
    'attachments.link': (input) => service.attachmentLink(input.folderId, input.uid, input.partId, input.open),
    'content.remoteImage': async (input) => ({ dataUrl: await service.remoteImage(input.url) }),
    'compose.identities': () => service.identities(),
    'drafts.save': (input) => service.saveDraft(input.draft, input.version),
    'drafts.open': (input) => service.openDraft(input.folderId, input.uid),
    'drafts.delete': async (input) => { await service.discardDraft(input.mailboxId, input.key); return { ok: true as const } },
    'compose.limits': async () => ({ maxBytes: await service.sizeLimit() }),
    'messages.send': (input) => service.send(input),
    'outbox.decide': (input) => service.decideOutbox(input.outboxId, input.attempt, input.choice),
    'smime.status': () => service.smimeStatus(),
    'smime.importIdentity': async (input) => { await service.importSmimeIdentity(input.p12, input.password); return { ok: true as const } },
    'smime.importCertificate': (input) => service.importCertificate(input.certificate),
    'smime.resolveChange': async (input) => ({ ok: true as const, ...await service.resolveCertificateChange(input.address, input.accept) }),
  }
}
