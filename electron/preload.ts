import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { CALL_NAMES, EVENT_NAMES, IPC_CALL, IPC_EVENT } from '../shared/api/names'
import type { TandemBridge } from '../shared/api/bridge'
import type { CallResult, EventName } from '../shared/api/contract'

// Sandboxed preload: exposes a fixed object built from the contract's names. No generic invoke;
// main validates every payload anyway.
const calls = Object.freeze(Object.fromEntries(CALL_NAMES.map((name) => [
  name,
  (input: unknown): Promise<CallResult> => ipcRenderer.invoke(IPC_CALL, name, input) as Promise<CallResult>,
]))) as TandemBridge['calls']

const bridge: TandemBridge = {
  calls,
  on(name: EventName, listener: (payload: unknown) => void) {
    if (!(EVENT_NAMES as readonly string[]).includes(name)) throw new Error(`unknown event ${name}`)
    const handler = (_e: IpcRendererEvent, eventName: string, payload: unknown) => {
      if (eventName === name) listener(payload)
    }
    ipcRenderer.on(IPC_EVENT, handler)
    return () => { ipcRenderer.removeListener(IPC_EVENT, handler) }
  },
}

contextBridge.exposeInMainWorld('tandem', bridge)
