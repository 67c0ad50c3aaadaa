// Checking a sync record from another owner device before it is written.
// The device is authenticated, but a bug or a stolen (then revoked) device
// must not be able to corrupt the store: every record is checked against its
// table's shape and bounds, and one bad record refuses the whole page.
// Fields a table does not know are carried as they are (new fields sync
// without code changes), inside the record's byte bound.
import { encodeValue } from '../../shared/wire/codec'
import { KithError } from '../../shared/wire/errors'
import { isAudience, isItemType, MAX_FILE_BYTES, MAX_TEXT_CHARS } from '../../shared/protocol/items'
import { MAX_DISPLAY_NAME, type SyncRecord } from '../../shared/protocol/protocol'
import { MAX_GROUP_NAME } from '../storage/friends-store'
import { MAX_INVITE_LABEL } from '../storage/invites-store'
import { checkNotAhead, isStamp } from './stamps'
import { encodeKey, isPersonSetting, isSyncedTable, keyOfRow, portableRow, type SyncedTable } from './tables'

/** One row, encoded: an item of 20,000 characters is at most ~80 kB. */
export const MAX_RECORD_BYTES = 256 * 1024
const MAX_LOG_FRIENDS = 1000

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

type Row = Record<string, unknown>
const ID = /^[A-Za-z0-9]{1,64}$/
const HEX64 = /^[0-9a-f]{64}$/
const TOKEN = /^[1-9A-HJ-NP-Za-km-z]{10,64}$/
const REASONS = new Set(['deleted', 'audience-narrowed', 'friend-removed', 'left-group'])
const STATUSES = new Set(['pending', 'used', 'revoked'])

const isId = (v: unknown): boolean => typeof v === 'string' && ID.test(v)
const isKey = (v: unknown): boolean => typeof v === 'string' && HEX64.test(v)
const isText = (v: unknown, max: number, min = 0): boolean => typeof v === 'string' && v.length >= min && v.length <= max
const isSecret = (v: unknown): boolean => v instanceof Uint8Array && v.length === 32
const isTime = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0
const optional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v)

function isFileMeta (v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false
  const f = v as Row
  return isText(f.name, 255, 1) && isText(f.mime, 255) && isTime(f.size) && (f.size as number) <= MAX_FILE_BYTES
}

function isFriendMap (v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const entries = Object.entries(v)
  return entries.length <= MAX_LOG_FRIENDS && entries.every(([key, confirmed]) => HEX64.test(key) && typeof confirmed === 'boolean')
}

function isSettingValue (key: string, value: unknown): boolean {
  if (key === 'profile.displayName') return isText(value, MAX_DISPLAY_NAME)
  if (key === 'rendezvous.discoverable') return typeof value === 'boolean'
  if (key === 'devices.secret') return value instanceof Uint8Array && value.length === 32
  // resync.<friend key>: an epoch (see storage/resync.ts).
  return typeof value === 'object' && value !== null && isTime((value as Row).stamp)
}

/** Per table: is this row acceptable (its key is checked apart)? */
const ROW_CHECKS: Record<SyncedTable, (r: Row) => boolean> = {
  items: (r) => isId(r.id) && isItemType(r.type) && isText(r.text, MAX_TEXT_CHARS) && isTime(r.createdAt) && isTime(r.updatedAt) &&
    isAudience(r.audience) && (r.type === 'file' ? isFileMeta(r.file) : r.file === undefined),
  friends: (r) => isKey(r.key) && isText(r.address, 100) && isText(r.displayName, MAX_DISPLAY_NAME) && isTime(r.addedAt) &&
    optional(r.pairSecret, isSecret) && optional(r.nextPairSecret, isSecret) &&
    optional(r.pairSecretSince, isTime) && optional(r.nextPairSecretSince, isTime) &&
    optional(r.toldRevocations, (v) => Array.isArray(v) && v.length <= MAX_LOG_FRIENDS && v.every(isKey)),
  groups: (r) => isId(r.id) && isText(r.name, MAX_GROUP_NAME, 1) && isTime(r.createdAt),
  memberships: (r) => isId(r.groupId) && isKey(r.friendKey),
  deliveries: (r) => isId(r.itemId) && isKey(r.friendKey) && isTime(r.deliveredAt),
  notices: (r) => isId(r.itemId) && isKey(r.friendKey) && isTime(r.createdAt) && isTime(r.attempts),
  deletions: (r) => isId(r.itemId) && typeof r.reason === 'string' && REASONS.has(r.reason) && r.id === `${r.itemId as string}:${r.reason}` &&
    isItemType(r.itemType) && isTime(r.at) && isFriendMap(r.friends) &&
    optional(r.itemCreatedAt, isTime) && optional(r.itemPhoto, (v) => v === true),
  invites: (r) => isId(r.id) && isText(r.token, 64) && TOKEN.test(r.token as string) && isText(r.label, MAX_INVITE_LABEL) && isTime(r.createdAt) &&
    (r.expiresAt === null || isTime(r.expiresAt)) && typeof r.status === 'string' && STATUSES.has(r.status) &&
    optional(r.usedBy, isKey) && optional(r.usedAt, isTime),
  settings: (r) => isPersonSetting(r.key) && isSettingValue(r.key, r.value),
  devices: (r) => isKey(r.deviceKey) && r.certificate !== undefined,
  // The revocation itself is checked against the friend's identity where it is read (devices-store.ts).
  peerRevocations: (r) => isKey(r.identityKey) && isKey(r.deviceKey) && r.revocation !== undefined
}

/** Per table: is this a well-formed primary key (for tombstones, too)? */
function isKeyOf (table: SyncedTable, key: unknown): boolean {
  const pair = (first: (v: unknown) => boolean, second: (v: unknown) => boolean): boolean =>
    Array.isArray(key) && key.length === 2 && first(key[0]) && second(key[1])
  switch (table) {
    case 'memberships': return pair(isId, isKey)
    case 'deliveries': case 'notices': return pair(isId, isKey)
    case 'peerRevocations': return pair(isKey, isKey)
    case 'friends': case 'devices': return isKey(key)
    case 'settings': return isPersonSetting(key)
    case 'deletions': return typeof key === 'string' && key.length <= 100 && /^[A-Za-z0-9]{1,64}:[a-z-]+$/.test(key)
    default: return isId(key)
  }
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
  if (!ROW_CHECKS[table](clean)) bad(`a malformed ${table} row`)
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
