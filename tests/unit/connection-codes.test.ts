// Connection codes (connecting without a tracker): sealed under the two
// friends' meeting secret for the recipient, naming their maker, single
// use, expiring; every wrong code is refused in plain words before any
// RTCPeerConnection is made.
import { describe, expect, it } from 'vitest'
import QRCode from 'qrcode'
import { base32nopad } from '@scure/base'
import { toBase64, toHex } from '../../shared/util/bytes'
import { generateBoxKeyPair, pairSecret } from '../../shared/crypto/crypto'
import { CODE_MAX_AGE_MS, MAX_CODE_CHARS, openAnswerCode, openConnectCode, sealAnswerCode, sealConnectCode } from '../../shared/rendezvous/connection-codes'
import { KithError } from '../../shared/wire/errors'
import { sdpEssentials } from '../../shared/rendezvous/sdp-essentials'
import { CHROMIUM_ANSWER, CHROMIUM_HOME_OFFER, CHROMIUM_OFFER } from './chromium-sdp'
import { createIdentity } from '../../shared/identity/identity'
import { ManualConnections } from '../../node-tab/discovery/manual-connect'
import { ReplayGuard } from '../../node-tab/discovery/replay-guard'

/** The message an async call was refused with (a KithError). */
async function refused (call: () => Promise<unknown>): Promise<string> {
  const err = await call().then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(KithError)
  return (err as KithError).message
}

const NOW = 1_800_000_000_000
const SDP = CHROMIUM_OFFER
const alice = createIdentity()
const bob = createIdentity()
const carol = createIdentity()
/** The meeting secret of two people (as each computes it from their side). */
const secretOf = (a: typeof alice, b: typeof alice): Uint8Array => pairSecret(a.secretKey, b.publicKey)
const AB = secretOf(alice, bob)

describe('connection codes', () => {
  it('open only for the friend they were sealed to, naming their maker, with an answer only the maker opens', async () => {
    const { code, reply } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    const opened = await openConnectCode(code, bob.publicKey, alice.publicKey, [secretOf(bob, alice)], NOW + 1_000)
    expect(sdpEssentials(opened.sdp)).toEqual(sdpEssentials(SDP))
    expect(toHex(opened.from)).toBe(toHex(alice.publicKey))
    const answer = await sealAnswerCode(CHROMIUM_ANSWER, opened.replyKey)
    expect(sdpEssentials(await openAnswerCode(answer, reply))).toEqual(sdpEssentials(CHROMIUM_ANSWER))
    expect(await refused(() => openAnswerCode(answer, generateBoxKeyPair()))).toMatch(/does not belong to your latest connection code/)
  })

  it('survive line breaks and spaces from a chat app', async () => {
    const { code } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    const wrapped = code.replace(/(.{40})/g, '$1\n  ')
    expect(sdpEssentials((await openConnectCode(wrapped, bob.publicKey, alice.publicKey, [AB], NOW)).sdp)).toEqual(sdpEssentials(SDP))
    expect(sdpEssentials((await openConnectCode(wrapped.toLowerCase(), bob.publicKey, alice.publicKey, [AB], NOW)).sdp)).toEqual(sdpEssentials(SDP))
  })

  it('are refused in plain words: not for me, altered, expired, the wrong kind, junk, far too long, made by an older Kith', async () => {
    const { code, reply } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    expect(await refused(() => openConnectCode(code, carol.publicKey, alice.publicKey, [secretOf(carol, alice)], NOW))).toMatch(/not for you/)
    // The same secret, opened as if the code were for its maker: it is not.
    expect(await refused(() => openConnectCode(code, alice.publicKey, bob.publicKey, [AB], NOW))).toMatch(/not for you/)
    const altered = code.slice(0, -6) + (code.at(-6) === 'A' ? 'B' : 'A') + code.slice(-5)
    expect(await refused(() => openConnectCode(altered, bob.publicKey, alice.publicKey, [AB], NOW))).toMatch(/not for you from this friend, or it was changed/)
    expect(await refused(() => openConnectCode(code, bob.publicKey, alice.publicKey, [AB], NOW + CODE_MAX_AGE_MS + 1))).toMatch(/expired/)
    const answer = await sealAnswerCode(CHROMIUM_ANSWER, generateBoxKeyPair().publicKey)
    expect(await refused(() => openConnectCode(answer, bob.publicKey, alice.publicKey, [AB], NOW))).toMatch(/This is an answer code/)
    expect(await refused(() => openAnswerCode(code, reply))).toMatch(/This is a connection code/)
    expect(await refused(() => openConnectCode('hello', bob.publicKey, alice.publicKey, [AB], NOW))).toMatch(/not a Kith connection code/)
    expect(await refused(() => openConnectCode('KITH-CONNECT-4:' + 'A'.repeat(MAX_CODE_CHARS), bob.publicKey, alice.publicKey, [AB], NOW))).toMatch(/too long/)
    expect(await refused(() => openConnectCode('KITH-CONNECT-4:!!!', bob.publicKey, alice.publicKey, [AB], NOW))).toMatch(/not for you/)
    for (const older of ['KITH-CONNECT-1:AAAA', 'KITH-CONNECT-2:AAAA', 'KITH-CONNECT-3:AAAA']) {
      expect(await refused(() => openConnectCode(older, bob.publicKey, alice.publicKey, [AB], NOW))).toMatch(/made by an older Kith; ask for a new one/)
    }
    for (const older of ['KITH-ANSWER-1:AAAA', 'KITH-ANSWER-2:AAAA']) {
      expect(await refused(() => openAnswerCode(older, reply))).toMatch(/made by an older Kith; ask for a new one/)
    }
  })
})

describe('connection codes are short (a QR code a phone reads at a glance)', () => {
  it('a typical offer (an mDNS host and a server-reflexive candidate) makes a code under 300 characters, and its answer too', async () => {
    const { code } = await sealConnectCode(CHROMIUM_HOME_OFFER, alice.publicKey, bob.publicKey, AB, NOW)
    expect(code.length).toBeLessThan(300)
    const opened = await openConnectCode(code, bob.publicKey, alice.publicKey, [AB], NOW)
    expect(sdpEssentials(opened.sdp)).toEqual(sdpEssentials(CHROMIUM_HOME_OFFER))
    expect((await sealAnswerCode(CHROMIUM_ANSWER, opened.replyKey)).length).toBeLessThan(300)
  })

  it('is written in the QR alphanumeric set, so the QR code holds it in alphanumeric mode', async () => {
    const { code } = await sealConnectCode(CHROMIUM_OFFER, alice.publicKey, bob.publicKey, AB, NOW)
    expect(code).toMatch(/^[0-9A-Z$%*+\-./:]+$/)
    const qr = QRCode.create(code, { errorCorrectionLevel: 'M' })
    expect(qr.segments.every((s) => s.mode.id !== 'Byte')).toBe(true)
    // The same bytes as base64 need byte mode and a larger QR code.
    const asBase64 = QRCode.create('KITH-CONNECT-4:' + toBase64(base32nopad.decode(code.slice('KITH-CONNECT-4:'.length))), { errorCorrectionLevel: 'M' })
    expect(qr.version).toBeLessThan(asBase64.version)
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
    const { code } = await sealConnectCode(SDP, carol.publicKey, bob.publicKey, secretOf(carol, bob), NOW)
    const err = await answerer().answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(KithError)
    expect((err as KithError).code).toBe('UNAUTHORIZED')
    expect((err as KithError).message).toMatch(/was not made by Alice \(it comes from .+…\)\. Paste it on their page/)
  })

  it('takes a code once: the second time it is refused as used (before any connection is tried)', async () => {
    const m = answerer()
    const { code } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
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
    const { code } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, Date.now())
    const err = await m.answerCode(alice.publicKey, code, 'Alice').then(() => null, (e: unknown) => e)
    expect((err as KithError).message).toMatch(/does not hold your identity key/)
  })

  it('an answer with no code of mine waiting for it is refused in plain words', async () => {
    const err = await answerer().complete(alice.publicKey, await sealAnswerCode(CHROMIUM_ANSWER, generateBoxKeyPair().publicKey), 'Alice').then(() => null, (e: unknown) => e)
    expect((err as KithError).message).toMatch(/no connection code waiting for Alice's answer/)
  })
})
