// Trackers and relays used together (rendezvous/multi-channel.ts): the
// rendezvous contract holds for the pair, and either alone carries a dial:
// with every tracker down and only the relay up, an offer and its answer
// still cross, the answer by the relay its offer came through.
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RunningRelay } from '../../scripts/lib/relay-server.mjs'
import { startTracker, type RunningTracker } from '../../scripts/lib/tracker-server.mjs'
import { TrackerChannel } from '../../node-tab/discovery/tracker-channel'
import { TrackerPool } from '../../node-tab/discovery/tracker-client'
import { RelayChannel } from '../../node-tab/relays/relay-channel'
import type { RendezvousSignal } from '../../node-tab/rendezvous/channel'
import { MultiChannel } from '../../node-tab/rendezvous/multi-channel'
import { rendezvousContract, serverWorld, type ChannelWorld } from '../contract/rendezvous-contract'

let relay: RunningRelay
let tracker: RunningTracker
beforeAll(async () => {
  relay = await startRelay({ quiet: true })
  tracker = await startTracker({ quiet: true })
})
afterAll(async () => {
  await relay.close()
  await tracker.close()
  expect(relay.violations).toEqual([])
  expect(tracker.violations).toEqual([])
})

const createSocket = (u: string): globalThis.WebSocket => new WebSocket(u) as unknown as globalThis.WebSocket
const both = (trackerUrl: string): MultiChannel => new MultiChannel([
  new TrackerChannel(new TrackerPool({ urls: [trackerUrl], createSocket, minBackoffMs: 50, maxBackoffMs: 300 })),
  new RelayChannel({ urls: [relay.url], createSocket, minBackoffMs: 50, maxBackoffMs: 300 })
])

function worldOn (trackerUrl: () => string) {
  return async (): Promise<ChannelWorld> => serverWorld(both(trackerUrl()), both(trackerUrl()), { label: 'multi', paceMs: 250 })
}

describe('rendezvous contract: trackers and relays together', () => {
  for (const [name, run] of Object.entries(rendezvousContract)) {
    it(name, async () => { await run(worldOn(() => tracker.url)) })
  }
})

describe('every tracker down, the relay up', () => {
  it('an offer and its answer cross by the relay, and the answer goes back the way the offer came', async () => {
    const deadTracker = await startTracker({ quiet: true })
    const deadUrl = deadTracker.url
    await deadTracker.close()
    const make = worldOn(() => deadUrl)
    const { a, b, topic, exchange, close } = await make()
    try {
      const offers: RendezvousSignal[] = []
      const answers: RendezvousSignal[] = []
      b.onOffer((s) => offers.push(s))
      a.onAnswer((s) => answers.push(s))
      await Promise.all([a.ready(), b.ready()])
      expect(a.status().find((s) => s.url === deadUrl)?.state).not.toBe('open')
      b.announce(topic(1))
      expect(await exchange(() => { a.announce(topic(1), [{ offerId: 'only-relay', payload: 'sealed offer' }]) }, () => offers.length > 0)).toBe(true)
      expect(offers[0]!.route).toBe(relay.url)
      expect(await exchange(() => b.answer(offers[0]!, 'sealed answer'), () => answers.length > 0)).toBe(true)
      expect(answers[0]).toMatchObject({ route: relay.url, offerId: 'only-relay', payload: 'sealed answer' })
    } finally {
      await close()
    }
  })
})
