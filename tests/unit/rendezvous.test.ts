import { describe, expect, it } from 'vitest'
import { Encoder } from '@msgpack/msgpack'
import {
  EPOCH_MS, epochAt, epochsToTry, OFFER_MAX_AGE_MS, openAnswer, openOffer, personTopic, sdpFingerprint, sealAnswer, sealOffer
} from '../../shared/rendezvous/rendezvous'
import { createIdentity } from '../../shared/identity/identity'
import { boxPublicKeyFromSigning, boxSecretKeyFromSigning, generateBoxKeyPair, seal } from '../../shared/crypto/crypto'
import { fromBase64, toBase64, utf8 } from '../../shared/util/bytes'

const NOW = Date.UTC(2025, 5, 15, 12, 0, 0)

function contains (haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

const MARKER = 'KITH-SDP-MARKER-7f3a'
const IP = '192.168.77.123'
const SDP = [
  'v=0',
  `o=- 4611731400430051336 2 IN IP4 ${IP}`,
  `s=${MARKER}`,
  'a=fingerprint:sha-256 AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
  `a=candidate:1 1 udp 2122260223 ${IP} 54321 typ host`,
  ''
].join('\r\n')

describe('person topics', () => {
  it('are 20-character binary strings', () => {
    const topic = personTopic(createIdentity().publicKey, 20000)
    expect(topic).toHaveLength(20)
    for (const ch of topic) expect(ch.charCodeAt(0)).toBeLessThan(256)
  })

  it('are stable for the same key and epoch', () => {
    const key = createIdentity().publicKey
    expect(personTopic(key, 20000)).toBe(personTopic(key.slice(), 20000))
  })

  it('differ per key and per epoch (swarms cannot be linked across days)', () => {
    const a = createIdentity().publicKey
    const b = createIdentity().publicKey
    const topics = new Set<string>()
    for (let epoch = 20000; epoch < 20010; epoch++) {
      topics.add(personTopic(a, epoch))
      topics.add(personTopic(b, epoch))
    }
    expect(topics.size).toBe(20)
  })

  it('do not expose the public key', () => {
    const key = createIdentity().publicKey
    const topic = Uint8Array.from(personTopic(key, 20000), (c) => c.charCodeAt(0))
    expect(contains(key, topic.subarray(0, 8))).toBe(false)
    expect(contains(topic, key.subarray(0, 8))).toBe(false)
  })
})

describe('epochs', () => {
  const epoch = epochAt(NOW)
  const start = epoch * EPOCH_MS
  const minute = 60_000

  it('an epoch is a UTC day', () => {
    expect(epochAt(start)).toBe(epoch)
    expect(epochAt(start + EPOCH_MS - 1)).toBe(epoch)
    expect(epochAt(start + EPOCH_MS)).toBe(epoch + 1)
  })

  it('mid-epoch only the current epoch is tried', () => {
    expect(epochsToTry(start + EPOCH_MS / 2)).toEqual([epoch])
  })

  it('just after a boundary the previous epoch is tried too', () => {
    expect(epochsToTry(start + minute)).toEqual([epoch, epoch - 1])
    expect(epochsToTry(start)).toEqual([epoch, epoch - 1])
  })

  it('just before a boundary the next epoch is tried too', () => {
    expect(epochsToTry(start + EPOCH_MS - minute)).toEqual([epoch, epoch + 1])
  })

  it('the skew window is respected', () => {
    expect(epochsToTry(start + 5 * minute + 1)).toEqual([epoch])
    expect(epochsToTry(start + EPOCH_MS - 5 * minute)).toEqual([epoch, epoch + 1])
    expect(epochsToTry(start + EPOCH_MS - 5 * minute - 1)).toEqual([epoch])
    expect(epochsToTry(start + 30 * minute, 60 * minute)).toEqual([epoch, epoch - 1])
    expect(epochsToTry(start + minute, 0)).toEqual([epoch])
  })
})

describe('sealed offers', () => {
  it('round-trip to the intended friend', () => {
    const bob = createIdentity()
    const { payload, reply } = sealOffer(SDP, bob.publicKey, NOW)
    const offer = openOffer(payload, boxSecretKeyFromSigning(bob.secretKey), NOW + 1000)
    expect(offer).toEqual({ sdp: SDP, replyKey: reply.publicKey, sentAt: NOW })
  })

  it('an offer sealed to someone else does not open', () => {
    const bob = createIdentity()
    const carol = createIdentity()
    const { payload } = sealOffer(SDP, bob.publicKey, NOW)
    expect(openOffer(payload, boxSecretKeyFromSigning(carol.secretKey), NOW)).toBeNull()
  })

  it('a stale or future-dated offer is ignored', () => {
    const bob = createIdentity()
    const secret = boxSecretKeyFromSigning(bob.secretKey)
    const { payload } = sealOffer(SDP, bob.publicKey, NOW)
    expect(openOffer(payload, secret, NOW + OFFER_MAX_AGE_MS)).not.toBeNull()
    expect(openOffer(payload, secret, NOW + OFFER_MAX_AGE_MS + 1)).toBeNull()
    expect(openOffer(payload, secret, NOW - OFFER_MAX_AGE_MS)).not.toBeNull()
    expect(openOffer(payload, secret, NOW - OFFER_MAX_AGE_MS - 1)).toBeNull()
  })

  it('a tampered payload does not open', () => {
    const bob = createIdentity()
    const secret = boxSecretKeyFromSigning(bob.secretKey)
    const { payload } = sealOffer(SDP, bob.publicKey, NOW)
    const bytes = fromBase64(payload)
    for (const at of [0, 40, 60, bytes.length - 1]) {
      const tampered = bytes.slice()
      tampered[at]! ^= 0x04
      expect(openOffer(toBase64(tampered), secret, NOW)).toBeNull()
    }
    expect(openOffer(toBase64(bytes.subarray(0, bytes.length - 1)), secret, NOW)).toBeNull()
    expect(openOffer('', secret, NOW)).toBeNull()
    expect(openOffer('not base64 at all!', secret, NOW)).toBeNull()
  })

  it('a well-sealed but malformed body is null', () => {
    const bob = createIdentity()
    const to = boxPublicKeyFromSigning(bob.publicKey)
    const secret = boxSecretKeyFromSigning(bob.secretKey)
    const encoder = new Encoder()
    const sealBody = (body: unknown): string => toBase64(seal(encoder.encode(body), to))
    const replyKey = generateBoxKeyPair().publicKey
    expect(openOffer(sealBody(['offer', SDP, replyKey, NOW]), secret, NOW)).not.toBeNull() // control
    expect(openOffer(sealBody(['answer', SDP, replyKey, NOW]), secret, NOW)).toBeNull()
    expect(openOffer(sealBody(['offer', 5, replyKey, NOW]), secret, NOW)).toBeNull()
    expect(openOffer(sealBody(['offer', SDP, replyKey.subarray(0, 31), NOW]), secret, NOW)).toBeNull()
    expect(openOffer(sealBody(['offer', SDP, replyKey, String(NOW)]), secret, NOW)).toBeNull()
    expect(openOffer(sealBody(['offer', SDP, replyKey, Number.NaN]), secret, NOW)).toBeNull()
    expect(openOffer(sealBody(['offer', SDP, replyKey]), secret, NOW)).toBeNull()
    expect(openOffer(sealBody({ sdp: SDP }), secret, NOW)).toBeNull()
    expect(openOffer(toBase64(seal(Uint8Array.of(0xc1), to)), secret, NOW)).toBeNull()
  })

  it('an offer whose reply key is a low-order point is refused: no answer could be sealed to it', () => {
    const bob = createIdentity()
    const to = boxPublicKeyFromSigning(bob.publicKey)
    const secret = boxSecretKeyFromSigning(bob.secretKey)
    const sealBody = (body: unknown): string => toBase64(seal(new Encoder().encode(body), to))
    // 0 and 1 are points of small order on Curve25519 (X25519 of anything with them is zero).
    const zero = new Uint8Array(32)
    const one = new Uint8Array(32); one[0] = 1
    for (const bad of [zero, one]) {
      expect(() => sealAnswer(SDP, bad)).toThrow()
      expect(openOffer(sealBody(['offer', SDP, bad, NOW]), secret, NOW)).toBeNull()
    }
  })

  it('the payload carries neither the SDP text nor the IP address', () => {
    const bob = createIdentity()
    const { payload } = sealOffer(SDP, bob.publicKey, NOW)
    const bytes = fromBase64(payload)
    expect(contains(bytes, utf8(MARKER))).toBe(false)
    expect(contains(bytes, utf8(IP))).toBe(false)
    expect(contains(bytes, utf8('a=candidate'))).toBe(false)
    expect(payload).not.toContain(MARKER)
    // Nor who it is for.
    expect(contains(bytes, bob.publicKey.subarray(0, 8))).toBe(false)
    expect(contains(bytes, boxPublicKeyFromSigning(bob.publicKey).subarray(0, 8))).toBe(false)
  })

  it('two offers of the same SDP look unrelated', () => {
    const bob = createIdentity()
    const first = sealOffer(SDP, bob.publicKey, NOW)
    const second = sealOffer(SDP, bob.publicKey, NOW)
    expect(first.payload).not.toBe(second.payload)
    expect(first.reply.publicKey).not.toEqual(second.reply.publicKey)
  })
})

describe('sealed answers', () => {
  it('round-trip with the reply key from the offer', () => {
    const bob = createIdentity()
    const { payload, reply } = sealOffer(SDP, bob.publicKey, NOW)
    const offer = openOffer(payload, boxSecretKeyFromSigning(bob.secretKey), NOW)!
    const answerSdp = SDP.replace(MARKER, 'the answer')
    const answer = sealAnswer(answerSdp, offer.replyKey)
    expect(openAnswer(answer, reply)).toBe(answerSdp)
  })

  it('do not open with another key', () => {
    const reply = generateBoxKeyPair()
    const answer = sealAnswer(SDP, reply.publicKey)
    expect(openAnswer(answer, generateBoxKeyPair())).toBeNull()
  })

  it('do not carry the SDP text or IP in the clear', () => {
    const bytes = fromBase64(sealAnswer(SDP, generateBoxKeyPair().publicKey))
    expect(contains(bytes, utf8(MARKER))).toBe(false)
    expect(contains(bytes, utf8(IP))).toBe(false)
  })

  it('an answer is not an offer and an offer is not an answer', () => {
    const bob = createIdentity()
    const bobBox = { publicKey: boxPublicKeyFromSigning(bob.publicKey), secretKey: boxSecretKeyFromSigning(bob.secretKey) }
    const answer = sealAnswer(SDP, bobBox.publicKey)
    expect(openAnswer(answer, bobBox)).toBe(SDP) // control: it does open
    expect(openOffer(answer, bobBox.secretKey, NOW)).toBeNull()
    const { payload } = sealOffer(SDP, bob.publicKey, NOW)
    expect(openAnswer(payload, bobBox)).toBeNull()
  })

  it('a tampered answer does not open', () => {
    const reply = generateBoxKeyPair()
    const bytes = fromBase64(sealAnswer(SDP, reply.publicKey))
    bytes[bytes.length - 5]! ^= 1
    expect(openAnswer(toBase64(bytes), reply)).toBeNull()
  })
})

describe('sdpFingerprint', () => {
  it('reads the fingerprint line of a CRLF SDP, lower-cased', () => {
    expect(sdpFingerprint(SDP)).toBe('sha-256 ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89')
  })

  it('reads it from an LF SDP and as the last line without a newline', () => {
    expect(sdpFingerprint('v=0\na=fingerprint:SHA-256 AA:BB\na=setup:actpass\n')).toBe('sha-256 aa:bb')
    expect(sdpFingerprint('v=0\r\na=fingerprint:sha-1 0A:0B')).toBe('sha-1 0a:0b')
  })

  it('takes the first fingerprint line', () => {
    expect(sdpFingerprint('a=fingerprint:sha-256 11:22\r\na=fingerprint:sha-256 33:44\r\n')).toBe('sha-256 11:22')
  })

  it('is null without a well-formed fingerprint line', () => {
    expect(sdpFingerprint('v=0\r\na=setup:actpass\r\n')).toBeNull()
    expect(sdpFingerprint('')).toBeNull()
    expect(sdpFingerprint('x=a=fingerprint:sha-256 AA:BB\r\n')).toBeNull()
    expect(sdpFingerprint('a=fingerprint:sha-256\r\n')).toBeNull()
    expect(sdpFingerprint('a=fingerprint:sha-256 AA BB\r\n')).toBeNull()
  })
})
