// What the full device and the new device say to each other while linking
// (DESIGN §6a), once the handshake has proven both keys: the new device says
// what it calls itself; the full device, once its owner approved, says whose
// device it would become and as what, and waits until the person confirms
// that on the new device too; only then does it send what the chosen role
// may hold. Both sides check what the other sent, as they would a
// stranger's input.
import { KithError } from '../wire/errors'
import { DEVICES_SECRET_BYTES } from '../identity/devices-secret'
import { MAX_DEVICE_NAME, type DeviceRole } from '../identity/device-certificate'
import { MAX_DISPLAY_NAME } from '../protocol/protocol'
import { MAX_ROTATIONS } from '../identity/rotation-record'

/** A recovery record is 137 bytes; anything much longer is not one. */
const MAX_RECOVERY_RECORD_BYTES = 1024

export interface LinkHello {
  /** What the new device proposes to be called (the owner may change it). */
  name: string
  /** The headless runner asks to be a server: it must never hold the identity key. */
  serverOnly: boolean
}

export interface LinkPackage {
  /** Checked by the new device: for its own key, by the identity it met. */
  certificate: unknown
  /** The identity's secret key, for a full device only. */
  identitySecretKey?: Uint8Array
  /** Names the swarms where the person's devices meet to sync. */
  devicesSecret: Uint8Array
  displayName: string
  /** After the person rotated (rotation-record.ts): what the new device
   *  needs to follow and present the rotations itself. Older new devices
   *  ignore it, and then refuse the certificate (signed by Sₙ) cleanly. */
  rotation?: LinkRotation
}

/** The person's recovery record (as the signed setting it syncs as), the
 *  rotation records from the first, and Sₙ's secret half for a full device
 *  only. The new device checks all of it before storing anything. */
export interface LinkRotation {
  recoveryRecord: { value: Uint8Array, at: number, grant: Uint8Array }
  records: unknown[]
  signingSecretKey?: Uint8Array
}

/** What the approving device proposes, for the person to confirm on the
 *  new device before anything is sent. Its identity (the address) is the
 *  one the handshake proved; the name is as that device claims it. */
export interface LinkOffer {
  /** The person's display name. */
  displayName: string
  /** What the new device will be called, and as what it is linked. */
  deviceName: string
  role: DeviceRole
}

/** Served by the new device, to the one full device holding its code. */
export interface NewDeviceMethods {
  [method: string]: { params: unknown, result: unknown }
  linkHello: { params: Record<string, never>, result: LinkHello }
  /** Resolves once the person confirmed on the new device; refused if they declined. */
  confirmLink: { params: LinkOffer, result: { confirmed: true } }
  completeLink: { params: LinkPackage, result: { linked: true } }
}

export function parseLinkOffer (value: unknown): LinkOffer {
  const v = value as Partial<LinkOffer> | null
  if (typeof v !== 'object' || v === null || typeof v.displayName !== 'string' || v.displayName.length > MAX_DISPLAY_NAME * 4 ||
    typeof v.deviceName !== 'string' || v.deviceName.length > MAX_DEVICE_NAME * 4 || (v.role !== 'full' && v.role !== 'server')) {
    throw new KithError('BAD_REQUEST', 'The linking device sent something that is not a Kith link offer.')
  }
  return { displayName: v.displayName, deviceName: v.deviceName, role: v.role }
}

export { DEVICES_SECRET_BYTES }

export function parseLinkHello (value: unknown): LinkHello {
  const v = value as Partial<LinkHello> | null
  if (typeof v !== 'object' || v === null || typeof v.name !== 'string' || v.name.length > MAX_DEVICE_NAME * 4 || typeof v.serverOnly !== 'boolean') {
    throw new KithError('BAD_REQUEST', 'The new device sent something that is not a Kith link request.')
  }
  return { name: v.name, serverOnly: v.serverOnly }
}

export function parseLinkPackage (value: unknown): LinkPackage {
  const bad = (): never => { throw new KithError('BAD_REQUEST', 'The linking device sent an incomplete link.') }
  if (typeof value !== 'object' || value === null) return bad()
  const v = value as Record<string, unknown>
  if (!(v.devicesSecret instanceof Uint8Array) || v.devicesSecret.length !== DEVICES_SECRET_BYTES) bad()
  if (typeof v.displayName !== 'string' || v.displayName.length > 200) bad()
  if (v.identitySecretKey !== undefined && (!(v.identitySecretKey instanceof Uint8Array) || v.identitySecretKey.length !== 64)) bad()
  const out: LinkPackage = { certificate: v.certificate, devicesSecret: v.devicesSecret as Uint8Array, displayName: v.displayName as string }
  if (v.identitySecretKey !== undefined) out.identitySecretKey = v.identitySecretKey as Uint8Array
  if (v.rotation !== undefined) out.rotation = parseLinkRotation(v.rotation, bad)
  return out
}

/** Only the shape: the records and the recovery record are checked against
 *  each other (and the certificate against Sₙ) by the new device. */
function parseLinkRotation (value: unknown, bad: () => never): LinkRotation {
  if (typeof value !== 'object' || value === null) return bad()
  const { recoveryRecord, records, signingSecretKey } = value as Record<string, unknown>
  if (typeof recoveryRecord !== 'object' || recoveryRecord === null) return bad()
  const { value: bytes, at, grant } = recoveryRecord as Record<string, unknown>
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_RECOVERY_RECORD_BYTES || !Number.isSafeInteger(at) || !(grant instanceof Uint8Array) || grant.length !== 64) return bad()
  if (!Array.isArray(records) || records.length === 0 || records.length > MAX_ROTATIONS) return bad()
  if (signingSecretKey !== undefined && (!(signingSecretKey instanceof Uint8Array) || signingSecretKey.length !== 64)) return bad()
  return {
    recoveryRecord: { value: bytes, at: at as number, grant },
    records: [...records],
    ...signingSecretKey !== undefined ? { signingSecretKey: signingSecretKey as Uint8Array } : {}
  }
}
