import type { CallName, CallResult, EventName } from './contract'

/**
 * What the Electron preload puts on `window.tandem`: one fixed function per call of the contract
 * and a subscription per event name. Results come back as {@link CallResult}; the renderer's API
 * client turns them into values or ApiFailure, exactly as for the web host.
 */
export interface TandemBridge {
  calls: { readonly [N in CallName]: (input: unknown) => Promise<CallResult> }
  on(name: EventName, listener: (payload: unknown) => void): () => void
}
