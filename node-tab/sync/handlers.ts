// What one owner device serves another: its change log page by page, and
// file bytes by range. Give these handlers only to a session whose peer is
// the person's own authenticated, unrevoked device; they answer everything.
import Dexie from 'dexie'
import { encodeValue } from '../../shared/wire/codec'
import { KithError } from '../../shared/wire/errors'
import {
  MAX_SYNC_PAGE_BYTES, parseFileRangeParams, parseSyncPullParams,
  type FileRangeParams, type OwnerDeviceMethods, type SyncPullParams, type SyncPullResult, type SyncRecord
} from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { ByteStream } from '../../shared/wire/byte-stream'
import type { NodeDatabase } from '../storage/db'
import { rangeOfFile, streamRange } from '../storage/file-chunks'
import { NO_SUCH_ITEM } from '../storage/items-store'
import type { SyncLogRow } from './change-log'
import { noteServed, refuseRevoked } from './cursors'
import { decodeKey, isSyncedTable, portableRow, SYNCED_TABLES } from './tables'

/** The handlers for the peer device `peerDeviceKey` (hex). */
export function ownerDeviceHandlers (db: NodeDatabase, peerDeviceKey: string): RpcHandlers<OwnerDeviceMethods> {
  return {
    syncPull: async (params) => {
      const asked = parseSyncPullParams(params)
      await refuseRevoked(db, peerDeviceKey)
      // Asking after a position says everything up to it is applied there:
      // what tombstone pruning waits for (see prune.ts).
      await noteServed(db, peerDeviceKey, asked.after)
      return readPage(db, asked, peerDeviceKey)
    },
    syncFileRange: async (params) => {
      const range = parseFileRangeParams(params)
      await refuseRevoked(db, peerDeviceKey)
      return fileRangeForDevice(db, range)
    }
  }
}

/** The changes after `after`, in log order, at most `limit` of them and
 *  about MAX_SYNC_PAGE_BYTES (always at least one, which fits: a record is
 *  bounded by MAX_RECORD_BYTES). Read in one transaction: rows as they are.
 *  Versions that came from `peer` are passed over (a page may then be empty
 *  and still move `next` on). */
export async function readPage (db: NodeDatabase, asked: SyncPullParams, peer?: string): Promise<SyncPullResult> {
  const tables = [db.syncLog, ...SYNCED_TABLES.map((t) => db.table(t))]
  return db.transaction('r', tables, async () => {
    const entries = await db.syncLog.where('seq').between(asked.after, Dexie.maxKey, false).limit(asked.limit + 1).toArray()
    const page = entries.slice(0, asked.limit)
    const rows = await rowsOf(db, page)
    const records: SyncRecord[] = []
    let bytes = 0
    let next = asked.after
    for (const [i, entry] of page.entries()) {
      const record = recordOf(entry, rows[i], peer)
      if (record) {
        const size = encodeValue(record).length
        if (records.length > 0 && bytes + size > MAX_SYNC_PAGE_BYTES) return { records, next, done: false }
        records.push(record)
        bytes += size
      }
      next = entry.seq
    }
    return { records, next, done: entries.length <= asked.limit }
  })
}

/** The current row behind each entry (none for a tombstone): one bulkGet per table. */
async function rowsOf (db: NodeDatabase, entries: readonly SyncLogRow[]): Promise<Array<Record<string, unknown> | undefined>> {
  const out: Array<Record<string, unknown> | undefined> = new Array(entries.length)
  const byTable = new Map<string, number[]>()
  entries.forEach((e, i) => {
    if (e.deleted || !isSyncedTable(e.table)) return
    const list = byTable.get(e.table) ?? []
    list.push(i)
    byTable.set(e.table, list)
  })
  for (const [table, indexes] of byTable) {
    const rows = await db.table(table).bulkGet(indexes.map((i) => decodeKey(entries[i]!.key) as string)) as Array<Record<string, unknown> | undefined>
    indexes.forEach((entryIndex, j) => { out[entryIndex] = rows[j] })
  }
  return out
}

/** What to send for one log entry, or null for nothing. */
function recordOf (entry: SyncLogRow, row: Record<string, unknown> | undefined, peer: string | undefined): SyncRecord | null {
  // Not back to the device it came from (it has this very version).
  if (!isSyncedTable(entry.table) || (peer !== undefined && entry.from === peer)) return null
  const record: SyncRecord = { table: entry.table, key: decodeKey(entry.key), stamp: entry.stamp }
  if (entry.deleted) return record
  // A row gone without a tombstone cannot happen through the stores;
  // whatever did it, sending nothing beats sending a deletion.
  if (!row) return null
  record.row = portableRow(entry.table, row)
  return record
}

/** Any file item's bytes, by range (the owner's own device: no audience). */
async function fileRangeForDevice (db: NodeDatabase, range: FileRangeParams): Promise<{ bytes: ByteStream, size: number }> {
  const found = await db.transaction('r', db.items, db.fileChunks, async () => {
    const row = await db.items.get(range.id)
    if (row?.type !== 'file' || !row.file) throw new KithError('NOT_FOUND', NO_SUCH_ITEM)
    return { ...await rangeOfFile(db, range.id, row.file.size, range.offset, range.length), size: row.file.size }
  })
  return { bytes: streamRange(found.rows, range.offset, found.end), size: found.size }
}
