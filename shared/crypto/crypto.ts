// The cryptography every part of Kith uses, behind one small facade: the
// library code (tweetnacl, @noble/curves: crypto-impl.ts) is
// loaded lazily with loadCrypto(), so the first screen opens without it
// (bench/README.md, kith-app). Every function here is synchronous and
// throws until loadCrypto() has resolved: the node loads and runs its
// checks before it listens, dials or signs (node-tab/identity/node-identity.ts, verify).
// Ed25519 signs; X25519 + XSalsa20-Poly1305 seals. The X25519 keys are
// derived from the Ed25519 identity, so one address names both.
export { randomBytes } from './random'

export * from './key-types'
import type { BoxKeyPair, SigningKeyPair } from './key-types'

type Impl = typeof import('./crypto-impl')
let impl: Impl | null = null
let loading: Promise<void> | null = null

/** Loads the cryptography code (once; a failed load is tried again). */
export function loadCrypto (): Promise<void> {
  if (impl) return Promise.resolve()
  loading ??= import('./crypto-impl').then((m) => { impl = m }, (err: unknown) => {
    loading = null
    throw err
  })
  return loading
}

/** For a page that bundles crypto-impl.ts statically (the test harness):
 *  usable at once, without waiting for loadCrypto(). */
export function installCrypto (m: Impl): void {
  impl = m
}

/** Whether loadCrypto() has resolved. */
export function cryptoLoaded (): boolean {
  return impl !== null
}

function need (): Impl {
  if (!impl) throw new Error('The cryptography code has not loaded yet.')
  return impl
}

export function generateSigningKeyPair (): SigningKeyPair { return need().generateSigningKeyPair() }
/** The key pair a 32-byte seed makes (a derived key, such as the recovery key). */
export function signingKeyPairFromSeed (seed: Uint8Array): SigningKeyPair { return need().signingKeyPairFromSeed(seed) }
/** True when the secret key really belongs to the public key. */
export function keyPairMatches (kp: SigningKeyPair): boolean { return need().keyPairMatches(kp) }
export function sign (message: Uint8Array, secretKey: Uint8Array): Uint8Array { return need().sign(message, secretKey) }
/** Strict verification: the key must be a real key (see
 *  isValidSigningPublicKey) and the signature's S canonical (S < L), so
 *  neither a small-order key nor a malleated signature passes. */
export function verify (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean { return need().verify(message, signature, publicKey) }
export function sha512 (data: Uint8Array): Uint8Array { return need().sha512(data) }
/** Could someone present this key only by holding its secret? (crypto-impl.ts) */
export function isValidSigningPublicKey (publicKey: Uint8Array): boolean { return need().isValidSigningPublicKey(publicKey) }
export function boxPublicKeyFromSigning (publicKey: Uint8Array): Uint8Array { return need().boxPublicKeyFromSigning(publicKey) }
export function boxSecretKeyFromSigning (secretKey: Uint8Array): Uint8Array { return need().boxSecretKeyFromSigning(secretKey) }
export function generateBoxKeyPair (): BoxKeyPair { return need().generateBoxKeyPair() }
/** False for a key no box can be sealed to (a low-order point). */
export function isUsableBoxPublicKey (publicKey: Uint8Array): boolean { return need().isUsableBoxPublicKey(publicKey) }
/** A secret only these two people can compute, the same from both sides. */
export function pairSecret (mySigningSecret: Uint8Array, theirSigningPublic: Uint8Array): Uint8Array { return need().pairSecret(mySigningSecret, theirSigningPublic) }
/** Anonymous sealed box: only the recipient opens it; it does not say who sealed it. */
export function seal (plaintext: Uint8Array, recipientBoxPublicKey: Uint8Array): Uint8Array { return need().seal(plaintext, recipientBoxPublicKey) }
/** Opens a sealed box; null when it was not sealed to us or was altered. */
export function openSealed (sealed: Uint8Array, boxSecretKey: Uint8Array): Uint8Array | null { return need().openSealed(sealed, boxSecretKey) }
/** Authenticated symmetric encryption under a 32-byte key, random nonce in front. */
export function secretSeal (plaintext: Uint8Array, key: Uint8Array): Uint8Array { return need().secretSeal(plaintext, key) }
/** Opens secretSeal's output; null when the key is wrong or it was altered. */
export function secretOpen (sealed: Uint8Array, key: Uint8Array): Uint8Array | null { return need().secretOpen(sealed, key) }
/** XSalsa20-Poly1305 under a nonce the caller chooses (the backup file's counters). */
export function secretBoxWithNonce (plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array { return need().secretBoxWithNonce(plaintext, nonce, key) }
/** Opens secretBoxWithNonce's output; null when key, nonce or bytes are wrong. */
export function secretBoxOpenWithNonce (box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null { return need().secretBoxOpenWithNonce(box, nonce, key) }
