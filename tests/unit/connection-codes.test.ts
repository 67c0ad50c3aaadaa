// Connection codes (connecting without a tracker): sealed to the friend,
// naming their maker, single use, expiring; every wrong code is refused in
// plain words before any RTCPeerConnection is made.
import { describe, expect, it } from 'vitest'
import { toHex } from '../../shared/util/bytes'
import { boxSecretKeyFromSigning, generateBoxKeyPair } from '../../shared/crypto/crypto'
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
const secretOf = (id: typeof alice): Uint8Array => boxSecretKeyFromSigning(id.secretKey)

describe('connection codes', () => {
  it('open only for the friend they were sealed to, naming their maker, with an answer only the maker opens', () => {
    const { code, reply } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, NOW)
    const opened = openConnectCode(code, secretOf(bob), NOW + 1_000)
    expect(opened.sdp).toBe(SDP)
    expect(toHex(opened.from)).toBe(toHex(alice.publicKey))
    const answer = sealAnswerCode('answer sdp', opened.replyKey)
    expect(openAnswerCode(answer, reply)).toBe('answer sdp')
    expect(refusalMessage(() => openAnswerCode(answer, generateBoxKeyPair()), KithError)).toMatch(/does not belong to your latest connection code/)
  })

  it('survive line breaks and spaces from a chat app', () => {
    const { code } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, NOW)
    const wrapped = code.replace(/(.{40})/g, '$1\n  ')
    expect(openConnectCode(wrapped, secretOf(bob), NOW).sdp).toBe(SDP)
  })

  it('are refused in plain words: not for me, altered, expired, the wrong kind, junk, far too long', () => {
    const { code, reply } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, NOW)
    expect(refusalMessage(() => openConnectCode(code, secretOf(carol), NOW), KithError)).toMatch(/not for you/)
    const altered = code.slice(0, -6) + (code.at(-6) === 'A' ? 'B' : 'A') + code.slice(-5)
    expect(refusalMessage(() => openConnectCode(altered, secretOf(bob), NOW), KithError)).toMatch(/not for you, or it was changed/)
    expect(refusalMessage(() => openConnectCode(code, secretOf(bob), NOW + CODE_MAX_AGE_MS + 1), KithError)).toMatch(/expired/)
    const answer = sealAnswerCode('x', generateBoxKeyPair().publicKey)
    expect(refusalMessage(() => openConnectCode(answer, secretOf(bob), NOW), KithError)).toMatch(/This is an answer code/)
    expect(refusalMessage(() => openAnswerCode(code, reply), KithError)).toMatch(/This is a connection code/)
    expect(refusalMessage(() => openConnectCode('hello', secretOf(bob), NOW), KithError)).toMatch(/not a Kith connection code/)
    expect(refusalMessage(() => openConnectCode('KITH-CONNECT-1:' + 'A'.repeat(MAX_CODE_CHARS), secretOf(bob), NOW), KithError)).toMatch(/too long/)
    expect(refusalMessage(() => openConnectCode('KITH-CONNECT-1:!!!', secretOf(bob), NOW), KithError)).toMatch(/not for you/)
  })
})

describe('answering a connection code', () => {
  function answerer (now = NOW): ManualConnections {
    return new ManualConnections({
      myKey: bob.publicKey,
      boxSecret: secretOf(bob),
      rtcConfig: () => ({ iceServers: [] }),
      replays: new ReplayGuard(),
      startSession: async () => { throw new Error('no session in this test') },
      now: () => now
    })
  }

  it('refuses a code made by someone other than the friend whose page it is pasted on', async () => {
    // Carol (a stranger to this page) seals a code to Bob; Bob pastes it on Alice's page.
    const { code } = sealConnectCode(SDP, carol.publicKey, bob.publicKey, NOW)
    const err = await answerer().answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('UNAUTHORIZED')
    expect((err as KithError).message).toMatch(/was not made by Alice/)
  })

  it('takes a code once: the second time it is refused as used (before any connection is tried)', async () => {
    const m = answerer()
    const { code } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, NOW)
    // The first use goes on to WebRTC, which this test process does not have.
    const first = await m.answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect(first).not.toBeInstanceOf(KithError)
    const second = await m.answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect((second as KithError).message).toMatch(/already used/)
  })

  it('a device without the identity key cannot open codes, and says so', async () => {
    const m = new ManualConnections({
      myKey: bob.publicKey, boxSecret: null, rtcConfig: () => ({}), replays: new ReplayGuard(), startSession: async () => {}
    })
    const { code } = sealConnectCode(SDP, alice.publicKey, bob.publicKey, Date.now())
    const err = await m.answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect((err as KithError).message).toMatch(/does not hold your identity key/)
  })

  it('an answer with no code of mine waiting for it is refused in plain words', async () => {
    const err = await answerer().complete(alice.publicKey, sealAnswerCode('x', generateBoxKeyPair().publicKey), 'Alice').then(() => null, (e: unknown) => e)
    expect((err as KithError).message).toMatch(/no connection code waiting for Alice's answer/)
  })
})
