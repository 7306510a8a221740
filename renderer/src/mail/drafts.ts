import type { Folder, MessageSummary } from '../../../shared/domain'

/** A saved draft: in a Drafts folder, or flagged \\Draft where another client keeps drafts elsewhere. */
export const isDraft = (m: Pick<MessageSummary, 'flags'>, folder: Pick<Folder, 'role'> | null): boolean =>
  folder?.role === 'drafts' || m.flags.includes('\\Draft')
