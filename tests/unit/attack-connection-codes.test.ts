// Attacks on connection codes (connecting without a tracker): a code
// replayed (as pasted, or re-wrapped so it looks new), dated in the future
// to outlive its expiry, replayed after the replay memory forgot it,
// oversized, or naming me as its maker; and codes that open (a friend
// turned hostile, or anyone holding our meeting secret) but carry fields out
// of form: truncated, overlong, bogus candidate types, a fingerprint of the
// wrong length, line breaks meant to add lines to the rebuilt SDP. Each
// must be refused before any WebRTC work is done: the rtcConfig each answer
// starts with is counted.
import { describe, expect, it } from 'vitest'
import { Encoder } from '@msgpack/msgpack'
import { base32nopad } from '@scure/base'
import { boxPublicKeyFromSigning, generateBoxKeyPair, pairSecret, randomBytes, seal, secretSeal } from '../../shared/crypto/crypto'
import { concatBytes, toBase64, toHex, utf8 } from '../../shared/util/bytes'
import { ByteWriter } from '../../shared/util/byte-reader'
import { CODE_MAX_AGE_MS, connectCodeKey, MAX_CODE_CHARS, openAnswerCode, sealConnectCode } from '../../shared/rendezvous/connection-codes'
import { packEssentials } from '../../shared/rendezvous/sdp-essentials-binary'
import { sdpEssentials } from '../../shared/rendezvous/sdp-essentials'
import { KithError } from '../../shared/wire/errors'
import { createIdentity } from '../../shared/identity/identity'
import { ManualConnections } from '../../node-tab/discovery/manual-connect'
import { ReplayGuard } from '../../node-tab/discovery/replay-guard'
import { CHROMIUM_OFFER } from './chromium-sdp'

const NOW = 1_800_000_000_000
const SDP = CHROMIUM_OFFER
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

  // Attack: a code far longer than any real one (about 270 characters),
  // to cost the answerer's memory before anything is checked.
  it('a code longer than any real one is refused by its length, before it is decoded or WebRTC starts', async () => {
    const clock = { now: NOW }
    const { m, started } = bobAnswering(clock)
    for (const size of [MAX_CODE_CHARS, 1024 * 1024]) {
      const err = await refusal(m.answerCode(alice.publicKey, 'KITH-CONNECT-4:' + 'A'.repeat(size), 'Alice'))
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
    // Nor does a code Alice made for herself open as one for Bob.
    const forAlice = (await sealConnectCode(SDP, alice.publicKey, alice.publicKey, AB, NOW)).code
    expect((await refusal(m.answerCode(alice.publicKey, forAlice, 'Alice'))).message).toMatch(/not made by Alice/)
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
    const toBobsKey = 'KITH-CONNECT-4:' + base32nopad.encode(seal(codeBody(), boxPublicKeyFromSigning(bob.publicKey)))
    const v3ToBobsKey = 'KITH-CONNECT-3:' + toBase64(seal(new Encoder().encode(['kc3', utf8(SDP), generateBoxKeyPair().publicKey, alice.publicKey, NOW]), boxPublicKeyFromSigning(bob.publicKey)))
    const v2ToBobsKey = 'KITH-CONNECT-2:' + toBase64(seal(new Encoder().encode(['kith/connection-code/v2', SDP, generateBoxKeyPair().publicKey, alice.publicKey, NOW]), boxPublicKeyFromSigning(bob.publicKey)))
    const underHerSecret = (await sealConnectCode(SDP, alice.publicKey, bob.publicKey, randomBytes(32), NOW)).code
    const oldFormat = 'KITH-CONNECT-1:' + toBase64(seal(new Encoder().encode(['kith/connection-code/v1', SDP, generateBoxKeyPair().publicKey, alice.publicKey, NOW]), boxPublicKeyFromSigning(bob.publicKey)))
    for (const forged of [toBobsKey, underHerSecret, oldFormat, v2ToBobsKey, v3ToBobsKey]) {
      const err = await refusal(m.answerCode(alice.publicKey, forged, 'Alice'))
      expect(err.message).toMatch(/not made by Alice|made by an older Kith/)
    }
    expect(started()).toBe(0)
    // Control: Alice's own code for Bob goes on to WebRTC.
    await m.answerCode(alice.publicKey, (await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)).code, 'Alice').catch(() => {})
    expect(started()).toBe(1)
  })
})

/** A connect-code body as version 4 lays it out (tag, seconds, reply key,
 *  essentials), with the essentials given as bytes so they can be bent. */
function codeBody (essentials = packEssentials(sdpEssentials(SDP)), sentAtMs = NOW): Uint8Array {
  return concatBytes(new ByteWriter().u8(0xc4).u32(sentAtMs / 1000).bytes(generateBoxKeyPair().publicKey).done(), essentials)
}

/** Sealed as Alice would seal it for Bob: it opens. */
function sealedByAlice (body: Uint8Array): string {
  return 'KITH-CONNECT-4:' + base32nopad.encode(secretSeal(body, connectCodeKey(AB, alice.publicKey, bob.publicKey)))
}

/** Essentials bytes written field by field: ufrag, pwd, fingerprint, setup,
 *  max-message-size, then candidates as raw bytes. */
function essentialsBytes (f: { ufrag?: string, pwd?: string, fingerprint?: Uint8Array, setup?: number, candidates?: number[][] }): Uint8Array {
  const ufrag = utf8(f.ufrag ?? 'Zs3T')
  const pwd = utf8(f.pwd ?? 'q8Fa0bGQ9iL8DkRk2yWc3Jx7')
  const w = new ByteWriter().u8(ufrag.length).bytes(ufrag).u8(pwd.length).bytes(pwd)
  w.bytes(f.fingerprint ?? new Uint8Array(32).fill(7)).u8(f.setup ?? 0).u32(262144)
  const candidates = f.candidates ?? [[0x00, 192, 168, 1, 23, 0xd4, 0x31]]
  w.u8(candidates.length)
  for (const c of candidates) w.bytes(Uint8Array.from(c))
  return w.done()
}

describe('attack: a code that opens but carries fields out of form', () => {
  // Control: the hand-built layout is the real one, so each refusal below is
  // about the bent field, not a broken layout.
  it('a well-formed hand-built code goes on to WebRTC', async () => {
    const { m, started } = bobAnswering({ now: NOW })
    await m.answerCode(alice.publicKey, sealedByAlice(codeBody(essentialsBytes({}))), 'Alice').catch(() => {})
    expect(started()).toBe(1)
  })

  const bent: Array<[string, Uint8Array]> = [
    ['cut short inside the fingerprint', codeBody(essentialsBytes({})).slice(0, 37 + 1 + 4 + 1 + 24 + 10)],
    ['cut short inside a candidate', codeBody(essentialsBytes({})).slice(0, -3)],
    ['with bytes after the last candidate', concatBytes(codeBody(essentialsBytes({})), Uint8Array.of(0))],
    ['with no reply key', Uint8Array.of(0xc4, 0, 0, 0, 0)],
    ['of another kind (the answer tag)', Uint8Array.of(0xa3, ...codeBody(essentialsBytes({})).subarray(1))],
    ['a fingerprint of 20 bytes (sha-1)', codeBody(essentialsBytes({ fingerprint: new Uint8Array(20).fill(7) }))],
    ['a fingerprint of 48 bytes (sha-384)', codeBody(essentialsBytes({ fingerprint: new Uint8Array(48).fill(7) }))],
    ['a ufrag with a line break and an extra SDP line', codeBody(essentialsBytes({ ufrag: 'Zs3T\r\na=candidate:1 1 udp 1 6.6.6.6 1 typ host' }))],
    ['a password with a line break', codeBody(essentialsBytes({ pwd: 'q8Fa0bGQ9iL8DkRk2yWc3J\nx7' }))],
    ['a ufrag with a space', codeBody(essentialsBytes({ ufrag: 'Zs3 T' }))],
    ['a ufrag too short', codeBody(essentialsBytes({ ufrag: 'Zs' }))],
    ['a password of 255 characters', codeBody(essentialsBytes({ pwd: 'q'.repeat(255) }))],
    ['an unknown DTLS role', codeBody(essentialsBytes({ setup: 3 }))],
    ['a candidate with an unknown address kind', codeBody(essentialsBytes({ candidates: [[0x0c, 1, 2, 3, 4, 0, 80]] }))],
    ['a candidate with the high flag bits set', codeBody(essentialsBytes({ candidates: [[0x80, 1, 2, 3, 4, 0, 80]] }))],
    ['a candidate with port 0', codeBody(essentialsBytes({ candidates: [[0x00, 1, 2, 3, 4, 0, 0]] }))],
    ['seventeen candidates', codeBody(essentialsBytes({ candidates: Array.from({ length: 17 }, () => [0x00, 1, 2, 3, 4, 0, 80]) }))],
    ['a candidate count of 255 with none behind it', concatBytes(codeBody(essentialsBytes({ candidates: [] })).slice(0, -1), Uint8Array.of(255))]
  ]
  for (const [what, body] of bent) {
    it(`a code ${what} is refused before WebRTC`, async () => {
      const { m, started } = bobAnswering({ now: NOW })
      expect((await refusal(m.answerCode(alice.publicKey, sealedByAlice(body), 'Alice'))).message).toMatch(/not made by Alice for you, or it was changed/)
      expect(started()).toBe(0)
    })
  }

  // Attack: an answer code (sealed to my reply key, which only my friend
  // learned) with a line break in its ICE password.
  it('an answer with a line break in a field is refused', async () => {
    const reply = generateBoxKeyPair()
    const answer = 'KITH-ANSWER-3:' + base32nopad.encode(seal(concatBytes(Uint8Array.of(0xa3), essentialsBytes({ pwd: 'q8Fa0bGQ9iL8DkRk2yWc\r\na=x' })), reply.publicKey))
    await expect(openAnswerCode(answer, reply)).rejects.toThrow(/does not belong to your latest connection code/)
    // Control: the same answer well formed opens.
    const good = 'KITH-ANSWER-3:' + base32nopad.encode(seal(concatBytes(Uint8Array.of(0xa3), essentialsBytes({})), reply.publicKey))
    expect(await openAnswerCode(good, reply)).toMatch(/^a=ice-pwd:q8Fa0bGQ9iL8DkRk2yWc3Jx7\r$/m)
  })
})
