// The rules every row of the synced tables keeps, whichever way it comes
// in: from another owner device (sync/records.ts) or from a backup
// (backup/import.ts). A row that breaks them is refused before it is
// written, so every store can rely on them when it reads (a friend's request
// never meets an item without an audience or a 1 MB text).
import { RECOVERY_RECORD_BYTES } from '../../shared/identity/recovery-record'
import { isAudience, isItemType, MAX_FILE_BYTES, MAX_TEXT_CHARS } from '../../shared/protocol/items'
import { MAX_DISPLAY_NAME } from '../../shared/protocol/protocol'
import { MAX_GROUP_NAME } from './friends-store'
import { MAX_INVITE_LABEL } from './invites-store'
import { MAX_ROW_IDS } from './delivery-keys'
import { isPersonSetting, type SyncedTable } from '../sync/tables'
import { addressFromPublicKey } from '../../shared/identity/identity'
import { isValidSigningPublicKey } from '../../shared/crypto/crypto'
import { fromHex } from '../../shared/util/bytes'

const MAX_LOG_FRIENDS = 1000
export type Row = Record<string, unknown>
const ID = /^[A-Za-z0-9]{1,64}$/
const HEX64 = /^[0-9a-f]{64}$/
const TOKEN = /^[1-9A-HJ-NP-Za-km-z]{10,64}$/
const REASONS = new Set(['deleted', 'audience-narrowed', 'friend-removed', 'left-group'])
const STATUSES = new Set(['pending', 'used', 'revoked'])

const isId = (v: unknown): boolean => typeof v === 'string' && ID.test(v)
const isKey = (v: unknown): boolean => typeof v === 'string' && HEX64.test(v)
const isText = (v: unknown, max: number, min = 0): boolean => typeof v === 'string' && v.length >= min && v.length <= max
const isSecret = (v: unknown): boolean => v instanceof Uint8Array && v.length === 32
const isSignature = (v: unknown): boolean => v instanceof Uint8Array && v.length === 64
/** A meeting secret's signature and when it was made (checked against the
 *  identities in sync/grants-filter.ts). */
const isProof = (v: unknown): boolean => typeof v === 'object' && v !== null && isTime((v as Row).since) && isSignature((v as Row).signature)
const isTime = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0
/** A delivery row's page key (deliveries.ts, pageKey): a device, the first
 *  and the last item id, and a time when the row under that key was full. */
const isPageKey = (v: unknown): boolean => typeof v === 'string' && PAGE_KEY.test(v)
const PAGE_KEY = /^[0-9a-z]{1,32}(:[A-Za-z0-9]{1,64}){2}(:[0-9]{1,16})?$/
/** Distinct item ids, as many as one delivery row may hold. */
const isItemIds = (v: unknown): boolean => Array.isArray(v) && v.length >= 1 && v.length <= MAX_ROW_IDS && v.every(isId) && new Set(v).size === v.length
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

/** As FriendsStore.add demands: a real identity key (one that needs its
 *  secret: see isValidSigningPublicKey), and the address made from it. */
function isFriendKey (key: unknown, address: unknown): boolean {
  if (!isKey(key) || !isText(address, 100)) return false
  const bytes = fromHex(key as string)
  return isValidSigningPublicKey(bytes) && addressFromPublicKey(bytes) === address
}

function isSettingValue (key: string, value: unknown): boolean {
  if (key === 'profile.displayName') return isText(value, MAX_DISPLAY_NAME)
  if (key === 'rendezvous.discoverable') return typeof value === 'boolean'
  if (key === 'devices.secret') return value instanceof Uint8Array && value.length === 32
  // Checked as a record (its signature, whose it is) in sync/grants-filter.ts.
  if (key === 'recovery.record') return value instanceof Uint8Array && value.length === RECOVERY_RECORD_BYTES
  // resync.<friend key>: an epoch (see storage/resync.ts).
  return typeof value === 'object' && value !== null && isTime((value as Row).stamp)
}

/** Per table: is this row acceptable (its key is checked apart)? */
const ROW_CHECKS: Record<SyncedTable, (r: Row) => boolean> = {
  items: (r) => isId(r.id) && isItemType(r.type) && isText(r.text, MAX_TEXT_CHARS) && isTime(r.createdAt) && isTime(r.updatedAt) &&
    isAudience(r.audience) && (r.type === 'file' ? isFileMeta(r.file) : r.file === undefined),
  friends: (r) => isFriendKey(r.key, r.address) && isText(r.displayName, MAX_DISPLAY_NAME) && isTime(r.addedAt) &&
    optional(r.pairSecret, isSecret) && optional(r.nextPairSecret, isSecret) &&
    optional(r.pairSecretSince, isTime) && optional(r.nextPairSecretSince, isTime) &&
    optional(r.pairSecretProof, isProof) && optional(r.nextPairSecretProof, isProof) &&
    optional(r.toldRevocations, (v) => Array.isArray(v) && v.length <= MAX_LOG_FRIENDS && v.every(isKey)),
  groups: (r) => isId(r.id) && isText(r.name, MAX_GROUP_NAME, 1) && isTime(r.createdAt),
  memberships: (r) => isId(r.groupId) && isKey(r.friendKey),
  deliveryPages: (r) => isKey(r.friendKey) && isPageKey(r.page) && isItemIds(r.itemIds) && isTime(r.deliveredAt),
  notices: (r) => isId(r.itemId) && isKey(r.friendKey) && isTime(r.createdAt) && isTime(r.attempts),
  deletions: (r) => isId(r.itemId) && typeof r.reason === 'string' && REASONS.has(r.reason) && r.id === `${r.itemId as string}:${r.reason}` &&
    isItemType(r.itemType) && isTime(r.at) && isFriendMap(r.friends) &&
    optional(r.itemCreatedAt, isTime) && optional(r.itemPhoto, (v) => v === true),
  invites: (r) => isId(r.id) && isText(r.token, 64) && TOKEN.test(r.token as string) && isText(r.label, MAX_INVITE_LABEL) && isTime(r.createdAt) &&
    (r.expiresAt === null || isTime(r.expiresAt)) && typeof r.status === 'string' && STATUSES.has(r.status) &&
    optional(r.usedBy, isKey) && optional(r.usedAt, isTime),
  // Signed settings carry when they were set and the identity's grant
  // (checked against the identity in sync/grants-filter.ts).
  settings: (r) => isPersonSetting(r.key) && isSettingValue(r.key, r.value) && optional(r.at, isTime) && optional(r.grant, isSignature),
  devices: (r) => isKey(r.deviceKey) && r.certificate !== undefined,
  // The revocation itself is checked against the friend's identity where it is read (devices-store.ts).
  peerRevocations: (r) => isKey(r.identityKey) && isKey(r.deviceKey) && r.revocation !== undefined
}

/** Per table: is this a well-formed primary key (for tombstones, too)? */
export function isKeyOf (table: SyncedTable, key: unknown): boolean {
  const pair = (first: (v: unknown) => boolean, second: (v: unknown) => boolean): boolean =>
    Array.isArray(key) && key.length === 2 && first(key[0]) && second(key[1])
  switch (table) {
    case 'memberships': return pair(isId, isKey)
    case 'notices': return pair(isId, isKey)
    case 'deliveryPages': return pair(isKey, isPageKey)
    case 'peerRevocations': return pair(isKey, isKey)
    case 'friends': case 'devices': return isKey(key)
    case 'settings': return isPersonSetting(key)
    case 'deletions': return typeof key === 'string' && key.length <= 100 && /^[A-Za-z0-9]{1,64}:[a-z-]+$/.test(key)
    default: return isId(key)
  }
}

/** Is this row (without its device-local fields) one the app could have
 *  written to `table`? Its key is checked apart (isKeyOf). */
export function isRowOf (table: SyncedTable, row: Row): boolean {
  return ROW_CHECKS[table](row)
}
