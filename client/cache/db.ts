// The client's own IndexedDB: copies of friends' items and the offline queue.
// Separate from the node's database so purging caches never touches what I own.
import Dexie, { type Table } from 'dexie'
import { FILE_RANGE_BYTES, type SharedItem } from '../../shared/protocol/items'

export interface CachedItemRow {
  /** The friend's public key, hex. */
  owner: string
  id: string
  item: SharedItem
  /** item.updatedAt, top level so the [owner+updatedAt] index covers it. */
  updatedAt: number
  /** item.createdAt, top level for the Home feed's newest-first index. */
  createdAt: number
  /** 1 until it was shown on Home (or marked read); 0 after. A number, since
   *  IndexedDB cannot index booleans. A new item, or one whose text changed,
   *  is unread. */
  unread: 0 | 1
  cachedAt: number
}

/** A file of a friend's that I have (or am fetching): the pieces are in
 *  cachedFileChunks; `complete` once every piece is there. */
export interface CachedFileRow {
  owner: string
  id: string
  /** The file's size as the friend's listing gave it when the fetch began. */
  size: number
  complete: boolean
}

/** One fetched range: bytes from index × FILE_RANGE_BYTES. A Blob, so that in
 *  the browser the pieces live in IndexedDB's blob store, not in memory. */
export interface CachedFileChunkRow {
  owner: string
  id: string
  index: number
  data: Blob
}

/** Version 1 kept a fetched file whole. */
interface LegacyCachedFileRow { owner: string, id: string, bytes: Uint8Array }

/** How much of one friend's items I hold (see friend-budget.ts). */
export interface CacheUsage { items: number, bytes: number }

/** Older items of a friend's were left out to stay within their budget. */
export interface LeftOut { at: number, by: 'bytes' | 'items' }

export interface SyncStateRow {
  owner: string
  /** Where the next incremental sync starts; null = fetch everything. */
  cursor: string | null
  lastSyncAt: number | null
  /** The last time a connection with this friend was up (not indexed, so no new version). */
  reachedAt?: number
  /** Their cached items, counted as they come and go; absent in databases
   *  from before it was kept (then counted from the rows). Not indexed. */
  usage?: CacheUsage
  /** Set when their budget left older items out; cleared by a purge. */
  leftOut?: LeftOut
  /** Ids of their items they told me to forget (live or by mailbox), the
   *  latest MAX_REMEMBERED: a relay serving an older letter again cannot
   *  bring one back. Not indexed. */
  gone?: string[]
  /** Mailbox letters of theirs already taken, the latest MAX_REMEMBERED. Not indexed. */
  lettersTaken?: string[]
}

/** How many gone item ids and taken letters are remembered per friend. */
export const MAX_REMEMBERED = 1_000

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

/** This browser's own choices (not synced to my other devices). */
export interface PrefRow { key: string, value: unknown }

export class ClientDatabase extends Dexie {
  prefs!: Table<PrefRow, string>
  cachedItems!: Table<CachedItemRow, [string, string]>
  cachedFiles!: Table<CachedFileRow, [string, string]>
  cachedFileChunks!: Table<CachedFileChunkRow, [string, string, number]>
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
    // Files in pieces, so a download can resume and a file can exceed memory.
    this.version(2).stores({
      cachedFileChunks: '[owner+id+index], owner'
    }).upgrade(async (tx) => {
      const files = tx.table<LegacyCachedFileRow | CachedFileRow, [string, string]>('cachedFiles')
      const chunks = tx.table<CachedFileChunkRow, [string, string, number]>('cachedFileChunks')
      for (const key of await files.toCollection().primaryKeys()) {
        const old = await files.get(key)
        if (!old || !('bytes' in old)) continue
        const { owner, id, bytes } = old
        const pieces: CachedFileChunkRow[] = []
        for (let index = 0; index * FILE_RANGE_BYTES < bytes.length; index++) {
          const piece = bytes.slice(index * FILE_RANGE_BYTES, (index + 1) * FILE_RANGE_BYTES)
          pieces.push({ owner, id, index, data: new Blob([piece.buffer as ArrayBuffer]) })
        }
        await chunks.bulkAdd(pieces)
        await files.put({ owner, id, size: bytes.length, complete: true })
      }
    })
    // The Home feed: every friend's items newest first, and unread markers.
    // What was cached before Home existed counts as read: it was there to be
    // seen on the friend's page, and a first Home full of "new" would be noise.
    this.version(3).stores({
      cachedItems: '[owner+id], owner, [owner+updatedAt], [createdAt+id], unread',
      prefs: 'key'
    }).upgrade(async (tx) => {
      await tx.table<CachedItemRow>('cachedItems').toCollection().modify((row) => {
        row.createdAt = row.item.createdAt
        row.unread = 0
      })
    })
  }
}
