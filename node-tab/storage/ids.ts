// Ids for items, groups and invites, and the key form friends are stored under.
import bs58 from 'bs58'
import { toHex } from '../../shared/util/bytes'
import { randomBytes } from '../../shared/crypto/random'

/** 128 random bits in base58: unguessable (invite tokens rely on that), safe
 *  in URLs, and it matches the item id and invite token patterns of the protocol. */
export function newId (): string {
  return bs58.encode(randomBytes(16))
}

/** Friends are keyed by their Ed25519 public key in lower-case hex. */
export function keyHex (publicKey: Uint8Array): string {
  return toHex(publicKey)
}
