// ICE restart offers reaching a listener (DESIGN §6b): only an offer that
// opens with the pair swarm's key, names a live session by the tag only its
// two ends can compute, and carries the DTLS certificate that session's
// peer proved, is handed to that session; it costs no new
// RTCPeerConnection. A wrong tag, a stranger, a closed session, another
// certificate or a replay gets nothing.
import { describe, expect, it } from 'vitest'
import { RestartRegistry } from '../../node-tab/discovery/ice-restarts'
import { Listener, type OfferOutcome } from '../../node-tab/discovery/listener'
import { randomPeerId, type SignalEnvelope } from '../../node-tab/discovery/tracker-client'
import { pairSecret, randomBytes } from '../../shared/crypto/crypto'
import { restartTag } from '../../shared/rendezvous/ice-restart-tag'
import { createIdentity } from '../../shared/identity/identity'
import { pairMeeting, sealOfferFor, type MeetingKind } from '../../shared/rendezvous/meetings'
import { epochAt, openAnswer, openSwarmOffer, sealSwarmOffer, swarmOfferKey } from '../../shared/rendezvous/rendezvous'
import { cleanupsAfterEach } from './cleanups'
import { countingAnswerer } from './listener-fixtures'
import { createSocket, repeatUntil, testPool, testTracker } from './tracker-fixtures'
import { sleep, waitFor as waitUntil } from './waiting'

const waitFor = (cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => waitUntil(cond, timeoutMs, 25)
const cleanups = cleanupsAfterEach()

const BOB_FP = 'sha-256 aa:bb:cc'
const ALICE_FP = 'sha-256 11:22:33'
const sdp = (label: string, fingerprint = BOB_FP): string => `v=0\r\ns=${label}\r\na=fingerprint:${fingerprint}\r\n`

/** Alice listens, holding one live session with Bob that a restart may name. */
async function world () {
  const t = await testTracker(cleanups)
  const alice = createIdentity()
  const bob = createIdentity()
  const epoch = epochAt(Date.now())
  const pairAtAlice = pairMeeting(pairSecret(alice.secretKey, bob.publicKey), epoch, alice.publicKey)
  const bobToAlice = pairMeeting(pairSecret(bob.secretKey, alice.publicKey), epoch, alice.publicKey)
  const transcript = randomBytes(200)
  const tag = restartTag(transcript)
  const restarts = new RestartRegistry()
  const restarted: string[] = []
  const unregister = restarts.register(tag, {
    remoteFingerprint: BOB_FP,
    answerRestart: async (offerSdp) => { restarted.push(offerSdp); return sdp('restart answer', ALICE_FP) }
  })
  const { answer, calls } = countingAnswerer((c) => cleanups.push(c))
  const outcomes: { outcome: OfferOutcome, kind: MeetingKind | null }[] = []
  const listener = new Listener({
    identity: alice,
    topics: async () => [pairAtAlice],
    trackers: [t.url],
    rtcConfig: { iceServers: [] },
    onTransport: () => { throw new Error('the stand-in never connects') },
    onOfferOutcome: (outcome, kind) => outcomes.push({ outcome, kind }),
    answerOffer: answer,
    restarts,
    createSocket
  })
  listener.start()
  cleanups.push(() => listener.stop())
  const p = testPool(cleanups, [t.url])
  const answers: SignalEnvelope[] = []
  p.onAnswer((e) => answers.push(e))
  await waitFor(() => p.status().every((s) => s.state === 'open'))
  const send = (payload: string, offerId = randomPeerId()): void => p.announce(bobToAlice.topic, [{ offerId, payload }])
  const count = (outcome: OfferOutcome): number => outcomes.filter((o) => o.outcome === outcome).length
  return { alice, bob, tag, bobToAlice, restarted, calls, outcomes, answers, send, count, unregister }
}

/** Offers until the listener says `outcome`, then gives anything late a
 *  moment: nobody got an answer, and no session was restarted. */
async function expectIgnored (w: Awaited<ReturnType<typeof world>>, payload: string, outcome: OfferOutcome): Promise<void> {
  await repeatUntil(() => w.send(payload), () => w.count(outcome) > 0)
  await sleep(200)
  expect(w.answers).toEqual([])
  expect(w.restarted).toEqual([])
}

describe('an ICE restart offer', () => {
  it('from the session’s peer, with its tag and certificate, is answered by that live session, without a new RTCPeerConnection', async () => {
    const w = await world()
    const offer = sealOfferFor(w.bobToAlice, sdp('restart from bob'), Date.now(), w.tag)
    await repeatUntil(() => w.send(offer.payload), () => w.answers.length > 0)
    expect(openAnswer(w.answers[0]!.payload, offer.reply)).toBe(sdp('restart answer', ALICE_FP))
    expect(w.restarted).toEqual([sdp('restart from bob')])
    expect(w.calls).toEqual([])
    expect(w.count('restarted')).toBe(1)
  })

  it('with a tag that names no live session is ignored', async () => {
    const w = await world()
    const offer = sealOfferFor(w.bobToAlice, sdp('guessed tag'), Date.now(), randomBytes(32))
    await expectIgnored(w, offer.payload, 'restart-refused')
    expect(w.calls).toEqual([])
  })

  it('for a session that has closed is ignored', async () => {
    const w = await world()
    w.unregister()
    const offer = sealOfferFor(w.bobToAlice, sdp('too late'), Date.now(), w.tag)
    await expectIgnored(w, offer.payload, 'restart-refused')
  })

  it('with another DTLS certificate than the session’s peer proved is ignored, even with the right tag', async () => {
    const w = await world()
    const offer = sealOfferFor(w.bobToAlice, sdp('someone else’s certificate', 'sha-256 de:ad:be:ef'), Date.now(), w.tag)
    await expectIgnored(w, offer.payload, 'restart-refused')
  })

  it('from a stranger who somehow holds the tag, but not the pair swarm’s key, is ignored', async () => {
    const w = await world()
    const guessedKey = swarmOfferKey(w.alice.publicKey, w.bobToAlice.topic, w.alice.publicKey)
    const offer = sealSwarmOffer(sdp('stranger'), guessedKey, Date.now(), w.tag)
    await expectIgnored(w, offer.payload, 'unproven')
  })

  it('replayed (by a tracker, or a second copy) is applied once only', async () => {
    const w = await world()
    const offer = sealOfferFor(w.bobToAlice, sdp('restart from bob'), Date.now(), w.tag)
    await repeatUntil(() => w.send(offer.payload), () => w.answers.length > 0)
    await repeatUntil(() => w.send(offer.payload), () => w.count('replayed') > 0)
    await sleep(200)
    expect(w.restarted).toHaveLength(1)
    expect(w.count('restarted')).toBe(1)
  })

  it('that is stale, or whose tag is not 32 bytes, does not open at all', () => {
    const key = randomBytes(32)
    const stale = sealSwarmOffer(sdp('old'), key, Date.now() - 11 * 60_000, randomBytes(32))
    expect(openSwarmOffer(stale.payload, key, Date.now())).toBeNull()
    const short = sealSwarmOffer(sdp('short tag'), key, Date.now(), randomBytes(31))
    expect(openSwarmOffer(short.payload, key, Date.now())).toBeNull()
    const ok = sealSwarmOffer(sdp('fine'), key, Date.now(), randomBytes(32))
    expect(openSwarmOffer(ok.payload, key, Date.now())?.restartTag).toHaveLength(32)
    // A plain dial offer carries no tag, so never reaches a live session.
    expect(openSwarmOffer(sealSwarmOffer(sdp('dial'), key, Date.now()).payload, key, Date.now())?.restartTag).toBeUndefined()
  })
})
