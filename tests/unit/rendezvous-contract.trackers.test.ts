import WebSocket from 'ws'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { startTracker } from '../../scripts/lib/tracker-server.mjs'
import { TrackerPool } from '../../node-tab/discovery/tracker-client'
import { TrackerChannel } from '../../node-tab/discovery/tracker-channel'
import { rendezvousContract, serverWorld, type ChannelWorld } from '../contract/rendezvous-contract'

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

async function onTrackers (): Promise<ChannelWorld> {
  return serverWorld(channel(), channel(), { label: 'contract', paceMs: 100 })
}

describe('rendezvous contract: trackers', () => {
  for (const [name, run] of Object.entries(rendezvousContract)) {
    it(name, async () => { await run(onTrackers) })
  }
})
