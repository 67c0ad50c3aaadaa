// Forgetting tombstones. A tombstone (table, key, stamp) must stay while some
// device could still hold the row it deleted, or it would come back from
// there. Once every known device has pulled past it from here (its requests
// say how far: see cursors.ts), and for an item no delete notice for it is
// left, nobody needs it: it goes, and with it the last trace of the row.
import type { NodeDatabase } from '../storage/db'
import { peersSyncedWith, servedTo } from './cursors'
import { keptByRotation } from '../storage/rotation-kept'

/** The person's other devices to wait for: every unrevoked one but this,
 *  from the devices table and from sync itself (a device we synced with but
 *  that is not, or not yet, in the table still holds rows). */
export async function devicesToWaitFor (db: NodeDatabase, selfDeviceKey: string): Promise<string[]> {
  const devices = await db.devices.toArray()
  const kept = await keptByRotation(db)
  const revoked = new Set(devices.filter((d) => d.revocation !== undefined && !kept.has(d.deviceKey)).map((d) => d.deviceKey))
  const known = new Set([...devices.map((d) => d.deviceKey), ...await peersSyncedWith(db)])
  return [...known].filter((key) => key !== selfDeviceKey && !revoked.has(key))
}

/** Removes the tombstones every one of `otherDevices` pulled past. Returns how many went. */
export async function pruneTombstones (db: NodeDatabase, otherDevices: readonly string[]): Promise<number> {
  return db.transaction('rw', db.syncLog, db.settings, db.notices, async () => {
    const pulled = await Promise.all(otherDevices.map((d) => servedTo(db, d)))
    const upTo = pulled.length === 0 ? Infinity : Math.min(...pulled)
    const tombstones = await db.syncLog.where('seq').belowOrEqual(upTo).filter((e) => e.deleted === true).toArray()
    const gone: Array<[string, string]> = []
    for (const entry of tombstones) {
      // An item whose delete notices are not all acknowledged stays known as deleted.
      if (entry.table === 'items' && await db.notices.where('itemId').equals(JSON.parse(entry.key) as string).count() > 0) continue
      gone.push([entry.table, entry.key])
    }
    await db.syncLog.bulkDelete(gone)
    return gone.length
  })
}
