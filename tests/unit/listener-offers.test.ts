// The listener against a real stock bittorrent-tracker server, with people
// who know more or less about it: a stranger who only knows the address
// (and can list every swarm with a scrape), a friend, and a tracker that
// replays what it relays. WebRTC is replaced by a counting stand-in, so the
// tests can see whether an offer ever cost an RTCPeerConnection.
import { once } from 'node:events'
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import { Listener, type OfferOutcome } from '../../node-tab/discovery/listener'
import { randomPeerId, type SignalEnvelope, type TrackerPool } from '../../node-tab/discovery/tracker-client'
import { toBase64 } from '../../shared/util/bytes'
import { pairSecret, randomBytes } from '../../shared/crypto/crypto'
import { createIdentity, type Identity } from '../../shared/identity/identity'
import { addressMeeting, inviteMeeting, pairMeeting, sealOfferFor, type Meeting, type MeetingKind } from '../../shared/rendezvous/meetings'
import { epochAt, openAnswer, sealOffer, sealSwarmOffer, swarmOfferKey, type OfferSeal } from '../../shared/rendezvous/rendezvous'
import { ReplayGuard } from '../../node-tab/discovery/replay-guard'
import { cleanupsAfterEach } from './cleanups'
import { countingAnswerer } from './listener-fixtures'
import { createSocket, repeatUntil, testPool, testTracker } from './tracker-fixtures'
import { waitFor as waitUntil } from './waiting'

const waitFor = (cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => waitUntil(cond, timeoutMs, 25)

// Last in, first out: pools and listeners close before their trackers.
const cleanups = cleanupsAfterEach()

const tracker = async (): Promise<string> => (await testTracker(cleanups)).url
const pool = (urls: string[]): TrackerPool => testPool(cleanups, urls)

const allOpen = (p: TrackerPool): boolean => p.status().every((s) => s.state === 'open')

/** What anyone can ask a stock tracker: every swarm it knows, and how many
 *  peers sit in each. */
async function scrape (url: string): Promise<Map<string, number>> {
  const socket = new WebSocket(url)
  try {
    await once(socket, 'open')
    socket.send(JSON.stringify({ action: 'scrape' }))
    const [data] = await once(socket, 'message') as [WebSocket.RawData]
    const reply = JSON.parse(String(data)) as { files?: Record<string, { incomplete: number }> }
    return new Map(Object.entries(reply.files ?? {}).map(([infoHash, f]) => [infoHash, f.incomplete]))
  } finally {
    socket.close()
  }
}

interface Started {
  listener: Listener
  calls: string[]
  outcomes: { outcome: OfferOutcome, kind: MeetingKind | null }[]
  count: (outcome: OfferOutcome, kind?: MeetingKind) => number
}

function listen (identity: Identity, trackers: string[], meetings: Meeting[], slots?: Partial<Record<MeetingKind, number>>, replays?: ReplayGuard): Started {
  const { answer, calls } = countingAnswerer((c) => cleanups.push(c))
  const outcomes: Started['outcomes'] = []
  const listener = new Listener({
    identity,
    topics: async () => meetings,
    trackers,
    rtcConfig: { iceServers: [] },
    onTransport: () => { throw new Error('the stand-in never connects') },
    onOfferOutcome: (outcome, kind) => outcomes.push({ outcome, kind }),
    answerOffer: answer,
    answerSlots: slots,
    createSocket,
    replays
  })
  listener.start()
  cleanups.push(() => listener.stop())
  const count = (outcome: OfferOutcome, kind?: MeetingKind): number =>
    outcomes.filter((o) => o.outcome === outcome && (kind === undefined || o.kind === kind)).length
  return { listener, calls, outcomes, count }
}

/** Someone who dials: a pool of their own, and the answers that reach it. */
function dialler (trackers: string[]) {
  const p = pool(trackers)
  const answers: SignalEnvelope[] = []
  p.onAnswer((e) => answers.push(e))
  const send = (topic: string, payload: string, offerId = randomPeerId()): void => p.announce(topic, [{ offerId, payload }])
  return { pool: p, answers, send }
}

const epoch = (): number => epochAt(Date.now())

/** Alice listens; Bob is her friend; an invite of hers is out. */
function world () {
  const alice = createIdentity()
  const bob = createIdentity()
  const token = 'invite-token-for-carol-1234'
  const secret = pairSecret(alice.secretKey, bob.publicKey)
  const pairAtAlice = pairMeeting(secret, epoch(), alice.publicKey)
  const inviteAtAlice = inviteMeeting(token, epoch(), alice.publicKey)
  // What Bob builds on his side to dial Alice.
  const bobToAlice = pairMeeting(pairSecret(bob.secretKey, alice.publicKey), epoch(), alice.publicKey)
  return { alice, bob, token, pairAtAlice, inviteAtAlice, bobToAlice }
}

const sdp = (label: string): string => `v=0\r\ns=${label}\r\n`

describe('a node that is not discoverable', () => {
  it('gives a stranger who knows its address, scrapes the tracker and probes every swarm no answer and spends nothing', async () => {
    const url = await tracker()
    const { alice, pairAtAlice, inviteAtAlice, bobToAlice } = world()
    // One slot each: were the stranger's offers to take slots, Bob would be turned away.
    const node = listen(alice, [url], [pairAtAlice, inviteAtAlice], { pair: 1, invite: 1, address: 1 })

    // The stranger lists every swarm on the tracker: the node's two.
    await waitFor(async () => (await scrape(url)).size === 2)
    const swarms = [...(await scrape(url)).keys()]
    expect(swarms.sort()).toEqual([pairAtAlice.topic, inviteAtAlice.topic].sort())

    // Into each it sends what it can make knowing only the address: offers
    // sealed to the address's key, a guess at a swarm key from the address,
    // and garbage.
    const stranger = dialler([url])
    await waitFor(() => allOpen(stranger.pool))
    const probes = (topic: string): string[] => [
      sealOffer(sdp('sealed to the address key'), alice.publicKey, Date.now()).payload,
      sealSwarmOffer(sdp('keyed by the address'), swarmOfferKey(alice.publicKey, topic, alice.publicKey), Date.now()).payload,
      toBase64(randomBytes(300)),
      'not even base64'
    ]
    for (const topic of swarms) {
      for (const payload of probes(topic)) {
        const kind = topic === pairAtAlice.topic ? 'pair' : 'invite'
        const before = node.count('unproven', kind)
        // Each announce reaches the one peer in the swarm: the node.
        await repeatUntil(() => stranger.send(topic, payload), () => node.count('unproven', kind) > before)
      }
    }
    expect(node.count('unproven', 'pair')).toBeGreaterThanOrEqual(4)
    expect(node.count('unproven', 'invite')).toBeGreaterThanOrEqual(4)
    expect(node.outcomes.every((o) => o.outcome === 'unproven')).toBe(true)

    // Control: through the same tracker, the friend's offer is answered.
    const bob = dialler([url])
    await waitFor(() => allOpen(bob.pool))
    const offer = sealOfferFor(bobToAlice, sdp('from bob'), Date.now())
    await repeatUntil(() => bob.send(bobToAlice.topic, offer.payload), () => bob.answers.length > 0)
    expect(openAnswer(bob.answers[0]!.payload, offer.reply)).toBe(`answer to ${sdp('from bob')}`)

    // The stranger got nothing, and cost no RTCPeerConnection: only Bob's was made.
    expect(stranger.answers).toEqual([])
    expect(node.calls).toEqual([sdp('from bob')])
  })

  it('an invite holder is answered in the invite swarm', async () => {
    const url = await tracker()
    const { alice, token, pairAtAlice, inviteAtAlice } = world()
    const node = listen(alice, [url], [pairAtAlice, inviteAtAlice])
    const carol = dialler([url])
    const meeting = inviteMeeting(token, epoch(), alice.publicKey)
    const offer = sealOfferFor(meeting, sdp('from carol'), Date.now())
    await repeatUntil(() => carol.send(meeting.topic, offer.payload), () => carol.answers.length > 0)
    expect(openAnswer(carol.answers[0]!.payload, offer.reply)).toBe(`answer to ${sdp('from carol')}`)
    expect(node.count('answered', 'invite')).toBe(1)
  })
})

describe('a discoverable node', () => {
  it('answers an offer sealed to its address key in its address swarm', async () => {
    const url = await tracker()
    const { alice, pairAtAlice } = world()
    const node = listen(alice, [url], [pairAtAlice, addressMeeting(alice.publicKey, epoch())])
    const stranger = dialler([url])
    const meeting = addressMeeting(alice.publicKey, epoch())
    const offer = sealOfferFor(meeting, sdp('hello by address'), Date.now())
    await repeatUntil(() => stranger.send(meeting.topic, offer.payload), () => stranger.answers.length > 0)
    expect(openAnswer(stranger.answers[0]!.payload, offer.reply)).toBe(`answer to ${sdp('hello by address')}`)
    expect(node.calls).toEqual([sdp('hello by address')])
  })
})

describe('replayed offers', () => {
  it('a friend’s offer replayed after the listener restarts (new settings, a reload) is still not answered again', async () => {
    const url = await tracker()
    const { alice, pairAtAlice, bobToAlice } = world()
    // The node's memory, which outlives a listener (and is saved across reloads).
    const memory = new ReplayGuard()
    const first = listen(alice, [url], [pairAtAlice], undefined, memory)
    await waitFor(async () => (await scrape(url)).has(pairAtAlice.topic))
    const bob = dialler([url])
    await waitFor(() => allOpen(bob.pool))
    const offer = sealOfferFor(bobToAlice, sdp('bob, before the restart'), Date.now())
    await repeatUntil(() => bob.send(bobToAlice.topic, offer.payload), () => first.count('answered') > 0)
    first.listener.stop()

    const saved = memory.entries(Date.now())
    const afterReload = new ReplayGuard()
    afterReload.restore(saved, Date.now())
    const second = listen(alice, [url], [pairAtAlice], undefined, afterReload)
    await repeatUntil(() => bob.send(bobToAlice.topic, offer.payload), () => second.count('replayed') > 0)
    expect(second.count('answered')).toBe(0)
    expect(second.calls).toEqual([])
  })

  it('a friend’s offer replayed through the tracker, and via a second tracker, is answered exactly once', async () => {
    const urls = [await tracker(), await tracker()]
    const { alice, pairAtAlice, bobToAlice } = world()
    const node = listen(alice, urls, [pairAtAlice])
    for (const url of urls) await waitFor(async () => (await scrape(url)).has(pairAtAlice.topic))

    const bob = dialler(urls)
    await waitFor(() => allOpen(bob.pool))
    const offer: OfferSeal = sealOfferFor(bobToAlice, sdp('bob, once'), Date.now())
    // Sent to both trackers at once (the same offer_id on each), and again
    // until an answer comes: already a replay.
    await repeatUntil(() => bob.send(bobToAlice.topic, offer.payload), () => bob.answers.length > 0)

    // A tracker that captured it replays it: with the same offer id through
    // both trackers, then from another peer id through the second tracker
    // alone. Each replay is sent until the node has seen (and refused) it:
    // the tracker hands an offer to one random peer in the swarm, and the
    // diallers sit there too.
    const replayer = dialler([urls[1]!])
    await waitFor(() => allOpen(replayer.pool))
    const replays: (() => void)[] = [
      ...Array.from({ length: 3 }, () => () => bob.send(bobToAlice.topic, offer.payload, 'same-offer-id-again')),
      ...Array.from({ length: 3 }, () => () => replayer.send(bobToAlice.topic, offer.payload))
    ]
    for (const replay of replays) {
      const before = node.count('replayed')
      await repeatUntil(replay, () => node.count('replayed') > before)
    }

    expect(node.count('answered')).toBe(1)
    expect(node.calls).toEqual([sdp('bob, once')])
    // One answer, at most once through each tracker (the copy through the
    // second tracker is the same sealed answer, made once).
    expect(bob.answers.length).toBeLessThanOrEqual(urls.length)
    expect(new Set(bob.answers.map((a) => a.payload)).size).toBe(1)
    // Whoever replayed it got no fresh answer: at most that same sealed one,
    // which only Bob can open, and not through a tracker it already went through.
    const all = [...bob.answers, ...replayer.answers]
    expect(new Set(all.map((a) => a.payload)).size).toBe(1)
    expect(new Set(all.map((a) => a.trackerUrl)).size).toBe(all.length)
    // A fresh offer from Bob (new one-time key) is still answered.
    const before = bob.answers.length
    const next = sealOfferFor(bobToAlice, sdp('bob, again'), Date.now())
    await repeatUntil(() => bob.send(bobToAlice.topic, next.payload), () => bob.answers.length > before)
    expect(openAnswer(bob.answers[before]!.payload, next.reply)).toBe(`answer to ${sdp('bob, again')}`)
    expect(node.count('answered')).toBe(2)
  })
})

describe('an offer through several trackers', () => {
  it('is answered through each tracker that brought it, even when a copy comes while the answer is being made', async () => {
    const urls = [await tracker(), await tracker()]
    const { alice, pairAtAlice, bobToAlice } = world()
    // Making an answer takes a while (an RTCPeerConnection gathering its
    // candidates): the copy through the second tracker arrives meanwhile.
    const { answer: quick } = countingAnswerer((c) => cleanups.push(c))
    const made: string[] = []
    const slow: typeof quick = async (config, offerSdp) => {
      await new Promise((resolve) => setTimeout(resolve, 300))
      made.push(offerSdp)
      return quick(config, offerSdp)
    }
    const listener = new Listener({
      identity: alice,
      topics: async () => [pairAtAlice],
      trackers: urls,
      rtcConfig: { iceServers: [] },
      onTransport: () => { throw new Error('the stand-in never connects') },
      answerOffer: slow,
      createSocket
    })
    listener.start()
    cleanups.push(() => listener.stop())
    for (const url of urls) await waitFor(async () => (await scrape(url)).has(pairAtAlice.topic))

    const bob = dialler(urls)
    await waitFor(() => allOpen(bob.pool))
    const offer = sealOfferFor(bobToAlice, sdp('bob, through both'), Date.now())
    bob.send(bobToAlice.topic, offer.payload, 'one-offer-both-trackers')
    // Both trackers bring the answer (one made, sent through each): the
    // dialler's book must not count the second against it.
    await waitFor(() => new Set(bob.answers.map((a) => a.trackerUrl)).size === 2)
    expect(made).toEqual([sdp('bob, through both')])
    expect(new Set(bob.answers.map((a) => a.payload)).size).toBe(1)
    expect(openAnswer(bob.answers[0]!.payload, offer.reply)).toBe(`answer to ${sdp('bob, through both')}`)
  })
})

describe('answer slots', () => {
  it('strangers flooding the address swarm with offers that never complete do not keep a friend out', async () => {
    const url = await tracker()
    const { alice, pairAtAlice, bobToAlice } = world()
    const address = addressMeeting(alice.publicKey, epoch())
    const node = listen(alice, [url], [pairAtAlice, address])
    await waitFor(async () => (await scrape(url)).has(address.topic))

    // More valid, never-completing offers than the address pool has slots,
    // and than the 16 all swarms used to share.
    const strangers = dialler([url])
    await waitFor(() => allOpen(strangers.pool))
    const flood = 24
    for (let i = 0; i < flood; i++) {
      const offer = sealOfferFor(address, sdp(`stranger ${i}`), Date.now())
      const before = node.count('answered', 'address') + node.count('busy', 'address')
      await repeatUntil(() => strangers.send(address.topic, offer.payload), () => node.count('answered', 'address') + node.count('busy', 'address') > before)
    }
    const strangerAnswers = node.count('answered', 'address')
    expect(strangerAnswers).toBeGreaterThan(0)
    expect(strangerAnswers).toBeLessThan(flood)
    expect(node.count('busy', 'address')).toBe(flood - strangerAnswers)

    // The flood goes on holding its slots; Bob's offer is still answered.
    const bob = dialler([url])
    const offer = sealOfferFor(bobToAlice, sdp('bob during the flood'), Date.now())
    await repeatUntil(() => bob.send(bobToAlice.topic, offer.payload), () => bob.answers.length > 0)
    expect(openAnswer(bob.answers[0]!.payload, offer.reply)).toBe(`answer to ${sdp('bob during the flood')}`)
    expect(node.calls).toHaveLength(strangerAnswers + 1)
  })
})
