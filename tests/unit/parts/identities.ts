// Shared by the part tests: a NodeIdentity built straight from a fresh
// database (no KithNode), as a first open leaves a full device, or as a
// link leaves a server device of the same person.
import { generateSigningKeyPair } from '../../../shared/crypto/crypto'
import { issueDeviceCertificate } from '../../../shared/identity/device-certificate'
import type { Identity } from '../../../shared/identity/identity'
import { NodeIdentity, type NodeIdentityHooks } from '../../../node-tab/identity/node-identity'
import type { NodeDatabase } from '../../../node-tab/storage/db'
import { loadOrCreateIdentity, storeLinkedIdentity, type StoredIdentity } from '../../../node-tab/storage/identity-store'
import { freshDb } from '../store-fixtures'

export interface Device {
  me: NodeIdentity
  db: NodeDatabase
  stored: StoredIdentity
}

export interface FullDevice extends Device {
  /** The person's identity key pair (held by a full device). */
  signing: Identity
}

const quiet: NodeIdentityHooks = { afterChecks: async () => {}, onFailure: () => {} }

/** A person's first device, as a first open makes it. */
export async function fullDevice (hooks: Partial<NodeIdentityHooks> = {}): Promise<FullDevice> {
  const db = freshDb()
  const stored = await loadOrCreateIdentity(db)
  return { db, stored, me: new NodeIdentity(stored, { ...quiet, ...hooks }), signing: stored.signing! }
}

/** A server device of the same person as `full`, as a link leaves it. */
export async function serverDeviceOf (full: FullDevice, hooks: Partial<NodeIdentityHooks> = {}): Promise<Device> {
  const device = generateSigningKeyPair()
  const certificate = issueDeviceCertificate(full.signing, { publicKey: device.publicKey, name: 'Pi', role: 'server' }, Date.now())
  const db = freshDb()
  await storeLinkedIdentity(db, {
    identityKey: full.signing.publicKey,
    identitySecretKey: null,
    device,
    certificate,
    approver: full.me.credentials.certificate!,
    devicesSecret: new Uint8Array(32).fill(1),
    displayName: ''
  })
  const stored = await loadOrCreateIdentity(db)
  return { db, stored, me: new NodeIdentity(stored, { ...quiet, ...hooks }) }
}
