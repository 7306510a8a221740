import type { CallName, CallResult, EventName } from '../../../shared/api/contract'

/** How calls reach the main process: the Electron preload bridge or the web host's WebSocket. */
export interface Transport {
  call(name: CallName, input: unknown): Promise<CallResult>
  on(name: EventName, listener: (payload: unknown) => void): () => void
}
