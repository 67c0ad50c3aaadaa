// Remembering who received what, so a later deletion reaches exactly them.
//
// One row per answer (a page of a friend's listing, a file's first range, a
// letter), holding the ids it carried, not one row per item: a page of 50
// is then one row and one change-log entry instead of fifty of each, which
// was nine tenths of a page's time. An item's rows are found through the
// multiEntry index on itemIds; taking an item back from a friend rewrites
// their rows without it.
import { MAX_PAGE } from '../../shared/protocol/items'
import { pageKey } from './delivery-keys'
import type { DeliveryRow, NodeDatabase } from './db'
import { rowsWithAny } from './rows-with-any'
import { DEVICE_KEY, thisDevice } from '../sync/change-log'

/** One item delivered to one friend (what the rows add up to). */
export interface Delivery { itemId: string, friendKey: string }

/** The tables recordDeliveries touches: include them in the caller's transaction. */
export function deliveryTables (db: NodeDatabase) {
  return [db.deliveryPages, db.notices, db.deletionLog, db.settings]
}

/** Records that this friend has received these items. If a delete notice for
 *  one of them was still waiting (the item was hidden from them, then shown
 *  again), it is withdrawn: sent later, it would delete the fresh copy the
 *  friend just fetched, and their cursor is already past it. `knownDevice`:
 *  this device's tag (thisDevice), when the caller already has it. */
export async function recordDeliveries (db: NodeDatabase, friendKey: string, itemIds: readonly string[], at: number, knownDevice?: string): Promise<void> {
  const ids = [...new Set(itemIds)]
  if (ids.length === 0) return
  // This device's tag: from the caller who has it (a wait less), else read
  // as a row: thisDevice's own read as the first request of a transaction
  // let it commit early (PrematureCommitError, seen in the unit tests); it
  // stays for a device with no tag yet, which it makes.
  const device = knownDevice ?? await db.getSetting(DEVICE_KEY, (v): v is string => typeof v === 'string') ?? await thisDevice(db)
  const batches: string[][] = []
  for (let i = 0; i < ids.length; i += MAX_PAGE) batches.push(ids.slice(i, i + MAX_PAGE))
  const keys = batches.map((batch): [string, string] => [friendKey, pageKey(device, batch)])
  // Almost always no notice is waiting: one count, beside the row reads.
  const [earlier, waiting] = await Promise.all([
    db.deliveryPages.bulkGet(keys),
    db.notices.where('friendKey').equals(friendKey).count()
  ])
  const rows: DeliveryRow[] = []
  batches.forEach((batch, i) => {
    const seen = earlier[i]
    if (!seen) return rows.push({ friendKey, page: keys[i]![1], itemIds: batch, deliveredAt: at })
    // The same page again: nothing new to remember, nothing to write or sync.
    const added = batch.filter((id) => !seen.itemIds.includes(id))
    if (added.length === 0) return
    // Something new between the same two ends: a row of its own. A row is
    // only ever written whole once and then only narrowed (revoke), so
    // another device narrowing it at the same time cannot drop what this
    // one adds (the later write of a row wins when devices sync).
    rows.push({ friendKey, page: `${keys[i]![1]}:${at}`, itemIds: added, deliveredAt: at })
  })
  if (rows.length > 0) await db.deliveryPages.bulkPut(rows)
  if (waiting > 0) await withdrawNotices(db, friendKey, ids)
}

async function withdrawNotices (db: NodeDatabase, friendKey: string, itemIds: readonly string[]): Promise<void> {
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

/** The friends who received this item: the keys ([friendKey, page]) of its
 *  rows say it, without reading the rows (an item many friends got is in
 *  many rows of up to MAX_ROW_IDS ids each, and a file's every range asks). */
async function receiversOf (db: NodeDatabase, itemId: string): Promise<Set<string>> {
  const keys = await db.deliveryPages.where('itemIds').equals(itemId).primaryKeys()
  return new Set(keys.map(([friendKey]) => friendKey))
}

/** Has this friend received this item (from any of the owner's devices)? */
export async function wasDelivered (db: NodeDatabase, itemId: string, friendKey: string): Promise<boolean> {
  return (await receiversOf(db, itemId)).has(friendKey)
}

/** Every delivery of these items (each item, friend pair once). */
export async function deliveriesOfItems (db: NodeDatabase, itemIds: readonly string[]): Promise<Delivery[]> {
  const ids = [...new Set(itemIds)]
  const receivers = await Promise.all(ids.map((itemId) => receiversOf(db, itemId)))
  return ids.flatMap((itemId, i) => [...receivers[i]!].map((friendKey) => ({ itemId, friendKey })))
}

/** Every delivery to these friends (each item, friend pair once). */
export async function deliveriesToFriends (db: NodeDatabase, friendKeys: readonly string[]): Promise<Delivery[]> {
  return pairsIn(await rowsWithAny(db.deliveryPages, 'friendKey', friendKeys), () => true)
}

function pairsIn (rows: readonly DeliveryRow[], keep: (itemId: string) => boolean): Delivery[] {
  const pairs = new Map<string, Delivery>()
  for (const row of rows) {
    for (const itemId of row.itemIds) if (keep(itemId)) pairs.set(`${itemId} ${row.friendKey}`, { itemId, friendKey: row.friendKey })
  }
  return [...pairs.values()]
}

/** Forgets these deliveries: each friend's rows holding one of the items are
 *  written again without it, and a row left empty goes. */
export async function removeDeliveries (db: NodeDatabase, deliveries: readonly Delivery[]): Promise<void> {
  if (deliveries.length === 0) return
  const gone = new Map<string, Set<string>>() // friend -> item ids
  for (const d of deliveries) {
    const ids = gone.get(d.friendKey) ?? new Set<string>()
    ids.add(d.itemId)
    gone.set(d.friendKey, ids)
  }
  const rows = await rowsWithAny(db.deliveryPages, 'itemIds', [...new Set(deliveries.map((d) => d.itemId))])
  const seen = new Set<string>()
  const rewritten: DeliveryRow[] = []
  const emptied: Array<[string, string]> = []
  for (const row of rows) {
    const ids = gone.get(row.friendKey)
    const key = `${row.friendKey} ${row.page}`
    if (!ids || seen.has(key)) continue
    seen.add(key)
    const kept = row.itemIds.filter((id) => !ids.has(id))
    if (kept.length === row.itemIds.length) continue
    if (kept.length === 0) emptied.push([row.friendKey, row.page])
    else rewritten.push({ ...row, itemIds: kept })
  }
  await db.deliveryPages.bulkPut(rewritten)
  await db.deliveryPages.bulkDelete(emptied)
}
