// Applying a checked page of changes from another owner device, in one
// transaction with the pull cursor: a page is applied whole or not at all,
// and an interrupted sync resumes after the last page that committed.
//
// A change that wins (later stamp, see merge.ts) is written with its own
// stamp and a new position in our log, so it travels on to devices that pull
// from us. Its consequences here are this device's own changes: deleting an
// item, removing a friend, a membership or narrowing an audience revokes the
// deliveries this device knows of (revokeInvisible), so friends who got the
// item from this device get delete notices too.
//
// A friend or membership that arrives shows older items without changing
// them; the friend's resync epoch, written after it in the same transaction
// on the device where it was made, follows it in every log (logs keep the
// order changes were applied in), so it is applied here after it, never
// before, and the friend's cursors start over then (see storage/resync.ts).
import type { IndexableType, Table, Transaction } from 'dexie'
import type { ItemType } from '../../shared/protocol/items'
import type { ItemRow, NodeDatabase } from '../storage/db'
import { reserveStamps } from '../storage/clock'
import { deleteChunks, hasAllChunks } from '../storage/file-chunks'
import { revokeInvisible, unionTables } from '../storage/revoke'
import { removedFriendSetting } from '../storage/friends-store'
import { logReceivedChanges, observeStamps, writeArriving, type SyncLogRow } from './change-log'
import { savePulled } from './cursors'
import { mergeFor, sameValue, theirsWins } from './merge'
import { bulkGetPresent } from './present-rows'
import type { CheckedRecord } from './records'
import { SYNCED_TABLES, withLocalFields, type SyncedTable } from './tables'

type Row = Record<string, unknown>

/** What a page changed here, for the node to follow (swarms, UI, notices). */
export interface AppliedChanges {
  /** Tables with at least one row changed by the page or its consequences. */
  tables: Set<SyncedTable>
  /** Items added, changed or deleted. */
  itemIds: Set<string>
  /** Friends who got new delete notices on this device. */
  noticeFriends: Set<string>
}

/** Whether the node should recompute the swarms it sits in (friends,
 *  invites and devices decide them; the person's settings may too). */
export function touchesSwarms (changes: AppliedChanges): boolean {
  return ['friends', 'invites', 'devices', 'settings'].some((t) => changes.tables.has(t as SyncedTable))
}

/** What winning changes require afterwards, gathered over the page. */
interface Consequences {
  gone: Map<string, ItemType>
  narrowed: string[]
  friendsRemoved: string[]
  leftGroup: string[]
}

export function syncTables (db: NodeDatabase) {
  return unionTables(SYNCED_TABLES.map((t) => db.table(t)), [db.syncLog, db.settings, db.fileChunks])
}

/** Applies `records` (already checked) and, with them, the pull cursor
 *  (`pulled.next`; none for the newest items a new device takes first).
 *  Reads and writes go in bulk, per table: a page of 500 items costs a few
 *  IndexedDB requests, not a few per item. */
export async function applyRecords (db: NodeDatabase, records: readonly CheckedRecord[], opts: { now: () => number, pulled?: { peer: string, next?: number } }): Promise<AppliedChanges> {
  return db.transaction('rw', syncTables(db), async (tx) => {
    const changes: AppliedChanges = { tables: new Set(), itemIds: new Set(), noticeFriends: new Set() }
    const after: Consequences = { gone: new Map(), narrowed: [], friendsRemoved: [], leftGroup: [] }
    // Every read at once: one wait for IndexedDB, not six in a row.
    const [, locals, ours, listedAt, complete, removed] = await Promise.all([
      observeStamps(db.core, trans(tx), records.map((r) => r.stamp)),
      localEntries(db, records),
      currentRows(db, records),
      listingStamps(db, records, opts.now),
      completeFiles(db, records),
      removedFriends(db, records)
    ])
    const writes = new Writes(listedAt, complete, removed)
    const adopted: Array<Omit<SyncLogRow, 'seq'>> = []
    let merged = 0
    // No await in this loop: awaiting anything but Dexie's own requests
    // inside a transaction can lose Dexie's hold on it.
    for (const [i, record] of records.entries()) {
      const outcome = applyOne(record, locals[i], ours[i], after, writes)
      if (outcome === 'unchanged') continue
      changes.tables.add(record.table)
      if (record.table === 'items') changes.itemIds.add(record.key as string)
      if (outcome === 'merged') merged++
      if (outcome === 'adopted') {
        const entry: Omit<SyncLogRow, 'seq'> = { table: record.table, key: record.keyText, stamp: record.stamp }
        if (!record.row) entry.deleted = true
        if (opts.pulled) entry.from = opts.pulled.peer
        adopted.push(entry)
      }
    }
    // Adopted rows are logged once, as received (their stamp, in page
    // order), not also as changes of ours; merged rows are ours.
    // Merged rows are logged as they are written, before the adopted ones
    // (a friend merged here stays before the resync epoch adopted after
    // it); a page with none (a new device's) is written and logged at once.
    // Before the consequences: those are this device's own, later changes.
    if (merged === 0) {
      await Promise.all([writeArriving(trans(tx), adopted, () => writes.flush(db)), logReceivedChanges(db.core, trans(tx), adopted)])
    } else {
      await writeArriving(trans(tx), adopted, () => writes.flush(db))
      await logReceivedChanges(db.core, trans(tx), adopted)
    }
    for (const friend of await consequences(db, after, opts.now())) changes.noticeFriends.add(friend)
    if (changes.noticeFriends.size > 0) for (const t of ['notices', 'deliveryPages', 'deletions'] as const) changes.tables.add(t)
    if (opts.pulled?.next !== undefined) await savePulled(db, opts.pulled.peer, opts.pulled.next)
    return changes
  })
}

function trans (tx: Transaction) {
  return (tx as unknown as { idbtrans: Parameters<typeof observeStamps>[1] }).idbtrans
}

/** The records' indexes, by table. */
function byTable (records: readonly CheckedRecord[]): Map<SyncedTable, number[]> {
  const out = new Map<SyncedTable, number[]>()
  records.forEach((r, i) => {
    const list = out.get(r.table) ?? []
    list.push(i)
    out.set(r.table, list)
  })
  return out
}

/** This device's log entry for each record's row: read per table, only those there. */
async function localEntries (db: NodeDatabase, records: readonly CheckedRecord[]): Promise<Array<SyncLogRow | undefined>> {
  const out: Array<SyncLogRow | undefined> = new Array(records.length)
  await Promise.all([...byTable(records)].map(async ([table, indexes]) => {
    const entries = await bulkGetPresent(db.syncLog as unknown as Table<SyncLogRow, IndexableType>, indexes.map((i) => [table, records[i]!.keyText]))
    indexes.forEach((recordIndex, j) => { out[recordIndex] = entries[j] })
  }))
  return out
}

/** The row each record names, as this device holds it now: per table, only those there. */
async function currentRows (db: NodeDatabase, records: readonly CheckedRecord[]): Promise<Array<Row | undefined>> {
  const out: Array<Row | undefined> = new Array(records.length)
  await Promise.all([...byTable(records)].map(async ([table, indexes]) => {
    const rows = await bulkGetPresent(db.table<Row, IndexableType>(table), indexes.map((i) => records[i]!.key as IndexableType))
    indexes.forEach((recordIndex, j) => { out[recordIndex] = rows[j] })
  }))
  return out
}

/** New listing positions for the items of the page, reserved at once (see
 *  writeItem); each later than its item's edit time, as nextStamp made them. */
async function listingStamps (db: NodeDatabase, records: readonly CheckedRecord[], now: () => number): Promise<() => number> {
  const items = records.filter((r) => r.table === 'items' && r.row)
  if (items.length === 0) return () => { throw new Error('no listing position reserved') }
  const newest = Math.max(...items.map((r) => (r.row as unknown as ItemRow).updatedAt))
  let next = await reserveStamps(db, items.length, () => Math.max(now(), newest + 1))
  return () => next++
}

/** The file items of the page whose pieces are all here. */
async function completeFiles (db: NodeDatabase, records: readonly CheckedRecord[]): Promise<Set<string>> {
  const complete = new Set<string>()
  for (const r of records) {
    const item = r.table === 'items' ? r.row as unknown as ItemRow | undefined : undefined
    if (item?.file && await hasAllChunks(db, item.id, item.file.size)) complete.add(item.id)
  }
  return complete
}

/** For the friends rows of the page: when the friendship last removed here
 *  began (see FriendsStore.remove). */
async function removedFriends (db: NodeDatabase, records: readonly CheckedRecord[]): Promise<Map<string, number>> {
  const keys = records.filter((r) => r.table === 'friends' && r.row).map((r) => r.key as string)
  const rows = await db.settings.bulkGet(keys.map(removedFriendSetting))
  return new Map(keys.flatMap((key, i) => Number.isSafeInteger(rows[i]?.value) ? [[key, rows[i]!.value as number]] : []))
}

/** The page's writes, gathered and done in bulk, per table. */
class Writes {
  private readonly puts = new Map<SyncedTable, Row[]>()
  private readonly deletes = new Map<SyncedTable, unknown[]>()
  private readonly filesGone: string[] = []

  constructor (readonly listedAt: () => number, readonly completeFiles: ReadonlySet<string>, readonly removedFriends: ReadonlyMap<string, number>) {}

  put (table: SyncedTable, row: Row): void {
    const list = this.puts.get(table) ?? []
    list.push(row)
    this.puts.set(table, list)
  }

  delete (table: SyncedTable, key: unknown): void {
    const list = this.deletes.get(table) ?? []
    list.push(key)
    this.deletes.set(table, list)
    if (table === 'items') this.filesGone.push(key as string)
  }

  async flush (db: NodeDatabase): Promise<void> {
    for (const [table, keys] of this.deletes) await db.table(table).bulkDelete(keys as string[])
    for (const [table, rows] of this.puts) await db.table(table).bulkPut(rows)
    for (const id of this.filesGone) await deleteChunks(db, id)
  }
}

/** 'adopted': written as it came (its stamp kept); 'merged': written as a
 *  merge of both sides, a change of ours (a fresh stamp); 'unchanged'. */
function applyOne (record: CheckedRecord, local: SyncLogRow | undefined, ours: Row | undefined, after: Consequences, writes: Writes): 'adopted' | 'merged' | 'unchanged' {
  // A friendship removed here, sent back as it was: not taken. A friend
  // added again has a later addedAt (and a grant over it, see grants.ts).
  if (record.table === 'friends' && record.row && !ours && (record.row.addedAt as number) <= (writes.removedFriends.get(record.key as string) ?? -1)) return 'unchanged'
  const wins = theirsWins(record, local)
  const kept = mergeFor(record.table)(ours, record.row, wins)
  if (!wins && sameValue(kept, ours)) return 'unchanged'
  const adopted = wins && sameValue(kept, record.row)
  if (kept === undefined) {
    if (ours) {
      noteRemoval(record.table, ours, after, writes)
      writes.delete(record.table, record.key)
    }
  } else if (record.table === 'items') {
    if (!writeItem(kept, ours, after, writes)) return 'unchanged'
  } else {
    writes.put(record.table, withLocalFields(record.table, kept, ours))
  }
  return adopted ? 'adopted' : 'merged'
}

/** An item from another device. Its file's pieces must all be here first
 *  (fetched by file-fetch.ts): an item appears whole or not at all. It gets
 *  a new listing position here, so friends whose cursor on this device is
 *  past its old one still get it. */
function writeItem (row: Row, ours: Row | undefined, after: Consequences, writes: Writes): boolean {
  const item = row as unknown as ItemRow
  if (item.file && !writes.completeFiles.has(item.id)) return false
  writes.put('items', { ...item, listedAt: writes.listedAt() })
  if (ours && !sameValue(ours.audience, item.audience)) after.narrowed.push(item.id)
  return true
}

function noteRemoval (table: SyncedTable, ours: Row, after: Consequences, writes: Writes): void {
  if (table === 'items') after.gone.set(ours.id as string, ours.type as ItemType)
  if (table === 'friends') {
    after.friendsRemoved.push(ours.key as string)
    writes.put('settings', { key: removedFriendSetting(ours.key as string), value: ours.addedAt })
  }
  if (table === 'memberships') after.leftGroup.push(ours.friendKey as string)
}

/** Revokes what this device delivered and the page made invisible. */
async function consequences (db: NodeDatabase, after: Consequences, at: number): Promise<string[]> {
  const friends: string[] = []
  if (after.friendsRemoved.length > 0) friends.push(...await revokeInvisible(db, { friendKeys: after.friendsRemoved, reason: 'friend-removed', at }))
  if (after.leftGroup.length > 0) friends.push(...await revokeInvisible(db, { friendKeys: after.leftGroup, reason: 'left-group', at }))
  if (after.gone.size > 0) friends.push(...await revokeInvisible(db, { itemIds: [...after.gone.keys()], reason: 'deleted', at, gone: after.gone }))
  if (after.narrowed.length > 0) friends.push(...await revokeInvisible(db, { itemIds: after.narrowed, reason: 'audience-narrowed', at }))
  return friends
}
