// Remembering who received what, so a later deletion reaches exactly them.
import type { NodeDatabase } from './db'
import { rowsWithAny } from './revoke'

/** The tables recordDeliveries touches: include them in the caller's transaction. */
export function deliveryTables (db: NodeDatabase) {
  return [db.deliveries, db.notices, db.deletionLog]
}

/** Records that this friend has received these items. If a delete notice for
 *  one of them was still waiting (the item was hidden from them, then shown
 *  again), it is withdrawn: sent later, it would delete the fresh copy the
 *  friend just fetched, and their cursor is already past it. */
export async function recordDeliveries (db: NodeDatabase, friendKey: string, itemIds: readonly string[], at: number): Promise<void> {
  if (itemIds.length === 0) return
  await db.deliveries.bulkPut(itemIds.map((itemId) => ({ itemId, friendKey, deliveredAt: at })))
  const keys = itemIds.map((itemId): [string, string] => [itemId, friendKey])
  const pending = (await db.notices.bulkGet(keys)).filter((n) => n !== undefined)
  if (pending.length === 0) return
  await db.notices.bulkDelete(pending.map((n): [string, string] => [n.itemId, friendKey]))
  // The owner's log no longer waits for this friend on those items.
  const logs = await rowsWithAny(db.deletionLog, 'itemId', pending.map((n) => n.itemId))
  for (const log of logs) {
    if (log.friends[friendKey] !== false) continue
    const { [friendKey]: _withdrawn, ...rest } = log.friends
    if (Object.keys(rest).length === 0) await db.deletionLog.delete(log.id!)
    else await db.deletionLog.update(log.id!, { friends: rest })
  }
}
