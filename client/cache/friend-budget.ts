// How much of one friend's sharing this browser keeps. A friend decides what
// they send, so without a bound one of them could fill my disk (thousands of
// items of 20,000 characters in a few seconds). Each friend's cached items
// are counted (how many, and the bytes of their text and metadata) in that
// friend's sync state row, updated in the same transactions that add or
// remove them; past the budget, that friend's least recently updated items
// go, with their cached files. Only that friend's rows are read or removed.
import Dexie from 'dexie'
import type { SharedItem } from '../../shared/protocol/items'
import type { CacheUsage, ClientDatabase, LeftOut, SyncStateRow } from './db'

export type { CacheUsage, LeftOut } from './db'

export { DEFAULT_FRIEND_BUDGET, type FriendBudget } from './friend-limits'
import type { FriendBudget } from './friend-limits'

/** What a row holds beside the item's own strings: the owner's key, the id
 *  again in the keys and indexes, dates and flags. Counting it makes many
 *  tiny items weigh something too. */
const ROW_OVERHEAD_BYTES = 256
/** Rows read at a time while trimming: the oldest first, a few at a time. */
const TRIM_BATCH = 100

/** What one cached item weighs: its strings as UTF-8 (no less than the
 *  browser stores them) plus a row's fixed part. */
export function itemBytes (item: SharedItem): number {
  let bytes = ROW_OVERHEAD_BYTES + utf8Length(item.id) + utf8Length(item.text)
  if (item.file) bytes += utf8Length(item.file.name) + utf8Length(item.file.mime)
  return bytes
}

function utf8Length (text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4 // a surrogate pair: one code point
      i++
    } else bytes += 3
  }
  return bytes
}

export { checkedBudget } from './friend-limits'

/** Inside the caller's transaction: the friend's counters, or (a database
 *  from before they were kept) counted once from their rows. */
export async function usageOf (db: ClientDatabase, owner: string, state: SyncStateRow | undefined): Promise<CacheUsage> {
  if (state?.usage) return { ...state.usage }
  const usage: CacheUsage = { items: 0, bytes: 0 }
  await db.cachedItems.where('owner').equals(owner).each((row) => {
    usage.items++
    usage.bytes += itemBytes(row.item)
  })
  return usage
}

export interface Trimmed {
  usage: CacheUsage
  /** Ids removed to fit. */
  removed: string[]
  /** Which limit made room necessary; null when nothing was removed. */
  by: LeftOut['by'] | null
}

/** Inside the caller's transaction (which holds the items, files and file
 *  pieces): removes the friend's least recently updated items, and their
 *  files through `dropFiles`, until their usage fits the budget. */
export async function trimToBudget (
  db: ClientDatabase, owner: string, start: CacheUsage, budget: FriendBudget,
  dropFiles: (keys: Array<[string, string]>) => Promise<void>
): Promise<Trimmed> {
  const usage = { ...start }
  const over = (): boolean => usage.items > budget.maxItems || usage.bytes > budget.maxBytes
  const by = usage.bytes > budget.maxBytes ? 'bytes' : usage.items > budget.maxItems ? 'items' : null
  const removed: string[] = []
  const oldestFirst = () => db.cachedItems.where('[owner+updatedAt]').between([owner, Dexie.minKey], [owner, Dexie.maxKey], true, true)
  while (over()) {
    const batch = await oldestFirst().limit(TRIM_BATCH).toArray()
    if (batch.length === 0) { // nothing left of theirs: the counters were off
      usage.items = 0
      usage.bytes = 0
      break
    }
    const gone: Array<[string, string]> = []
    for (const row of batch) {
      if (!over()) break
      gone.push([owner, row.id])
      removed.push(row.id)
      usage.items--
      usage.bytes -= itemBytes(row.item)
    }
    await db.cachedItems.bulkDelete(gone)
    await dropFiles(gone)
  }
  return { usage: { items: Math.max(0, usage.items), bytes: Math.max(0, usage.bytes) }, removed, by }
}
