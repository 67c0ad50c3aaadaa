// Reading the rows a sync page names, asking IndexedDB only for those that
// are there. A device that syncs for the first time holds none of a page's
// rows or log entries, and a get per key (a request each, a thousand a page)
// was most of its work: one read of the keys the store holds between the
// page's smallest and largest key tells which are there, while that range
// holds at most KEYS_PER_KEY_WANTED keys for each key wanted (a key read
// in a range costs a small part of a get). A larger store is read key by
// key, as before, after one bounded read in vain. Read in the caller's
// transaction, so what it says is what the page is applied to. Keys are
// strings or arrays of strings (the synced tables' and the log's).
import { cmp, type IndexableType, type Table } from 'dexie'

export const KEYS_PER_KEY_WANTED = 8

/** `table.bulkGet(keys)`, reading only the keys `table` holds. */
export async function bulkGetPresent<T> (table: Table<T, IndexableType>, keys: readonly IndexableType[]): Promise<Array<T | undefined>> {
  if (keys.length < 2) return table.bulkGet([...keys])
  let lo = keys[0]!
  let hi = keys[0]!
  for (const key of keys) {
    if (cmp(key, lo) < 0) lo = key
    if (cmp(key, hi) > 0) hi = key
  }
  const most = KEYS_PER_KEY_WANTED * keys.length
  const held = await table.where(':id').between(lo, hi, true, true).limit(most + 1).primaryKeys()
  if (held.length > most) return table.bulkGet([...keys])
  const there = new Set(held.map((key) => JSON.stringify(key)))
  const wanted = keys.filter((key) => there.has(JSON.stringify(key)))
  const rows = wanted.length > 0 ? await table.bulkGet(wanted) : []
  const found = new Map(wanted.map((key, i) => [JSON.stringify(key), rows[i]]))
  return keys.map((key) => found.get(JSON.stringify(key)))
}
