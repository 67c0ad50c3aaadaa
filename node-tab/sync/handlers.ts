// What one owner device serves another: its change log page by page, and
// file bytes by range. Give these handlers only to a session whose peer is
// the person's own authenticated, unrevoked device; they answer everything.
import { encodeValue } from '../../shared/wire/codec'
import { KithError } from '../../shared/wire/errors'
import {
  MAX_SYNC_PAGE_BYTES, MAX_SYNC_PULLS_AT_ONCE, parseFileRangeParams, parseSyncNewestParams, parseSyncPullParams,
  type FileRangeParams, type OwnerDeviceMethods, type SyncNewestResult, type SyncPullParams, type SyncPullResult, type SyncRecord
} from '../../shared/protocol/protocol'
import type { RpcHandlers } from '../../shared/wire/rpc'
import type { ByteStream } from '../../shared/wire/byte-stream'
import type { NodeDatabase } from '../storage/db'
import { rangeOfFile, streamRange } from '../storage/file-chunks'
import { NO_SUCH_ITEM } from '../storage/items-store'
import type { SyncLogRow } from './change-log'
import { noteServed, refuseRevoked } from './cursors'
import { decodeKey, encodeKey, isSyncedTable, portableRow, SYNCED_TABLES } from './tables'

/** Log entries one syncPull reads at most, passing over those the asker
 *  sent us: a device pulling back what it just gave us moves through them
 *  in a few requests, not one per page of them. */
export const MAX_SCANNED_PER_PAGE = 5_000

/** The handlers for the peer device `peerDeviceKey` (hex), for one session. */
export function ownerDeviceHandlers (db: NodeDatabase, peerDeviceKey: string): RpcHandlers<OwnerDeviceMethods> {
  // A puller asks for the next page while it applies one: at most this
  // many pages are read and held for it at once, whatever it sends.
  let pulling = 0
  return {
    syncPull: async (params) => {
      const asked = parseSyncPullParams(params)
      if (pulling >= MAX_SYNC_PULLS_AT_ONCE) throw new KithError('RATE_LIMITED', `at most ${MAX_SYNC_PULLS_AT_ONCE} sync pages at once`)
      pulling++
      try {
        await refuseRevoked(db, peerDeviceKey)
        // What the asker has applied (`after`, or `applied` when it asks
        // ahead): what tombstone pruning waits for (see prune.ts).
        await noteServed(db, peerDeviceKey, appliedBy(asked))
        return { ...await readPage(db, asked, peerDeviceKey), ahead: MAX_SYNC_PULLS_AT_ONCE }
      } finally {
        pulling--
      }
    },
    syncNewest: async (params) => {
      const asked = parseSyncNewestParams(params)
      await refuseRevoked(db, peerDeviceKey)
      return readNewest(db, asked.limit, peerDeviceKey)
    },
    syncFileRange: async (params) => {
      const range = parseFileRangeParams(params)
      await refuseRevoked(db, peerDeviceKey)
      return fileRangeForDevice(db, range)
    }
  }
}

/** The position a syncPull says the asker has applied. */
export function appliedBy (asked: SyncPullParams): number {
  return asked.applied ?? asked.after
}

/** The changes after `after`, in log order, at most `limit` of them and
 *  about MAX_SYNC_PAGE_BYTES (always at least one, which fits: a record is
 *  bounded by MAX_RECORD_BYTES). Read in one transaction: rows as they are.
 *  Versions that came from `peer` are passed over unread, up to
 *  MAX_SCANNED_PER_PAGE entries (a page may then be empty and still move
 *  `next` on). */
export async function readPage (db: NodeDatabase, asked: SyncPullParams, peer?: string): Promise<SyncPullResult> {
  const tables = [db.syncLog, ...SYNCED_TABLES.map((t) => db.table(t))]
  return db.transaction('r', tables, async () => {
    const records: SyncRecord[] = []
    let bytes = 0
    let next = asked.after
    let scanned = 0
    for (;;) {
      // No more entries than records still wanted: none read in vain.
      const batch = Math.min(asked.limit - records.length, MAX_SCANNED_PER_PAGE - scanned)
      const entries = await db.syncLog.where('seq').above(next).limit(batch + 1).toArray()
      const page = entries.slice(0, batch)
      const sent = page.map((entry) => isSent(entry, peer))
      const rows = await rowsOf(db, page.filter((_, i) => sent[i]))
      let read = 0
      for (const [i, entry] of page.entries()) {
        if (sent[i]) {
          const record = recordOf(entry, rows[read++])
          if (record) {
            const size = encodeValue(record).length
            if (records.length > 0 && bytes + size > MAX_SYNC_PAGE_BYTES) return { records, next, done: false }
            records.push(record)
            bytes += size
          }
        }
        next = entry.seq
      }
      scanned += page.length
      if (entries.length <= batch) return { records, next, done: true }
      if (records.length === asked.limit || scanned >= MAX_SCANNED_PER_PAGE) return { records, next, done: false }
    }
  })
}

/** Whether an entry is one to send: of a synced table, and not a version
 *  that came from `peer` (it has this very version). */
function isSent (entry: SyncLogRow, peer: string | undefined): boolean {
  return isSyncedTable(entry.table) && (peer === undefined || entry.from !== peer)
}

/** My newest `limit` items (by createdAt, as "My items" lists them), as
 *  syncPull sends them, for a device that has none of my log yet: its first
 *  screen fills before the rest of the log has come. Deleted items have no
 *  row and are not among them; versions that came from `peer` are not sent
 *  back. About MAX_SYNC_PAGE_BYTES at most. */
export async function readNewest (db: NodeDatabase, limit: number, peer?: string): Promise<SyncNewestResult> {
  return db.transaction('r', db.items, db.syncLog, async () => {
    const rows = await db.items.orderBy('createdAt').reverse().limit(limit).toArray() as unknown as Array<Record<string, unknown>>
    const entries = await db.syncLog.bulkGet(rows.map((row) => ['items', encodeKey(row.id)] as [string, string]))
    const records: SyncRecord[] = []
    let bytes = 0
    for (const [i, entry] of entries.entries()) {
      if (!entry || entry.deleted || !isSent(entry, peer)) continue
      const record = recordOf(entry, rows[i])
      if (!record) continue
      const size = encodeValue(record).length
      if (records.length > 0 && bytes + size > MAX_SYNC_PAGE_BYTES) break
      records.push(record)
      bytes += size
    }
    return { records }
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

/** What to send for one log entry (one to send, see isSent), or null for nothing. */
function recordOf (entry: SyncLogRow, row: Record<string, unknown> | undefined): SyncRecord | null {
  if (!isSyncedTable(entry.table)) return null
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
