// An offer proves its right to an answer: into a pair or invite swarm only
// an offer sealed with that swarm's key opens; only the address swarm takes
// one sealed to the public key alone.
import { describe, expect, it } from 'vitest'
import { fromBase64, toBase64, utf8 } from '../../shared/util/bytes'
import { boxSecretKeyFromSigning, pairSecret } from '../../shared/crypto/crypto'
import { createIdentity } from '../../shared/identity/identity'
import { addressMeeting, inviteMeeting, openOfferIn, pairMeeting, sealOfferFor, type Meeting } from '../../shared/rendezvous/meetings'
import { OFFER_MAX_AGE_MS, openSwarmOffer, sealOffer, sealSwarmOffer } from '../../shared/rendezvous/rendezvous'

const NOW = Date.UTC(2025, 5, 15, 12, 0, 0)
const EPOCH = 20_000
const SDP = 'v=0\r\ns=KITH-SDP-MARKER\r\na=candidate:1 1 udp 2122260223 192.168.77.123 54321 typ host\r\n'

function contains (haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** Alice listens; Bob is her friend; Mallory knows both addresses. */
function people () {
  const alice = createIdentity(); const bob = createIdentity(); const mallory = createIdentity()
  const aliceBox = boxSecretKeyFromSigning(alice.secretKey)
  const atAlice = pairMeeting(pairSecret(alice.secretKey, bob.publicKey), EPOCH, alice.publicKey)
  const bobDialsAlice = pairMeeting(pairSecret(bob.secretKey, alice.publicKey), EPOCH, alice.publicKey)
  return { alice, bob, mallory, aliceBox, atAlice, bobDialsAlice }
}

const opens = (meeting: Meeting, payload: string, box: Uint8Array, now = NOW): boolean => openOfferIn(meeting, payload, box, now) !== null

describe('offers into a pair swarm', () => {
  it('open with the pair secret: both friends build the same meeting', () => {
    const { aliceBox, atAlice, bobDialsAlice } = people()
    expect(bobDialsAlice.topic).toBe(atAlice.topic)
    const { payload, reply } = sealOfferFor(bobDialsAlice, SDP, NOW)
    expect(openOfferIn(atAlice, payload, aliceBox, NOW + 1_000)).toEqual({ sdp: SDP, replyKey: reply.publicKey, sentAt: NOW })
  })

  it('an offer sealed to the public key alone does not open there', () => {
    const { alice, aliceBox, atAlice } = people()
    // What a stranger who knows Alice's address can make, sent into the swarm.
    const { payload } = sealOffer(SDP, alice.publicKey, NOW)
    expect(opens(addressMeeting(alice.publicKey, EPOCH), payload, aliceBox)).toBe(true) // control
    expect(opens(atAlice, payload, aliceBox)).toBe(false)
  })

  it('a wrong secret does not open: Mallory pairing Alice with her own key', () => {
    const { alice, mallory, aliceBox, atAlice } = people()
    const guess = pairMeeting(pairSecret(mallory.secretKey, alice.publicKey), EPOCH, alice.publicKey)
    // Even announced into the right swarm, the key is wrong.
    const { payload } = sealSwarmOffer(SDP, guess.offerKey, NOW)
    expect(opens(atAlice, payload, aliceBox)).toBe(false)
  })

  it('an offer for the other friend does not open at the sender’s own listener', () => {
    const { alice, bob, aliceBox, atAlice } = people()
    // Alice dials Bob in their pair swarm, where her own listener sits too.
    const aliceDialsBob = pairMeeting(pairSecret(alice.secretKey, bob.publicKey), EPOCH, bob.publicKey)
    expect(aliceDialsBob.topic).toBe(atAlice.topic)
    const { payload } = sealOfferFor(aliceDialsBob, SDP, NOW)
    expect(opens(atAlice, payload, aliceBox)).toBe(false)
    expect(opens(pairMeeting(pairSecret(bob.secretKey, alice.publicKey), EPOCH, bob.publicKey), payload, new Uint8Array(32))).toBe(true)
  })

  it('an offer made for another day does not open today', () => {
    const { alice, bob, aliceBox, atAlice } = people()
    const yesterday = pairMeeting(pairSecret(bob.secretKey, alice.publicKey), EPOCH - 1, alice.publicKey)
    expect(opens(atAlice, sealOfferFor(yesterday, SDP, NOW).payload, aliceBox)).toBe(false)
  })

  it('an altered, truncated or garbage offer does not open', () => {
    const { aliceBox, atAlice, bobDialsAlice } = people()
    const bytes = fromBase64(sealOfferFor(bobDialsAlice, SDP, NOW).payload)
    for (const at of [0, 23, 24, 40, bytes.length - 1]) {
      const tampered = bytes.slice()
      tampered[at]! ^= 0x01
      expect(opens(atAlice, toBase64(tampered), aliceBox)).toBe(false)
    }
    expect(opens(atAlice, toBase64(bytes.subarray(0, bytes.length - 1)), aliceBox)).toBe(false)
    for (const junk of ['', 'not base64!', toBase64(new Uint8Array(40)), 'A'.repeat(200_000)]) {
      expect(opens(atAlice, junk, aliceBox)).toBe(false)
    }
  })

  it('a stale or future-dated offer does not open', () => {
    const { aliceBox, atAlice, bobDialsAlice } = people()
    const { payload } = sealOfferFor(bobDialsAlice, SDP, NOW)
    expect(opens(atAlice, payload, aliceBox, NOW + OFFER_MAX_AGE_MS)).toBe(true)
    expect(opens(atAlice, payload, aliceBox, NOW + OFFER_MAX_AGE_MS + 1)).toBe(false)
    expect(opens(atAlice, payload, aliceBox, NOW - OFFER_MAX_AGE_MS - 1)).toBe(false)
  })

  it('a real-sized offer opens; one over 16 KiB is refused before it is decrypted', () => {
    const { aliceBox, atAlice, bobDialsAlice } = people()
    // A large real offer: many candidates (IPv4, IPv6, relays), about 5 kB.
    const candidates = Array.from({ length: 40 }, (_, i) => `a=candidate:${i} 1 udp 2122260223 2001:db8::${i.toString(16)} ${50_000 + i} typ host generation 0\r\n`).join('')
    const big = SDP + candidates
    expect(opens(atAlice, sealOfferFor(bobDialsAlice, big, NOW).payload, aliceBox)).toBe(true)
    // Properly sealed with the right key, but larger than any real offer.
    const huge = sealOfferFor(bobDialsAlice, SDP + 'a=x-padding:' + 'p'.repeat(12 * 1024) + '\r\n', NOW).payload
    expect(huge.length).toBeGreaterThan(16 * 1024)
    expect(opens(atAlice, huge, aliceBox)).toBe(false)
  })

  it('hides the SDP and IP address from the tracker', () => {
    const { bobDialsAlice } = people()
    const bytes = fromBase64(sealOfferFor(bobDialsAlice, SDP, NOW).payload)
    expect(contains(bytes, utf8('KITH-SDP-MARKER'))).toBe(false)
    expect(contains(bytes, utf8('192.168.77.123'))).toBe(false)
  })
})

describe('offers into an invite swarm', () => {
  it('open with the invite token and not without it', () => {
    const { alice, aliceBox } = people()
    const atAlice = inviteMeeting('token-abcdefgh1234', EPOCH, alice.publicKey)
    const holder = inviteMeeting('token-abcdefgh1234', EPOCH, alice.publicKey)
    expect(holder.topic).toBe(atAlice.topic)
    expect(opens(atAlice, sealOfferFor(holder, SDP, NOW).payload, aliceBox)).toBe(true)
    // Wrong token, sealed-to-key only, and a pair key into the invite swarm.
    expect(opens(atAlice, sealOfferFor(inviteMeeting('token-abcdefgh1235', EPOCH, alice.publicKey), SDP, NOW).payload, aliceBox)).toBe(false)
    expect(opens(atAlice, sealOffer(SDP, alice.publicKey, NOW).payload, aliceBox)).toBe(false)
    const { bobDialsAlice } = people()
    expect(openSwarmOffer(sealOfferFor(bobDialsAlice, SDP, NOW).payload, atAlice.offerKey, NOW)).toBeNull()
  })
})

describe('offers into the address swarm', () => {
  it('open when sealed to the key; a swarm-key offer does not open there', () => {
    const { alice, aliceBox, bobDialsAlice } = people()
    const address = addressMeeting(alice.publicKey, EPOCH)
    expect(opens(address, sealOfferFor(address, SDP, NOW).payload, aliceBox)).toBe(true)
    expect(opens(address, sealOfferFor(bobDialsAlice, SDP, NOW).payload, aliceBox)).toBe(false)
  })
})
