// The node's IndexedDB, through Dexie: the only importer of Dexie on the
// server side. One database class with the whole schema (after Dexie's own
// advice); multi-table changes go through transaction('rw', …) in the stores.
import Dexie, { type EntityTable, type Table } from 'dexie'
import type { Audience, FileMeta, ItemType } from '../../shared/items'
import { chunkRowsOf } from './file-chunks'
import { changeLogMiddleware, type SyncLogRow } from '../sync/change-log'
import { upgradeToSync } from '../sync/upgrade'

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
  /** A replacement for pairSecret made when one of my devices was revoked,
   *  until this friend has it (both are listened in meanwhile). */
  nextPairSecret?: Uint8Array
  nextPairSecretSince?: number
  /** Revoked devices of mine (key hex) this friend was told about. */
  toldRevocations?: string[]
  /** The identity's signature allowing this friendship (shared/grants.ts). */
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
}

/** Schema v2 kept a file whole in one row; v3 moves it into fileChunks. */
interface LegacyBlobRow {
  itemId: string
  bytes: Uint8Array
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

/** Which friend has received which item: who must be told when it goes. */
export interface DeliveryRow {
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
  /** The identity's signature allowing this invite (shared/grants.ts). */
  grant?: Uint8Array
}

/** One of the person's devices (mine included), as its certificate says;
 *  synced among the devices. A revocation, once here, stays. */
export interface DeviceRow {
  /** The device key, hex. */
  deviceKey: string
  certificate: unknown
  revocation?: unknown
}

/** A friend's device that its owner revoked: refused as them from now on. */
export interface PeerRevocationRow {
  identityKey: string
  deviceKey: string
  revocation: unknown
}

/** The stores each schema version declares (tests rebuild old databases from them). */
export const SCHEMA = {
  1: { identity: 'id', settings: 'key' },
  2: {
    friends: 'key, addedAt',
    groups: 'id, createdAt',
    memberships: '[groupId+friendKey], groupId, friendKey',
    items: 'id, [updatedAt+id], createdAt, type',
    blobs: 'itemId',
    deliveries: '[itemId+friendKey], itemId, friendKey',
    notices: '[itemId+friendKey], friendKey, itemId',
    deletionLog: '++id, itemId, at',
    invites: 'id, status, createdAt'
  },
  3: { blobs: null, fileChunks: '[itemId+index], itemId' },
  4: {
    devices: 'deviceKey',
    peerRevocations: '[identityKey+deviceKey], identityKey'
  },
  5: {
    items: 'id, [listedAt+id], createdAt, type',
    deletionLog: null,
    deletions: 'id, itemId, at',
    syncLog: '[table+key], seq'
  }
} as const

export class NodeDatabase extends Dexie {
  identity!: EntityTable<IdentityRow | OwnDeviceRow, 'id'>
  settings!: EntityTable<SettingRow, 'key'>
  friends!: EntityTable<FriendRow, 'key'>
  groups!: EntityTable<GroupRow, 'id'>
  memberships!: Table<MembershipRow, [string, string]>
  items!: EntityTable<ItemRow, 'id'>
  fileChunks!: Table<FileChunkRow, [string, number]>
  deliveries!: Table<DeliveryRow, [string, string]>
  notices!: Table<NoticeRow, [string, string]>
  deletions!: EntityTable<DeletionLogRow, 'id'>
  invites!: EntityTable<InviteRow, 'id'>
  devices!: EntityTable<DeviceRow, 'deviceKey'>
  peerRevocations!: Table<PeerRevocationRow, [string, string]>
  syncLog!: Table<SyncLogRow, [string, string]>

  /** The owner's deletion log (the `deletions` table since version 5). */
  get deletionLog (): EntityTable<DeletionLogRow, 'id'> {
    return this.deletions
  }

  /** @param wall the wall clock of change stamps (tests move it). */
  constructor (name = 'kith-node', readonly wall: () => number = Date.now) {
    super(name)
    this.use(changeLogMiddleware(() => this.wall()))
    this.version(1).stores(SCHEMA[1])
    this.version(2).stores(SCHEMA[2])
    // Files in pieces: a file is no longer bounded by one row (or one RPC
    // message). Existing files move over; nothing is lost on upgrade.
    this.version(3).stores(SCHEMA[3]).upgrade(async (tx) => {
      const blobs = tx.table<LegacyBlobRow, string>('blobs')
      const chunks = tx.table<FileChunkRow, [string, number]>('fileChunks')
      // One file at a time: they were at most 25 MB each.
      for (const itemId of await blobs.toCollection().primaryKeys()) {
        const row = await blobs.get(itemId)
        if (row) await chunks.bulkAdd(chunkRowsOf(itemId, row.bytes))
      }
    })
    // Owner devices (DESIGN §6a).
    this.version(4).stores(SCHEMA[4])
    // Owner devices sync (see node-tab/sync/): a change log with stamps,
    // items listed by a device-local position, and deletion log rows under
    // an id every device computes alike.
    this.version(5).stores(SCHEMA[5]).upgrade((tx) => upgradeToSync(tx, this.wall()))
  }

  async getSetting<T> (key: string, guard: (v: unknown) => v is T): Promise<T | undefined> {
    const row = await this.settings.get(key)
    return row && guard(row.value) ? row.value : undefined
  }

  async putSetting (key: string, value: unknown): Promise<void> {
    await this.settings.put({ key, value })
  }
}
