// The methods a Kith node serves to an authenticated peer, with guards for
// their inputs. Handlers receive `unknown` and parse it with these.
import { KithError } from '../wire/errors'
import { normalizeTrackerUrl } from '../rendezvous/tracker-urls'
import { MAX_DISPLAY_NAME } from './display-name'
import { MAX_SHARED_TRACKERS } from './shared-trackers'
import { decodeCursor, isItemType, MAX_FILE_BYTES, MAX_FILE_RANGE_BYTES, MAX_PAGE, DEFAULT_PAGE, type ItemCursor, type ItemType, type SharedItem } from './items'

// The owner's own name (kept short, one line) is set on the first screen: its
// rules live with the other name rules, and are the protocol's too.
export { MAX_DISPLAY_NAME, normalizeDisplayName } from './display-name'
export const MAX_PING_BYTES = 16 * 1024 * 1024
export const MAX_NOTICE_BATCH = 500

export interface Profile {
  displayName: string
  address: string
}

export interface PingParams { data: Uint8Array, replyBytes?: number }

export interface ListItemsParams {
  types?: ItemType[]
  /** createdAt range, inclusive, in ms since the epoch. */
  createdFrom?: number
  createdTo?: number
  /** Only items changed after this position (exclusive). */
  after?: ItemCursor
  limit: number
}

export interface ListItemsResult {
  items: SharedItem[]
  /** Where the next page (or the next incremental sync) starts; null if no item was returned. */
  cursor: string | null
  /** True when there is nothing more after this page. */
  done: boolean
}

export interface FileRangeParams {
  id: string
  /** Where the range starts, in bytes from the file's start. */
  offset: number
  /** How many bytes are wanted, 1 to MAX_FILE_RANGE_BYTES. */
  length: number
}

export interface FileRangeResult {
  /** The file's bytes from offset: exactly min(length, size - offset) of them. */
  bytes: Uint8Array
  /** The whole file's size. */
  size: number
}

export interface NodeMethods {
  [method: string]: { params: unknown, result: unknown }
  /** Echo: returns what it was given, for liveness and round-trip time. With
   *  replyBytes it answers that many bytes instead: a download speed test. */
  ping: { params: PingParams, result: { data: Uint8Array } }
  /** The node's public profile as its owner set it (anyone who knows the address). */
  profile: { params: Record<string, never>, result: Profile }
  /** A stranger holding an invite becomes a friend. */
  redeemInvite: { params: { token: string, profile: Profile }, result: { owner: Profile } }
  /** Friends only: the items whose audience includes the caller. */
  listItems: { params: { types?: ItemType[], createdFrom?: number, createdTo?: number, after?: string, limit?: number }, result: ListItemsResult }
  /** Friends only: one range of a file item's bytes (at most
   *  MAX_FILE_RANGE_BYTES; shorter only at the end of the file) and the
   *  file's whole size. A large file is fetched range by range. */
  fetchFile: { params: FileRangeParams, result: FileRangeResult }
  /** From an owner to a friend's node: forget these items of mine. */
  deleteNotices: { params: { itemIds: string[] }, result: { acknowledged: string[] } }
  /** From an owner to a friend's node: these devices of mine no longer act
   *  for me (each revocation signed by my identity); from now on we meet in
   *  swarms named by `pairSecret`, which the revoked devices never saw. */
  deviceRevoked: { params: DeviceRevokedParams, result: { ok: true } }
  /** Friends only: the trackers that work for this node (at most
   *  MAX_SHARED_TRACKERS), so a friend can still meet others when the
   *  default ones are gone; and, from nodes that know relays, the Nostr
   *  relays that work for it (the same bounds; absent from older nodes). */
  workingTrackers: { params: Record<string, never>, result: { trackers: string[], relays?: string[] } }
  /** From an owner to a friend's client: something you may see changed
   *  (shared, edited, audience changed); sync me when you like. No content,
   *  no item id, no kind: the friend learns nothing they would not learn by
   *  syncing. */
  itemsChanged: { params: Record<string, never>, result: { ok: true } }
  /** Friends only: the owner's recovery record (shared/identity/recovery-record.ts),
   *  or null when they have not set up recovery words. The friend checks it
   *  and keeps the first one, whoever sends it. */
  recoveryRecord: { params: Record<string, never>, result: { record: Uint8Array | null } }
}

/** A friend's answer to recoveryRecord: the record's bytes (checked
 *  afterwards against what is kept), or null. Anything else is refused whole. */
export function parseRecoveryRecordAnswer (value: unknown): Uint8Array | null {
  const p = record(value, 'recoveryRecord')
  if (Object.keys(p).some((k) => k !== 'record')) throw new KithError('BAD_REQUEST', 'recoveryRecord answers with {record} only')
  if (p.record === null || p.record === undefined) return null
  // The size is checked exactly where the record is parsed; this bound keeps
  // anything large from going further.
  if (!(p.record instanceof Uint8Array) || p.record.length > 256) throw new KithError('BAD_REQUEST', 'a recovery record is a few bytes')
  return p.record
}

export { MAX_SHARED_TRACKERS } from './shared-trackers'

/** A friend's answer to workingTrackers, checked whole: a list of at most
 *  MAX_SHARED_TRACKERS ws/wss URLs (each ≤ 200 characters, no credentials),
 *  returned normalized and de-duplicated. Anything else is refused whole. */
export function parseWorkingTrackers (value: unknown): string[] {
  return parseRouteList(record(value, 'workingTrackers').trackers, 'tracker')
}

/** The relays in a friend's answer to workingTrackers, checked as the
 *  trackers are (the same URL rules and bounds); none from an older node
 *  that does not send them. Anything else is refused whole. */
export function parseWorkingRelays (value: unknown): string[] {
  const relays = record(value, 'workingTrackers').relays
  return relays === undefined ? [] : parseRouteList(relays, 'relay')
}

function parseRouteList (list: unknown, what: 'tracker' | 'relay'): string[] {
  if (!Array.isArray(list) || list.length > MAX_SHARED_TRACKERS) {
    throw new KithError('BAD_REQUEST', `${what}s must be a list of at most ${MAX_SHARED_TRACKERS} URLs`)
  }
  const out = new Set<string>()
  for (const entry of list) {
    const url = normalizeTrackerUrl(entry)
    if (url === null) throw new KithError('BAD_REQUEST', `each ${what} must be a ws:// or wss:// URL of at most 200 characters, without a user name or password`)
    out.add(url)
  }
  return [...out]
}

/** itemsChanged carries nothing: any field is refused, so it cannot grow
 *  into a side channel. */
export function parseItemsChanged (input: unknown): Record<string, never> {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input) || input instanceof Uint8Array || Object.keys(input).length > 0)) {
    throw new KithError('BAD_REQUEST', 'itemsChanged takes no parameters')
  }
  return {}
}

export const MAX_REVOCATIONS_PER_CALL = 64

export interface DeviceRevokedParams {
  /** Checked by the receiver against the sender's identity. */
  revocations: unknown[]
  pairSecret?: Uint8Array
  /** When the sender made pairSecret (ms): the newer of two crossing replacements wins. */
  pairSecretSince?: number
  /** The sender's identity's signature over pairSecret and pairSecretSince
   *  (shared/identity/meeting-secret-grants.ts): with it, the receiver's
   *  other devices take the secret from whichever of them was told. */
  pairSecretSignature?: Uint8Array
}

export function parseDeviceRevoked (input: unknown): DeviceRevokedParams {
  const p = record(input, 'deviceRevoked')
  if (!Array.isArray(p.revocations) || p.revocations.length > MAX_REVOCATIONS_PER_CALL) {
    throw new KithError('BAD_REQUEST', `revocations must be a list of at most ${MAX_REVOCATIONS_PER_CALL}`)
  }
  if (p.pairSecret !== undefined && (!(p.pairSecret instanceof Uint8Array) || p.pairSecret.length !== 32)) {
    throw new KithError('BAD_REQUEST', 'pairSecret must be 32 bytes')
  }
  const out: DeviceRevokedParams = { revocations: p.revocations }
  if (p.pairSecret !== undefined) {
    if (!Number.isSafeInteger(p.pairSecretSince) || (p.pairSecretSince as number) < 0) throw new KithError('BAD_REQUEST', 'pairSecretSince must be a time in ms')
    out.pairSecret = p.pairSecret as Uint8Array
    out.pairSecretSince = p.pairSecretSince as number
    if (p.pairSecretSignature !== undefined) {
      if (!(p.pairSecretSignature instanceof Uint8Array) || p.pairSecretSignature.length !== 64) throw new KithError('BAD_REQUEST', 'pairSecretSignature must be 64 bytes')
      out.pairSecretSignature = p.pairSecretSignature
    }
  }
  return out
}

/** Pages of sync records between owner devices: bounded in count here and
 *  in bytes by the serving device (MAX_SYNC_PAGE_BYTES), far below the RPC
 *  message limit (32 MiB) even with 500 items of 20,000 characters each. */
export const MAX_SYNC_PAGE = 500
export const MAX_SYNC_PAGE_BYTES = 8 * 1024 * 1024
/** syncPull requests a device serves at once per session (a puller asks for
 *  the next page while applying one); more are RATE_LIMITED. */
export const MAX_SYNC_PULLS_AT_ONCE = 2
/** The newest items a new device takes first (syncNewest): a first screen. */
export const MAX_SYNC_NEWEST = 100

/** One row's latest change as an owner device sends it: the row (all of its
 *  fields but the device's own), or none for a deletion (a tombstone). The
 *  receiving device checks table, key, stamp and row before writing. */
export interface SyncRecord {
  table: string
  /** The row's primary key: a string, or a pair for compound keys. */
  key: unknown
  /** Hybrid logical clock stamp of the change (see node-tab/sync/stamps.ts). */
  stamp: string
  row?: Record<string, unknown>
}

export interface SyncPullParams {
  /** The position to read after: the last one applied from this device
   *  (0: none), or, asking ahead, the end of the page being applied. */
  after: number
  limit: number
  /** Asking ahead: the last position applied (≤ after). Absent: `after` is. */
  applied?: number
}

export interface SyncPullResult {
  records: SyncRecord[]
  /** The position to ask after next time. */
  next: number
  /** Nothing more after this page. */
  done: boolean
  /** From devices that take `applied`: how many syncPull requests they
   *  serve at once (1 to MAX_SYNC_PULLS_AT_ONCE). Absent: one at a time. */
  ahead?: number
}

export interface SyncNewestParams {
  /** 1 to MAX_SYNC_NEWEST. */
  limit: number
}

export interface SyncNewestResult {
  /** The newest items (by createdAt), newest first, as syncPull sends them. */
  records: SyncRecord[]
}

/** What a person's own authenticated device may call on another of their
 *  devices, and nobody else: pulling every change, and file bytes by range. */
export interface OwnerDeviceMethods {
  [method: string]: { params: unknown, result: unknown }
  syncPull: { params: SyncPullParams, result: SyncPullResult }
  /** For a device that never pulled from this one: its first screen first. */
  syncNewest: { params: SyncNewestParams, result: SyncNewestResult }
  /** Any file item's bytes (no audience: it is the owner's own device). */
  syncFileRange: { params: FileRangeParams, result: FileRangeResult }
}

function record (input: unknown, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new KithError('BAD_REQUEST', `${what} takes an object`)
  return input as Record<string, unknown>
}

export function parsePingParams (input: unknown): PingParams {
  const p = record(input, 'ping')
  if (!(p.data instanceof Uint8Array)) throw new KithError('BAD_REQUEST', 'ping takes {data: bytes, replyBytes?: number}')
  const { data, replyBytes } = p as { data: Uint8Array, replyBytes?: unknown }
  if (replyBytes === undefined || replyBytes === null) return { data }
  if (!Number.isSafeInteger(replyBytes) || (replyBytes as number) < 0 || (replyBytes as number) > MAX_PING_BYTES) {
    throw new KithError('BAD_REQUEST', `replyBytes must be a whole number from 0 to ${MAX_PING_BYTES}`)
  }
  return { data, replyBytes: replyBytes as number }
}

export function parseEmptyParams (input: unknown): Record<string, never> {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Object.keys(input).length > 0)) {
    throw new KithError('BAD_REQUEST', 'this method takes no parameters')
  }
  return {}
}

const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

export function parseListItemsParams (input: unknown): ListItemsParams {
  const p = record(input ?? {}, 'listItems')
  const out: ListItemsParams = { limit: DEFAULT_PAGE }
  if (p.types !== undefined) {
    if (!Array.isArray(p.types) || p.types.length > 3 || !p.types.every(isItemType)) throw new KithError('BAD_REQUEST', 'types must be a list of note, post, file')
    out.types = p.types
  }
  for (const key of ['createdFrom', 'createdTo'] as const) {
    if (p[key] === undefined) continue
    if (!isTime(p[key])) throw new KithError('BAD_REQUEST', `${key} must be a time in ms`)
    out[key] = p[key]
  }
  if (p.after !== undefined) {
    if (typeof p.after !== 'string') throw new KithError('BAD_REQUEST', 'after must be a cursor string')
    out.after = decodeCursor(p.after)
  }
  if (p.limit !== undefined) {
    if (!Number.isSafeInteger(p.limit) || (p.limit as number) < 1 || (p.limit as number) > MAX_PAGE) throw new KithError('BAD_REQUEST', `limit must be 1 to ${MAX_PAGE}`)
    out.limit = p.limit as number
  }
  return out
}

export function parseItemId (input: unknown): string {
  const p = record(input, 'this method')
  if (typeof p.id !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(p.id)) throw new KithError('BAD_REQUEST', 'id must be an item id')
  return p.id
}

export function parseFileRangeParams (input: unknown): FileRangeParams {
  const id = parseItemId(input)
  const { offset, length } = input as Record<string, unknown>
  if (!Number.isSafeInteger(offset) || (offset as number) < 0 || (offset as number) > MAX_FILE_BYTES) {
    throw new KithError('BAD_REQUEST', `offset must be a whole number from 0 to ${MAX_FILE_BYTES}`)
  }
  if (!Number.isSafeInteger(length) || (length as number) < 1 || (length as number) > MAX_FILE_RANGE_BYTES) {
    throw new KithError('BAD_REQUEST', `length must be a whole number from 1 to ${MAX_FILE_RANGE_BYTES}`)
  }
  return { id, offset: offset as number, length: length as number }
}

const isPosition = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

export function parseSyncPullParams (input: unknown): SyncPullParams {
  const p = record(input, 'syncPull')
  if (!isPosition(p.after)) throw new KithError('BAD_REQUEST', 'after must be a position (a whole number, 0 or more)')
  if (!Number.isSafeInteger(p.limit) || (p.limit as number) < 1 || (p.limit as number) > MAX_SYNC_PAGE) throw new KithError('BAD_REQUEST', `limit must be 1 to ${MAX_SYNC_PAGE}`)
  if (p.applied === undefined) return { after: p.after, limit: p.limit as number }
  if (!isPosition(p.applied) || p.applied > p.after) throw new KithError('BAD_REQUEST', 'applied must be a position no further than after')
  return { after: p.after, limit: p.limit as number, applied: p.applied }
}

export function parseSyncNewestParams (input: unknown): SyncNewestParams {
  const p = record(input, 'syncNewest')
  if (!Number.isSafeInteger(p.limit) || (p.limit as number) < 1 || (p.limit as number) > MAX_SYNC_NEWEST) throw new KithError('BAD_REQUEST', `limit must be 1 to ${MAX_SYNC_NEWEST}`)
  return { limit: p.limit as number }
}

/** The shape of a syncNewest answer (its records are checked as a page's). */
export function parseSyncNewestResult (value: unknown, asked: SyncNewestParams): SyncNewestResult {
  const records = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).records : undefined
  if (!Array.isArray(records) || records.length > asked.limit) throw new KithError('BAD_REQUEST', `the device answered more than ${asked.limit} newest items, or no list`)
  return { records: records as SyncRecord[] }
}

/** The shape of a syncPull answer; each record's content is checked by the
 *  receiving device against its tables before anything is written. */
export function parseSyncPullResult (value: unknown, asked: SyncPullParams): SyncPullResult {
  const bad = (what: string): never => { throw new KithError('BAD_REQUEST', `the device answered ${what}`) }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('something that is not a page')
  const { records, next, done } = value as Record<string, unknown>
  if (!Array.isArray(records) || records.length > asked.limit) bad(`a page of more than ${asked.limit} records`)
  if (typeof done !== 'boolean') bad('a page without done')
  if (!isPosition(next) || next < asked.after || ((records as unknown[]).length > 0 && next === asked.after)) bad('a position that goes back')
  // An empty page may move on (past changes the asker already has), but must move.
  if (!done && next === asked.after) bad('a page that claims more follows without moving on')
  const page: SyncPullResult = { records: records as SyncRecord[], next: next as number, done: done as boolean }
  const { ahead } = value as Record<string, unknown>
  if (ahead === undefined) return page
  if (!Number.isSafeInteger(ahead) || (ahead as number) < 1) bad('a number of requests at once that is not one')
  // Never more than this side ever sends, whatever the device offers.
  page.ahead = Math.min(ahead as number, MAX_SYNC_PULLS_AT_ONCE)
  return page
}

export function parseDeleteNotices (input: unknown): string[] {
  const p = record(input, 'deleteNotices')
  if (!Array.isArray(p.itemIds) || p.itemIds.length > MAX_NOTICE_BATCH || !p.itemIds.every((id) => typeof id === 'string' && /^[A-Za-z0-9]{1,64}$/.test(id))) {
    throw new KithError('BAD_REQUEST', `itemIds must be up to ${MAX_NOTICE_BATCH} item ids`)
  }
  return p.itemIds as string[]
}

export function parseRedeemInvite (input: unknown): { token: string, profile: Profile } {
  const p = record(input, 'redeemInvite')
  if (typeof p.token !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]{10,64}$/.test(p.token)) throw new KithError('BAD_REQUEST', 'token must be an invite code')
  if (!isProfile(p.profile)) throw new KithError('BAD_REQUEST', 'profile must be {displayName, address}')
  return { token: p.token, profile: p.profile }
}

export function isProfile (value: unknown): value is Profile {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return typeof v.displayName === 'string' && v.displayName.length <= MAX_DISPLAY_NAME && typeof v.address === 'string' && v.address.length <= 80
}

/** Cleans a display name typed by the owner; throws a sentence on bad input. */

