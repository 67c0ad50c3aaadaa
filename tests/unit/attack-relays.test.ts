// Attacks on rendezvous through relays, played by a hostile relay: an
// in-memory stand-in for a relay's WebSocket that hears everything the node
// sends and can push any message under any subscription. WebRTC is replaced
// by a counting stand-in (listener-fixtures.ts), so each test sees whether
// an event ever cost an RTCPeerConnection or a replay-memory entry.
import { describe, expect, it } from 'vitest'
import { finalizeEvent, generateSecretKey, type Event as NostrEvent } from 'nostr-tools/pure'
import { Listener, type OfferOutcome } from '../../node-tab/discovery/listener'
import { RelayChannel } from '../../node-tab/relays/relay-channel'
import { ANSWER_KIND, makeSignalEvent, OFFER_KIND } from '../../node-tab/relays/relay-events'
import { relayTag } from '../../node-tab/relays/relay-tags'
import { pairSecret } from '../../shared/crypto/crypto'
import { createIdentity } from '../../shared/identity/identity'
import { pairMeeting, sealOfferFor, type Meeting, type MeetingKind } from '../../shared/rendezvous/meetings'
import { epochAt, openAnswer, OFFER_MAX_AGE_MS } from '../../shared/rendezvous/rendezvous'
import { toHex } from '../../shared/util/bytes'
import { cleanupsAfterEach } from './cleanups'
import { countingAnswerer } from './listener-fixtures'
import { sleep, waitFor } from './waiting'
import { HostileServer } from './hostile-server'

const cleanups = cleanupsAfterEach()
const RELAY = 'wss://relay.invalid'

/** The relay's side of the node's socket. */
class HostileRelay extends HostileServer {
  readonly heard: unknown[][] = []

  protected hear (text: string): void { this.heard.push(JSON.parse(text) as unknown[]) }

  /** The node's live subscription for a kind: its id and the tags it asks for. */
  subscription (kind: number): { id: string, tags: string[] } | null {
    let live: { id: string, tags: string[] } | null = null
    for (const m of this.heard) {
      if (m[0] === 'REQ' && (m[2] as { kinds: number[] }).kinds.includes(kind)) live = { id: m[1] as string, tags: (m[2] as Record<string, string[]>)['#t']! }
      if (m[0] === 'CLOSE' && live?.id === m[1]) live = null
    }
    return live
  }

  /** Events the node published. */
  get published (): NostrEvent[] { return this.heard.filter((m) => m[0] === 'EVENT').map((m) => m[1] as NostrEvent) }

  /** Delivers an event under the node's offer subscription (or `subId`). */
  push (event: unknown, subId = this.subscription(OFFER_KIND)?.id ?? 'none'): void {
    this.deliver(JSON.stringify(['EVENT', subId, event]))
  }
}

const sdp = (label: string): string => `v=0\r\ns=${label}\r\n`

function world () {
  const alice = createIdentity()
  const bob = createIdentity()
  const e = epochAt(Date.now())
  const pairBob = pairMeeting(pairSecret(alice.secretKey, bob.publicKey), e, alice.publicKey)
  const bobToAlice = (): Meeting => pairMeeting(pairSecret(bob.secretKey, alice.publicKey), e, alice.publicKey)
  return { alice, bob, pairBob, bobToAlice }
}

async function listenOnRelay (meetings: Meeting[], identity = createIdentity()) {
  const relay = new HostileRelay()
  const counting = countingAnswerer((c) => cleanups.push(c))
  const outcomes: { outcome: OfferOutcome, kind: MeetingKind | null }[] = []
  let channel: RelayChannel | null = null
  const listener = new Listener({
    identity,
    topics: async () => meetings,
    trackers: [],
    rtcConfig: { iceServers: [] },
    onTransport: () => { throw new Error('the stand-in never connects') },
    onOfferOutcome: (outcome, kind) => outcomes.push({ outcome, kind }),
    answerOffer: counting.answer,
    openChannel: () => (channel = new RelayChannel({ urls: [RELAY], createSocket: relay.createSocket }))
  })
  listener.start()
  cleanups.push(() => listener.stop())
  const tags = meetings.map((m) => relayTag(m.topic))
  await waitFor(() => tags.every((t) => relay.subscription(OFFER_KIND)?.tags.includes(t)))
  return {
    relay,
    outcomes,
    calls: counting.calls,
    channel: () => channel!,
    remembered: () => (listener as unknown as { replays: { size: number } }).replays.size
  }
}

/** A well-formed offer event as any relay user could make one. */
function offerEvent (topic: string, payload: string, offerId = 'offer-id', at = Date.now()): NostrEvent {
  return makeSignalEvent(OFFER_KIND, relayTag(topic), offerId, payload, at)
}

describe('attack: a hostile relay', () => {
  it('a friend’s offer through a relay is answered once, and its replays in fresh events are refused by the replay guard', async () => {
    const { alice, pairBob, bobToAlice } = world()
    const node = await listenOnRelay([pairBob], alice)
    const offer = sealOfferFor(bobToAlice(), sdp('bob'), Date.now())
    node.relay.push(offerEvent(pairBob.topic, offer.payload, 'first'))
    await waitFor(() => node.relay.published.length === 1)
    const answer = node.relay.published[0]!
    expect(answer.kind).toBe(ANSWER_KIND)
    expect(answer.tags).toContainEqual(['t', relayTag(pairBob.topic)])
    expect(openAnswer(JSON.parse(answer.content).p, offer.reply)).toBe(`answer to ${sdp('bob')}`)
    // Replays: the same sealed offer re-wrapped in new events (any key can
    // sign one), under the same or another offer id.
    for (let i = 0; i < 10; i++) node.relay.push(offerEvent(pairBob.topic, offer.payload, i % 2 === 0 ? 'first' : `other-${i}`))
    await waitFor(() => node.outcomes.length === 11)
    expect(node.outcomes.filter((o) => o.outcome === 'replayed')).toHaveLength(10)
    expect(node.calls).toEqual([sdp('bob')])
    expect(node.relay.published).toHaveLength(1)
  })

  it('malformed, oversized, mis-signed, stale, wrong-kind and wrong-tag events are dropped silently and counted', async () => {
    const { pairBob } = world()
    const node = await listenOnRelay([pairBob])
    const tag = relayTag(pairBob.topic)
    const good = offerEvent(pairBob.topic, 'payload')
    node.relay.deliver('not json')
    node.relay.deliver(JSON.stringify({ EVENT: good }))
    node.relay.deliver(JSON.stringify(['EVENT', node.relay.subscription(OFFER_KIND)!.id, { ...good, id: 'short' }]))
    node.relay.deliver(JSON.stringify(['EVENT', node.relay.subscription(OFFER_KIND)!.id, { ...good, content: 'x'.repeat(70 * 1024) }]))
    node.relay.push({ ...good, content: JSON.stringify({ o: 'offer-id', p: 'altered' }) })
    node.relay.push(makeSignalEvent(ANSWER_KIND, tag, 'offer-id', 'an answer where offers go', Date.now()))
    node.relay.push(offerEvent('another topic entirely', 'payload'))
    node.relay.push(offerEvent(pairBob.topic, 'payload', 'old', Date.now() - OFFER_MAX_AGE_MS - 60_000))
    node.relay.push(finalizeEvent({ kind: OFFER_KIND, created_at: Math.floor(Date.now() / 1000), tags: [['t', tag]], content: 'not our body' }, generateSecretKey()))
    node.relay.push(good, 'a-subscription-we-never-made')
    node.relay.deliver(JSON.stringify(['NOTICE', 'hello']))
    await sleep(50)
    expect(node.outcomes).toEqual([])
    expect(node.channel().dropped).toEqual({
      'malformed': 4, 'oversized': 1, 'bad-signature': 1, 'wrong-kind': 1, 'wrong-tag': 1, 'stale': 1, 'unknown-subscription': 1
    })
    // The well-formed one still goes through: nothing above spoiled the
    // channel (not even the altered copy that bore its id).
    node.relay.push(good)
    await waitFor(() => node.outcomes.length === 1)
    expect(node.outcomes[0]!.outcome).toBe('unproven')
  })

  it('a flood under a friend’s tag reaches the listener only up to the per-tag bound, repeats once, and memory stays bounded', async () => {
    const { pairBob } = world()
    const node = await listenOnRelay([pairBob])
    const one = offerEvent(pairBob.topic, 'repeat me')
    for (let i = 0; i < 5; i++) node.relay.push(one)
    for (let i = 0; i < 300; i++) node.relay.push(offerEvent(pairBob.topic, `junk ${i}`, `id-${i}`))
    await sleep(200)
    const dropped = node.channel().dropped
    expect(node.outcomes.length).toBeLessThanOrEqual(60)
    expect(node.outcomes.every((o) => o.outcome === 'unproven')).toBe(true)
    expect(dropped.duplicate).toBe(4)
    expect((dropped.flood ?? 0) + (dropped['topic-flood'] ?? 0)).toBeGreaterThanOrEqual(300 - 60)
    expect(node.remembered()).toBe(0)
    const connection = [...(node.channel() as unknown as { connections: Map<string, { seenIds: Set<string>, perTag: Map<string, unknown> }> }).connections.values()][0]!
    expect(connection.seenIds.size).toBeLessThanOrEqual(512)
    expect(connection.perTag.size).toBeLessThanOrEqual(1)
  })

  it('a listening node publishes nothing and asks only for its tags, which name no topic', async () => {
    const { pairBob } = world()
    const node = await listenOnRelay([pairBob])
    await sleep(50)
    expect(node.relay.published).toEqual([])
    const subscription = node.relay.subscription(OFFER_KIND)!
    expect(subscription.tags).toEqual([relayTag(pairBob.topic)])
    expect(node.relay.subscription(ANSWER_KIND)).toBeNull()
    const everything = JSON.stringify(node.relay.heard)
    expect(everything).not.toContain(toHex(Uint8Array.from(pairBob.topic, (c) => c.charCodeAt(0))))
    expect(everything).not.toContain(JSON.stringify(pairBob.topic).slice(1, -1))
  })

  it('a dial publishes one offer per announce (every listener gets it), each under its own throwaway key, and never more than the per-minute ceiling', async () => {
    const relay = new HostileRelay()
    const channel = new RelayChannel({ urls: [RELAY], createSocket: relay.createSocket })
    cleanups.push(() => channel.close())
    await channel.ready()
    const routes = channel.announce('dial-topic-12345678', [{ offerId: 'a', payload: 'p1' }, { offerId: 'b', payload: 'p2' }])
    expect(routes).toEqual([RELAY])
    expect(relay.published).toHaveLength(1)
    expect(JSON.parse(relay.published[0]!.content)).toEqual({ o: 'a', p: 'p1' })
    channel.announce('dial-topic-12345678', [{ offerId: 'c', payload: 'p3' }])
    expect(relay.published).toHaveLength(2)
    expect(new Set(relay.published.map((e) => e.pubkey)).size).toBe(2)
    expect(relay.subscription(ANSWER_KIND)!.tags).toEqual([relayTag('dial-topic-12345678')])
    for (let i = 0; i < 100; i++) channel.announce('dial-topic-12345678', [{ offerId: `x${i}`, payload: 'p' }])
    expect(relay.published).toHaveLength(60)
    // Stopping the dial closes its answer subscription.
    channel.leave('dial-topic-12345678')
    expect(relay.subscription(ANSWER_KIND)).toBeNull()
  })
})

describe('a relay’s refusals and “slow down”, shown in its own words, bounded', () => {
  async function openChannel (): Promise<{ relay: HostileRelay, channel: RelayChannel }> {
    const relay = new HostileRelay()
    const channel = new RelayChannel({ urls: [RELAY], createSocket: relay.createSocket })
    cleanups.push(() => channel.close())
    await channel.ready()
    return { relay, channel }
  }

  it('OK false says refused, with the reason; rate-limited says so; an accepted event clears it', async () => {
    const { relay, channel } = await openChannel()
    expect(channel.status()[0]!.health).toBe('working')
    relay.deliver(JSON.stringify(['OK', 'a'.repeat(64), false, 'blocked: kind 25050 is not allowed here']))
    expect(channel.status()[0]).toMatchObject({ health: 'refused', lastError: 'blocked: kind 25050 is not allowed here' })
    relay.deliver(JSON.stringify(['NOTICE', 'rate-limited: slow down there chief']))
    expect(channel.status()[0]).toMatchObject({ health: 'rate-limited', lastError: 'rate-limited: slow down there chief' })
    relay.deliver(JSON.stringify(['OK', 'b'.repeat(64), true, '']))
    expect(channel.status()[0]).toMatchObject({ health: 'working', lastError: undefined })
    // A closed subscription is a refusal too (a relay that wants a login Kith does not give).
    relay.deliver(JSON.stringify(['CLOSED', 'sub', 'auth-required: sign in first']))
    expect(channel.status()[0]!.health).toBe('refused')
  })

  it('a duplicate, a free-text notice, or a reason that is not a string colours nothing', async () => {
    const { relay, channel } = await openChannel()
    relay.deliver(JSON.stringify(['OK', 'a'.repeat(64), false, 'duplicate: already have this event']))
    relay.deliver(JSON.stringify(['NOTICE', 'you have been banned forever, click here']))
    relay.deliver(JSON.stringify(['OK', 'a'.repeat(64), false, { html: '<b>' }]))
    relay.deliver(JSON.stringify(['CLOSED', 'sub', 42]))
    expect(channel.status()[0]).toMatchObject({ health: 'working', lastError: undefined })
  })

  // Attack: a relay's reason is shown to the owner; a huge one, or one with
  // control characters (a terminal escape, a fake new line), is cut and cleaned.
  it('a huge reason or one with control characters is cut to 160 printable characters', async () => {
    const { relay, channel } = await openChannel()
    relay.deliver(JSON.stringify(['OK', 'a'.repeat(64), false, 'blocked: \u001b[31mred\nnew line\u0085' + 'x'.repeat(60_000)]))
    const words = channel.status()[0]!.lastError!
    expect(words.length).toBe(160)
    expect(words).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    expect(words.startsWith('blocked:  [31mred new line ')).toBe(true)
  })
})
