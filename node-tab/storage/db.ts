// The node's IndexedDB, through Dexie: the only importer of Dexie on the
// server side. One database class with the whole schema (after Dexie's own
// advice); multi-table changes go through transaction('rw', …) in the stores.
import Dexie, { type EntityTable, type Table } from 'dexie'
import type { Audience, FileMeta, ItemType } from '../../shared/items'

export interface IdentityRow {
  id: 'self'
  publicKey: Uint8Array
  secretKey: Uint8Array
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

/** One of my items. Content lives here and in `blobs`, nowhere else. */
export interface ItemRow {
  id: string
  type: ItemType
  text: string
  createdAt: number
  updatedAt: number
  audience: Audience
  file?: FileMeta
}

export interface BlobRow {
  itemId: string
  bytes: Uint8Array
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
 *  only the item's id and type. */
export interface DeletionLogRow {
  id?: number
  itemId: string
  itemType: ItemType
  reason: DeletionReason
  at: number
  /** friend key -> confirmed */
  friends: Record<string, boolean>
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
}

export class NodeDatabase extends Dexie {
  identity!: EntityTable<IdentityRow, 'id'>
  settings!: EntityTable<SettingRow, 'key'>
  friends!: EntityTable<FriendRow, 'key'>
  groups!: EntityTable<GroupRow, 'id'>
  memberships!: Table<MembershipRow, [string, string]>
  items!: EntityTable<ItemRow, 'id'>
  blobs!: EntityTable<BlobRow, 'itemId'>
  deliveries!: Table<DeliveryRow, [string, string]>
  notices!: Table<NoticeRow, [string, string]>
  deletionLog!: EntityTable<DeletionLogRow, 'id'>
  invites!: EntityTable<InviteRow, 'id'>

  constructor (name = 'kith-node') {
    super(name)
    this.version(1).stores({
      identity: 'id',
      settings: 'key'
    })
    this.version(2).stores({
      friends: 'key, addedAt',
      groups: 'id, createdAt',
      memberships: '[groupId+friendKey], groupId, friendKey',
      items: 'id, [updatedAt+id], createdAt, type',
      blobs: 'itemId',
      deliveries: '[itemId+friendKey], itemId, friendKey',
      notices: '[itemId+friendKey], friendKey, itemId',
      deletionLog: '++id, itemId, at',
      invites: 'id, status, createdAt'
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
