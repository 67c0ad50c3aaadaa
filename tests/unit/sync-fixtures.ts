// Owner devices for the sync tests: each its own NodeDatabase and stores,
// its own clock, and a device key; pulls go over the memory transport
// through the real handlers and RpcPeer.
import { createMemoryTransportPair } from '../../shared/wire/memory-transport'
import { toHex } from '../../shared/util/bytes'
import { randomBytes } from '../../shared/crypto/crypto'
import type { OwnerDeviceMethods } from '../../shared/protocol/protocol'
import { RpcPeer } from '../../shared/wire/rpc'
import { NodeDatabase } from '../../node-tab/storage/db'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import { InvitesStore } from '../../node-tab/storage/invites-store'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { NoticesStore } from '../../node-tab/notices/notices-store'
import { ownerDeviceHandlers } from '../../node-tab/sync/handlers'
import { DeviceSync, type DeviceSyncOptions, type SyncProgress } from '../../node-tab/sync/pull'
import { isPersonSetting, portableRow, SYNCED_TABLES } from '../../node-tab/sync/tables'
import { befriend, freshDb, person, TestClock, type Person } from './store-fixtures'

export interface Device {
  name: string
  key: string
  db: NodeDatabase
  clock: TestClock
  items: ItemsStore
  friends: FriendsStore
  invites: InvitesStore
  notices: NoticesStore
}

/** A device of one person. Devices share a clock unless given their own. */
export function device (name: string, clock = new TestClock()): Device {
  const db = new NodeDatabase(freshDb().name, clock.now)
  const friends = new FriendsStore(db, clock.now)
  return { name, key: toHex(randomBytes(32)), db, clock, friends, items: new ItemsStore(db, clock.now), invites: new InvitesStore(db, friends, clock.now), notices: new NoticesStore(db) }
}

/** Two devices of one person on one clock, and a friend of theirs known to A. */
export async function twoDevicesAndAFriend (): Promise<{ clock: TestClock, a: Device, b: Device, friend: Person }> {
  const clock = new TestClock()
  const [a, b] = [device('A', clock), device('B', clock)]
  const friend = person('F')
  await befriend(a.friends, friend)
  return { clock, a, b, friend }
}

/** A DeviceSync of `to` pulling from `from`, and how to close its session. */
export function pulling (to: Device, from: Device, pageSize: number): { sync: DeviceSync, close: () => void } {
  const { peer, close } = connectDevices(to, from)
  return { sync: new DeviceSync(to.db, peer, from.key, { pageSize, now: to.clock.now }), close }
}

/** The side of `to` talking to `from`: `from`'s handlers answer over a memory transport. */
export function connectDevices (to: Device, from: Device): { peer: RpcPeer<OwnerDeviceMethods>, close: () => void } {
  const [mine, theirs] = createMemoryTransportPair()
  const server = new RpcPeer<OwnerDeviceMethods, OwnerDeviceMethods>(theirs, ownerDeviceHandlers(from.db, to.key))
  const peer = new RpcPeer<OwnerDeviceMethods, OwnerDeviceMethods>(mine, {})
  return { peer, close: () => { peer.close(); server.close() } }
}

/** `to` pulls everything new from `from`. */
export async function syncFrom (to: Device, from: Device, opts: DeviceSyncOptions = {}): Promise<SyncProgress> {
  const { peer, close } = connectDevices(to, from)
  try {
    return await new DeviceSync(to.db, peer, from.key, { now: to.clock.now, ...opts }).pull()
  } finally {
    close()
  }
}

/** Every pair, both ways, until a whole round pulls nothing: whatever one
 *  device learnt has reached all (merges and echoes take extra rounds). */
export async function syncAll (devices: Device[]): Promise<void> {
  let pulled = 1
  for (let round = 0; pulled > 0; round++) {
    if (round === 8) throw new Error('the devices do not settle')
    pulled = 0
    for (const to of devices) {
      for (const from of devices) if (to !== from) pulled += (await syncFrom(to, from)).pulled
    }
  }
}

/** The synced tables as plain data, without what is each device's own
 *  (listing positions, device-local settings), sorted by key. */
export async function dump (db: NodeDatabase): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const table of SYNCED_TABLES) {
    let rows = await db.table(table).toArray() as Array<Record<string, unknown>>
    if (table === 'settings') rows = rows.filter((r) => isPersonSetting(r.key))
    out[table] = rows.map((row) => portableRow(table, row)).sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)
  }
  return out
}

/** Where two byte strings first differ, -1 if nowhere (a length counts as a
 *  difference at the shorter one's end). toEqual walks a file's megabytes
 *  element by element: seconds of CPU, minutes on a busy machine. */
export function firstDifference (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return a.length === b.length ? -1 : n
}

export async function chunksOf (db: NodeDatabase, itemId: string): Promise<Uint8Array> {
  const rows = await db.fileChunks.where('itemId').equals(itemId).sortBy('index')
  return new Uint8Array(await new Blob(rows.map((r) => r.data)).arrayBuffer())
}
