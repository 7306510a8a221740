import { calls, type CallInput, type CallName, type CallOutput, type EventName, type EventPayload, events } from '../../../shared/api/contract'
import { ApiFailure } from '../../../shared/api/errors'
import type { TandemBridge } from '../../../shared/api/bridge'
import type { Transport } from './transport'
import { bridgeTransport } from './bridge-transport'
import { takeLaunchToken, wsTransport } from './ws-transport'

/**
 * The renderer's one way to the main process. It picks the Electron bridge or the web host's
 * WebSocket once; nothing else in the renderer knows which.
 */
export class ApiClient {
  constructor(private readonly transport: Transport) {}

  /** Calls the main process; resolves with the contract's output or throws ApiFailure. */
  async call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> {
    const result = await this.transport.call(name, input)
    if (!result.ok) throw new ApiFailure(result.error)
    return calls[name].output.parse(result.value) as CallOutput<N>
  }

  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
    return this.transport.on(name, (raw) => {
      const parsed = events[name].safeParse(raw)
      if (parsed.success) listener(parsed.data as EventPayload<N>)
    })
  }
}

export class MissingLaunchToken extends Error {}

export function createApiClient(): ApiClient {
  const bridge = (window as unknown as { tandem?: TandemBridge }).tandem
  if (bridge) return new ApiClient(bridgeTransport(bridge))
  const token = takeLaunchToken()
  if (!token) throw new MissingLaunchToken('Open Tandem with the full address that `npm run web` printed: it carries this launch\'s key.')
  return new ApiClient(wsTransport(token))
}
