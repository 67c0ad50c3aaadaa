import { describe, expect, it } from 'vitest'
import { NodeDatabase } from '../../node-tab/storage/db'
import { wasDelivered } from '../../node-tab/storage/deliveries'
import { NoticesStore } from '../../node-tab/notices/notices-store'
import { ItemsStore } from '../../node-tab/storage/items-store'
import { FriendsStore } from '../../node-tab/storage/friends-store'
import { compareStamps } from '../../node-tab/sync/stamps'
import { oldDatabase, person, TestClock } from './store-fixtures'
import { device, dump, syncFrom, type Device } from './sync-fixtures'

describe('schema version 5 (owner device sync)', () => {
  it('keeps every row of version 3 (through 4), stamps them for sync, and merges deletion log rows by item and reason', async () => {
    const clock = new TestClock()
    const name = `t-v5-${Math.random().toString(36).slice(2)}`
    const old = oldDatabase(name, 3)
    const [f, g] = [person('F'), person('G')]
    await old.table('friends').bulkAdd([f, g].map((p) => ({ key: p.key, address: p.address, displayName: p.displayName, addedAt: 1 })))
    await old.table('groups').add({ id: 'fam1', name: 'family', createdAt: 1 })
    await old.table('memberships').add({ groupId: 'fam1', friendKey: f.key })
    await old.table('items').bulkAdd([
      { id: 'item1', type: 'note', text: 'one', createdAt: 1, updatedAt: 10, audience: { kind: 'friends' } },
      { id: 'item2', type: 'file', text: 'two', createdAt: 2, updatedAt: 20, audience: { kind: 'groups', groupIds: ['fam1'] }, file: { name: 'a.bin', mime: 'x/y', size: 3 } }
    ])
    await old.table('fileChunks').add({ itemId: 'item2', index: 0, data: new Blob([new Uint8Array([1, 2, 3])]) })
    await old.table('deliveries').add({ itemId: 'item1', friendKey: f.key, deliveredAt: 5 })
    await old.table('notices').add({ itemId: 'gone1', friendKey: g.key, createdAt: 6, attempts: 2 })
    await old.table('deletionLog').bulkAdd([
      { itemId: 'gone1', itemType: 'note', reason: 'deleted', at: 6, friends: { [g.key]: false } },
      { itemId: 'gone1', itemType: 'note', reason: 'deleted', at: 7, friends: { [f.key]: true } },
      { itemId: 'gone1', itemType: 'note', reason: 'left-group', at: 4, friends: { [f.key]: false } }
    ])
    await old.table('invites').add({ id: 'inv1', token: 'TokenToken1', label: 'x', createdAt: 1, expiresAt: null, status: 'pending' })
    await old.table('settings').bulkAdd([{ key: 'profile.displayName', value: 'Ann' }, { key: 'items.clock', value: 20 }, { key: `resync.${f.key}`, value: { stamp: 15 } }])
    const before = Object.fromEntries(await Promise.all(['friends', 'groups', 'memberships', 'notices', 'invites', 'fileChunks'].map(async (t) => [t, await old.table(t).toArray()])))
    old.close()

    const db = new NodeDatabase(name, clock.now)
    try {
      for (const [t, rows] of Object.entries(before)) expect(await db.table(t).toArray()).toEqual(rows)
      // Deliveries carry on in schema 6's rows (sync-deliveries-upgrade.test.ts).
      expect(await wasDelivered(db, 'item1', f.key)).toBe(true)
      expect((await db.items.toArray()).map((i) => [i.id, i.updatedAt, i.listedAt])).toEqual([['item1', 10, 10], ['item2', 20, 20]])
      expect(await new NoticesStore(db).listDeletions()).toEqual([
        { id: 'gone1:deleted', itemId: 'gone1', itemType: 'note', reason: 'deleted', at: 7, friends: { [g.key]: false, [f.key]: true } },
        { id: 'gone1:left-group', itemId: 'gone1', itemType: 'note', reason: 'left-group', at: 4, friends: { [f.key]: false } }
      ])
      // Every row has a stamp; of the settings, only the person's.
      const log = await db.syncLog.toArray()
      expect(log).toHaveLength(2 + 2 + 1 + 1 + 1 + 1 + 2 + 1 + 2)
      expect(log.filter((e) => e.table === 'settings').map((e) => JSON.parse(e.key)).sort()).toEqual(['profile.displayName', `resync.${f.key}`])
      // The friend's listing still works, and new stamps follow the old ones.
      const items = new ItemsStore(db, clock.now)
      expect((await items.listVisible(f.key, { limit: 10 })).items.map((i) => i.id)).toEqual(['item1', 'item2'])
      await new FriendsStore(db, clock.now).createGroup('work')
      const newest = (await db.syncLog.orderBy('seq').last())!
      expect(log.every((e) => compareStamps(e.stamp, newest.stamp) < 0)).toBe(true)
      // And all of it reaches a new device.
      const fresh = device('B', clock)
      await syncFrom(fresh, { db, key: 'ab'.repeat(32), clock } as unknown as Device)
      expect(await dump(fresh.db)).toEqual(await dump(db))
      expect(await fresh.db.fileChunks.count()).toBe(1)
    } finally {
      await db.delete()
    }
  })
})
