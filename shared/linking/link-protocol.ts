// What the full device and the new device say to each other while linking
// (DESIGN §6a), once the handshake has proven both keys: the new device says
// what it calls itself, the full device sends what the chosen role may hold.
// Both sides check what the other sent, as they would a stranger's input.
import { KithError } from '../wire/errors'
import { DEVICES_SECRET_BYTES } from '../identity/devices-secret'
import { MAX_DEVICE_NAME } from '../identity/device-certificate'

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
}

/** Served by the new device, to the one full device holding its code. */
export interface NewDeviceMethods {
  [method: string]: { params: unknown, result: unknown }
  linkHello: { params: Record<string, never>, result: LinkHello }
  completeLink: { params: LinkPackage, result: { linked: true } }
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
  return out
}
