import type { RuleId } from '../shared/api/errors'

/** Everything tandem-admin refuses or fails at, each with its message in the catalogue (admin.errors.*). */
export type AdminErrorCode =
  | 'usage' | 'unknownCommand'
  | 'configUnreadable' | 'configInvalid'
  | 'keyMissing' | 'keyUnreadable' | 'keyRefused' | 'keyInsecure'
  | 'doveadmUnreachable' | 'doveadmFailed' | 'doveadmHttp' | 'doveadmMissing'
  | 'storeUnwritable' | 'storeLocked' | 'postfixFailed'
  | 'outsideOrganisation' | 'notAPerson' | 'notShared' | 'exists' | 'isShared' | 'notMember' | 'memberIsMailbox'
  | 'quotaTooLarge' | 'quotaBadSize' | 'planUnknown' | 'planOverQuota' | 'badAddress'

/**
 * A refusal or failure written for the administrator: what happened and what to do (the
 * message), the rule it comes from and what the server replied (the details line). `changed`:
 * whether anything had been changed when it stopped (the audit says what).
 */
export class AdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    readonly params: Record<string, string | number> = {},
    readonly extra: { rule?: RuleId; reply?: string } = {},
  ) {
    super(`${code} ${JSON.stringify(params)}`)
  }

  get rule(): RuleId | undefined { return this.extra.rule }
  get reply(): string | undefined { return this.extra.reply }
}
