// What a device proves in the session handshake: it holds its device key,
// and the person's identity key certified that key (DESIGN §6a). A device
// being linked has a key but no certificate yet; it may only meet the full
// device that is linking it (see link-code.ts).
import type { DeviceCertificate } from './device-certificate'
import { issueDeviceCertificate } from './device-certificate'
import type { SigningKeyPair } from '../crypto/crypto'
import type { Identity } from './identity'
import type { FollowedKeys, RotationRecord } from './rotation-record'

export interface DeviceCredentials {
  /** The person this device acts for: the key behind the address. */
  identityKey: Uint8Array
  /** This device's own key pair; it signs the handshake. */
  device: SigningKeyPair
  /** Null only while the device waits to be linked. */
  certificate: DeviceCertificate | null
}

/** What the other side of a session proved. */
export interface RemoteDevice {
  /** The person: what sessions, friendships and access are keyed by. */
  identityKey: Uint8Array
  deviceKey: Uint8Array
  /** Null only for a device being linked (accepted only where expected). */
  certificate: DeviceCertificate | null
  /** Rotation records its hello carried that this side followed now (the
   *  caller keeps them): the signing key they lead to, and the records. */
  rotations?: { keys: FollowedKeys, records: RotationRecord[] }
}

const selfCredentials = new WeakMap<Identity, DeviceCredentials>()

/** An identity key pair acting as its own device, certified by itself. For
 *  tests and tools that have just a key pair; a node uses a device key of
 *  its own, so that revoking a device never touches the identity. */
export function credentialsOf (identity: Identity): DeviceCredentials {
  let credentials = selfCredentials.get(identity)
  if (!credentials) {
    const certificate = issueDeviceCertificate(identity, { publicKey: identity.publicKey, name: 'Identity key', role: 'full' }, 0)
    credentials = { identityKey: identity.publicKey, device: identity, certificate }
    selfCredentials.set(identity, credentials)
  }
  return credentials
}
