// Owner devices (DESIGN §6a): a person is their identity key, the address
// friends know; each of their devices has a key of its own, and acts for the
// person only through a certificate the identity key signed: device key,
// name, role, issue time. A revocation, also signed by the identity key,
// ends a device's right to act for the person.
//
// Only a holder of the identity's secret key can issue or revoke. A server
// device (a Pi, a desktop left on) never holds it: whatever it signs with
// its own key is not a certificate anyone accepts, so a stolen server device
// is revoked, not a lost identity.
//
// The signed bytes are a fixed layout under their own context string, so a
// certificate can never be mistaken for a handshake proof or a revocation.
import { bytesEqual, concatBytes, utf8 } from '../util/bytes'
import { isValidSigningPublicKey, keyPairMatches, sign, verify } from '../crypto/crypto'
import { KithError } from '../wire/errors'
import type { Identity } from './identity'

export type DeviceRole = 'full' | 'server'
export const DEVICE_ROLES: readonly DeviceRole[] = ['full', 'server']
export const MAX_DEVICE_NAME = 64
/** Clocks disagree a little; a certificate from further in the future is refused. */
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000

const CERT_CONTEXT = utf8('kith/device-certificate/v1')
const REVOKE_CONTEXT = utf8('kith/device-revocation/v1')
const ROLE_BYTE: Record<DeviceRole, number> = { full: 1, server: 2 }

export interface DeviceCertificate {
  /** The person: the key behind the address friends know. */
  identityKey: Uint8Array
  /** This device's own key, which it proves in the session handshake. */
  deviceKey: Uint8Array
  name: string
  role: DeviceRole
  issuedAt: number
  /** By the identity key, over the fields above. */
  signature: Uint8Array
}

export interface DeviceRevocation {
  identityKey: Uint8Array
  deviceKey: Uint8Array
  revokedAt: number
  signature: Uint8Array
}

export class DeviceCertificateError extends KithError {
  constructor (message: string) {
    super('UNAUTHORIZED', message)
    this.name = 'DeviceCertificateError'
  }
}

/** A device name typed by the owner, one clean line; throws a sentence. */
/** What a person's first device is called until they name it: it is made
 *  at the first open, before there is anyone to ask (see kith-devices.ts). */
export const FIRST_DEVICE_NAME = 'First device'

export function normalizeDeviceName (input: string): string {
  // eslint-disable-next-line no-control-regex
  const name = input.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\s+/g, ' ').trim()
  if (name === '') throw new KithError('BAD_REQUEST', 'Give the device a name, such as “Kitchen Pi”.')
  if (name.length > MAX_DEVICE_NAME) throw new KithError('BAD_REQUEST', `A device name can be at most ${MAX_DEVICE_NAME} characters.`)
  return name
}

/** Signs a certificate for a device. `identity` must be the person's own key
 *  pair (only a full device holds it). */
export function issueDeviceCertificate (identity: Identity, device: { publicKey: Uint8Array, name: string, role: DeviceRole }, issuedAt: number): DeviceCertificate {
  return issueDeviceCertificateFor(identity.publicKey, identity, device, issuedAt)
}

/** Signs a certificate for a device of the person behind `identityKey` with
 *  their signing key of the time: the identity key itself, or after a
 *  rotation (rotation-record.ts) the signing key the rotation named. */
export function issueDeviceCertificateFor (identityKey: Uint8Array, signing: Identity, device: { publicKey: Uint8Array, name: string, role: DeviceRole }, issuedAt: number): DeviceCertificate {
  if (!keyPairMatches(signing)) throw new KithError('BAD_REQUEST', 'Only the identity’s own key can sign a device certificate.')
  if (!isValidSigningPublicKey(device.publicKey)) throw new KithError('BAD_REQUEST', 'The device’s key is not a valid key.')
  if (!DEVICE_ROLES.includes(device.role)) throw new KithError('BAD_REQUEST', 'A device is either a full device or a server.')
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) throw new KithError('BAD_REQUEST', 'The issue time must be a time in ms.')
  const fields = { identityKey: identityKey.slice(), deviceKey: device.publicKey.slice(), name: normalizeDeviceName(device.name), role: device.role, issuedAt }
  return { ...fields, signature: sign(certificateMessage(fields), signing.secretKey) }
}

/** A certificate from anyone (a peer, storage) checked whole: the shape and
 *  bounds, that it chains to `identityKey` (the address we know), that it is
 *  not from the future and not revoked. Returns a clean copy; throws a
 *  DeviceCertificateError in plain words otherwise. */
export function checkDeviceCertificate (value: unknown, expect: { identityKey: Uint8Array, now: number, isRevoked?: (deviceKey: Uint8Array) => boolean, signingKey?: Uint8Array }): DeviceCertificate {
  const refuse = (why: string): never => { throw new DeviceCertificateError(`This device cannot act for the person: ${why}.`) }
  if (typeof value !== 'object' || value === null) return refuse('its certificate is missing')
  const v = value as Record<string, unknown>
  const { identityKey, deviceKey, name, role, issuedAt, signature } = v
  if (Object.keys(v).some((k) => !['identityKey', 'deviceKey', 'name', 'role', 'issuedAt', 'signature'].includes(k))) refuse('its certificate has unknown fields')
  if (!(identityKey instanceof Uint8Array) || !(deviceKey instanceof Uint8Array) || !(signature instanceof Uint8Array)) return refuse('its certificate is malformed')
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_DEVICE_NAME || typeof role !== 'string' || !DEVICE_ROLES.includes(role as DeviceRole)) return refuse('its certificate is malformed')
  if (!Number.isSafeInteger(issuedAt) || (issuedAt as number) < 0) return refuse('its certificate is malformed')
  // Issuers clean names; one that is not clean (control or bidi characters)
  // was not made by Kith and is not shown to anyone.
  if (!isCleanName(name)) refuse('its certificate is malformed')
  if (!isValidSigningPublicKey(identityKey) || !isValidSigningPublicKey(deviceKey)) return refuse('a key in its certificate is not a valid key')
  if (!bytesEqual(identityKey, expect.identityKey)) refuse('its certificate is for someone else')
  const fields = { identityKey, deviceKey, name, role: role as DeviceRole, issuedAt: issuedAt as number }
  // The signing key of the time: the identity key until a rotation names another.
  if (!verify(certificateMessage(fields), signature, expect.signingKey ?? expect.identityKey)) refuse('its certificate was not signed by the person’s identity')
  if (fields.issuedAt > expect.now + MAX_FUTURE_SKEW_MS) refuse('its certificate is dated in the future')
  if (expect.isRevoked?.(deviceKey)) refuse('it was revoked by its owner')
  return { ...fields, identityKey: identityKey.slice(), deviceKey: deviceKey.slice(), signature: signature.slice() }
}

/** Signs the end of a device's right to act for the person. */
export function revokeDevice (identity: Identity, deviceKey: Uint8Array, revokedAt: number): DeviceRevocation {
  return revokeDeviceFor(identity.publicKey, identity, deviceKey, revokedAt)
}

/** The same, signed by the person's signing key of the time (see issueDeviceCertificateFor). */
export function revokeDeviceFor (identityKey: Uint8Array, signing: Identity, deviceKey: Uint8Array, revokedAt: number): DeviceRevocation {
  if (!keyPairMatches(signing)) throw new KithError('BAD_REQUEST', 'Only the identity’s own key can revoke a device.')
  if (!isValidSigningPublicKey(deviceKey)) throw new KithError('BAD_REQUEST', 'The device’s key is not a valid key.')
  if (!Number.isSafeInteger(revokedAt) || revokedAt < 0) throw new KithError('BAD_REQUEST', 'The revocation time must be a time in ms.')
  const fields = { identityKey: identityKey.slice(), deviceKey: deviceKey.slice(), revokedAt }
  return { ...fields, signature: sign(revocationMessage(fields), signing.secretKey) }
}

/** A revocation from anyone, checked whole; throws a DeviceCertificateError. */
export function checkDeviceRevocation (value: unknown, identityKey: Uint8Array, signingKey: Uint8Array = identityKey): DeviceRevocation {
  const refuse = (): never => { throw new DeviceCertificateError('This revocation was not made by the person’s identity.') }
  if (typeof value !== 'object' || value === null) return refuse()
  const { identityKey: claimed, deviceKey, revokedAt, signature } = value as Record<string, unknown>
  if (!(claimed instanceof Uint8Array) || !(deviceKey instanceof Uint8Array) || !(signature instanceof Uint8Array)) return refuse()
  if (!Number.isSafeInteger(revokedAt) || (revokedAt as number) < 0 || !isValidSigningPublicKey(deviceKey)) return refuse()
  if (!bytesEqual(claimed, identityKey)) return refuse()
  const fields = { identityKey, deviceKey, revokedAt: revokedAt as number }
  if (!verify(revocationMessage(fields), signature, signingKey)) return refuse()
  return { identityKey: identityKey.slice(), deviceKey: deviceKey.slice(), revokedAt: fields.revokedAt, signature: signature.slice() }
}

function certificateMessage (c: Omit<DeviceCertificate, 'signature'>): Uint8Array {
  const name = utf8(c.name)
  // Two length bytes: 64 characters can take up to 256 bytes of UTF-8.
  return concatBytes(CERT_CONTEXT, c.identityKey, c.deviceKey, Uint8Array.of(ROLE_BYTE[c.role]), uint64BE(c.issuedAt), Uint8Array.of(name.length >> 8, name.length & 0xff), name)
}

function revocationMessage (r: Omit<DeviceRevocation, 'signature'>): Uint8Array {
  return concatBytes(REVOKE_CONTEXT, r.identityKey, r.deviceKey, uint64BE(r.revokedAt))
}

function isCleanName (name: string): boolean {
  try {
    return normalizeDeviceName(name) === name
  } catch {
    return false
  }
}

function uint64BE (n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}

