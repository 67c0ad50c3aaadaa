import { describe, expect, it } from 'vitest'
import {
  boxPublicKeyFromSigning, boxSecretKeyFromSigning, generateBoxKeyPair, generateSigningKeyPair,
  isValidSigningPublicKey, keyPairMatches, openSealed, pairSecret, randomBytes, seal, sign, verify
} from '../../shared/crypto/crypto'
import { fromHex, toHex, utf8 } from '../../shared/util/bytes'
import nacl from 'tweetnacl'

const message = utf8('the quick brown fox, signed')

/** Every copy of `bytes` with one byte changed (XORed with `mask`). */
const eachTampered = (bytes: Uint8Array, mask: number): Uint8Array[] =>
  Array.from(bytes, (_, i) => { const tampered = bytes.slice(); tampered[i]! ^= mask; return tampered })

describe('signatures', () => {
  it('a signature verifies with the signer’s public key', () => {
    const kp = generateSigningKeyPair()
    const sig = sign(message, kp.secretKey)
    expect(sig).toHaveLength(64)
    expect(verify(message, sig, kp.publicKey)).toBe(true)
  })

  it('fails for any flipped bit of the message', () => {
    const kp = generateSigningKeyPair()
    const sig = sign(message, kp.secretKey)
    for (const tampered of eachTampered(message, 0x01)) expect(verify(tampered, sig, kp.publicKey)).toBe(false)
    expect(verify(message.subarray(1), sig, kp.publicKey)).toBe(false)
  })

  it('fails for any changed byte of the signature', () => {
    const kp = generateSigningKeyPair()
    const sig = sign(message, kp.secretKey)
    for (const tampered of eachTampered(sig, 0x80)) expect(verify(message, tampered, kp.publicKey)).toBe(false)
  })

  it('fails with another key, or with wrong-length inputs (no throw)', () => {
    const kp = generateSigningKeyPair()
    const other = generateSigningKeyPair()
    const sig = sign(message, kp.secretKey)
    expect(verify(message, sig, other.publicKey)).toBe(false)
    expect(verify(message, sig.subarray(0, 63), kp.publicKey)).toBe(false)
    expect(verify(message, sig, kp.publicKey.subarray(0, 31))).toBe(false)
  })
  it('is the same Ed25519 as before: keys and signatures made with tweetnacl (stored certificates, grants) are taken, and ours are byte for byte the same', () => {
    const old = nacl.sign.keyPair()
    const oldSig = nacl.sign.detached(message, old.secretKey)
    expect(keyPairMatches({ publicKey: old.publicKey, secretKey: old.secretKey })).toBe(true)
    expect(verify(message, oldSig, old.publicKey)).toBe(true)
    expect(sign(message, old.secretKey)).toEqual(oldSig)
    const kp = generateSigningKeyPair()
    expect(nacl.sign.detached.verify(message, sign(message, kp.secretKey), kp.publicKey)).toBe(true)
    expect(nacl.sign.keyPair.fromSeed(kp.secretKey.subarray(0, 32)).secretKey).toEqual(kp.secretKey)
  })

  it('refuses a signature whose S is not reduced (S + L verifies in lenient libraries)', () => {
    const kp = generateSigningKeyPair()
    const sig = sign(message, kp.secretKey)
    // S + L, little-endian: the same point equation, a different encoding.
    const L = [0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, ...new Array<number>(15).fill(0), 0x10]
    const malleated = sig.slice()
    let carry = 0
    for (let i = 0; i < 32; i++) {
      const sum = malleated[32 + i]! + L[i]! + carry
      malleated[32 + i] = sum & 0xff
      carry = sum >> 8
    }
    expect(carry).toBe(0)
    expect(verify(message, malleated, kp.publicKey)).toBe(false)
  })
})

describe('answers remembered for inputs checked before (crypto-impl.ts)', () => {
  it('are the answers for exactly those bytes: a change made after a check is checked anew', () => {
    const kp = generateSigningKeyPair()
    const signed = message.slice()
    const sig = sign(signed, kp.secretKey)
    expect(verify(signed, sig, kp.publicKey)).toBe(true)
    signed[0]! ^= 0x01 // the same array, changed in place
    expect(verify(signed, sig, kp.publicKey)).toBe(false)
    signed[0]! ^= 0x01
    expect(verify(signed, sig, kp.publicKey)).toBe(true)
    const other = generateSigningKeyPair().publicKey
    expect(verify(signed, sig, other)).toBe(false)
    const identity = new Uint8Array(32)
    identity[0] = 1 // a small-order point: never valid, however often asked
    for (let i = 0; i < 3; i++) expect(isValidSigningPublicKey(identity)).toBe(false)
  })

  it('a key pair that does not match is never taken for one that did', () => {
    const kp = generateSigningKeyPair()
    expect(keyPairMatches(kp)).toBe(true)
    const forged = { publicKey: generateSigningKeyPair().publicKey, secretKey: kp.secretKey }
    expect(keyPairMatches(forged)).toBe(false)
    const secretKey = kp.secretKey.slice()
    secretKey[3]! ^= 0x01
    expect(keyPairMatches({ publicKey: kp.publicKey, secretKey })).toBe(false)
    expect(keyPairMatches(kp)).toBe(true)
  })
})

describe('sealed boxes', () => {
  it('round-trips to the recipient', () => {
    const box = generateBoxKeyPair()
    const plaintext = randomBytes(1000)
    const sealed = seal(plaintext, box.publicKey)
    expect(sealed.length).toBe(plaintext.length + 32 + 24 + 16)
    expect(openSealed(sealed, box.secretKey)).toEqual(plaintext)
  })

  it('round-trips an empty message', () => {
    const box = generateBoxKeyPair()
    expect(openSealed(seal(new Uint8Array(0), box.publicKey), box.secretKey)).toEqual(new Uint8Array(0))
  })

  it('two seals of the same message differ (fresh ephemeral key and nonce)', () => {
    const box = generateBoxKeyPair()
    expect(seal(message, box.publicKey)).not.toEqual(seal(message, box.publicKey))
  })

  it('does not open with the wrong key', () => {
    const box = generateBoxKeyPair()
    const other = generateBoxKeyPair()
    expect(openSealed(seal(message, box.publicKey), other.secretKey)).toBeNull()
  })

  it('returns null after flipping any byte', () => {
    const box = generateBoxKeyPair()
    const sealed = seal(message, box.publicKey)
    for (let i = 0; i < sealed.length; i++) {
      const tampered = sealed.slice()
      tampered[i]! ^= 0x01
      expect(openSealed(tampered, box.secretKey), `byte ${i}`).toBeNull()
    }
  })

  it('returns null for truncated or too-short input', () => {
    const box = generateBoxKeyPair()
    const sealed = seal(message, box.publicKey)
    expect(openSealed(sealed.subarray(0, sealed.length - 1), box.secretKey)).toBeNull()
    expect(openSealed(sealed.subarray(0, 71), box.secretKey)).toBeNull()
    expect(openSealed(new Uint8Array(0), box.secretKey)).toBeNull()
  })
})

describe('Ed25519 → X25519 derivation', () => {
  it('a box sealed to the derived public key opens with the derived secret key', () => {
    for (let i = 0; i < 5; i++) {
      const id = generateSigningKeyPair()
      const sealed = seal(message, boxPublicKeyFromSigning(id.publicKey))
      expect(openSealed(sealed, boxSecretKeyFromSigning(id.secretKey))).toEqual(message)
    }
  })

  it('another identity’s derived secret does not open it', () => {
    const id = generateSigningKeyPair()
    const other = generateSigningKeyPair()
    const sealed = seal(message, boxPublicKeyFromSigning(id.publicKey))
    expect(openSealed(sealed, boxSecretKeyFromSigning(other.secretKey))).toBeNull()
  })

  it('derivation is deterministic and differs from the signing key', () => {
    const id = generateSigningKeyPair()
    expect(boxPublicKeyFromSigning(id.publicKey)).toEqual(boxPublicKeyFromSigning(id.publicKey))
    expect(boxPublicKeyFromSigning(id.publicKey)).not.toEqual(id.publicKey)
    expect(boxSecretKeyFromSigning(id.secretKey)).toHaveLength(32)
  })

  it('maps keys to X25519 exactly as before (ed2curve, libsodium\'s map): friends keep the same pair secrets', () => {
    // Computed with ed2curve 0.3.0, which this replaced: a changed map would
    // change every pair secret and every sealed box between friends.
    const seed = new Uint8Array(32).fill(0x42)
    const publicKey = fromHex('2152f8d19b791d24453242e15f2eab6cb7cffa7b6a5ed30097960e069881db12')
    const secretKey = new Uint8Array([...seed, ...publicKey])
    expect(keyPairMatches({ publicKey, secretKey })).toBe(true)
    expect(toHex(boxPublicKeyFromSigning(publicKey))).toBe('cc4f2cdb695dd766f34118eb67b98652fed1d8bc49c330b119bbfa8a64989378')
    expect(toHex(boxSecretKeyFromSigning(secretKey))).toBe('90e7595fc89e52fdfddce9c6a43d74dbf6047025ee0462d2d172e8b6a2841d6e')
  })

  it('a box key pair is one nacl.box accepts: its public half is the X25519 of its secret', () => {
    const pair = generateBoxKeyPair()
    expect(pair.publicKey).toEqual(nacl.scalarMult.base(pair.secretKey))
    const other = nacl.box.keyPair()
    const nonce = nacl.randomBytes(24)
    const boxed = nacl.box(utf8('hello'), nonce, other.publicKey, pair.secretKey)
    expect(nacl.box.open(boxed, nonce, pair.publicKey, other.secretKey)).toEqual(utf8('hello'))
    const sealed = seal(utf8('to you'), pair.publicKey)
    expect(openSealed(sealed, pair.secretKey)).toEqual(utf8('to you'))
  })

  it('seals and pair secrets are nacl.box\'s, byte for byte, and a low-order ephemeral key opens nothing', () => {
    const alice = generateSigningKeyPair()
    const bob = generateSigningKeyPair()
    const expected = nacl.box.before(boxPublicKeyFromSigning(bob.publicKey), boxSecretKeyFromSigning(alice.secretKey))
    expect(pairSecret(alice.secretKey, bob.publicKey)).toEqual(expected)
    expect(pairSecret(bob.secretKey, alice.publicKey)).toEqual(expected)
    // A box made by nacl itself, in the sealed layout, opens.
    const recipient = nacl.box.keyPair()
    const eph = nacl.box.keyPair()
    const nonce = nacl.randomBytes(24)
    const sealed = new Uint8Array([...eph.publicKey, ...nonce, ...nacl.box(utf8('by nacl'), nonce, recipient.publicKey, eph.secretKey)])
    expect(openSealed(sealed, recipient.secretKey)).toEqual(utf8('by nacl'))
    // And one made here opens with nacl.box.open.
    const mine = seal(utf8('by kith'), recipient.publicKey)
    expect(nacl.box.open(mine.subarray(56), mine.subarray(32, 56), mine.subarray(0, 32), recipient.secretKey)).toEqual(utf8('by kith'))
    // The zero point as the ephemeral key: the shared point would be zero.
    const zeroKey = new Uint8Array(32)
    const forged = new Uint8Array([...zeroKey, ...nonce, ...nacl.secretbox(utf8('forged'), nonce, nacl.box.before(zeroKey, recipient.secretKey))])
    expect(openSealed(forged, recipient.secretKey)).toBeNull()
  })

  it('rejects a 32-byte string that is not a curve point', () => {
    // y = 2 is not the y-coordinate of any Ed25519 point.
    const notAPoint = new Uint8Array(32)
    notAPoint[0] = 2
    expect(isValidSigningPublicKey(notAPoint)).toBe(false)
    expect(() => boxPublicKeyFromSigning(notAPoint)).toThrow()
    expect(isValidSigningPublicKey(generateSigningKeyPair().publicKey)).toBe(true)
    expect(isValidSigningPublicKey(new Uint8Array(31))).toBe(false)
  })
})
