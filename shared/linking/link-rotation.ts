// A device linked after the person rotated (docs/security.md, "Recovery key
// and rotation"): its certificate is signed by Sₙ, so the link also brings
// what lets the new device check that and present itself afterwards: the
// person's recovery record (R), the rotation records from the first, and,
// for a full device only, Sₙ's secret half. All of it is hostile input
// until checked here: the recovery record must be the identity key's
// (as a friend takes a first one), the chain must follow from it under R,
// and the certificate and Sₙ must be those of the chain's last record.
import { bytesEqual } from '../util/bytes'
import { keyPairMatches, type SigningKeyPair } from '../crypto/crypto'
import { isSettingGranted } from '../identity/grants'
import { takeRecoveryRecord } from '../identity/recovery-record'
import { followRotations, notRotated, type HeldRotations } from '../identity/rotation-record'
import { checkDeviceCertificate, type DeviceCertificate } from '../identity/device-certificate'
import { KithError } from '../wire/errors'
import type { LinkRotation } from './link-protocol'

/** The settings key the recovery record syncs under: RECOVERY_RECORD_KEY in
 *  node-tab/storage/signed-settings.ts, which the first screen loads without
 *  this code (tests/unit/link-after-rotation.test.ts checks they agree). */
export const LINKED_RECOVERY_RECORD_KEY = 'recovery.record'

export interface CheckedLinkRotation {
  /** The recovery record as the signed setting it is stored as. */
  recoveryRecord: LinkRotation['recoveryRecord']
  recoveryKey: Uint8Array
  held: HeldRotations
  /** Sₙ, for a full device; null for a server device. */
  signingKey: SigningKeyPair | null
}

/** The certificate for this device, checked against the identity key
 *  before any rotation, or against Sₙ of the chain the link brings. */
export function checkLinkedCertificate (certificate: unknown, rotation: LinkRotation | undefined, identityKey: Uint8Array, now: number): { certificate: DeviceCertificate, rotation: CheckedLinkRotation | null } {
  if (!rotation) return { certificate: checkDeviceCertificate(certificate, { identityKey, now }), rotation: null }
  const refuse = (why: string): never => { throw new KithError('BAD_REQUEST', `The linking device sent a rotation that does not check: ${why}.`) }
  const { value, at, grant } = rotation.recoveryRecord
  if (!isSettingGranted(identityKey, LINKED_RECOVERY_RECORD_KEY, value, at, grant)) refuse('the recovery record is not the person’s')
  let recoveryKey: Uint8Array
  try {
    recoveryKey = takeRecoveryRecord(null, value, { identityKey, signingKey: identityKey, now }).recoveryKey
  } catch {
    return refuse('the recovery record is not the person’s')
  }
  let held: HeldRotations
  try {
    held = followRotations(notRotated(identityKey, recoveryKey), rotation.records, now)
  } catch {
    return refuse('the rotations were not signed by the person’s recovery key')
  }
  if (held.keys.n === 0) refuse('there is no rotation in it')
  const cert = checkDeviceCertificate(certificate, { identityKey, signingKey: held.keys.signingKey, now })
  let signingKey: SigningKeyPair | null = null
  if (rotation.signingSecretKey) {
    if (cert.role !== 'full') refuse('a server device must never hold the signing key')
    signingKey = { publicKey: held.keys.signingKey.slice(), secretKey: rotation.signingSecretKey.slice() }
    if (!keyPairMatches(signingKey)) refuse('the signing key is not the one the last rotation names')
  } else if (cert.role === 'full') {
    refuse('a full device needs the signing key')
  }
  if (!bytesEqual(cert.identityKey, identityKey)) refuse('the certificate is for someone else')
  return { certificate: cert, rotation: { recoveryRecord: { value: value.slice(), at, grant: grant.slice() }, recoveryKey, held, signingKey } }
}
