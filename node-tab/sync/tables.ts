// Which tables and settings owner devices share, and what in them stays on
// one device. Everything else about a row syncs as it is, field by field, so
// a field added later (a friend's pair secret…) syncs with no change here.

/** Tables whose rows every owner device holds the same of. fileChunks are not
 *  among them: file pieces travel by range (see file-fetch.ts). */
export const SYNCED_TABLES = [
  'items', 'friends', 'groups', 'memberships', 'deliveryPages', 'notices', 'deletions', 'invites', 'settings', 'devices', 'peerRevocations'
] as const
export type SyncedTable = (typeof SYNCED_TABLES)[number]

const SYNCED = new Set<string>(SYNCED_TABLES)
export function isSyncedTable (name: unknown): name is SyncedTable {
  return typeof name === 'string' && SYNCED.has(name)
}

/** Settings of the person, the same on all their devices. Others (the items
 *  clock, offers already answered, sync cursors and clocks) are the device's
 *  own. So are the trackers and ICE servers (`config.overrides`): a Pi is
 *  configured by its runner's flags, and a device that could set the others'
 *  trackers and TURN servers could learn where each of them is. */
const PERSON_SETTINGS = new Set(['profile.displayName', 'rendezvous.discoverable', 'devices.secret', 'recovery.record'])
export const RESYNC_SETTING = /^resync\.[0-9a-f]{64}$/

export function isPersonSetting (key: unknown): key is string {
  return typeof key === 'string' && (PERSON_SETTINGS.has(key) || RESYNC_SETTING.test(key))
}

/** Fields of a row that are the device's own: never sent, never overwritten.
 *  An item's listedAt is where this device lists it to friends (see
 *  ItemsStore.listVisible): each device numbers its own changes. A friend's
 *  toldRevocations is which of my revocations this device told that friend:
 *  taken from sync, it let a stolen server device mark its own revocation
 *  as told to every friend before it was revoked, and no device ever told
 *  them. Each device tells each friend itself (the friend takes a known
 *  revocation again at no cost). An item's seenBy is its visibility index
 *  entries, made from listedAt (storage/visibility-index.ts). */
export const DEVICE_LOCAL_FIELDS: Partial<Record<SyncedTable, readonly string[]>> = {
  items: ['listedAt', 'seenBy'],
  friends: ['toldRevocations']
}

/** A row without its device-local fields. */
export function portableRow (table: SyncedTable, row: Record<string, unknown>): Record<string, unknown> {
  const local = DEVICE_LOCAL_FIELDS[table]
  if (!local) return row
  const out = { ...row }
  for (const field of local) delete out[field]
  return out
}

/** Each synced table's primary key path (one field, or a pair). */
export const PRIMARY_KEYS: Record<SyncedTable, string | readonly [string, string]> = {
  items: 'id',
  friends: 'key',
  groups: 'id',
  memberships: ['groupId', 'friendKey'],
  deliveryPages: ['friendKey', 'page'],
  notices: ['itemId', 'friendKey'],
  deletions: 'id',
  invites: 'id',
  settings: 'key',
  devices: 'deviceKey',
  peerRevocations: ['identityKey', 'deviceKey']
}

/** The primary key of a row of `table`. */
export function keyOfRow (table: SyncedTable, row: Record<string, unknown>): unknown {
  const path = PRIMARY_KEYS[table]
  return typeof path === 'string' ? row[path] : [row[path[0]], row[path[1]]]
}

/** `row` with this device's own values of the device-local fields of `ours`
 *  (a change from elsewhere never carries them, and must not erase them). */
export function withLocalFields (table: SyncedTable, row: Record<string, unknown>, ours: Record<string, unknown> | undefined): Record<string, unknown> {
  const local = DEVICE_LOCAL_FIELDS[table]
  if (!local || !ours) return row
  const out = { ...row }
  for (const field of local) if (ours[field] !== undefined) out[field] = ours[field]
  return out
}

/** A primary key (a string, or a pair for the compound keys) as one string,
 *  the form the change log stores it in. */
export function encodeKey (key: unknown): string {
  return JSON.stringify(key)
}

export function decodeKey (text: string): unknown {
  return JSON.parse(text)
}
