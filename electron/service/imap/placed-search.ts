import type { SearchObject } from 'imapflow'
import { DELIVERY_TRACE_FIELDS } from '../../../shared/rules/delivered'

/**
 * SEARCH criteria for the messages carrying `header` that no delivery placed (no trace field:
 * shared/rules/delivered.ts). Left out by the server itself, delivered mail — which anyone on the
 * Internet can file into a folder by a detail address — never takes a place among the newest
 * looked at nor a share of a read's byte budget: a flood of it hides nothing.
 */
export function placedWith(header: string): SearchObject {
  const [first, ...rest] = DELIVERY_TRACE_FIELDS.map((f) => ({ header: { [f]: true } }) as SearchObject)
  return { header: { [header.toLowerCase()]: true }, not: rest.length ? { or: [first!, ...rest] } : first! }
}
