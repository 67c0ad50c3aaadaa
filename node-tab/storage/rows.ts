// The rows of the node's database, one interface per table: apart from
// db.ts so that the code that reads and writes them (file pieces, the sync
// upgrade) needs only their shapes, not the database class that imports it.
import type { Audience, FileMeta, ItemType } from '../../shared/protocol/items'
import type { SecretProof } from '../../shared/identity/meeting-secret-grants'

export interface IdentityRow {
  id: 'self'
  publicKey: Uint8Array
  /** Only on a full device; a server device never holds it (DESIGN §6a). */
  secretKey?: Uint8Array
  /** The address of publicKey, stored so the first screen needs no
   *  cryptography code; checked against the key before the node serves. */
  address?: string
  createdAt: number
}

/** This device's own key and the certificate the identity gave it. In the
 *  identity table: like the identity, it is never synced to other devices. */
export interface OwnDeviceRow {
  id: 'device'
  publicKey: Uint8Array
  secretKey: Uint8Array
  certificate: unknown
  /** Sₙ's public half, when a rotation's key signed the certificate (a
   *  device linked after a rotation); else the identity key did. */
  certifiedBy?: Uint8Array
  createdAt: number
}

export interface SettingRow {
  key: string
  value: unknown
}

/** Friends are keyed by their public key in hex. */
export interface FriendRow {
  key: string
  address: string
  /** The name they gave when the friendship began (or later in their profile). */
  displayName: string
  addedAt: number
  /** Names the swarms where we meet (see meetings.ts). Computed from both
   *  identity keys on a full device; stored so a server device, which has
   *  no identity key, can meet friends too; replaced when a device is revoked. */
  pairSecret?: Uint8Array
  /** When pairSecret was made (0 or absent: the one computed from our keys). */
  pairSecretSince?: number
  /** Its maker's signature (mine or the friend's identity), without which
   *  my other devices do not take it (shared/identity/meeting-secret-grants.ts). */
  pairSecretProof?: SecretProof
  /** A replacement for pairSecret made when one of my devices was revoked,
   *  until this friend has it (both are listened in meanwhile). */
  nextPairSecret?: Uint8Array
  nextPairSecretSince?: number
  /** My identity's signature over nextPairSecret. */
  nextPairSecretProof?: SecretProof
  /** Revoked devices of mine (key hex) this device told this friend about.
   *  Device-local: never synced (see sync/tables.ts). */
  toldRevocations?: string[]
  /** The identity's signature allowing this friendship (shared/identity/grants.ts). */
  grant?: Uint8Array
}

export interface GroupRow {
  id: string
  name: string
  createdAt: number
}

export interface MembershipRow {
  groupId: string
  friendKey: string
}

/** One of my items. Content lives here and in `fileChunks`, nowhere else. */
export interface ItemRow {
  id: string
  type: ItemType
  text: string
  createdAt: number
  /** When the content last changed: the same on every owner device. */
  updatedAt: number
  /** Where this device lists the item to friends: a stamp of this device's
   *  items clock, taken on every local change and whenever a change from
   *  another device is applied here. Device-local; never synced. */
  listedAt: number
  audience: Audience
  file?: FileMeta
  /** The visibility index's entries (visibility-index.ts): written by its
   *  middleware on every write of the row, from audience and listedAt, so
   *  device-local like listedAt. Absent in rows not yet written. */
  seenBy?: Array<[tag: string, listedAt: number, id: string]>
}

/** One piece of a file item's content (see file-chunks.ts). A Blob, so that
 *  in the browser the pieces live in IndexedDB's blob store and a file can
 *  be handed out (or read in ranges) without holding it in memory. */
export interface FileChunkRow {
  itemId: string
  /** 0, 1, 2…: piece `index` holds bytes from index × FILE_CHUNK_BYTES. */
  index: number
  data: Blob
}

/** Which items one friend received in one answer (a page, a file, a
 *  letter): who must be told when one of them goes (see deliveries.ts). */
export interface DeliveryRow {
  friendKey: string
  /** Which answer: the device that gave it, its first and last item id
   *  (pageKey), so the same page served again is the same row. */
  page: string
  /** A multiEntry index: an item's rows are found by its id. */
  itemIds: string[]
  deliveredAt: number
}

/** Schema 2–5 kept one row per item and friend (version 6 groups them). */
export interface LegacyDeliveryRow {
  itemId: string
  friendKey: string
  deliveredAt: number
}

/** A delete notice waiting for a friend's acknowledgement. Holds no content. */
export interface NoticeRow {
  itemId: string
  friendKey: string
  createdAt: number
  attempts: number
}

export type DeletionReason = 'deleted' | 'audience-narrowed' | 'friend-removed' | 'left-group'

/** What the owner sees about a deletion: which friends confirmed. No content,
 *  only the item's id and type. One row per item and reason, under the same
 *  id on every device (see deletionId), so devices merge their rows. */
export interface DeletionLogRow {
  id: string
  itemId: string
  itemType: ItemType
  reason: DeletionReason
  at: number
  /** friend key -> confirmed */
  friends: Record<string, boolean>
  /** When the item was made, and whether it was a photo: to name it without
   *  its content ("your photo from 3 Nov"). Absent in rows from before. */
  itemCreatedAt?: number
  itemPhoto?: boolean
}

export function deletionId (itemId: string, reason: DeletionReason): string {
  return `${itemId}:${reason}`
}

export interface InviteRow {
  id: string
  /** The secret in the link; kept so the owner can show the link again. */
  token: string
  label: string
  createdAt: number
  expiresAt: number | null
  status: 'pending' | 'used' | 'revoked'
  usedBy?: string
  usedAt?: number
  /** The identity's signature allowing this invite (shared/identity/grants.ts). */
  grant?: Uint8Array
}

/** One of the person's devices (mine included), as its certificate says;
 *  synced among the devices. A revocation, once here, stays. */
export interface DeviceRow {
  /** The device key, hex. */
  deviceKey: string
  certificate: unknown
  revocation?: unknown
  /** Sₙ's word that this device holds it (shared/identity/signing-key-holder.ts):
   *  only names the device where linking is done after a rotation. */
  signingKeyHolder?: unknown
}

/** A friend's device that its owner revoked: refused as them from now on. */
export interface PeerRevocationRow {
  identityKey: string
  deviceKey: string
  revocation: unknown
}
