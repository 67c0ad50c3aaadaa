import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { RelayChannel } from '../../node-tab/relays/relay-channel'
import { rendezvousContract, serverWorld, type ChannelWorld } from '../contract/rendezvous-contract'
import { waitFor } from './waiting'

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

async function onRelays (): Promise<ChannelWorld> {
  // Ephemeral events reach only who is subscribed at that moment.
  return serverWorld(relayChannel(relay.url), relayChannel(relay.url), { label: 'contract', paceMs: 250 })
}

describe('rendezvous contract: relays', () => {
  for (const [name, run] of Object.entries(rendezvousContract)) {
    it(name, async () => { await run(onRelays) })
  }
})

describe('relay status, like a tracker’s', () => {
  it('a relay that is down is unreachable (retrying), and working once it is up, with its subscriptions back', async () => {
    const down = await startRelay({ quiet: true })
    const { url, port } = down
    await down.close()
    const listening = relayChannel(url)
    const offers: unknown[] = []
    listening.onOffer((s) => offers.push(s))
    listening.announce('kith-relay-status-1.')
    try {
      await waitFor(() => listening.status()[0]?.health === 'unreachable')
      expect(listening.status()[0]).toMatchObject({ url, state: 'backoff' })
      const up = await startRelay({ port, quiet: true })
      const dialling = relayChannel(url)
      try {
        await waitFor(() => listening.status()[0]?.health === 'working', 10_000)
        await dialling.ready()
        // The subscription made while it was down reached it once it came up.
        await waitFor(() => {
          dialling.announce('kith-relay-status-1.', [{ offerId: 'after-reconnect', payload: 'sealed' }])
          return offers.length > 0
        }, 5_000, 250)
      } finally {
        dialling.close()
        await up.close()
      }
    } finally {
      listening.close()
    }
  })
})
