import type { MessageKey } from '../i18n'
import type { RuleId } from './errors'

/**
 * The rule of shared-mailbox-rules.md behind each error that is one, by the catalogue key that
 * words it. The sentence says what happened and what to do; the rule goes in the error's details
 * line ("Rule R8"), so an error raised anywhere with one of these keys names its rule even where
 * the code that raised it did not say.
 */
export const RULE_OF_KEY: Partial<Record<MessageKey, RuleId>> = {
  'errors.request.notAddedByYou': 'R1',
  'errors.auth.shared': 'R8',
  'errors.auth.wrongOrShared': 'R8',
  'errors.auth.unavailable': 'R9',
  'errors.permission.notMember': 'R1',
  'errors.permission.notListed': 'R1',
  'errors.permission.outsideOrganisation': 'R7',
  'errors.team.mentionOutside': 'R7',
  'errors.permission.deletedFlag': 'R10',
  'errors.permission.alreadyInTrash': 'R10',
  'errors.folder.noTrash': 'R10',
  'errors.folder.noTrashShared': 'R10',
  'errors.send.notAllowedAs': 'R2',
  'errors.send.notAllowedOnBehalf': 'R3',
  'errors.send.grantsPublished': 'R2',
  'errors.send.grantsPublishedOnBehalf': 'R3',
  'errors.send.unverifiableAs': 'R2',
  'errors.send.unverifiableOnBehalf': 'R3',
  'errors.send.encryptionShared': 'R4',
  'errors.send.encryptionSharedShort': 'R4',
  'errors.send.encryptionSharedDraft': 'R4',
  'errors.send.mailboxFull': 'R6',
  'errors.send.refusedAs': 'R2',
  'errors.send.refusedOnBehalf': 'R3',
  'errors.network.noSlot': 'R9',
  'errors.network.tooManyConnections': 'R9',
  'errors.network.dropped': 'R9',
  'errors.network.reconnecting': 'R9',
}

/** The rule an error with this catalogue key is about, if it is about one. */
export const ruleOfKey = (key: string | undefined): RuleId | undefined => (key ? RULE_OF_KEY[key as MessageKey] : undefined)
