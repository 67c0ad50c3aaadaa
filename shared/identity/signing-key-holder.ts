// Which of the person's devices hold the newest signing key Sₙ (docs/
// security.md, "Sₙ and the kept full devices"): the device that made
// rotation n, and any full device linked from one since. A kept full device
// without Sₙ cannot link or revoke, and says where it can be done, by name.
// So a holder's row in the synced devices list carries Sₙ's signature over
// (address key, device key, n): only a holder can make one, every device
// checks it against the Sₙ it follows, and a row bent by sync names nobody.
// It decides nothing: it only chooses the words shown.
import { concatBytes, utf8 } from '../util/bytes'
import { sign, verify, type SigningKeyPair } from '../crypto/crypto'

const CONTEXT = utf8('kith/signing-key-holder/v1')

export interface HolderProof {
  n: number
  signature: Uint8Array
}

export function proveHolder (signingKey: SigningKeyPair, identityKey: Uint8Array, deviceKey: Uint8Array, n: number): HolderProof {
  return { n, signature: sign(message(identityKey, deviceKey, n), signingKey.secretKey) }
}

/** Whether `proof` (from a synced row: anything) shows `deviceKey` holds
 *  `signingKey`, the Sₙ of rotation `n` followed here. */
export function isHolder (proof: unknown, identityKey: Uint8Array, deviceKey: Uint8Array, n: number, signingKey: Uint8Array): boolean {
  if (typeof proof !== 'object' || proof === null) return false
  const { n: claimed, signature } = proof as Partial<HolderProof>
  if (claimed !== n || !(signature instanceof Uint8Array) || signature.length !== 64) return false
  return verify(message(identityKey, deviceKey, n), signature, signingKey)
}

function message (identityKey: Uint8Array, deviceKey: Uint8Array, n: number): Uint8Array {
  const at = new Uint8Array(8)
  new DataView(at.buffer).setBigUint64(0, BigInt(n))
  return concatBytes(CONTEXT, identityKey, deviceKey, at)
}
