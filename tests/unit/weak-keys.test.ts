// Keys that need no secret: small-order and non-canonical Ed25519 public keys
// must be refused wherever a key enters (handshake, addresses, invites), or
// someone could "prove" an identity without holding any secret key.
import { describe, expect, it } from 'vitest'
import nacl from 'tweetnacl'
import { fromHex, toHex } from '../../shared/util/bytes'
import { FrameType } from '../../shared/wire/codec'
import { generateSigningKeyPair, isValidSigningPublicKey, randomBytes, sign, verify } from '../../shared/crypto/crypto'
import { HANDSHAKE_VERSION, HandshakeError, runHandshake } from '../../shared/session/handshake'
import { addressFromPublicKey, AddressError, createIdentity, parseAddress } from '../../shared/identity/identity'
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { RawPeer } from './raw-peer'

/** Every small-order point of Ed25519 (orders 1, 2, 4 and 8), as libsodium lists them. */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000', // the identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85'
]

/** Encodings with y ≥ p, or x = 0 with the sign bit set: never produced by an honest key. */
const NON_CANONICAL = [
  '0100000000000000000000000000000000000000000000000000000000000080', // identity, "negative" zero x
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1 (the identity again)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'
]

/** A real key with a small-order point added: signatures on it can be
 *  ambiguous between verifiers; no honest key has a torsion part. */
function mixedOrderKey (): Uint8Array {
  // Find an honest key whose sum with the order-2 point (negating x and y
  // maps (x, y) to (-x, -y)) is still on the curve: it always is.
  const honest = generateSigningKeyPair().publicKey
  const y = BigInt('0x' + toHex(honest.slice().reverse())) & ((1n << 255n) - 1n)
  const signBit = honest[31]! & 0x80
  const p = (1n << 255n) - 19n
  const negY = (p - y) % p
  const bytes = fromHex(negY.toString(16).padStart(64, '0')).reverse()
  bytes[31] = (bytes[31]! & 0x7f) | (signBit ^ 0x80)
  return bytes
}

describe('keys that need no secret are not keys', () => {
  it('an honest key passes (control)', () => {
    for (let i = 0; i < 20; i++) expect(isValidSigningPublicKey(generateSigningKeyPair().publicKey)).toBe(true)
  })

  it('small-order keys are refused', () => {
    for (const hex of SMALL_ORDER) expect(isValidSigningPublicKey(fromHex(hex)), hex).toBe(false)
  })

  it('non-canonical encodings are refused', () => {
    for (const hex of NON_CANONICAL) expect(isValidSigningPublicKey(fromHex(hex)), hex).toBe(false)
  })

  it('a key with a small-order component is refused', () => {
    expect(isValidSigningPublicKey(mixedOrderKey())).toBe(false)
  })

  it('the identity key "verifies" a secret-less signature in plain tweetnacl, but not in verify()', () => {
    const identityKey = fromHex(SMALL_ORDER[0]!)
    // R = identity, S = 0: [S]B = R + [h]A holds for A = identity, any message.
    const forged = new Uint8Array(64)
    forged[0] = 1
    const message = randomBytes(40)
    expect(nacl.sign.detached.verify(message, forged, identityKey)).toBe(true)
    expect(verify(message, forged, identityKey)).toBe(false)
  })

  it('a signature with a non-canonical S (S + L) is refused', () => {
    const id = generateSigningKeyPair()
    const message = randomBytes(32)
    const good = sign(message, id.secretKey)
    expect(verify(message, good, id.publicKey)).toBe(true)
    const L = (1n << 252n) + 27742317777372353535851937790883648493n
    const s = BigInt('0x' + toHex(good.slice(32).reverse()))
    const malleated = good.slice()
    malleated.set(fromHex((s + L).toString(16).padStart(64, '0')).reverse(), 32)
    // tweetnacl alone accepts the malleated signature; Kith's verify does not.
    expect(nacl.sign.detached.verify(message, malleated, id.publicKey)).toBe(true)
    expect(verify(message, malleated, id.publicKey)).toBe(false)
  })
})

describe('where keys enter', () => {
  it.each(['identity', 'device'] as const)('the handshake refuses a small-order %s key with a proof made without any secret', async (which) => {
    const alice = createIdentity()
    const [a, b] = createMemoryTransportPair()
    const raw = new RawPeer(b)
    const result = runHandshake(a, { identity: alice, timeoutMs: 1000 })
    const forged = new Uint8Array(64)
    forged[0] = 1
    const weak = fromHex(SMALL_ORDER[0]!)
    const honest = createIdentity().publicKey
    raw.send({
      type: FrameType.Hello, version: HANDSHAKE_VERSION, nonce: randomBytes(32), certificate: null,
      publicKey: which === 'identity' ? weak : honest, deviceKey: which === 'device' ? weak : honest
    })
    raw.send({ type: FrameType.Auth, signature: forged })
    const err = await result.then(() => null, (e: unknown) => e)
    expect(err).toBeInstanceOf(HandshakeError)
    expect((err as Error).message).toMatch(/not a valid identity key/)
    a.close()
    b.close()
  })

  it('an address made from a small-order or non-canonical key is refused in plain words', () => {
    for (const hex of [...SMALL_ORDER, ...NON_CANONICAL.slice(0, 1)]) {
      const address = addressFromPublicKey(fromHex(hex))
      expect(() => parseAddress(address)).toThrow(AddressError)
      expect(() => parseAddress(address)).toThrow(/does not hold a valid key/)
    }
    // A pasted friend link goes through the same parser; so does the
    // address part of an invite link (#/invite/<address>/<token>).
    const link = `http://host/#/friend/${addressFromPublicKey(fromHex(SMALL_ORDER[4]!))}`
    expect(() => parseAddress(link)).toThrow(AddressError)
  })
})
