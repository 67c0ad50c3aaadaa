// Which key speaks for the person in what they sign besides certificates
// and revocations: friendship and invite grants, the signed settings (where
// their devices meet, whether they are discoverable) and meeting-secret
// proofs (docs/security.md, "Recovery key and rotation"). Before any
// rotation that is the address key; after rotation n, Sₙ, on the devices
// that hold it, and nobody else: a kept full device still holds the
// address key, but so may a thief, and whoever follows the rotation takes
// only what Sₙ signed. Checking is the mirror of it: against the signing
// key of the chain the checking device follows for that person.
import type { SigningKeyPair } from '../../shared/crypto/crypto'
import type { PersonRotations } from './rotations'

export interface PersonSignerDeps {
  /** The address key pair on a full device, null on a server device. */
  signing: () => SigningKeyPair | null
  rotations: Pick<PersonRotations, 'rotated' | 'heldSigningKey'>
}

/** The key to sign the person's grants, settings and meeting-secret
 *  proofs with now, or null where this device may not: a server device,
 *  and after a rotation a full device that does not hold Sₙ. */
export function personSigner ({ signing, rotations }: PersonSignerDeps): SigningKeyPair | null {
  return rotations.rotated === 0 ? signing() : rotations.heldSigningKey()
}

/** Whether this device is a full one that may not sign for the person now
 *  (the person rotated elsewhere): it says where it can be done. */
export function signsElsewhere (deps: PersonSignerDeps): boolean {
  return deps.signing() !== null && personSigner(deps) === null
}

/** The key `person`'s grants, settings and proofs are checked against here:
 *  the Sₙ this device follows for them, or their identity key when it
 *  follows no rotation of theirs. */
export function signingKeyOf (rotations: Pick<PersonRotations, 'rotationsOf'>, person: Uint8Array): Uint8Array {
  const held = rotations.rotationsOf(person)
  return held && held.keys.n > 0 ? held.keys.signingKey : person
}
