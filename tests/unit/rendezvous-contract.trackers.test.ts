import WebSocket from 'ws'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startTracker } from '../../scripts/lib/tracker-server.mjs'
import { TrackerPool } from '../../node-tab/discovery/tracker-client'
import { TrackerChannel } from '../../node-tab/discovery/tracker-channel'
import { rendezvousContract, type ChannelWorld } from '../contract/rendezvous-contract'
import { sleep } from './waiting'

// The rendezvous contract, against a stock bittorrent-tracker server on
// loopback (strict, as public ones are): two tracker channels, two peers.
let tracker: { url: string, close: () => Promise<unknown> }
beforeAll(async () => { tracker = await startTracker({ quiet: true }) })
afterAll(async () => { await tracker.close() })

const channel = (): TrackerChannel => new TrackerChannel(new TrackerPool({
  urls: [tracker.url],
  createSocket: (url) => new WebSocket(url) as unknown as globalThis.WebSocket,
  minBackoffMs: 50,
  maxBackoffMs: 300
}))

let world = 0
async function onTrackers (): Promise<ChannelWorld> {
  const a = channel()
  const b = channel()
  const id = ++world
  return {
    a,
    b,
    // An info hash: 20 characters, distinct per world and per n.
    topic: (n) => `kith-contract-${id}-${n}`.padEnd(20, '.').slice(0, 20),
    exchange: async (action, arrived, expectArrival = true) => {
      // An offer reaches only peers already in the swarm, and a join takes a
      // moment to reach the tracker: send again until it arrives (or, when
      // it must not, for long enough that it would have).
      const deadline = Date.now() + (expectArrival ? 5_000 : 1_500)
      while (Date.now() < deadline) {
        action()
        await sleep(100)
        if (arrived()) return true
      }
      return arrived()
    },
    close: async () => { a.close(); b.close() }
  }
}

describe('rendezvous contract: trackers', () => {
  for (const [name, run] of Object.entries(rendezvousContract)) {
    it(name, async () => { await run(onTrackers) })
  }
})
