// The node's IndexedDB, through Dexie: the only importer of Dexie on the
// server side. One database class with the whole schema (after Dexie's own
// advice); multi-table changes go through transaction('rw', …) in the stores.
import Dexie, { type EntityTable, type Table } from 'dexie'
import type { DeletionLogRow, DeviceRow, FileChunkRow, FriendRow, GroupRow, IdentityRow, InviteRow, ItemRow, MembershipRow, NoticeRow, OwnDeviceRow, PeerRevocationRow, SettingRow, DeliveryRow } from './rows'
import { chunkRowsOf } from './file-chunk-rows'
import { changeLogMiddleware, type SyncLogRow } from '../sync/change-log'
import { upgradeToSync } from '../sync/upgrade'
import { upgradeDeliveries } from './upgrade-deliveries'
import { seenByOf, visibilityMiddleware } from './visibility-index'

/** Schema v2 kept a file whole in one row; v3 moves it into fileChunks. */
interface LegacyBlobRow {
  itemId: string
  bytes: Uint8Array
}

export * from './rows'

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
  },
  6: { deliveries: null, deliveryPages: '[friendKey+page], friendKey, *itemIds' },
  7: { items: 'id, [listedAt+id], createdAt, type, *seenBy' }
} as const

export class NodeDatabase extends Dexie {
  identity!: EntityTable<IdentityRow | OwnDeviceRow, 'id'>
  settings!: EntityTable<SettingRow, 'key'>
  friends!: EntityTable<FriendRow, 'key'>
  groups!: EntityTable<GroupRow, 'id'>
  memberships!: Table<MembershipRow, [string, string]>
  items!: EntityTable<ItemRow, 'id'>
  fileChunks!: Table<FileChunkRow, [string, number]>
  deliveryPages!: Table<DeliveryRow, [string, string]>
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

  /** Writes to the items table asked for through this object so far (a
   *  friend's read-ahead is good only while it stays the same: read-ahead.ts).
   *  Code that writes the table around Dexie (a backup restore) adds one. */
  itemWrites = 0

  /** @param wall the wall clock of change stamps (tests move it). */
  constructor (name = 'kith-node', readonly wall: () => number = Date.now) {
    super(name)
    this.use(changeLogMiddleware(() => this.wall()))
    this.use(visibilityMiddleware(() => { this.itemWrites++ }))
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
    // One delivery row per answer, not per item: a friend's page writes one
    // row, not fifty (see deliveries.ts).
    this.version(6).stores(SCHEMA[6]).upgrade((tx) => upgradeDeliveries(tx, this.wall()))
    // The visibility index (visibility-index.ts): existing items get their
    // entries; a friend's page reads it instead of walking every item.
    this.version(7).stores(SCHEMA[7]).upgrade(async (tx) => {
      await tx.table<ItemRow, string>('items').toCollection().modify((item) => { item.seenBy = seenByOf(item) })
    })
  }

  async getSetting<T> (key: string, guard: (v: unknown) => v is T): Promise<T | undefined> {
    const row = await this.settings.get(key)
    return row && guard(row.value) ? row.value : undefined
  }

  async putSetting (key: string, value: unknown): Promise<void> {
    await this.settings.put({ key, value })
  }
}
