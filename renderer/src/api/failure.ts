import { ApiFailure, type ApiError } from '../../../shared/api/errors'

/** What the UI shows for anything a call threw: the typed error, or the text of a surprise. */
export function apiErrorOf(e: unknown): ApiError {
  return e instanceof ApiFailure ? e.error : { code: 'internal', message: String(e) }
}
