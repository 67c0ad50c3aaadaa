// No unit test reaches a server off this machine (common rules; DESIGN §6c:
// never a public relay). The app's public default relays and trackers apply
// whenever a test's configuration names none, so a WebSocket to anything but
// this machine or a private network is refused here (the constructor throws,
// as for a bad URL: no packet leaves) rather than tried: the global WebSocket
// (Node's own, or the `ws` class a test puts there) is wrapped whenever it is set.
import { hostScope } from '../../shared/rendezvous/tracker-urls'

type SocketClass = typeof globalThis.WebSocket

function localOnly (Real: SocketClass): SocketClass {
  return class LocalOnlyWebSocket extends Real {
    constructor (url: string | URL, protocols?: string | string[]) {
      const text = String(url)
      if (hostScope(text) === 'public') throw new Error(`a unit test tried to open a WebSocket to ${text}: configure a local relay or tracker (or none)`)
      super(url, protocols)
    }
  } as SocketClass
}

let current: SocketClass | undefined = globalThis.WebSocket === undefined ? undefined : localOnly(globalThis.WebSocket)
Object.defineProperty(globalThis, 'WebSocket', {
  configurable: true,
  get: () => current,
  set: (value: SocketClass | undefined) => { current = value === undefined ? undefined : localOnly(value) }
})
