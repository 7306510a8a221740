import type { MessageSummary } from '../../../shared/domain'

/** A list's rows after a change: the new list, and the rows that left it and came into it. */
export interface Replaced { rows: MessageSummary[]; gone: MessageSummary[]; came: MessageSummary[] }

/**
 * The list (newest first) with these changed rows in place of the ones of the same id: a copy
 * of the array with only those set, each found by a binary search on its date (the date a
 * message arrived does not change), rather than a look-up per row of the whole list — which
 * a change of a few rows during the scroll cost at 100 000 rows. Rows not in the list are left out.
 */
export function replaceRows(list: readonly MessageSummary[], changed: readonly { before: MessageSummary; after: MessageSummary }[]): Replaced {
  const rows = list.slice()
  const gone: MessageSummary[] = []
  const came: MessageSummary[] = []
  for (const { before, after } of changed) {
    let at = positionOf(rows, before)
    // A row whose date is not the one the list has (should not happen): looked for in full.
    if (at < 0) at = rows.findIndex((m) => m.id === before.id)
    if (at < 0) continue
    gone.push(rows[at]!)
    came.push(after)
    rows[at] = after
  }
  return { rows, gone, came }
}

/** Where a row is in a list newest first, by its date then among the rows of that date; -1 when not there. */
function positionOf(rows: readonly MessageSummary[], m: MessageSummary): number {
  let lo = 0
  let hi = rows.length
  // The first row not newer than m.
  while (lo < hi) { const mid = (lo + hi) >> 1; if (rows[mid]!.date > m.date) lo = mid + 1; else hi = mid }
  for (let i = lo; i < rows.length && rows[i]!.date === m.date; i++) if (rows[i]!.id === m.id) return i
  return -1
}
