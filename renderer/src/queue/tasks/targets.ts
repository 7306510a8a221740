import type { ResponseTargetsSettings } from '../../../../shared/rules/response-targets'
import type { Locale } from '../../../../shared/i18n'
import type { TaskBase, TaskKind } from './types'

/**
 * A change of a shared mailbox's response targets (shared/rules/response-targets.ts): one
 * message appended to its team folder. The task's id is the change's id, fixed when the person
 * saved, so a device that saved offline appends it once when the mailbox is back.
 */
export interface TargetsTask extends TaskBase {
  kind: 'targets'
  targets: ResponseTargetsSettings
  /** When the person saved (their clock): the record says so, however late it is appended. */
  at: number
  locale: Locale
}

export const targetsTask: TaskKind<TargetsTask> = {
  // Changes no cached message: the response-times store shows the queued targets until the server has them.
  rows: () => null,
  overlay: (_t, row) => row,
  revert: async () => undefined,
  run: (t, call) => call('targets.set', { mailboxId: t.mailboxId, id: t.id, at: t.at, targets: t.targets, locale: t.locale }),
  // Undone by saving what was before, from Settings: no Undo notice.
  inverse: () => null,
  refused: 'drop',
  afterCrash: "The change's id is its Message-ID: main finds a change already appended and does not append it again.",
}
