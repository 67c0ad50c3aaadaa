// Connection codes (connecting without a tracker): sealed under the two
// friends' meeting secret for the recipient, naming their maker, single
// use, expiring; every wrong code is refused in plain words before any
// RTCPeerConnection is made.
import { describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { generateBoxKeyPair, pairSecret } from '../../shared/crypto/crypto'
import { CODE_MAX_AGE_MS, MAX_CODE_CHARS, openAnswerCode, openConnectCode, sealAnswerCode, sealConnectCode } from '../../shared/rendezvous/connection-codes'
import { KithError } from '../../shared/wire/errors'
import { createIdentity } from '../../shared/identity/identity'
import { ManualConnections } from '../../node-tab/discovery/manual-connect'
import { ReplayGuard } from '../../node-tab/discovery/replay-guard'
import { refusalMessage } from './refusal'

const NOW = 1_800_000_000_000
const SDP = 'v=0\r\na=fingerprint:sha-256 AB:CD\r\n'
const alice = createIdentity()
const bob = createIdentity()
const carol = createIdentity()
/** The meeting secret of two people (as each computes it from their side). */
const secretOf = (a: typeof alice, b: typeof alice): Uint8Array => pairSecret(a.secretKey, b.publicKey)
const AB = secretOf(alice, bob)

describe('connection codes', () => {
  it('open only for the friend they were sealed to, naming their maker, with an answer only the maker opens', () => {
    const { code, reply } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    const opened = openConnectCode(code, bob.publicKey, [secretOf(bob, alice)], NOW + 1_000)
    expect(opened.sdp).toBe(SDP)
    expect(toHex(opened.from)).toBe(toHex(alice.publicKey))
    const answer = sealAnswerCode('answer sdp', opened.replyKey)
    expect(openAnswerCode(answer, reply)).toBe('answer sdp')
    expect(refusalMessage(() => openAnswerCode(answer, generateBoxKeyPair()), KithError)).toMatch(/does not belong to your latest connection code/)
  })

  it('survive line breaks and spaces from a chat app', () => {
    const { code } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    const wrapped = code.replace(/(.{40})/g, '$1\n  ')
    expect(openConnectCode(wrapped, bob.publicKey, [AB], NOW).sdp).toBe(SDP)
  })

  it('are refused in plain words: not for me, altered, expired, the wrong kind, junk, far too long', () => {
    const { code, reply } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    expect(refusalMessage(() => openConnectCode(code, carol.publicKey, [secretOf(carol, alice)], NOW), KithError)).toMatch(/not for you/)
    // The same secret, opened as if the code were for its maker: it is not.
    expect(refusalMessage(() => openConnectCode(code, alice.publicKey, [AB], NOW), KithError)).toMatch(/not for you/)
    const altered = code.slice(0, -6) + (code.at(-6) === 'A' ? 'B' : 'A') + code.slice(-5)
    expect(refusalMessage(() => openConnectCode(altered, bob.publicKey, [AB], NOW), KithError)).toMatch(/not for you from this friend, or it was changed/)
    expect(refusalMessage(() => openConnectCode(code, bob.publicKey, [AB], NOW + CODE_MAX_AGE_MS + 1), KithError)).toMatch(/expired/)
    const answer = sealAnswerCode('x', generateBoxKeyPair().publicKey)
    expect(refusalMessage(() => openConnectCode(answer, bob.publicKey, [AB], NOW), KithError)).toMatch(/This is an answer code/)
    expect(refusalMessage(() => openAnswerCode(code, reply), KithError)).toMatch(/This is a connection code/)
    expect(refusalMessage(() => openConnectCode('hello', bob.publicKey, [AB], NOW), KithError)).toMatch(/not a Kith connection code/)
    expect(refusalMessage(() => openConnectCode('KITH-CONNECT-2:' + 'A'.repeat(MAX_CODE_CHARS), bob.publicKey, [AB], NOW), KithError)).toMatch(/too long/)
    expect(refusalMessage(() => openConnectCode('KITH-CONNECT-2:!!!', bob.publicKey, [AB], NOW), KithError)).toMatch(/not for you/)
    expect(refusalMessage(() => openConnectCode('KITH-CONNECT-1:AAAA', bob.publicKey, [AB], NOW), KithError)).toMatch(/older version of Kith/)
  })
})

describe('answering a connection code', () => {
  /** Bob, whose friends are Alice and Carol. */
  function answerer (now = NOW): ManualConnections {
    const friends = new Map([[toHex(alice.publicKey), secretOf(bob, alice)], [toHex(carol.publicKey), secretOf(bob, carol)]])
    return new ManualConnections({
      myKey: bob.publicKey,
      hasIdentityKey: true,
      meetingSecrets: async (hex) => friends.has(hex) ? [friends.get(hex)!] : [],
      everyMeetingSecret: async () => [...friends],
      rtcConfig: () => ({ iceServers: [] }),
      replays: new ReplayGuard(),
      startSession: async () => { throw new Error('no session in this test') },
      now: () => now
    })
  }

  it('refuses a code made by another friend than the one whose page it is pasted on, and names who made it', async () => {
    // Carol, also Bob's friend, makes a code for Bob; Bob pastes it on Alice's page.
    const { code } = sealConnectCode(SDP, carol.publicKey, bob.publicKey, secretOf(carol, bob), NOW)
    const err = await answerer().answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('UNAUTHORIZED')
    expect((err as KithError).message).toMatch(/was not made by Alice \(it comes from .+…\)\. Paste it on their page/)
  })

  it('takes a code once: the second time it is refused as used (before any connection is tried)', async () => {
    const m = answerer()
    const { code } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    // The first use goes on to WebRTC, which this test process does not have.
    const first = await m.answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect(first).not.toBeInstanceOf(KithError)
    const second = await m.answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect((second as KithError).message).toMatch(/already used/)
  })

  it('a device without the identity key cannot open codes, and says so', async () => {
    const m = new ManualConnections({
      myKey: bob.publicKey, hasIdentityKey: false, meetingSecrets: async () => [AB], everyMeetingSecret: async () => [], rtcConfig: () => ({}), replays: new ReplayGuard(), startSession: async () => {}
    })
    const { code } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, Date.now())
    const err = await m.answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect((err as KithError).message).toMatch(/does not hold your identity key/)
  })

  it('an answer with no code of mine waiting for it is refused in plain words', async () => {
    const err = await answerer().complete(alice.publicKey, sealAnswerCode('x', generateBoxKeyPair().publicKey), 'Alice').then(() => null, (e: unknown) => e)
    expect((err as KithError).message).toMatch(/no connection code waiting for Alice's answer/)
  })
})
