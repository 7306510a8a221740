import type { RuleId } from '../shared/api/errors'
import type { MessageKey, Params } from '../shared/i18n'

/** Everything tandem-admin refuses or fails at, each with its message in the catalogue (admin.errors.*). */
export type AdminErrorCode =
  | 'usage' | 'usageOf' | 'unknownCommand'
  | 'configUnreadable' | 'configInvalid' | 'configNotJson'
  | 'keyMissing' | 'keyUnreadable' | 'keyRefused' | 'keyInsecure'
  | 'doveadmUnreachable' | 'doveadmFailed' | 'doveadmHttp' | 'doveadmMissing' | 'internal'
  | 'storeUnwritable' | 'storeLocked' | 'postfixFailed' | 'accountNotSeen'
  | 'outsideOrganisation' | 'notAPerson' | 'notShared' | 'exists' | 'notMember' | 'memberIsMailbox'
  | 'quotaTooLarge' | 'quotaBadSize' | 'planUnknown' | 'planOverQuota' | 'badAddress'

/** A part of a message that is itself a message of the catalogue (what an address is for, why a command line is wrong). */
export interface Phrase { key: MessageKey; params?: Params }

/**
 * A refusal or failure written for the administrator: what happened and what to do (the
 * message), the rule it comes from and what the server replied (the details line). `phrases`:
 * parameters of the message that are words of the catalogue too, said in the same language.
 */
export class AdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    readonly params: Record<string, string | number> = {},
    readonly extra: { rule?: RuleId; reply?: string; phrases?: Record<string, Phrase> } = {},
  ) {
    super(`${code} ${JSON.stringify(params)}`)
  }

  get rule(): RuleId | undefined { return this.extra.rule }
  get reply(): string | undefined { return this.extra.reply }
}

/** A command line that is not right: why (a phrase of admin.usage), and the command's synopsis where it is known. */
export function usage(why: Phrase, synopsis?: string): AdminError {
  return synopsis ? new AdminError('usageOf', { synopsis }, { phrases: { detail: why } }) : new AdminError('usage', {}, { phrases: { detail: why } })
}
