import type { TandemBridge } from '../../../shared/api/bridge'
import type { Transport } from './transport'

/** Electron: the sandboxed preload's fixed object on window.tandem. */
export function bridgeTransport(bridge: TandemBridge): Transport {
  return {
    call: (name, input) => bridge.calls[name](input),
    on: (name, listener) => bridge.on(name, listener),
  }
}
