// Attacks on rendezvous, played by a hostile tracker: an in-memory stand-in
// for the tracker's WebSocket that sees every announce the node makes and can
// push any offer into any swarm the node sits in, with any envelope (peer id,
// offer id) it likes. WebRTC is replaced by a counting stand-in, so each test
// can see whether an offer ever cost an RTCPeerConnection, an answer slot or
// a replay-memory entry.
import { describe, expect, it } from 'vitest'
import { Listener, type OfferOutcome } from '../../node-tab/discovery/listener'
import type { answerOffer } from '../../node-tab/discovery/webrtc'
import { toBase64, toBinaryString } from '../../shared/util/bytes'
import { pairSecret, randomBytes, seal, boxPublicKeyFromSigning } from '../../shared/crypto/crypto'
import { createIdentity, type Identity } from '../../shared/identity/identity'
import { addressMeeting, inviteMeeting, pairMeeting, sealOfferFor, type Meeting, type MeetingKind } from '../../shared/rendezvous/meetings'
import { epochAt, EPOCH_MS, OFFER_MAX_AGE_MS, openAnswer, sealOffer, sealSwarmOffer, swarmOfferKey } from '../../shared/rendezvous/rendezvous'
import { Encoder } from '@msgpack/msgpack'
import { cleanupsAfterEach } from './cleanups'
import { countingAnswerer } from './listener-fixtures'
import { sleep, waitFor } from './waiting'
import { HostileServer } from './hostile-server'

const cleanups = cleanupsAfterEach()

/** The tracker's side of the node's socket: everything it hears, and a way
 *  to deliver any message it likes. */
class HostileTracker extends HostileServer {
  readonly sent: Record<string, unknown>[] = []

  protected hear (text: string): void { this.sent.push(JSON.parse(text) as Record<string, unknown>) }

  /** Swarms the node has announced (and not left). */
  get swarms (): Set<string> {
    const joined = new Set<string>()
    for (const m of this.sent) {
      if (m.answer !== undefined || typeof m.info_hash !== 'string') continue
      if (m.event === 'stopped') joined.delete(m.info_hash)
      else joined.add(m.info_hash)
    }
    return joined
  }

  /** Answers the node sent back, by offer id. */
  get answers (): { offerId: string, payload: string, toPeerId: string }[] {
    return this.sent.filter((m) => m.answer !== undefined).map((m) => ({
      offerId: m.offer_id as string,
      payload: (m.answer as { sdp: string }).sdp,
      toPeerId: m.to_peer_id as string
    }))
  }

  /** Hands the node an offer, as a stock tracker would relay one. */
  offer (infoHash: string, payload: string, envelope: { peerId?: string, offerId?: string } = {}): void {
    this.deliver(JSON.stringify({
      action: 'announce',
      info_hash: infoHash,
      peer_id: envelope.peerId ?? toBinaryString(randomBytes(20)),
      offer_id: envelope.offerId ?? toBinaryString(randomBytes(20)),
      offer: { type: 'offer', sdp: payload }
    }))
  }
}

interface Node {
  listener: Listener
  tracker: HostileTracker
  calls: string[]
  outcomes: { outcome: OfferOutcome, kind: MeetingKind | null }[]
  count: (outcome: OfferOutcome, kind?: MeetingKind) => number
  /** Offers the node remembers (replay memory), over all swarms. */
  remembered: () => number
  setMeetings: (meetings: Meeting[]) => Promise<void>
}

interface Overrides { answer?: typeof answerOffer, onTransport?: () => void | Promise<void> }

async function listen (identity: Identity, meetings: Meeting[], slots?: Partial<Record<MeetingKind | 'perSwarm', number>>, overrides: Overrides = {}): Promise<Node> {
  const tracker = new HostileTracker()
  const counting = countingAnswerer((c) => cleanups.push(c))
  const calls = counting.calls
  const answer: typeof answerOffer = overrides.answer
    ? async (config, offerSdp) => { calls.push(offerSdp); return await overrides.answer!(config, offerSdp) }
    : counting.answer
  const outcomes: Node['outcomes'] = []
  let current = meetings
  const listener = new Listener({
    identity,
    topics: async () => current,
    trackers: ['wss://tracker.invalid'],
    rtcConfig: { iceServers: [] },
    onTransport: overrides.onTransport ?? (() => { throw new Error('the stand-in never connects') }),
    onOfferOutcome: (outcome, kind) => outcomes.push({ outcome, kind }),
    answerOffer: answer,
    answerSlots: slots,
    createSocket: tracker.createSocket
  })
  listener.start()
  cleanups.push(() => listener.stop())
  await waitFor(() => meetings.every((m) => tracker.swarms.has(m.topic)))
  const count = (outcome: OfferOutcome, kind?: MeetingKind): number =>
    outcomes.filter((o) => o.outcome === outcome && (kind === undefined || o.kind === kind)).length
  return {
    listener,
    tracker,
    calls,
    outcomes,
    count,
    remembered: () => (listener as unknown as { replays: { size: number } }).replays.size,
    setMeetings: async (next) => { current = next; await listener.refreshTopics() }
  }
}

const sdp = (label: string): string => `v=0\r\ns=${label}\r\n`
const epoch = (): number => epochAt(Date.now())

/** Alice's node (not discoverable), her friends Bob and Dave, and an invite of hers. */
function world () {
  const alice = createIdentity()
  const bob = createIdentity()
  const dave = createIdentity()
  const token = 'invite-token-for-carol-1234'
  const e = epoch()
  const pairBob = pairMeeting(pairSecret(alice.secretKey, bob.publicKey), e, alice.publicKey)
  const pairDave = pairMeeting(pairSecret(alice.secretKey, dave.publicKey), e, alice.publicKey)
  const invite = inviteMeeting(token, e, alice.publicKey)
  const bobToAlice = (ep = e): Meeting => pairMeeting(pairSecret(bob.secretKey, alice.publicKey), ep, alice.publicKey)
  return { alice, bob, dave, token, pairBob, pairDave, invite, bobToAlice }
}

/** Lets the listener handle what was delivered (it opens offers asynchronously). */
async function settle (node: Node, outcomes: number): Promise<void> {
  await waitFor(() => node.outcomes.length >= outcomes)
}

describe('attack: a stranger who knows the address of a node that is not discoverable', () => {
  // Attack: everything one can build from the address alone (and a scrape of
  // every swarm's name), pushed into every swarm the node sits in.
  it('gets no answer and costs no RTCPeerConnection, no slot and no replay memory, in any swarm', async () => {
    const { alice, pairBob, pairDave, invite } = world()
    const node = await listen(alice, [pairBob, pairDave, invite], { pair: 1, invite: 1, address: 1, perSwarm: 1 })
    const now = Date.now()
    const enc = new Encoder()
    const probes = (topic: string): string[] => [
      sealOffer(sdp('sealed to the address key'), alice.publicKey, now).payload,
      sealSwarmOffer(sdp('keyed by the address'), swarmOfferKey(alice.publicKey, topic, alice.publicKey), now).payload,
      // The swarm's name is public (scrape): a key derived from it alone.
      sealSwarmOffer(sdp('keyed by the topic'), swarmOfferKey(Uint8Array.from(topic, (c) => c.charCodeAt(0)), topic, alice.publicKey), now).payload,
      // An all-zero key, as if the secret were empty.
      sealSwarmOffer(sdp('zero key'), new Uint8Array(32), now).payload,
      // A well-formed offer body sealed to the box key derived from the address.
      toBase64(seal(enc.encode(['offer', sdp('raw seal'), randomBytes(32), now]), boxPublicKeyFromSigning(alice.publicKey))),
      toBase64(randomBytes(400)),
      '',
      'not base64 at all!'
    ]
    let sent = 0
    for (const topic of node.tracker.swarms) {
      for (const payload of probes(topic)) { node.tracker.offer(topic, payload); sent++ }
    }
    await settle(node, sent)
    expect(node.outcomes.every((o) => o.outcome === 'unproven')).toBe(true)
    expect(node.calls).toEqual([])
    expect(node.tracker.answers).toEqual([])
    expect(node.remembered()).toBe(0)
  })

  // Attack: flood a friend's pair swarm with offers that cannot open, hoping
  // to fill its replay memory (512 per swarm) or its slots and lock the friend out.
  it('flooding a friend’s swarm with 600 unproven offers leaves no memory, and the friend still gets in', async () => {
    const { alice, pairBob, bobToAlice } = world()
    const node = await listen(alice, [pairBob], { pair: 1, perSwarm: 1 })
    for (let i = 0; i < 600; i++) {
      node.tracker.offer(pairBob.topic, sealOffer(sdp(`flood ${i}`), alice.publicKey, Date.now()).payload)
    }
    await settle(node, 600)
    expect(node.count('unproven')).toBe(600)
    expect(node.remembered()).toBe(0)
    const offer = sealOfferFor(bobToAlice(), sdp('bob'), Date.now())
    node.tracker.offer(pairBob.topic, offer.payload)
    await waitFor(() => node.tracker.answers.length === 1)
    expect(openAnswer(node.tracker.answers[0]!.payload, offer.reply)).toBe(`answer to ${sdp('bob')}`)
  })

  // Attack: payloads far larger than any offer, meant to cost decoding work.
  it('oversized payloads are dropped before they are opened', async () => {
    const { alice, pairBob } = world()
    const node = await listen(alice, [pairBob])
    // Over the tracker message bound: not even an outcome.
    node.tracker.offer(pairBob.topic, 'A'.repeat(70 * 1024))
    // Under it but not an offer: unproven.
    node.tracker.offer(pairBob.topic, 'A'.repeat(60 * 1024))
    await settle(node, 1)
    await sleep(20)
    expect(node.outcomes).toEqual([{ outcome: 'unproven', kind: 'pair' }])
    expect(node.calls).toEqual([])
  })
})

describe('attack: a tracker replaying and moving a friend’s captured offer', () => {
  // Attack: the same sealed offer re-sent under fresh envelopes (new peer id,
  // new offer id, the same offer id) gets a second answer.
  it('rewritten envelopes get nothing more than the first answer', async () => {
    const { alice, pairBob, bobToAlice } = world()
    const node = await listen(alice, [pairBob])
    const offer = sealOfferFor(bobToAlice(), sdp('bob once'), Date.now())
    node.tracker.offer(pairBob.topic, offer.payload, { offerId: 'first-offer-id' })
    await waitFor(() => node.tracker.answers.length === 1)
    node.tracker.offer(pairBob.topic, offer.payload, { offerId: 'first-offer-id' })
    for (let i = 0; i < 20; i++) node.tracker.offer(pairBob.topic, offer.payload)
    await settle(node, 22)
    expect(node.count('replayed')).toBe(21)
    expect(node.calls).toEqual([sdp('bob once')])
    expect(node.tracker.answers).toHaveLength(1)
  })

  // Attack: a friend's offer moved into another friend's swarm, the invite
  // swarm, or the address swarm of the same node, hoping one of those is
  // checked more loosely or remembers separately.
  it('moved into another swarm of the same node it never opens', async () => {
    const { alice, pairBob, pairDave, invite, bobToAlice } = world()
    const address = addressMeeting(alice.publicKey, epoch())
    const node = await listen(alice, [pairBob, pairDave, invite, address])
    const offer = sealOfferFor(bobToAlice(), sdp('bob'), Date.now())
    for (const topic of [pairDave.topic, invite.topic, address.topic]) node.tracker.offer(topic, offer.payload)
    await settle(node, 3)
    expect(node.outcomes.map((o) => o.outcome)).toEqual(['unproven', 'unproven', 'unproven'])
    expect(node.calls).toEqual([])
    // It still works where it was meant to go (so it was not spoiled).
    node.tracker.offer(pairBob.topic, offer.payload)
    await waitFor(() => node.tracker.answers.length === 1)
  })

  // Attack: a friend's offer captured near midnight replayed into the next
  // day's pair swarm while it is still fresh.
  it('moved to the next day’s swarm it never opens', async () => {
    const { alice, bob, bobToAlice } = world()
    const today = epoch()
    const tomorrow = pairMeeting(pairSecret(alice.secretKey, bob.publicKey), today + 1, alice.publicKey)
    const node = await listen(alice, [tomorrow])
    const offer = sealOfferFor(bobToAlice(today), sdp('bob today'), Date.now())
    node.tracker.offer(tomorrow.topic, offer.payload)
    await settle(node, 1)
    expect(node.outcomes).toEqual([{ outcome: 'unproven', kind: 'pair' }])
    expect(node.calls).toEqual([])
  })

  // Attack: an address-swarm offer (sealed to the public key alone, so it
  // names no swarm or day) answered before midnight, replayed into the next
  // day's address swarm once the node has moved there. Each offer is to be
  // answered at most once for as long as it is fresh.
  it('an address-swarm offer replayed into the next day’s address swarm is not answered again', async () => {
    const { alice, pairBob } = world()
    const today = addressMeeting(alice.publicKey, epoch())
    const node = await listen(alice, [pairBob, today])
    const offer = sealOfferFor(today, sdp('stranger by address'), Date.now())
    node.tracker.offer(today.topic, offer.payload)
    await waitFor(() => node.tracker.answers.length === 1)
    // Midnight: the node now sits in the next day's address swarm.
    const tomorrow = addressMeeting(alice.publicKey, epoch() + 1)
    await node.setMeetings([pairBob, tomorrow])
    await waitFor(() => node.tracker.swarms.has(tomorrow.topic))
    node.tracker.offer(tomorrow.topic, offer.payload)
    await settle(node, 2)
    expect(node.outcomes.map((o) => o.outcome)).toEqual(['answered', 'replayed'])
    expect(node.calls).toHaveLength(1)
    expect(node.tracker.answers).toHaveLength(1)
  })

  // Attack: a stale offer (older than OFFER_MAX_AGE_MS), or one dated far in
  // the future so it would stay fresh (and unremembered) for long.
  it('stale and far-future offers are refused before any cost', async () => {
    const { alice, pairBob, bobToAlice } = world()
    const node = await listen(alice, [pairBob])
    const now = Date.now()
    for (const at of [now - OFFER_MAX_AGE_MS - 60_000, now + OFFER_MAX_AGE_MS + 60_000, now + EPOCH_MS, Number.MAX_SAFE_INTEGER, -1]) {
      node.tracker.offer(pairBob.topic, sealOfferFor(bobToAlice(), sdp(`at ${at}`), at).payload)
    }
    await settle(node, 5)
    expect(node.outcomes.every((o) => o.outcome === 'unproven')).toBe(true)
    expect(node.remembered()).toBe(0)
    expect(node.calls).toEqual([])
  })
})

describe('attack: one friend (or a leaked invite) taking every answer slot', () => {
  // Attack: many valid but never-completing offers in one friend's swarm (a
  // friend's hostile node, or an invite link posted publicly).
  it('cannot keep another friend out', async () => {
    const { alice, bob, dave, pairBob, pairDave, invite, token } = world()
    const node = await listen(alice, [pairBob, pairDave, invite])
    const bobMeeting = pairMeeting(pairSecret(bob.secretKey, alice.publicKey), epoch(), alice.publicKey)
    const leaked = inviteMeeting(token, epoch(), alice.publicKey)
    for (let i = 0; i < 40; i++) {
      node.tracker.offer(pairBob.topic, sealOfferFor(bobMeeting, sdp(`bob ${i}`), Date.now()).payload)
      node.tracker.offer(invite.topic, sealOfferFor(leaked, sdp(`leak ${i}`), Date.now()).payload)
    }
    await settle(node, 80)
    expect(node.count('busy')).toBeGreaterThan(0)
    const before = node.calls.length
    const daveToAlice = pairMeeting(pairSecret(dave.secretKey, alice.publicKey), epoch(), alice.publicKey)
    const offer = sealOfferFor(daveToAlice, sdp('dave'), Date.now())
    node.tracker.offer(pairDave.topic, offer.payload)
    await waitFor(() => node.calls.length === before + 1)
    expect(node.calls.at(-1)).toBe(sdp('dave'))
  })
})

describe('attack: connections that open but never authenticate', () => {
  // Attack: answered offers whose connections open and then stall in the
  // handshake. Were the slot released as soon as the channel opened, such
  // connections (each an RTCPeerConnection) could pile up without bound.
  it('keep their answer slot until the node is done with the handshake', async () => {
    const { alice, pairBob, bobToAlice } = world()
    const handshakes: (() => void)[] = []
    const connects: typeof answerOffer = async (_config, offerSdp) => ({
      sdp: `answer to ${offerSdp}`,
      connected: async () => ({}) as never
    })
    const node = await listen(alice, [pairBob], { pair: 1, perSwarm: 1 }, {
      answer: connects,
      onTransport: () => new Promise<void>((resolve) => handshakes.push(resolve))
    })
    node.tracker.offer(pairBob.topic, sealOfferFor(bobToAlice(), sdp('stalls'), Date.now()).payload)
    await waitFor(() => handshakes.length === 1)
    node.tracker.offer(pairBob.topic, sealOfferFor(bobToAlice(), sdp('waits'), Date.now()).payload)
    await settle(node, 2)
    expect(node.outcomes.map((o) => o.outcome)).toEqual(['answered', 'busy'])
    // The handshake ends: the slot is free again.
    handshakes[0]!()
    const slots = (node.listener as unknown as { slots: { busy: (k: MeetingKind) => number } }).slots
    await waitFor(() => slots.busy('pair') === 0)
    node.tracker.offer(pairBob.topic, sealOfferFor(bobToAlice(), sdp('next'), Date.now()).payload)
    await settle(node, 3)
    expect(node.outcomes.map((o) => o.outcome)).toEqual(['answered', 'busy', 'answered'])
    for (const done of handshakes) done()
  })
})

describe('attack: a tracker that delivers a friend’s offer first and drops the answer', () => {
  // Attack: the friend announces to two trackers. The hostile one hands the
  // offer over first, so it is the one answered, then drops the answer; the
  // honest tracker's copy is a replay. Without more, the friend never
  // connects while one tracker is hostile. The same sealed answer goes back
  // through the honest tracker too, at no new cost.
  it('the answer also goes back through the other tracker, with no second RTCPeerConnection', async () => {
    const { alice, pairBob, bobToAlice } = world()
    const hostile = new HostileTracker()
    const honest = new HostileTracker()
    const byUrl: Record<string, HostileTracker> = { 'wss://hostile.invalid': hostile, 'wss://honest.invalid': honest }
    const { answer, calls } = countingAnswerer((c) => cleanups.push(c))
    const outcomes: OfferOutcome[] = []
    const listener = new Listener({
      identity: alice,
      topics: async () => [pairBob],
      trackers: Object.keys(byUrl),
      rtcConfig: { iceServers: [] },
      onTransport: () => {},
      onOfferOutcome: (outcome) => outcomes.push(outcome),
      answerOffer: answer,
      createSocket: (url: string) => byUrl[url]!.createSocket()
    })
    listener.start()
    cleanups.push(() => listener.stop())
    await waitFor(() => hostile.swarms.has(pairBob.topic) && honest.swarms.has(pairBob.topic))
    const offer = sealOfferFor(bobToAlice(), sdp('bob via two trackers'), Date.now())
    hostile.offer(pairBob.topic, offer.payload, { peerId: 'b'.repeat(20), offerId: 'o'.repeat(20) })
    await waitFor(() => hostile.answers.length === 1) // ...which it drops
    honest.offer(pairBob.topic, offer.payload, { peerId: 'b'.repeat(20), offerId: 'o'.repeat(20) })
    await waitFor(() => outcomes.length === 2)
    expect(outcomes).toEqual(['answered', 'replayed'])
    expect(honest.answers).toHaveLength(1)
    expect(openAnswer(honest.answers[0]!.payload, offer.reply)).toBe(`answer to ${sdp('bob via two trackers')}`)
    expect(calls).toHaveLength(1)
    // Replayed again through either: nothing more.
    honest.offer(pairBob.topic, offer.payload)
    hostile.offer(pairBob.topic, offer.payload)
    await waitFor(() => outcomes.length === 4)
    expect(honest.answers).toHaveLength(1)
    expect(hostile.answers).toHaveLength(1)
    expect(calls).toHaveLength(1)
  })
})
