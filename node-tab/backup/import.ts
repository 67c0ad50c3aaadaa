// Restores a backup into this browser's node database, all or nothing.
//
// The file is read twice. The first pass decrypts and checks all of it
// (every chunk authenticated, every record of the expected shape, the
// identity's keys matching, the counts at the end agreeing) and writes
// nothing: a wrong passphrase, a damaged, cut-short or hostile file stops
// here with the database untouched. Only then is the second pass written,
// in batches (IndexedDB cannot keep one transaction open while the file is
// read). Should that fail halfway (no room left), what was there before —
// the unused identity of a fresh browser, see fresh.ts — is put back.
//
// The rows are written with IndexedDB itself, under Dexie's change-log
// middleware: they are the backup's own change log and clock, not new
// changes of this device.
import { bytesEqual } from '../../shared/util/bytes'
import { BackupError, BackupReader, type ByteSource, type OpenOptions } from '../../shared/backup/backup-format'
import { keyPairMatches } from '../../shared/crypto/crypto'
import { checkDeviceCertificate } from '../../shared/identity/device-certificate'
import { isQuotaError } from '../../shared/util/quota'
import type { ItemRow, LegacyDeliveryRow, NodeDatabase } from '../storage/db'
import { deliveryFromLegacy } from '../storage/upgrade-deliveries'
import { seenByOf } from '../storage/visibility-index'
import { FILE_CHUNK_BYTES } from '../storage/file-chunks'
import { isRowOf } from '../storage/row-checks'
import { isPersonSetting, isSyncedTable, portableRow } from '../sync/tables'
import { isFreshNode, NOT_FRESH } from './fresh'
import { BACKUP_APP, FIRST_BACKUP_SCHEMA, LAST_BACKUP_KEY, PERSIST_ASKED_KEY, rowTables } from './records'

export class RestoreRefused extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'RestoreRefused'
  }
}

export interface ImportOptions extends OpenOptions {
  now?: () => number
  onProgress?: (fraction: number) => void
}

export interface RestoredSummary {
  identityKey: Uint8Array
  exportedAt: number
  rows: Record<string, number>
  pieces: number
}

const NOT_KITH = 'This backup does not hold a Kith node this version can restore. Nothing was restored.'
const NEWER_SCHEMA = 'This backup was made by a newer version of Kith. Update Kith (reload the page, or ask whoever hosts it), then try again. Nothing was restored.'
const NO_ROOM = 'There is not enough storage space in this browser to restore this backup. Free some space and try again. Nothing was restored.'
const MAX_ITEM_ID = 256
/** Schema 6 replaced the per-item `deliveries` table by `deliveryPages`. */
const LEGACY_DELIVERIES = 'deliveries'
const DELIVERY_PAGES_SCHEMA = 6
const MAX_PIECE_INDEX = 2 ** 20
const SEQ_KEY = 'sync.seq'
/** Change-log positions a backup may hold. A restore moves them to the time
 *  of the restore in microseconds (about 2^50.7 in 2026, see seqShift): one
 *  near 2^53 would end up, or soon count, past the last exact integer, where
 *  two changes share a position and other devices miss them. 2^52 is reached
 *  by the clock in about 2112. */
const MAX_BACKUP_SEQ = 2 ** 52

function refuse (): never {
  throw new BackupError('DAMAGED', NOT_KITH)
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
const isKeyPart = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))

/** Checks records one by one as they come, and what they add up to at the end. */
class RecordChecker {
  private start: { identityKey: Uint8Array, exportedAt: number } | null = null
  private ended = false
  readonly rows: Record<string, number> = {}
  pieces = 0
  /** The change log's positions, to renumber them (see seqShift). */
  minSeq = Infinity
  maxSeq = 0
  private identity: Record<string, Record<string, unknown>> = {}
  /** The schema the backup was made with. */
  private schemaOfFile = 0

  constructor (private readonly keyPaths: Map<string, string | string[]>, private readonly schema: number) {}

  check (record: unknown): void {
    if (!isObject(record) || this.ended) refuse()
    if (this.start === null) {
      if (record.t !== 'start' || record.app !== BACKUP_APP || !(record.identityKey instanceof Uint8Array) || record.identityKey.length !== 32 || !Number.isSafeInteger(record.exportedAt)) refuse()
      const schema = record.schema
      if (!Number.isSafeInteger(schema) || (schema as number) < FIRST_BACKUP_SCHEMA) refuse()
      if ((schema as number) > this.schema) throw new BackupError('NEWER_VERSION', NEWER_SCHEMA)
      // An older schema's rows are restored as they are, into the tables
      // that still exist (a table that does not is refused, in checkRows):
      // a schema change that reshapes rows must convert them here.

      this.start = { identityKey: record.identityKey, exportedAt: record.exportedAt as number }
      this.schemaOfFile = schema as number
      return
    }
    switch (record.t) {
      case 'rows': return this.checkRows(record)
      case 'piece': {
        const { itemId, index, bytes } = record
        if (typeof itemId !== 'string' || itemId.length === 0 || itemId.length > MAX_ITEM_ID || !Number.isSafeInteger(index) || (index as number) < 0 || (index as number) > MAX_PIECE_INDEX ||
          !(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > FILE_CHUNK_BYTES) refuse()
        this.pieces++
        return
      }
      case 'end': {
        const counts = record.rows
        if (!isObject(counts) || record.pieces !== this.pieces) refuse()
        const names = new Set([...Object.keys(counts), ...Object.keys(this.rows)])
        for (const name of names) if ((counts[name] ?? 0) !== (this.rows[name] ?? 0)) refuse()
        this.checkIdentity()
        this.ended = true
        return
      }
      default: refuse()
    }
  }

  private checkRows (record: Record<string, unknown>): void {
    const { table, rows } = record
    // Before schema 6 deliveries were one row per item (restored as rows of version 6, see restoredRow).
    const legacy = table === LEGACY_DELIVERIES && this.schemaOfFile < DELIVERY_PAGES_SCHEMA
    const path = legacy ? ['itemId', 'friendKey'] : typeof table === 'string' ? this.keyPaths.get(table) : undefined
    if (path === undefined || !Array.isArray(rows)) refuse()
    for (const row of rows as unknown[]) {
      if (!isObject(row)) refuse()
      const key = typeof path === 'string' ? [row[path]] : path.map((p) => row[p])
      if (!key.every(isKeyPart)) refuse()
      if (legacy ? !isRowOf('deliveryPages', deliveryFromLegacy(row as unknown as LegacyDeliveryRow) as unknown as Record<string, unknown>) : !keepsTheRules(table as string, row)) throw new BackupError('DAMAGED', brokenRow(table as string))
      if (table === 'identity') this.identity[String(row.id)] = row
      if (table === 'settings' && row.key === SEQ_KEY && Number.isSafeInteger(row.value) && (row.value as number) > MAX_BACKUP_SEQ) refuse()
      if (table === 'syncLog') {
        const seq = row.seq
        if (!Number.isSafeInteger(seq) || (seq as number) < 0 || (seq as number) > MAX_BACKUP_SEQ) refuse()
        this.minSeq = Math.min(this.minSeq, seq as number)
        this.maxSeq = Math.max(this.maxSeq, seq as number)
      }
    }
    this.rows[table as string] = (this.rows[table as string] ?? 0) + (rows as unknown[]).length
  }

  /** The same checks loadOrCreateIdentity makes at boot, made before
   *  anything is written: a backup that would not boot is not restored. */
  private checkIdentity (): void {
    const identityKey = this.start!.identityKey
    const self = this.identity.self
    const device = this.identity.device
    if (!self || !device || !(self.publicKey instanceof Uint8Array) || !bytesEqual(self.publicKey, identityKey)) refuse()
    if (self.secretKey !== undefined && !(self.secretKey instanceof Uint8Array && keyPairMatches({ publicKey: self.publicKey, secretKey: self.secretKey }))) refuse()
    if (!(device.publicKey instanceof Uint8Array) || !(device.secretKey instanceof Uint8Array) || !keyPairMatches({ publicKey: device.publicKey, secretKey: device.secretKey })) refuse()
    try {
      // A device linked after a rotation: Sₙ signed it, as the row says (boot reads it the same way).
      const certifiedBy = device.certifiedBy instanceof Uint8Array && device.certifiedBy.length === 32 ? { signingKey: device.certifiedBy } : {}
      const certificate = checkDeviceCertificate(device.certificate, { identityKey, now: Number.MAX_SAFE_INTEGER, ...certifiedBy })
      if (!bytesEqual(certificate.deviceKey, device.publicKey)) refuse()
    } catch {
      refuse()
    }
  }

  summary (): RestoredSummary {
    if (!this.ended) throw new BackupError('TRUNCATED', 'This backup file is incomplete. Nothing was restored.')
    return { identityKey: this.start!.identityKey, exportedAt: this.start!.exportedAt, rows: this.rows, pieces: this.pieces }
  }
}

/** A row of a table devices share must keep the rules any way in keeps
 *  (storage/row-checks.ts): a backup could otherwise hold what the stores
 *  never expect, and every friend's request would fail on it. The device's
 *  own rows (the identity, the change log, its settings) are checked above
 *  and where they are read. */
function keepsTheRules (table: string, row: Record<string, unknown>): boolean {
  if (!isSyncedTable(table) || (table === 'settings' && !isPersonSetting(row.key))) return true
  if (table === 'items' && !(Number.isSafeInteger(row.listedAt) && (row.listedAt as number) >= 0)) return false
  return isRowOf(table, portableRow(table, row))
}

function brokenRow (table: string): string {
  return `This backup holds a row of “${table}” that Kith would not have written (the file may have been edited). Nothing was restored.`
}

function keyPathsOf (db: NodeDatabase): Map<string, string | string[]> {
  const paths = new Map<string, string | string[]>()
  for (const name of rowTables(db)) {
    const keyPath = db.table(name).schema.primKey.keyPath
    if (keyPath !== undefined && keyPath !== null) paths.set(name, keyPath)
  }
  return paths
}

function done (tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onabort = () => reject(tx.error ?? new Error('The restore was interrupted.'))
  })
}

/** One batch of rows written in one IndexedDB transaction. */
async function rawPut (idb: IDBDatabase, batch: Map<string, unknown[]>): Promise<void> {
  if (batch.size === 0) return
  const tx = idb.transaction([...batch.keys()], 'readwrite')
  const finished = done(tx)
  try {
    for (const [store, rows] of batch) for (const row of rows) tx.objectStore(store).put(row)
  } catch (err) {
    // A put refused at once (DataError, QuotaExceededError): none of the
    // batch may be kept.
    finished.catch(() => {})
    tx.abort()
    throw err
  }
  await finished
}

async function rawClear (idb: IDBDatabase, stores: string[]): Promise<void> {
  const tx = idb.transaction(stores, 'readwrite')
  for (const store of stores) tx.objectStore(store).clear()
  await done(tx)
}

/** Rows (or bytes) gathered per transaction. */
const BATCH_ROWS = 2000
const BATCH_BYTES = 8 * 1024 * 1024

export async function importBackup (db: NodeDatabase, source: ByteSource, passphrase: string, opts: ImportOptions = {}): Promise<RestoredSummary> {
  const now = opts.now ?? Date.now
  const progress = opts.onProgress ?? (() => {})
  if (!await isFreshNode(db)) throw new RestoreRefused(NOT_FRESH)
  const reader = await BackupReader.open(source, passphrase, { onKeyProgress: (f) => { progress(f * 0.2); opts.onKeyProgress?.(f) } })

  // Pass 1: check everything, write nothing.
  if (!db.isOpen()) await db.open()
  const keyPaths = keyPathsOf(db)
  const checker = new RecordChecker(keyPaths, db.verno)
  for await (const record of reader.records((f) => progress(0.2 + 0.4 * f))) checker.check(record)
  const summary = checker.summary()

  if (!await isFreshNode(db)) throw new RestoreRefused(NOT_FRESH)
  const idb = db.backendDB()
  const stores = [...rowTables(db), 'fileChunks']
  const before = new Map<string, unknown[]>()
  for (const name of rowTables(db)) before.set(name, await db.table(name).toArray())

  // The restored device's change log keeps its order but moves past any
  // position the old device may have reached after this backup was made:
  // its other devices pull "after the last position they saw", and would
  // otherwise skip the restored device's new changes. Positions start from
  // the time of the restore in microseconds, beyond what the old device can
  // have counted to (one change per microsecond, since it last started over).
  const base = now() * 1000
  const seqShift = checker.minSeq === Infinity ? base : Math.max(0, base - checker.minSeq + 1)

  try {
    // Written around Dexie: what was read of the items before is stale.
    db.itemWrites++
    await rawClear(idb, stores)
    const recheck = new RecordChecker(keyPaths, db.verno)
    let batch = new Map<string, unknown[]>()
    let batchRows = 0
    let batchBytes = 0
    const add = (store: string, row: unknown, bytes = 0): void => {
      let rows = batch.get(store)
      if (!rows) batch.set(store, rows = [])
      rows.push(row)
      batchRows++
      batchBytes += bytes
    }
    const flush = async (): Promise<void> => {
      await rawPut(idb, batch)
      batch = new Map()
      batchRows = 0
      batchBytes = 0
    }
    for await (const record of reader.records((f) => progress(0.6 + 0.4 * f))) {
      // The file is read again: checked again, in case it changed meanwhile.
      recheck.check(record)
      const r = record as Record<string, unknown>
      if (r.t === 'rows') {
        for (const row of r.rows as Array<Record<string, unknown>>) {
          // The change log's entries of the old table go with it (as in the upgrade to schema 6).
          if (r.table === 'syncLog' && row.table === LEGACY_DELIVERIES) continue
          else if (r.table === LEGACY_DELIVERIES) add('deliveryPages', deliveryFromLegacy(row as unknown as LegacyDeliveryRow))
          else if (r.table === 'syncLog') add('syncLog', { ...row, seq: (row.seq as number) + seqShift })
          else if (r.table === 'settings' && row.key === SEQ_KEY && Number.isSafeInteger(row.value)) add('settings', { key: SEQ_KEY, value: Math.max(row.value as number, checker.maxSeq) + seqShift })
          else if (r.table === 'settings' && row.key === LAST_BACKUP_KEY) continue // set below
          else if (r.table === 'settings' && row.key === PERSIST_ASKED_KEY) continue // this browser is yet to be asked
          // Written straight to IndexedDB, past the middleware that makes
          // an item's visibility index entries: made here, or no friend
          // would see the restored items.
          else if (r.table === 'items') add('items', { ...row, seenBy: seenByOf(row as unknown as ItemRow) })
          else add(r.table as string, row)
        }
      } else if (r.t === 'piece') {
        const bytes = r.bytes as Uint8Array
        add('fileChunks', { itemId: r.itemId, index: r.index, data: new Blob([bytes as BlobPart]) }, bytes.length)
      }
      if (batchRows >= BATCH_ROWS || batchBytes >= BATCH_BYTES) await flush()
    }
    recheck.summary()
    // This restore came from a backup of that time: the reminder counts from it.
    add('settings', { key: LAST_BACKUP_KEY, value: summary.exportedAt })
    await flush()
  } catch (err) {
    try {
      db.itemWrites++
      await rawClear(idb, stores)
      await rawPut(idb, before)
    } catch { /* nothing more can be done; the error below is what matters */ }
    if (isQuotaError(err)) throw new RestoreRefused(NO_ROOM)
    throw err
  }
  progress(1)
  return summary
}

