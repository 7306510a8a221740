/**
 * The names of every call and event, without their schemas, for the sandboxed preload (which
 * bundles no validation library). contract.ts checks at compile time that these match it.
 */
export const CALL_NAMES = [
  'app.info', 'app.notify', 'app.badge', 'server.discover', 'session.signIn', 'session.current', 'session.connections', 'session.signOut', 'session.oauthBegin', 'session.oauthFinish', 'session.oauthCancel', 'folders.list', 'mailboxes.refresh', 'mailboxes.add', 'mailboxes.remove', 'mailboxes.focus',
  'messages.sync', 'messages.threading', 'messages.body', 'team.read', 'team.record', 'signatures.shared', 'signatures.setShared', 'targets.get', 'targets.set', 'replies.list', 'replies.change', 'replies.files', 'read.state', 'read.mark', 'team.verify', 'team.authors', 'team.compact', 'messages.setFlags', 'messages.move', 'messages.delete', 'attachments.link', 'content.remoteImage',
  'compose.identities', 'compose.claimGrant', 'compose.limits', 'messages.send', 'outbox.decide', 'drafts.save', 'drafts.open', 'drafts.delete', 'smime.status', 'smime.importIdentity', 'smime.importCertificate',
  'smime.resolveChange',
] as const
export const EVENT_NAMES = ['connection.state', 'session.ended', 'session.changed', 'sync.messages', 'folder.changed', 'team.changed', 'smtp.state', 'app.mailto', 'app.notificationClicked', 'confirm.waiting', 'confirm.settled'] as const

/** IPC channels between preload and main. */
export const IPC_CALL = 'tandem:call'
export const IPC_EVENT = 'tandem:event'
