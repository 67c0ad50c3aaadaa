// The person's identity and this device's own key. A first open makes both:
// a new identity, and a device key it certifies as a full device. A device
// linked to someone else's identity gets its rows from the link instead (a
// server device then holds the identity's public key only). Creation runs
// in a transaction so two tabs opening at once cannot each make their own.
import { bytesEqual, toHex } from '../../shared/util/bytes'
import { generateSigningKeyPair, keyPairMatches, loadCrypto } from '../../shared/crypto/crypto'
import { randomBytes } from '../../shared/crypto/random'
import { DEVICES_SECRET_BYTES } from '../../shared/identity/devices-secret'
import { checkDeviceCertificate, FIRST_DEVICE_NAME, issueDeviceCertificate, type DeviceCertificate } from '../../shared/identity/device-certificate'
import type { DeviceCredentials } from '../../shared/identity/device-credentials'
import { addressFromPublicKey, createIdentity, type Identity } from '../../shared/identity/identity'
import type { IdentityRow, NodeDatabase, OwnDeviceRow } from './db'
import { DEVICES_SECRET_KEY, RECOVERY_RECORD_KEY, type SignedSettingRow } from './signed-settings'
import { CHAIN_PREFIX, SIGNING_KEY } from '../person/rotation-keys'
import type { LinkedIdentity } from '../linking/new-device'

export interface StoredIdentity {
  identityKey: Uint8Array
  /** The identity's address, stored beside it (computing it needs the
   *  cryptography code, which the first screen does without). */
  address: string
  /** The key pair, on a full device; null on a server device. */
  signing: Identity | null
  credentials: DeviceCredentials
  /** Sₙ's public half when it signed this device's certificate (linked after
   *  a rotation); the identity key did otherwise. */
  certifiedBy?: Uint8Array
}

export { FIRST_DEVICE_NAME }

/** Reads this device's identity, making it on a first open. An identity
 *  read back is NOT checked here: checkStoredIdentity does that, once the
 *  cryptography code has loaded, and the node runs it before it listens,
 *  dials or signs anything (identity/node-identity.ts, verify). Only a first open, or a
 *  database from before the address was stored, loads that code now. */
export async function loadOrCreateIdentity (db: NodeDatabase, now: () => number = Date.now): Promise<StoredIdentity> {
  const stored = await db.identity.get('self') as IdentityRow | undefined
  if (!stored || typeof stored.address !== 'string' || !await db.identity.get('device')) await loadCrypto()
  return db.transaction('rw', db.identity, async () => {
    let self = await db.identity.get('self') as IdentityRow | undefined
    let signing: Identity | null = null
    if (self) {
      if (self.secretKey) signing = { publicKey: new Uint8Array(self.publicKey), secretKey: new Uint8Array(self.secretKey) }
    } else {
      signing = createIdentity()
      self = { id: 'self', publicKey: signing.publicKey, secretKey: signing.secretKey, address: addressFromPublicKey(signing.publicKey), createdAt: now() }
      await db.identity.put(self)
    }
    const identityKey = new Uint8Array(self.publicKey)
    if (typeof self.address !== 'string') {
      // Stored from before the address was (or by a restored backup without
      // it): computed once, with the code loaded above.
      self = { ...self, address: addressFromPublicKey(identityKey) }
      await db.identity.put(self)
    }
    let device = await db.identity.get('device') as OwnDeviceRow | undefined
    if (!device) {
      // A node from before devices existed (or a first open): it certifies
      // a device key of its own, so every device proves itself the same way.
      if (!signing) throw new Error('This device has no certificate and no identity key to make one.')
      if (!keyPairMatches(signing)) throw new Error(DAMAGED_IDENTITY)
      const keys = generateSigningKeyPair()
      const certificate = issueDeviceCertificate(signing, { publicKey: keys.publicKey, name: FIRST_DEVICE_NAME, role: 'full' }, now())
      device = { id: 'device', publicKey: keys.publicKey, secretKey: keys.secretKey, certificate, createdAt: now() }
      await db.identity.put(device)
    }
    const keys = { publicKey: new Uint8Array(device.publicKey), secretKey: new Uint8Array(device.secretKey) }
    // As stored: checkStoredIdentity checks it as if it came from outside.
    const certificate = device.certificate as DeviceCertificate
    return {
      identityKey, address: self.address!, signing, credentials: { identityKey, device: keys, certificate },
      ...device.certifiedBy instanceof Uint8Array ? { certifiedBy: new Uint8Array(device.certifiedBy) } : {}
    }
  })
}

const DAMAGED_IDENTITY = 'The stored identity is damaged: its secret key does not match its public key.'

/** Checks what loadOrCreateIdentity read, and returns the device
 *  certificate as checked; throws a sentence for the owner when anything is
 *  damaged. Needs the cryptography code (loadCrypto). A damaged certificate
 *  would only show up later as every friend refusing this device; a damaged
 *  address would send friends to someone else. */
export function checkStoredIdentity (stored: StoredIdentity): DeviceCertificate {
  if (stored.signing && (!keyPairMatches(stored.signing) || !bytesEqual(stored.signing.publicKey, stored.identityKey))) throw new Error(DAMAGED_IDENTITY)
  if (stored.address !== addressFromPublicKey(stored.identityKey)) throw new Error('The stored identity is damaged: its address does not match its key.')
  const keys = stored.credentials.device
  if (!keyPairMatches(keys)) throw new Error('The stored device key is damaged: its secret key does not match its public key.')
  // A device linked after a rotation was certified by Sₙ (what friends make of
  // that is the handshake's: this checks the row is whole).
  const certificate = checkDeviceCertificate(stored.credentials.certificate, { identityKey: stored.identityKey, now: Number.MAX_SAFE_INTEGER, ...stored.certifiedBy ? { signingKey: stored.certifiedBy } : {} })
  if (!bytesEqual(certificate.deviceKey, keys.publicKey)) throw new Error('The stored device certificate is for another device.')
  return certificate
}

export { DEVICES_SECRET_KEY }
const PROFILE_KEY = 'profile.displayName'

/** Becomes the device a link made: whatever this database held before (an
 *  identity made on first open, never used) is replaced as a whole. */
export async function storeLinkedIdentity (db: NodeDatabase, linked: LinkedIdentity, now: () => number = Date.now): Promise<void> {
  await db.transaction('rw', db.tables, async () => {
    for (const table of db.tables) await table.clear()
    const self: IdentityRow = { id: 'self', publicKey: linked.identityKey, address: addressFromPublicKey(linked.identityKey), createdAt: now() }
    if (linked.identitySecretKey) self.secretKey = linked.identitySecretKey
    await db.identity.put(self)
    const device: OwnDeviceRow = { id: 'device', publicKey: linked.device.publicKey, secretKey: linked.device.secretKey, certificate: linked.certificate, createdAt: now() }
    if (linked.rotation) device.certifiedBy = linked.rotation.held.keys.signingKey
    await db.identity.put(device)
    // The device that linked this one, so they find each other to sync.
    if (linked.approver) await db.devices.put({ deviceKey: toHex(linked.approver.deviceKey), certificate: linked.approver })
    // Unsigned: the approver's signed value comes by sync, and wins (see signed-settings.ts).
    await db.putSetting(DEVICES_SECRET_KEY, linked.devicesSecret)
    await db.putSetting(PROFILE_KEY, linked.displayName)
    if (linked.rotation) {
      // The person rotated: this device follows the chain the link brought
      // (checked in shared/linking/link-rotation.ts; person/rotations.ts
      // checks it again from R at every open), presents it in its hellos,
      // and, as a full device, signs with Sₙ.
      const { recoveryRecord, recoveryKey, held, signingKey } = linked.rotation
      const row: SignedSettingRow = { key: RECOVERY_RECORD_KEY, value: recoveryRecord.value, at: recoveryRecord.at, grant: recoveryRecord.grant }
      await db.settings.put(row)
      await db.putSetting(CHAIN_PREFIX + toHex(linked.identityKey), { recoveryKey, records: held.records })
      if (signingKey) await db.putSetting(SIGNING_KEY, { n: held.keys.n, publicKey: signingKey.publicKey, secretKey: signingKey.secretKey })
    }
  })
}

/** This person's devices' swarm secret, made on first use (on a full
 *  device, which signs it: see signed-settings.ts). */
export async function loadOrCreateDevicesSecret (db: NodeDatabase, signing: Identity | null = null): Promise<Uint8Array> {
  // Loaded before the transaction: waiting on anything else inside one ends it.
  const { putSignedSetting } = await import('./signed-setting-writes')
  return db.transaction('rw', db.settings, async () => {
    const saved = await db.getSetting(DEVICES_SECRET_KEY, (v): v is Uint8Array => v instanceof Uint8Array && v.length === DEVICES_SECRET_BYTES)
    if (saved) return saved
    const secret = randomBytes(DEVICES_SECRET_BYTES)
    await putSignedSetting(db, DEVICES_SECRET_KEY, secret, signing)
    return secret
  })
}

/** Whether this database already holds an identity (made or linked). */
export async function hasIdentity (db: NodeDatabase): Promise<boolean> {
  return (await db.identity.get('self')) !== undefined
}
