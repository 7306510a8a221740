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

/** The records again, in the rows' order. */
export function fromTeamWire(w: TeamWire): StoredTeamRecord[] {
  const out = new Array<StoredTeamRecord>(w.rows.length)
  for (let i = 0; i < w.rows.length; i++) {
    const [uid, id, conv, at, who, action] = w.rows[i]!
    out[i] = { v: 1, id, conv, at, by: w.people[who]!, action, uid }
  }
  return out
}
