// Attacks on connection codes (connecting without a tracker): a code
// replayed (as pasted, or re-wrapped so it looks new), dated in the future
// to outlive its expiry, replayed after the replay memory forgot it,
// oversized, or naming me as its maker. Each must be refused before any
// WebRTC work is done: the rtcConfig each answer starts with is counted.
import { describe, expect, it } from 'vitest'
import { Encoder } from '@msgpack/msgpack'
import { boxPublicKeyFromSigning, generateBoxKeyPair, pairSecret, randomBytes, seal } from '../../shared/crypto/crypto'
import { toBase64, toHex, utf8 } from '../../shared/util/bytes'
import { deflateRaw } from '../../shared/util/deflate'
import { CODE_MAX_AGE_MS, sealConnectCode } from '../../shared/rendezvous/connection-codes'
import { KithError } from '../../shared/wire/errors'
import { createIdentity } from '../../shared/identity/identity'
import { ManualConnections } from '../../node-tab/discovery/manual-connect'
import { ReplayGuard } from '../../node-tab/discovery/replay-guard'

const NOW = 1_800_000_000_000
const SDP = 'v=0\r\na=fingerprint:sha-256 AB:CD\r\n'
const alice = createIdentity()
const bob = createIdentity()
/** Alice and Bob's meeting secret, which only they can compute. */
const AB = pairSecret(alice.secretKey, bob.publicKey)

/** Bob's side, answering codes Alice sends; counts answers started. */
function bobAnswering (clock: { now: number }): { m: ManualConnections, started: () => number } {
  let started = 0
  const m = new ManualConnections({
    myKey: bob.publicKey,
    hasIdentityKey: true,
    meetingSecrets: async (hex) => hex === toHex(alice.publicKey) ? [pairSecret(bob.secretKey, alice.publicKey)] : [],
    everyMeetingSecret: async () => [[toHex(alice.publicKey), pairSecret(bob.secretKey, alice.publicKey)]],
    rtcConfig: () => { started++; return { iceServers: [] } },
    replays: new ReplayGuard(),
    startSession: async () => { throw new Error('no session in this test') },
    now: () => clock.now
  })
  return { m, started: () => started }
}

async function refusal (promise: Promise<unknown>): Promise<KithError> {
  const err = await promise.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(KithError)
  return err as KithError
}

describe('attack: connection codes replayed, stretched or oversized', () => {
  // Attack: someone who saw the code on the way (a chat app, a shoulder)
  // pastes it again, re-wrapped with spaces and line breaks.
  it('a code is answered once, however it is re-wrapped', async () => {
    const clock = { now: NOW }
    const { m, started } = bobAnswering(clock)
    const { code } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    // The first use goes on to WebRTC, which this test process does not have.
    await m.answerCode(alice.publicKey, code, 'Alice').catch(() => {})
    expect(started()).toBe(1)
    for (const again of [code, code.replace(/(.{30})/g, '$1\n '), `  ${code}\t`]) {
      expect((await refusal(m.answerCode(alice.publicKey, again, 'Alice'))).message).toMatch(/already used/)
    }
    expect(started()).toBe(1)
  })

  // Attack: once the replay memory has let the code go (at its expiry),
  // paste it again.
  it('a used code pasted again after its expiry is refused as expired', async () => {
    const clock = { now: NOW }
    const { m, started } = bobAnswering(clock)
    const { code } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    await m.answerCode(alice.publicKey, code, 'Alice').catch(() => {})
    clock.now = NOW + CODE_MAX_AGE_MS + 1
    expect((await refusal(m.answerCode(alice.publicKey, code, 'Alice'))).message).toMatch(/expired/)
    expect(started()).toBe(1)
  })

  // Attack: a code dated an hour ahead, to stay usable long after it was
  // made (and to be remembered by the replay memory for that long).
  it('a code dated in the future is refused as expired', async () => {
    const clock = { now: NOW }
    const { m, started } = bobAnswering(clock)
    const { code } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW + 60 * 60 * 1000)
    expect((await refusal(m.answerCode(alice.publicKey, code, 'Alice'))).message).toMatch(/expired/)
    expect(started()).toBe(0)
  })

  // Attack: an SDP of a megabyte (or just past what a code may hold), to
  // cost the answerer's memory and WebRTC stack. Deflated, such repetitive
  // text makes a short code (a "zip bomb"): inflating stops at the limit.
  it('a code with an oversized SDP is refused before WebRTC', async () => {
    const clock = { now: NOW }
    const { m, started } = bobAnswering(clock)
    for (const size of [13 * 1024, 1024 * 1024]) {
      const { code } = await sealConnectCode(SDP + 'a=x:' + 'y'.repeat(size) + '\r\n', alice.publicKey, bob.publicKey, AB, NOW)
      const err = await refusal(m.answerCode(alice.publicKey, code, 'Alice'))
      expect(err.code).toBe('TOO_LARGE')
    }
    expect(started()).toBe(0)
  })

  // Attack: a code for Bob that claims Bob made it (a reflection).
  it('a code naming me as its maker is refused', async () => {
    const clock = { now: NOW }
    const { m, started } = bobAnswering(clock)
    const { code } = await sealConnectCode(SDP, bob.publicKey, bob.publicKey, AB, NOW)
    expect((await refusal(m.answerCode(alice.publicKey, code, 'Alice'))).message).toMatch(/not made by Alice/)
    expect(started()).toBe(0)
  })
})

describe('attack: a forged connection code to learn my IP addresses', () => {
  // Attack: Mallory knows Bob's address (so his public key) and that Alice
  // is his friend. She makes a code that names Alice as its maker, sealed
  // the only ways she can: to Bob's public key (as codes once were), or
  // under a secret of her own. Answering would hand her Bob's ICE
  // candidates; not even an RTCPeerConnection may exist before the code
  // proves it comes from Alice.
  it('a code that merely names a friend is refused before any answer or RTCPeerConnection', async () => {
    const clock = { now: NOW }
    const { m, started } = bobAnswering(clock)
    const body = new Encoder().encode(['kc3', await deflateRaw(utf8(SDP)), generateBoxKeyPair().publicKey, alice.publicKey, NOW])
    const toBobsKey = 'KITH-CONNECT-3:' + toBase64(seal(body, boxPublicKeyFromSigning(bob.publicKey)))
    const v2ToBobsKey = 'KITH-CONNECT-2:' + toBase64(seal(new Encoder().encode(['kith/connection-code/v2', SDP, generateBoxKeyPair().publicKey, alice.publicKey, NOW]), boxPublicKeyFromSigning(bob.publicKey)))
    const underHerSecret = (await sealConnectCode(SDP, alice.publicKey, bob.publicKey, randomBytes(32), NOW)).code
    const oldFormat = 'KITH-CONNECT-1:' + toBase64(seal(new Encoder().encode(['kith/connection-code/v1', SDP, generateBoxKeyPair().publicKey, alice.publicKey, NOW]), boxPublicKeyFromSigning(bob.publicKey)))
    for (const forged of [toBobsKey, underHerSecret, oldFormat, v2ToBobsKey]) {
      const err = await refusal(m.answerCode(alice.publicKey, forged, 'Alice'))
      expect(err.message).toMatch(/not made by Alice|made by an older Kith/)
    }
    expect(started()).toBe(0)
    // Control: Alice's own code for Bob goes on to WebRTC.
    await m.answerCode(alice.publicKey, (await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)).code, 'Alice').catch(() => {})
    expect(started()).toBe(1)
  })
})
