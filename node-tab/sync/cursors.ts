// Where sync stands with each peer device, kept in the device's own
// settings (never synced): how far we pulled from it, and how far it told
// us it pulled from us. Peer devices are named by their device key (hex).
import { KithError } from '../../shared/wire/errors'
import type { NodeDatabase } from '../storage/db'
import { keptByRotation } from '../storage/rotation-kept'

/** Defence in depth: whoever wires sessions should not let a revoked device
 *  sync at all, but if one gets here it is refused both ways. */
export async function refuseRevoked (db: NodeDatabase, peer: string): Promise<void> {
  if ((await db.devices.get(peer))?.revocation !== undefined && !(await keptByRotation(db)).has(peer)) throw new KithError('UNAUTHORIZED', 'This device was removed by its owner.')
}

const PULLED = 'sync.pulled.'
const SERVED = 'sync.served.'
const pulledKey = (peer: string): string => PULLED + peer
const servedKey = (peer: string): string => SERVED + peer

/** Every device this one has synced with, either way. */
export async function peersSyncedWith (db: NodeDatabase): Promise<string[]> {
  const keys = await db.settings.where('key').startsWith('sync.').primaryKeys() as string[]
  const peers = keys.filter((k) => k.startsWith(PULLED) || k.startsWith(SERVED)).map((k) => k.slice(k.startsWith(PULLED) ? PULLED.length : SERVED.length))
  return [...new Set(peers)]
}
const isPosition = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

/** The last position of `peer`'s log applied here (0: nothing yet). */
export async function pulledFrom (db: NodeDatabase, peer: string): Promise<number> {
  return await db.getSetting(pulledKey(peer), isPosition) ?? 0
}

/** Inside the transaction that applied the page: the two commit together. */
export async function savePulled (db: NodeDatabase, peer: string, position: number): Promise<void> {
  await db.putSetting(pulledKey(peer), position)
}

/** How far `peer` has applied our log, as its last request said. */
export async function servedTo (db: NodeDatabase, peer: string): Promise<number> {
  return await db.getSetting(servedKey(peer), isPosition) ?? 0
}

/** The latest request counts, even if lower than an earlier one: a device
 *  whose store was reset has applied less, and pruning must wait for it. */
export async function noteServed (db: NodeDatabase, peer: string, position: number): Promise<void> {
  await db.putSetting(servedKey(peer), position)
}
