// One contract for every rendezvous channel (node-tab/rendezvous/channel.ts):
// what the dialler and the listener rely on, whatever carries the signals.
// Run against trackers (a stock bittorrent-tracker server on loopback) and
// against connection codes carried by hand; relays join the same list.
// Framework-free like the transport contract: each case throws on failure.
import type { RendezvousChannel, RendezvousSignal } from '../../node-tab/rendezvous/channel'

/** Two channels that can reach each other, and how signals cross. */
export interface ChannelWorld {
  a: RendezvousChannel
  b: RendezvousChannel
  /** A swarm name this kind of channel takes (distinct for each n). */
  topic: (n: number) => string
  /** Does `action`, then carries what it sent across (repeating it where
   *  the network needs that, as an offer reaches only peers already in a
   *  swarm) until `arrived()` holds; false when it never did. */
  exchange: (action: () => void, arrived: () => boolean, expectArrival?: boolean) => Promise<boolean>
  close: () => Promise<void>
}

export type WorldFactory = () => Promise<ChannelWorld>

let worlds = 0

/** Two channels that meet through a server (a tracker, a relay): a signal
 *  reaches only peers already listening, and joining takes a moment, so it
 *  is sent again every `paceMs` until it arrives (or, when it must not, for
 *  long enough that it would have). A strict server drops a socket that
 *  floods it: pace as a dialler would. Topics are info-hash sized. */
export function serverWorld (a: RendezvousChannel, b: RendezvousChannel, { label, paceMs }: { label: string, paceMs: number }): ChannelWorld {
  const id = ++worlds
  return {
    a,
    b,
    topic: (n) => `kith-${label}-${id}-${n}`.padEnd(20, '.').slice(0, 20),
    exchange: async (action, arrived, expectArrival = true) => {
      const deadline = Date.now() + (expectArrival ? 5_000 : 1_500)
      while (Date.now() < deadline) {
        action()
        await new Promise((resolve) => setTimeout(resolve, paceMs))
        if (arrived()) return true
      }
      return arrived()
    },
    close: async () => { a.close(); b.close() }
  }
}

function check (condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`rendezvous contract: ${message}`)
}

/** A sealed offer or answer is opaque text; codes tell their kind from its start. */
const offerPayload = (n: number, size = 64): string => `offer-${n}-` + 'o'.repeat(size)
const answerPayload = (n: number): string => `answer-${n}-` + 'a'.repeat(64)

function collect (channel: RendezvousChannel, kind: 'offer' | 'answer'): RendezvousSignal[] {
  const got: RendezvousSignal[] = []
  if (kind === 'offer') channel.onOffer((s) => got.push(s))
  else channel.onAnswer((s) => got.push(s))
  return got
}

async function withWorld (make: WorldFactory, run: (w: ChannelWorld) => Promise<void>): Promise<void> {
  const world = await make()
  try {
    await run(world)
  } finally {
    await world.close()
  }
}

export const rendezvousContract: Record<string, (make: WorldFactory) => Promise<void>> = {
  'an offer put into a swarm reaches whoever sits there, whole': (make) => withWorld(make, async ({ a, b, topic, exchange }) => {
    const offers = collect(b, 'offer')
    await Promise.all([a.ready(), b.ready()])
    b.announce(topic(1))
    const payload = offerPayload(1, 6_000)
    const arrived = await exchange(() => { a.announce(topic(1), [{ offerId: 'offer-id-1', payload }]) }, () => offers.length > 0)
    check(arrived, 'the offer never arrived')
    const got = offers[0]!
    check(got.topic === topic(1), 'the offer arrived in another swarm')
    check(got.payload === payload, 'the payload changed on the way')
    check(got.route.length > 0, 'an offer must say which way it came')
  }),

  'the answer goes back to the offerer, with the offer id': (make) => withWorld(make, async ({ a, b, topic, exchange }) => {
    const offers = collect(b, 'offer')
    const answers = collect(a, 'answer')
    await Promise.all([a.ready(), b.ready()])
    b.announce(topic(2))
    check(await exchange(() => { a.announce(topic(2), [{ offerId: 'offer-id-2', payload: offerPayload(2) }]) }, () => offers.length > 0), 'the offer never arrived')
    const payload = answerPayload(2)
    check(await exchange(() => b.answer(offers[0]!, payload), () => answers.length > 0), 'the answer never came back')
    const got = answers[0]!
    check(got.payload === payload, 'the answer changed on the way')
    check(got.topic === topic(2), 'the answer names another swarm')
    // The dialler pairs an answer with what it offered by the id it chose.
    check(got.offerId === 'offer-id-2', 'the answer lost the offer id it answers')
  }),

  'a channel in no swarm, or one that left it, gets no offers': (make) => withWorld(make, async ({ a, b, topic, exchange }) => {
    const offers = collect(b, 'offer')
    await Promise.all([a.ready(), b.ready()])
    check(!await exchange(() => { a.announce(topic(3), [{ offerId: 'offer-id-3', payload: offerPayload(3) }]) }, () => offers.length > 0, false), 'an offer reached a channel that sits in no swarm')
    b.announce(topic(4))
    b.leave(topic(4))
    check(!await exchange(() => { a.announce(topic(4), [{ offerId: 'offer-id-4', payload: offerPayload(4) }]) }, () => offers.length > 0, false), 'an offer reached a channel that left the swarm')
  }),

  'a closed channel delivers nothing more': (make) => withWorld(make, async ({ a, b, topic, exchange }) => {
    const offers = collect(b, 'offer')
    await Promise.all([a.ready(), b.ready()])
    b.announce(topic(5))
    b.close()
    check(!await exchange(() => { a.announce(topic(5), [{ offerId: 'offer-id-5', payload: offerPayload(5) }]) }, () => offers.length > 0, false), 'a closed channel still delivered an offer')
  }),

  'text that is no signal is not delivered as one': (make) => withWorld(make, async ({ b, topic }) => {
    const offers = collect(b, 'offer')
    const answers = collect(b, 'answer')
    await b.ready()
    b.announce(topic(6))
    // Nothing was offered or pasted: nothing may appear by itself.
    await new Promise((resolve) => setTimeout(resolve, 300))
    check(offers.length === 0 && answers.length === 0, 'a signal appeared that nobody sent')
  })
}
