// Checking a sync record from another owner device before it is written.
// The device is authenticated, but a bug or a stolen (then revoked) device
// must not be able to corrupt the store: every record is checked against its
// table's shape and bounds, and one bad record refuses the whole page.
// Fields a table does not know are carried as they are (new fields sync
// without code changes), inside the record's byte bound.
import { encodeValue } from '../../shared/wire/codec'
import { KithError } from '../../shared/wire/errors'
import type { SyncRecord } from '../../shared/protocol/protocol'
import { isRowOf, isKeyOf, type Row } from '../storage/row-checks'
import { checkNotAhead, isStamp } from './stamps'
import { encodeKey, isPersonSetting, isSyncedTable, keyOfRow, portableRow, type SyncedTable } from './tables'

/** One row, encoded: an item of 20,000 characters is at most ~80 kB. */
export const MAX_RECORD_BYTES = 256 * 1024

/** A record that passed: its table known, its key decoded, its row clean. */
export interface CheckedRecord {
  table: SyncedTable
  key: unknown
  /** The key as the change log stores it. */
  keyText: string
  stamp: string
  /** Without device-local fields; absent for a tombstone. */
  row?: Record<string, unknown>
}

function isPlainRow (v: unknown): v is Row {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype
}

/** Checks one record; throws BAD_REQUEST naming what was wrong. */
export function checkRecord (input: unknown, wall: number): CheckedRecord {
  const bad = (what: string): never => { throw new KithError('BAD_REQUEST', `a sync record with ${what}`) }
  if (!isPlainRow(input)) return bad('no shape')
  const { table, key, stamp, row } = input as Partial<SyncRecord>
  if (!isSyncedTable(table)) return bad('an unknown table')
  if (!isStamp(stamp)) return bad('a malformed stamp')
  checkNotAhead(stamp, wall)
  if (!isKeyOf(table, key)) return bad(`a malformed key for ${table}`)
  const checked: CheckedRecord = { table, key, keyText: encodeKey(key), stamp }
  if (row === undefined) return checked
  if (!isPlainRow(row)) return bad('a row that is not an object')
  let bytes: number
  try {
    bytes = encodeValue(row).length
  } catch {
    return bad('a row that cannot be stored')
  }
  if (bytes > MAX_RECORD_BYTES) bad(`a row of more than ${MAX_RECORD_BYTES} bytes`)
  const clean = portableRow(table, row)
  if (!isRowOf(table, clean)) bad(`a malformed ${table} row`)
  if (encodeKey(keyOfRow(table, clean)) !== checked.keyText) bad('a row under another key')
  checked.row = clean
  return checked
}

/** Checks a whole page before any of it is written. */
export function checkRecords (records: readonly unknown[], wall: number): CheckedRecord[] {
  const checked = records.map((r) => checkRecord(r, wall))
  // A log holds one entry per row: a page naming a row twice is not one.
  const rows = new Set(checked.map((r) => `${r.table} ${r.keyText}`))
  if (rows.size !== checked.length) throw new KithError('BAD_REQUEST', 'a sync page that names one row twice')
  return checked
}
