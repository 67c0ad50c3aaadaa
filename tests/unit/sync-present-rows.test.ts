// Reading a page's rows by asking only for those the store holds must give
// exactly what a get per key gives, in a small store and in a large one.
import { describe, expect, it, vi } from 'vitest'
import type { IndexableType, Table } from 'dexie'
import { bulkGetPresent, KEYS_PER_KEY_WANTED } from '../../node-tab/sync/present-rows'
import { freshDb } from './store-fixtures'

describe('bulkGetPresent', () => {
  it('gives what bulkGet gives, whether the range holds few keys or more than it reads at once', async () => {
    const db = freshDb()
    const table = db.settings as unknown as Table<{ key: string, value: number }, IndexableType>
    await table.bulkPut(Array.from({ length: 200 }, (_, i) => ({ key: `k${String(i).padStart(3, '0')}`, value: i })))
    // A narrow range: only the keys there are read.
    const few = ['k013', 'k010', 'k011x', 'k012', 'k010']
    const expected = await table.bulkGet(few)
    const gets = vi.spyOn(table, 'bulkGet')
    expect(await db.transaction('r', table, () => bulkGetPresent(table, few))).toEqual(expected)
    expect(gets.mock.calls).toEqual([[['k013', 'k010', 'k012', 'k010']]])
    gets.mockRestore()
    // Two keys whose range holds far more than KEYS_PER_KEY_WANTED each: read key by key.
    const wide = ['k000', 'k199']
    expect(200).toBeGreaterThan(KEYS_PER_KEY_WANTED * wide.length)
    expect(await db.transaction('r', table, () => bulkGetPresent(table, wide))).toEqual(await table.bulkGet(wide))
    expect(await bulkGetPresent(table, [])).toEqual([])
  })

  it('reads compound keys (the change log’s) alike', async () => {
    const db = freshDb()
    const log = db.syncLog as unknown as Table<Record<string, unknown>, IndexableType>
    await log.bulkPut([{ table: 'items', key: '"a"', seq: 1, stamp: 's' }, { table: 'items', key: '"c"', seq: 2, stamp: 's' }, { table: 'groups', key: '"b"', seq: 3, stamp: 's' }])
    const keys = [['items', '"a"'], ['items', '"b"'], ['items', '"c"']]
    const rows = await bulkGetPresent(log, keys)
    expect(rows).toEqual(await log.bulkGet(keys))
    expect(rows.map((r) => r?.seq)).toEqual([1, undefined, 2])
  })
})
