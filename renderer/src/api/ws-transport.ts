import { serverMessageSchema, type ClientMessage } from '../../../shared/api/wire'
import type { CallResult, EventName } from '../../../shared/api/contract'
import type { Transport } from './transport'
import { apiError } from '../../../shared/api/errors'

const TOKEN_KEY = 'tandem.token'

/**
 * The web host's launch token: given once in the URL fragment (never sent to a server), kept in
 * this tab's sessionStorage so a reload keeps working, and removed from the address bar.
 */
export function takeLaunchToken(loc: Location = window.location, storage: Storage = window.sessionStorage): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(loc.hash)
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1])
    history.replaceState(null, '', loc.pathname + loc.search)
    return match[1]
  }
  return storage.getItem(TOKEN_KEY)
}

const lost = (key: 'app.serviceLost' | 'app.serviceUnreachable'): CallResult => ({ ok: false, error: apiError({ code: 'network.unreachable', key }) })

/** Web host: one WebSocket, reopened with backoff when it drops; calls wait for it. */
export function wsTransport(token: string, url = `ws://${window.location.host}/api`): Transport {
  let socket: WebSocket | null = null
  let opened: Promise<WebSocket> | null = null
  let nextId = 1
  let retry = 0
  const pending = new Map<number, (r: CallResult) => void>()
  const listeners = new Map<string, Set<(p: unknown) => void>>()

  const open = (): Promise<WebSocket> => {
    if (opened) return opened
    opened = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}`)
      ws.onopen = () => { retry = 0; socket = ws; resolve(ws) }
      // A failed connection is followed by close, which settles everything. Listening here also
      // matters outside a browser: Node's `ws` throws an error nobody listens to, and then never closes.
      ws.onerror = () => undefined
      ws.onmessage = (ev) => {
        const parsed = serverMessageSchema.safeParse(JSON.parse(String(ev.data)))
        if (!parsed.success) return
        const msg = parsed.data
        if (msg.type === 'result') {
          pending.get(msg.id)?.(msg.result)
          pending.delete(msg.id)
        } else {
          for (const l of listeners.get(msg.name) ?? []) l(msg.payload)
        }
      }
      ws.onclose = () => {
        socket = null
        opened = null
        for (const [, settle] of pending) settle(lost('app.serviceLost'))
        pending.clear()
        reject(new Error('closed'))
        // Keep events flowing: reconnect in the background while anyone listens.
        if (listeners.size > 0) setTimeout(() => { void open().catch(() => undefined) }, Math.min(10_000, 250 * 2 ** retry++))
      }
    })
    return opened
  }

  return {
    async call(name, input) {
      let ws: WebSocket
      try {
        ws = socket ?? await open()
      } catch {
        return lost('app.serviceUnreachable')
      }
      const id = nextId++
      const msg: ClientMessage = { type: 'call', id, name, input }
      return new Promise<CallResult>((resolve) => {
        pending.set(id, resolve)
        ws.send(JSON.stringify(msg))
      })
    },
    on(name: EventName, listener) {
      let set = listeners.get(name)
      if (!set) listeners.set(name, (set = new Set()))
      set.add(listener)
      void open().catch(() => undefined)
      return () => { set.delete(listener) }
    },
  }
}
