import WebSocket from 'ws'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startRelay, type RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { RelayChannel } from '../../node-tab/relays/relay-channel'
import { rendezvousContract, type ChannelWorld } from '../contract/rendezvous-contract'
import { sleep } from './waiting'

// The rendezvous contract, against a stock Nostr relay from npm
// (@nostr-relay/core) on loopback, strict as public relays are: two relay
// channels, two peers.
let relay: RunningRelay
beforeAll(async () => { relay = await startRelay({ quiet: true }) })
afterAll(async () => {
  await relay.close()
  if (relay.violations.length > 0) throw new Error(`the relay channel broke a public relay's rules: ${relay.violations.join('; ')}`)
})

export const relayChannel = (url: string): RelayChannel => new RelayChannel({
  urls: [url],
  createSocket: (u) => new WebSocket(u) as unknown as globalThis.WebSocket,
  minBackoffMs: 50,
  maxBackoffMs: 300
})

let world = 0
async function onRelays (): Promise<ChannelWorld> {
  const a = relayChannel(relay.url)
  const b = relayChannel(relay.url)
  const id = ++world
  return {
    a,
    b,
    topic: (n) => `kith-contract-${id}-${n}`.padEnd(20, '.').slice(0, 20),
    exchange: async (action, arrived, expectArrival = true) => {
      // An ephemeral event reaches only who is subscribed at that moment,
      // and a subscription takes a moment to reach the relay: send again
      // until it arrives, at the pace a dialler keeps (a strict relay
      // drops a socket that floods it).
      const deadline = Date.now() + (expectArrival ? 5_000 : 1_500)
      while (Date.now() < deadline) {
        action()
        await sleep(250)
        if (arrived()) return true
      }
      return arrived()
    },
    close: async () => { a.close(); b.close() }
  }
}

describe('rendezvous contract: relays', () => {
  for (const [name, run] of Object.entries(rendezvousContract)) {
    it(name, async () => { await run(onRelays) })
  }
})
