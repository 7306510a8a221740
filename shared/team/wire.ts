import type { StoredTeamRecord, TeamAction } from './records'

/**
 * Team records as a batch and `team.read` carry them: the people once, then one positional row
 * per record — [uid, id, conv, at, index of by, action]. A third fewer bytes than objects, and
 * one cheap pass to check the shape and rebuild: at 100 000 records the object form's schema
 * check on both sides of the hop took longer than reading the batches. What the rows say is
 * checked against the record's schema where it enters: in the service, as it reads the folder.
 */
export type TeamWireRow = [number, string, string, number, number, TeamAction]
export interface TeamWire { people: string[]; rows: TeamWireRow[] }

export const emptyTeamWire = (): TeamWire => ({ people: [], rows: [] })

export function toTeamWire(records: readonly StoredTeamRecord[]): TeamWire {
  const people: string[] = []
  const index = new Map<string, number>()
  const rows = new Array<TeamWireRow>(records.length)
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    let who = index.get(r.by)
    if (who === undefined) { who = people.length; people.push(r.by); index.set(r.by, who) }
    rows[i] = [r.uid, r.id, r.conv, r.at, who, r.action]
  }
  return { people, rows }
}

/**
 * Several wires as one, in the order given, keeping only rows with a UID of `from` or more:
 * each part's people are merged into one list and its rows renumbered, nothing else copied.
 */
export function joinTeamWires(parts: readonly TeamWire[], from = 1): TeamWire {
  const people: string[] = []
  const index = new Map<string, number>()
  const rows: TeamWireRow[] = []
  for (const part of parts) {
    const map = part.people.map((p) => {
      let i = index.get(p)
      if (i === undefined) { i = people.length; people.push(p); index.set(p, i) }
      return i
    })
    for (const row of part.rows) if (row[0] >= from) rows.push([row[0], row[1], row[2], row[3], map[row[4]]!, row[5]])
  }
  return { people, rows }
}

const isRow = (row: unknown, people: number): boolean => {
  if (!Array.isArray(row) || row.length !== 6) return false
  const [uid, id, conv, at, who, action] = row as unknown[]
  return Number.isInteger(uid) && (uid as number) > 0 && typeof id === 'string' && typeof conv === 'string'
    && Number.isInteger(at) && Number.isInteger(who) && (who as number) >= 0 && (who as number) < people
    && typeof action === 'object' && action !== null && typeof (action as { kind?: unknown }).kind === 'string'
}

/** Whether a value has the wire form's shape (the hop's check of its own service's output). */
export function isTeamWire(x: unknown): x is TeamWire {
  if (!x || typeof x !== 'object') return false
  const { people, rows } = x as { people?: unknown; rows?: unknown }
  if (!Array.isArray(people) || !people.every((p) => typeof p === 'string') || !Array.isArray(rows)) return false
  for (const row of rows) if (!isRow(row, people.length)) return false
  return true
}

/** One row as a record. */
export const recordOfRow = (w: TeamWire, row: TeamWireRow): StoredTeamRecord =>
  ({ v: 1, id: row[1], conv: row[2], at: row[3], by: w.people[row[4]]!, action: row[5], uid: row[0] })

/** The records again, in the rows' order. */
export function fromTeamWire(w: TeamWire): StoredTeamRecord[] {
  const out = new Array<StoredTeamRecord>(w.rows.length)
  for (let i = 0; i < w.rows.length; i++) out[i] = recordOfRow(w, w.rows[i]!)
  return out
}
