// The only importer of tweetnacl and @noble/curves, loaded lazily through
// shared/crypto/crypto.ts (see there). Ed25519 signs; X25519 +
// XSalsa20-Poly1305 seals. The X25519 keys are derived from the Ed25519
// identity (the birational map, as libsodium's crypto_sign_ed25519_pk_to_
// curve25519), so one address names both. The map is @noble/curves': about
// 30 times faster than ed2curve's, which used tweetnacl's field inversion
// and cost a start 35 ms per key on a phone-speed CPU.
// Signatures are made and checked with @noble/curves (audited; in a browser
// or Node about 5 times faster to sign than tweetnacl and 20 times faster to
// check, and a device checks certificates all day); keys keep tweetnacl's
// layout (a 64-byte secret key: the 32-byte seed, then the public key).
import nacl from 'tweetnacl'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { concatBytes } from '../util/bytes'

import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, SECRET_KEY_BYTES, SECRETBOX_NONCE_BYTES, type BoxKeyPair, type SigningKeyPair } from './key-types'

const SEED_BYTES = 32

export function generateSigningKeyPair (): SigningKeyPair {
  const seed = nacl.randomBytes(SEED_BYTES)
  const publicKey = ed25519.getPublicKey(seed)
  return { publicKey, secretKey: concatBytes(seed, publicKey) }
}

/** The key pair a 32-byte seed makes, always the same one: for a key
 *  that is derived (the recovery key, from its words), not stored. */
export function signingKeyPairFromSeed (seed: Uint8Array): SigningKeyPair {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) throw new Error('a signing seed is 32 bytes')
  const publicKey = ed25519.getPublicKey(seed)
  return { publicKey, secretKey: concatBytes(seed, publicKey) }
}

/** True when the secret key really belongs to the public key. */
export function keyPairMatches (kp: SigningKeyPair): boolean {
  if (kp.publicKey.length !== PUBLIC_KEY_BYTES || kp.secretKey.length !== SEED_BYTES + PUBLIC_KEY_BYTES) return false
  // Rebuild from the seed: the secret key's second half is just a copy of
  // the public key, and proves nothing.
  const rebuilt = ed25519.getPublicKey(kp.secretKey.subarray(0, SEED_BYTES))
  return nacl.verify(rebuilt, kp.publicKey) && nacl.verify(rebuilt, kp.secretKey.subarray(SEED_BYTES))
}

export function sign (message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== SEED_BYTES + PUBLIC_KEY_BYTES) throw new Error('a signing secret key is 64 bytes')
  return ed25519.sign(message, secretKey.subarray(0, SEED_BYTES))
}

/** Strict verification (RFC 8032 §5.1.7, no ZIP-215 leniency): the key must
 *  be a real key (see isValidSigningPublicKey), R and the key canonical
 *  encodings, and the signature's S canonical (S < L), so neither a
 *  small-order key nor a malleated signature passes. Remembered by the exact
 *  bytes checked: the same certificates come back all day. */
export function verify (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(message instanceof Uint8Array) || !(signature instanceof Uint8Array)) return false
  if (signature.length !== SIGNATURE_BYTES || !isValidSigningPublicKey(publicKey)) return false
  if (!isCanonicalScalar(signature.subarray(32))) return false
  if (message.length > REMEMBERED_MESSAGE_BYTES) return checkSignature(message, signature, publicKey)
  const input = binary(publicKey) + binary(signature) + binary(message) // key and signature have fixed lengths
  return knownSignatures.get(input) ?? knownSignatures.set(input, checkSignature(message, signature, publicKey))
}

function checkSignature (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false // R not a canonical point encoding
  }
}

/** Answers for inputs checked before, the least recently used going first
 *  past `max`. The checks remembered are pure functions of their bytes, and
 *  the same keys and signatures come back again and again: every listing of
 *  my devices checks each certificate, every session with a device checks
 *  its certificate, and each check looks at the same identity key twice. An
 *  elliptic-curve check costs milliseconds; looking it up, microseconds. */
class KnownAnswers {
  private readonly answers = new Map<string, boolean>()
  constructor (private readonly max: number) {}

  get (input: string): boolean | undefined {
    const answer = this.answers.get(input)
    if (answer !== undefined) {
      this.answers.delete(input)
      this.answers.set(input, answer)
    }
    return answer
  }

  set (input: string, answer: boolean): boolean {
    if (this.answers.size >= this.max) this.answers.delete(this.answers.keys().next().value!)
    this.answers.set(input, answer)
    return answer
  }
}

/** Certificates, revocations and grants are well under this; a longer
 *  message (none signed today) is checked every time. */
const REMEMBERED_MESSAGE_BYTES = 1024
const knownKeys = new KnownAnswers(1024)
const knownSignatures = new KnownAnswers(1024)

/** The bytes as a string, one character each: a Map key for them. */
function binary (bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
}

/** The order of the Ed25519 prime-order subgroup, little-endian. */
const GROUP_ORDER = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10
])

function isCanonicalScalar (s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! < GROUP_ORDER[i]!) return true
    if (s[i]! > GROUP_ORDER[i]!) return false
  }
  return false // equal to L
}

export function sha512 (data: Uint8Array): Uint8Array {
  return nacl.hash(data)
}


/** Could someone present this key only by holding its secret? It must be the
 *  canonical encoding (y < p) of a point in the prime-order subgroup: not one
 *  of the small-order points (with `01 00…00`, the identity, a "signature"
 *  verifies without any secret key) and not mixed with a small-order part.
 *  Every key made by generateSigningKeyPair passes. */
export function isValidSigningPublicKey (publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) return false
  const input = binary(publicKey)
  return knownKeys.get(input) ?? knownKeys.set(input, isSafePoint(publicKey))
}

function isSafePoint (publicKey: Uint8Array): boolean {
  try {
    const point = ed25519.Point.fromBytes(publicKey, false) // false: no ZIP-215 leniency
    // Decoded strictly, it is on the curve, so it also maps to X25519.
    return !point.isSmallOrder() && point.isTorsionFree()
  } catch {
    return false // not canonical, or not on the curve
  }
}

export function boxPublicKeyFromSigning (publicKey: Uint8Array): Uint8Array {
  try {
    return ed25519.utils.toMontgomery(publicKey) // decodes the point strictly first
  } catch {
    throw new Error('not a valid Ed25519 public key')
  }
}

export function boxSecretKeyFromSigning (secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== SEED_BYTES + PUBLIC_KEY_BYTES) throw new Error('a signing secret key is 64 bytes')
  return ed25519.utils.toMontgomerySecret(secretKey.subarray(0, SEED_BYTES))
}


/** A fresh X25519 key pair, as nacl.box.keyPair() makes (32 random bytes,
 *  clamped when used), its public half from @noble/curves: about 5 times
 *  faster, and it runs for every sealed offer and answer. */
export function generateBoxKeyPair (): BoxKeyPair {
  const secretKey = nacl.randomBytes(32)
  return { publicKey: x25519.getPublicKey(secretKey), secretKey }
}

/** A secret only these two people can compute (X25519 of one's secret with the
 *  other's public key): the same from both sides. */
export function pairSecret (mySigningSecret: Uint8Array, theirSigningPublic: Uint8Array): Uint8Array {
  return boxKey(boxPublicKeyFromSigning(theirSigningPublic), boxSecretKeyFromSigning(mySigningSecret))
}

/** nacl.box.before(theirPublic, mySecret): HSalsa20 of the X25519 shared
 *  point. The X25519 is @noble/curves' (tweetnacl's cost an offer's opening
 *  about 50 ms in a freshly loaded page); it refuses a low-order key, whose
 *  shared point would be zero and the key known to anyone. */
function boxKey (theirPublic: Uint8Array, mySecret: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(mySecret, theirPublic)
  const key = new Uint8Array(32)
  naclLowLevel.crypto_core_hsalsa20(key, HSALSA_NONCE, shared, SIGMA)
  return key
}
/** Could a box be sealed to this X25519 key? Not to a low-order one (the
 *  shared point would be zero, known to anyone): @noble/curves refuses it,
 *  so a key taken from a peer (an offer's reply key) is checked when it
 *  arrives, before anything is made for it. */
export function isUsableBoxPublicKey (publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false
  try {
    x25519.getSharedSecret(PROBE_SECRET, publicKey)
    return true
  } catch {
    return false
  }
}
const PROBE_SECRET = new Uint8Array(32).fill(0x42)

const naclLowLevel = (nacl as unknown as { lowlevel: { crypto_core_hsalsa20: (out: Uint8Array, nonce: Uint8Array, key: Uint8Array, constant: Uint8Array) => number } }).lowlevel
const HSALSA_NONCE = new Uint8Array(16)
const SIGMA = new TextEncoder().encode('expand 32-byte k')

const SEAL_OVERHEAD = 32 + 24 // ephemeral public key + nonce

/** Anonymous sealed box: only the holder of the recipient's X25519 secret can
 *  open it, and it carries no trace of who sealed it. */
export function seal (plaintext: Uint8Array, recipientBoxPublicKey: Uint8Array): Uint8Array {
  const ephemeral = generateBoxKeyPair()
  const nonce = nacl.randomBytes(24)
  const boxed = nacl.box.after(plaintext, nonce, boxKey(recipientBoxPublicKey, ephemeral.secretKey))
  return concatBytes(ephemeral.publicKey, nonce, boxed)
}

/** Opens a sealed box; null when it was not sealed to us or was altered. */
export function openSealed (sealed: Uint8Array, boxSecretKey: Uint8Array): Uint8Array | null {
  if (sealed.length < SEAL_OVERHEAD + nacl.box.overheadLength) return null
  const ephemeralPublic = sealed.subarray(0, 32)
  const nonce = sealed.subarray(32, SEAL_OVERHEAD)
  let key: Uint8Array
  try {
    key = boxKey(ephemeralPublic, boxSecretKey)
  } catch {
    return null // a low-order or malformed ephemeral key
  }
  return nacl.box.open.after(sealed.subarray(SEAL_OVERHEAD), nonce, key)
}

const SECRETBOX_NONCE = SECRETBOX_NONCE_BYTES

/** Authenticated symmetric encryption (XSalsa20-Poly1305) under a 32-byte
 *  key, with a random nonce in front: opening it proves the sender knew the
 *  key, and hides the contents from anyone who does not. */
export function secretSeal (plaintext: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== SECRET_KEY_BYTES) throw new Error('a secret key is 32 bytes')
  const nonce = nacl.randomBytes(SECRETBOX_NONCE)
  return concatBytes(nonce, nacl.secretbox(plaintext, nonce, key))
}

/** Opens secretSeal's output; null when the key is wrong or it was altered. */
export function secretOpen (sealed: Uint8Array, key: Uint8Array): Uint8Array | null {
  if (key.length !== SECRET_KEY_BYTES || sealed.length < SECRETBOX_NONCE + nacl.secretbox.overheadLength) return null
  return nacl.secretbox.open(sealed.subarray(SECRETBOX_NONCE), sealed.subarray(0, SECRETBOX_NONCE), key)
}


/** XSalsa20-Poly1305 under a nonce the caller chooses: for formats whose
 *  nonces are counters under a key used for one message stream only (the
 *  backup file), so the order of the pieces is authenticated too. */
export function secretBoxWithNonce (plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  if (key.length !== SECRET_KEY_BYTES || nonce.length !== SECRETBOX_NONCE) throw new Error('a secret key is 32 bytes and a nonce 24')
  return nacl.secretbox(plaintext, nonce, key)
}

/** Opens secretBoxWithNonce's output; null when key, nonce or bytes are wrong. */
export function secretBoxOpenWithNonce (box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
  if (key.length !== SECRET_KEY_BYTES || nonce.length !== SECRETBOX_NONCE || box.length < nacl.secretbox.overheadLength) return null
  return nacl.secretbox.open(box, nonce, key)
}
