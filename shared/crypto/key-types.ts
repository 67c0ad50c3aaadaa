// Key and box sizes and the key-pair shapes: apart from crypto.ts so that
// the library code behind it (crypto-impl.ts) can use them without importing
// the facade that loads it.
export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64
export const SECRET_KEY_BYTES = 32
export const SECRETBOX_NONCE_BYTES = 24
/** Poly1305's tag. */
export const SECRETBOX_OVERHEAD_BYTES = 16

export interface SigningKeyPair {
  publicKey: Uint8Array // 32 bytes, Ed25519
  secretKey: Uint8Array // 64 bytes, Ed25519 (seed + public key)
}

export interface BoxKeyPair { publicKey: Uint8Array, secretKey: Uint8Array }
