// Ending a friend's access to items they already received. Whenever an item
// goes away or stops being visible to someone who got it (deleted, audience
// narrowed, friend removed, friend left a group), their delivery turns into a
// delete notice and the owner's deletion log lists them as "not yet
// confirmed". Run inside the caller's transaction (see revokeTables), so the
// change and its notices commit together or not at all.
import type { Table } from 'dexie'
import type { ItemType } from '../../shared/protocol/items'
import { canSee, type Viewer } from './access-policy'
import { deletionId, type DeletionLogRow, type DeletionReason, type NodeDatabase, type NoticeRow } from './db'
import { deliveriesOfItems, deliveriesToFriends, removeDeliveries, type Delivery } from './deliveries'
import { rowsWithAny } from './rows-with-any'

export { rowsWithAny }

/** The union of table lists, each table once, for one transaction (rows of any type). */
export function unionTables (...lists: Array<Array<Table<any, any, any>>>): Array<Table<any, any, any>> {
  return [...new Set(lists.flat())]
}

/** Every table revokeInvisible reads or writes: the caller's transaction must include them. */
export function revokeTables (db: NodeDatabase) {
  return [db.items, db.friends, db.memberships, db.deliveryPages, db.notices, db.deletionLog]
}

/** What each of these keys may see right now (a removed friend or a stranger: nothing). */
export async function loadViewers (db: NodeDatabase, friendKeys: readonly string[]): Promise<Map<string, Viewer>> {
  const keys = [...new Set(friendKeys)]
  const [rows, memberships] = await Promise.all([
    db.friends.bulkGet(keys),
    rowsWithAny(db.memberships, 'friendKey', keys)
  ])
  const groups = new Map(keys.map((key) => [key, new Set<string>()]))
  for (const m of memberships) groups.get(m.friendKey)?.add(m.groupId)
  return new Map(keys.map((key, i) => [key, { isFriend: rows[i] !== undefined, groupIds: groups.get(key)! }]))
}

export interface RevokeScope {
  /** Look at deliveries of these items… */
  itemIds?: readonly string[]
  /** …and/or deliveries to these friends (both given: deliveries matching both). */
  friendKeys?: readonly string[]
  reason: DeletionReason
  at: number
  /** Items removed earlier in this transaction, with their type for the log
   *  (their rows are gone, and the log keeps the type, never the content). */
  gone?: ReadonlyMap<string, ItemType>
  /** …and when they were made and whether they were photos, so the owner's
   *  log can say "your photo from 3 Nov" (still no content). */
  goneDetails?: ReadonlyMap<string, ItemDetails>
}

export interface ItemDetails { createdAt: number, file?: { mime: string } }

/** Revokes every delivery in scope that the current state no longer allows.
 *  Returns the friends who got new notices. */
export async function revokeInvisible (db: NodeDatabase, scope: RevokeScope): Promise<string[]> {
  const deliveries = await deliveriesInScope(db, scope)
  if (deliveries.length === 0) return []
  const itemIds = [...new Set(deliveries.map((d) => d.itemId))]
  const itemRows = await db.items.bulkGet(itemIds)
  const items = new Map(itemIds.map((id, i) => [id, itemRows[i]]))
  const viewers = await loadViewers(db, deliveries.map((d) => d.friendKey))

  const lost = new Map<string, string[]>() // item id -> friends who lost it
  for (const d of deliveries) {
    const item = items.get(d.itemId)
    if (item && canSee(item.audience, viewers.get(d.friendKey)!)) continue
    const keys = lost.get(d.itemId) ?? []
    keys.push(d.friendKey)
    lost.set(d.itemId, keys)
  }

  // Written in three bulk operations: removing a friend can revoke thousands of deliveries.
  const notices: NoticeRow[] = []
  const revoked: Delivery[] = []
  const logs: DeletionLogRow[] = []
  for (const [itemId, friendKeys] of lost) {
    for (const friendKey of friendKeys) {
      notices.push({ itemId, friendKey, createdAt: scope.at, attempts: 0 })
      revoked.push({ itemId, friendKey })
    }
    logs.push({
      id: deletionId(itemId, scope.reason),
      itemId,
      // Deliveries are revoked in the same transaction that deletes an item,
      // so an item that is neither present nor in `gone` cannot occur.
      itemType: items.get(itemId)?.type ?? scope.gone?.get(itemId) ?? 'note',
      reason: scope.reason,
      at: scope.at,
      friends: Object.fromEntries(friendKeys.map((key) => [key, false])),
      ...describeItem(items.get(itemId) ?? scope.goneDetails?.get(itemId))
    })
  }
  await db.notices.bulkPut(notices)
  await removeDeliveries(db, revoked)
  // The same item may have been revoked for the same reason before (or on
  // another device): one row, now waiting for these friends too.
  const earlier = await db.deletionLog.bulkGet(logs.map((log) => log.id))
  await db.deletionLog.bulkPut(logs.map((log, i) => {
    const seen = earlier[i]
    return seen ? { ...log, friends: { ...seen.friends, ...log.friends } } : log
  }))
  return [...new Set(notices.map((n) => n.friendKey))]
}

/** The item's date and whether it was a photo (by the type its owner gave it). */
function describeItem (item: ItemDetails | undefined): Pick<DeletionLogRow, 'itemCreatedAt' | 'itemPhoto'> {
  if (!item) return {}
  return { itemCreatedAt: item.createdAt, ...(item.file?.mime.startsWith('image/') ? { itemPhoto: true } : {}) }
}

/** The deliveries in scope, queried by the shorter of the two lists and
 *  filtered by the other (deleting a group names many items, few friends). */
async function deliveriesInScope (db: NodeDatabase, scope: RevokeScope): Promise<Delivery[]> {
  const { itemIds, friendKeys } = scope
  if (!itemIds && !friendKeys) throw new Error('revokeInvisible needs item ids or friend keys to look at')
  if (itemIds && (!friendKeys || itemIds.length <= friendKeys.length)) {
    const rows = await deliveriesOfItems(db, itemIds)
    const keys = friendKeys && new Set(friendKeys)
    return keys ? rows.filter((d) => keys.has(d.friendKey)) : rows
  }
  const rows = await deliveriesToFriends(db, friendKeys!)
  const ids = itemIds && new Set(itemIds)
  return ids ? rows.filter((d) => ids.has(d.itemId)) : rows
}
