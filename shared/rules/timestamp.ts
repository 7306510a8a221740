import { z } from 'zod'

/** The latest time a Date can hold (ECMAScript: ±8.64e15 ms from 1970). */
export const MAX_TIMESTAMP = 8.64e15

/**
 * A time in milliseconds since 1970 as records and the contract carry it: a whole number a Date
 * can hold. A colleague's record or a window that says 9e15 is refused, not drawn as an Invalid
 * Date that throws where it is formatted.
 */
export const timestampSchema = z.number().int().nonnegative().max(MAX_TIMESTAMP)
