import { inject, type InjectionKey } from 'vue'
import type { ApiClient } from './client'

export const API_KEY: InjectionKey<ApiClient> = Symbol('tandem-api')

/** The API client the app was mounted with (stores and composables take it from here). */
export function useApi(): ApiClient {
  const api = inject(API_KEY)
  if (!api) throw new Error('useApi() outside of the Tandem app')
  return api
}
