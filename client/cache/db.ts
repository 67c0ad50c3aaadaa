// The client's own IndexedDB: copies of friends' items and the offline queue.
// Separate from the node's database so purging caches never touches what I own.
import Dexie, { type Table } from 'dexie'
import type { SharedItem } from '../../shared/items'

export interface CachedItemRow {
  /** The friend's public key, hex. */
  owner: string
  id: string
  item: SharedItem
  /** item.updatedAt, top level so the [owner+updatedAt] index covers it. */
  updatedAt: number
  cachedAt: number
}

export interface CachedFileRow {
  owner: string
  id: string
  bytes: Uint8Array
}

export interface SyncStateRow {
  owner: string
  /** Where the next incremental sync starts; null = fetch everything. */
  cursor: string | null
  lastSyncAt: number | null
}

export type OutboxKind = 'sync' | 'fetchFile'

export interface OutboxRow {
  seq?: number
  /** One queued request per (kind, peer, item), even across reloads. */
  dedupeKey: string
  /** The friend's public key, hex. */
  peer: string
  kind: OutboxKind
  itemId?: string
  createdAt: number
}

export class ClientDatabase extends Dexie {
  cachedItems!: Table<CachedItemRow, [string, string]>
  cachedFiles!: Table<CachedFileRow, [string, string]>
  syncState!: Table<SyncStateRow, string>
  outbox!: Table<OutboxRow, number>

  constructor (name = 'kith-client') {
    super(name)
    this.version(1).stores({
      cachedItems: '[owner+id], owner, [owner+updatedAt]',
      cachedFiles: '[owner+id], owner',
      syncState: 'owner',
      outbox: '++seq, &dedupeKey, peer'
    })
  }
}
