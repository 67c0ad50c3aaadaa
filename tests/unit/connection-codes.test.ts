// Connection codes (connecting without a tracker): sealed under the two
// friends' meeting secret for the recipient, naming their maker, single
// use, expiring; every wrong code is refused in plain words before any
// RTCPeerConnection is made.
import { describe, expect, it } from 'vitest'
import { Encoder } from '@msgpack/msgpack'
import { toBase64, toHex } from '../../shared/util/bytes'
import { generateBoxKeyPair, pairSecret, secretSeal } from '../../shared/crypto/crypto'
import { CODE_MAX_AGE_MS, connectCodeKey, MAX_CODE_CHARS, openAnswerCode, openConnectCode, sealAnswerCode, sealConnectCode } from '../../shared/rendezvous/connection-codes'
import { KithError } from '../../shared/wire/errors'
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
const SDP = 'v=0\r\na=fingerprint:sha-256 AB:CD\r\n'
const alice = createIdentity()
const bob = createIdentity()
const carol = createIdentity()
/** The meeting secret of two people (as each computes it from their side). */
const secretOf = (a: typeof alice, b: typeof alice): Uint8Array => pairSecret(a.secretKey, b.publicKey)
const AB = secretOf(alice, bob)

describe('connection codes', () => {
  it('open only for the friend they were sealed to, naming their maker, with an answer only the maker opens', async () => {
    const { code, reply } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    const opened = await openConnectCode(code, bob.publicKey, [secretOf(bob, alice)], NOW + 1_000)
    expect(opened.sdp).toBe(SDP)
    expect(toHex(opened.from)).toBe(toHex(alice.publicKey))
    const answer = await sealAnswerCode('answer sdp', opened.replyKey)
    expect(await openAnswerCode(answer, reply)).toBe('answer sdp')
    expect(await refused(() => openAnswerCode(answer, generateBoxKeyPair()))).toMatch(/does not belong to your latest connection code/)
  })

  it('survive line breaks and spaces from a chat app', async () => {
    const { code } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    const wrapped = code.replace(/(.{40})/g, '$1\n  ')
    expect((await openConnectCode(wrapped, bob.publicKey, [AB], NOW)).sdp).toBe(SDP)
  })

  it('are refused in plain words: not for me, altered, expired, the wrong kind, junk, far too long, made by an older Kith', async () => {
    const { code, reply } = await sealConnectCode(SDP, alice.publicKey, bob.publicKey, AB, NOW)
    expect(await refused(() => openConnectCode(code, carol.publicKey, [secretOf(carol, alice)], NOW))).toMatch(/not for you/)
    // The same secret, opened as if the code were for its maker: it is not.
    expect(await refused(() => openConnectCode(code, alice.publicKey, [AB], NOW))).toMatch(/not for you/)
    const altered = code.slice(0, -6) + (code.at(-6) === 'A' ? 'B' : 'A') + code.slice(-5)
    expect(await refused(() => openConnectCode(altered, bob.publicKey, [AB], NOW))).toMatch(/not for you from this friend, or it was changed/)
    expect(await refused(() => openConnectCode(code, bob.publicKey, [AB], NOW + CODE_MAX_AGE_MS + 1))).toMatch(/expired/)
    const answer = await sealAnswerCode('x', generateBoxKeyPair().publicKey)
    expect(await refused(() => openConnectCode(answer, bob.publicKey, [AB], NOW))).toMatch(/This is an answer code/)
    expect(await refused(() => openAnswerCode(code, reply))).toMatch(/This is a connection code/)
    expect(await refused(() => openConnectCode('hello', bob.publicKey, [AB], NOW))).toMatch(/not a Kith connection code/)
    expect(await refused(() => openConnectCode('KITH-CONNECT-3:' + 'A'.repeat(MAX_CODE_CHARS), bob.publicKey, [AB], NOW))).toMatch(/too long/)
    expect(await refused(() => openConnectCode('KITH-CONNECT-3:!!!', bob.publicKey, [AB], NOW))).toMatch(/not for you/)
    for (const older of ['KITH-CONNECT-1:AAAA', 'KITH-CONNECT-2:AAAA']) {
      expect(await refused(() => openConnectCode(older, bob.publicKey, [AB], NOW))).toMatch(/made by an older Kith; ask for a new one/)
    }
    expect(await refused(() => openAnswerCode('KITH-ANSWER-1:AAAA', reply))).toMatch(/made by an older Kith; ask for a new one/)
  })
})

/** A data-channel offer as Chromium makes it, with host, srflx and relay candidates. */
const REAL_OFFER = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=extmap-allow-mixed', 'a=msid-semantic: WMS',
  'm=application 54321 UDP/DTLS/SCTP webrtc-datachannel', 'c=IN IP4 203.0.113.7',
  'a=candidate:3346253232 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 network-id 1 network-cost 10',
  'a=candidate:2999745851 1 udp 2122194687 10.8.0.2 49876 typ host generation 0 network-id 2 network-cost 10',
  'a=candidate:1510613869 1 tcp 1518280447 192.168.1.23 9 typ host tcptype active generation 0 network-id 1 network-cost 10',
  'a=candidate:842163049 1 udp 1686052607 203.0.113.7 54321 typ srflx raddr 192.168.1.23 rport 54321 generation 0 network-id 1 network-cost 10',
  'a=candidate:4022866446 1 udp 41885439 198.51.100.9 62001 typ relay raddr 203.0.113.7 rport 54321 generation 0 network-id 1 network-cost 10',
  'a=ice-ufrag:Zs3T', 'a=ice-pwd:q8Fa0bGQ9iL8DkRk2yWc3Jx7', 'a=ice-options:trickle',
  'a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CD:87:32:BE:DD:8C:66:A5:8E:50:55:EA:20:36:3F:0B:58:AA:10:C5',
  'a=setup:actpass', 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144', ''
].join('\r\n')

describe('connection codes are short', () => {
  it('a real offer makes a code well under two thirds of its length with the SDP as text (the QR code a phone reads)', async () => {
    const { code } = await sealConnectCode(REAL_OFFER, alice.publicKey, bob.publicKey, AB, NOW)
    // The same code with the SDP as text (version 2): same sealing, same fields.
    const asText = 'KITH-CONNECT-2:' + toBase64(secretSeal(new Encoder().encode(['kith/connection-code/v2', REAL_OFFER, generateBoxKeyPair().publicKey, alice.publicKey, NOW]), connectCodeKey(AB, bob.publicKey)))
    expect(code.length).toBeLessThan(asText.length * 2 / 3)
    expect((await openConnectCode(code, bob.publicKey, [AB], NOW)).sdp).toBe(REAL_OFFER)
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
    const err = await answerer().complete(alice.publicKey, await sealAnswerCode('x', generateBoxKeyPair().publicKey), 'Alice').then(() => null, (e: unknown) => e)
    expect((err as KithError).message).toMatch(/no connection code waiting for Alice's answer/)
  })
})
